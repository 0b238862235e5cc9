// <%- generatedHeader %>
import { pino, type Logger as PinoLogger } from 'pino';
import type { AppConfig } from './config.ts';

export type Logger = PinoLogger;

/** Structured JSON logs on stdout, one line per entry. */
export function createLogger(config: AppConfig): Logger {
  return pino({ level: config.log.level, base: { service: config.service.name } });
}
