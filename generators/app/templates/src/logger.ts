// <%- generatedHeader %>
import { createLogger as createRuntimeLogger, type Logger } from 'kafka-eventing-runtime';
import type { DestinationStream } from 'pino';
import type { AppConfig } from './config.ts';

export type { Logger };

/** Structured JSON logs on stdout (or `destination`), one line per entry; `trace_id` and `span_id` while a span is active. */
export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  return createRuntimeLogger({ level: config.log.level, serviceName: config.service.name }, destination);
}
