// The span of one batch handler call: `process <topic>`, linked to the trace of each message it handles.
import { propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Link, type Span } from '@opentelemetry/api';
import { asError } from '../errors.ts';
import { activeTracer, NO_SPAN } from './active-tracer.ts';
import type { IncomingMessage } from '../eventing/transport.ts';

/** At most this many messages of a batch are linked from its span. */
const MAX_LINKS = 128;

/**
 * Runs `work` in the CONSUMER span `process <topic>` of a batch: a new trace (a batch has no single
 * parent) with a link to the trace context of each message's headers, as the messaging conventions ask.
 */
export function inBatchSpan<T>(messages: readonly IncomingMessage[], groupId: string, work: (span: Span) => Promise<T>): Promise<T> {
  const tracer = activeTracer();
  if (!tracer) return work(NO_SPAN);
  const first = messages[0];
  const topic = first?.topic ?? '';
  const attributes: Attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'process',
    'messaging.operation.type': 'process',
    'messaging.destination.name': topic,
    'messaging.destination.partition.id': String(first?.partition ?? ''),
    'messaging.consumer.group.name': groupId,
    'messaging.batch.message_count': messages.length,
  };
  const links: Link[] = [];
  for (const message of messages.slice(0, MAX_LINKS)) {
    const context = trace.getSpanContext(propagation.extract(ROOT_CONTEXT, message.headers));
    if (context) links.push({ context, attributes: { 'messaging.kafka.offset': Number(message.offset) } });
  }
  return tracer.startActiveSpan(`process ${topic}`, { kind: SpanKind.CONSUMER, attributes, links, root: true }, async (span) => {
    try {
      return await work(span);
    } catch (error) {
      const exception = asError(error);
      span.recordException(exception);
      span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
      throw error;
    } finally {
      span.end();
    }
  });
}
