import { isSpanContextValid, trace } from '@opentelemetry/api';
import { pino, type DestinationStream, type Logger as PinoLogger, type LevelWithSilent } from 'pino';

export type Logger = PinoLogger;

export interface LoggerOptions {
  readonly level: LevelWithSilent;
  /** Written as `service` on every line. */
  readonly serviceName: string;
}

/** Structured JSON logs on stdout (or `destination`), one line per entry; `trace_id` and `span_id` while a span is active. */
export function createLogger({ level, serviceName }: LoggerOptions, destination?: DestinationStream): Logger {
  const options = { level, base: { service: serviceName }, mixin: traceFields };
  return destination ? pino(options, destination) : pino(options);
}

function traceFields(): Record<string, string> {
  const spanContext = trace.getActiveSpan()?.spanContext();
  if (!spanContext || !isSpanContextValid(spanContext)) return {};
  return { trace_id: spanContext.traceId, span_id: spanContext.spanId };
}
