// <%- generatedHeader %>
// Spans of the OpenTelemetry messaging conventions for Kafka: `send <topic>` and `process <topic>`.
import {
  context,
  INVALID_SPAN_CONTEXT,
  propagation,
  ProxyTracerProvider,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import { asError } from '../errors.ts';
import type { HeaderMap } from '../eventing/headers.ts';
import type { IncomingMessage } from '../eventing/transport.ts';

const TRACER_NAME = 'kafka-eventing';
const tracer = () => trace.getTracer(TRACER_NAME);

/** What a span is while nothing traces: records nothing, carries no trace context. */
const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

/**
 * True while neither a tracer provider nor a propagator is registered (tracing off): a span would then
 * be a no-op without a trace context, so a message's work can skip building it and its context.
 */
function tracingOff(): boolean {
  if (propagation.fields().length > 0) return false;
  const provider = trace.getTracerProvider();
  return provider instanceof ProxyTracerProvider && provider.getDelegateTracer(TRACER_NAME) === undefined;
}

/** Starts the PRODUCER span of one message; returns it with the headers (traceparent, tracestate) that continue it. */
export function startSendSpan(topic: string, key: string | null, eventId: string): { span: Span; traceHeaders: HeaderMap } {
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': topic,
    'messaging.message.id': eventId,
  };
  if (key !== null) attributes['messaging.kafka.message.key'] = key;
  const span = tracer().startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes });
  const traceHeaders: HeaderMap = {};
  propagation.inject(trace.setSpan(context.active(), span), traceHeaders);
  return { span, traceHeaders };
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
  if (tracingOff()) return work(NO_SPAN);
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
  return tracer().startActiveSpan(`process ${message.topic}`, { kind: SpanKind.CONSUMER, attributes }, parent, async (span) => {
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
