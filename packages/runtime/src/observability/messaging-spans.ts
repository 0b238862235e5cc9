// Spans of the OpenTelemetry messaging conventions for Kafka: `send <topic>` and `process <topic>`.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from '@opentelemetry/api';
import { asError } from '../errors.ts';
import type { HeaderMap } from '../eventing/headers.ts';
import type { IncomingMessage } from '../eventing/transport.ts';
import { activeTracer, NO_SPAN } from './active-tracer.ts';

/** What a send span needs of an encoded message; its headers receive the trace context (traceparent, tracestate). */
export interface TracedMessage {
  readonly topic: string;
  readonly key: string | null;
  readonly headers: HeaderMap;
}

/**
 * Starts the PRODUCER span of one message, a child of the active context, and writes the headers that
 * continue it into the message's headers. While tracing is off: nothing, and undefined.
 */
export function startSendSpan(message: TracedMessage, eventId: string): Span | undefined {
  const tracer = activeTracer();
  if (!tracer) return undefined;
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': message.topic,
    'messaging.message.id': eventId,
  };
  if (message.key !== null) attributes['messaging.kafka.message.key'] = message.key;
  const parent = context.active();
  const span = tracer.startSpan(`send ${message.topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
  propagation.inject(trace.setSpan(parent, span), message.headers);
  return span;
}

/** Ends send spans, as failed when the flush failed. */
export function endSpans(spans: readonly Span[], error?: unknown): void {
  for (const span of spans) {
    if (error !== undefined) failed(span, error);
    span.end();
  }
}

/**
 * Runs `work` in the CONSUMER span `process <topic>`, a child of the trace context in the message's
 * headers (a new trace when it has none); log lines and events published inside belong to it.
 */
export function inProcessSpan<T>(message: IncomingMessage, eventId: string, groupId: string, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work(NO_SPAN);
  const parent = propagation.extract(ROOT_CONTEXT, message.headers);
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': message.topic,
    'messaging.destination.partition.id': String(message.partition),
    'messaging.consumer.group.name': groupId,
    'messaging.kafka.offset': Number(message.offset),
    'messaging.message.id': eventId,
  };
  if (message.key !== null) attributes['messaging.kafka.message.key'] = message.key.toString('utf8');
  return tracer.startActiveSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

function failed(span: Span, error: unknown): void {
  const exception = asError(error);
  span.recordException(exception);
  span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
}
