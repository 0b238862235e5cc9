// <%- generatedHeader %>
import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger } from 'pino';
import type { AppConfig } from './config.ts';

export type Logger = PinoLogger;

/** Structured JSON logs on stdout (or `destination`), one line per entry; `trace_id` and `span_id` while a span is active. */
export function createLogger(config: AppConfig, destination?: DestinationStream): Logger {
  const options = { level: config.log.level, base: { service: config.service.name }, mixin: traceFields };
  return destination ? pino(options, destination) : pino(options);
}

function traceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
