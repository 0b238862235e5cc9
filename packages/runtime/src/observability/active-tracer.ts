// The tracer of the service's own spans. startTracing sets it and its shutdown clears it: while none is set,
// tracing is off, and the messaging and HTTP code build no span, no context and no trace header at all.
import { INVALID_SPAN_CONTEXT, trace, type Span, type Tracer } from '@opentelemetry/api';

export const TRACER_NAME = 'kafka-eventing';

/** What a span is while nothing traces: records nothing, carries no trace context. */
export const NO_SPAN: Span = trace.wrapSpanContext(INVALID_SPAN_CONTEXT);

let current: Tracer | undefined;

/** Called by startTracing with the registered provider's tracer, and with undefined by its shutdown. */
export function useTracer(tracer: Tracer | undefined): void {
  current = tracer;
}

/** The service's tracer while tracing is on; undefined while it is off. */
export function activeTracer(): Tracer | undefined {
  return current;
}
