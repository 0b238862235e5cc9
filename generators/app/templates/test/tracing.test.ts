// <%- generatedHeader %>
// Traces through the in-memory transport, exported to an in-memory span exporter, and trace ids in the logs.
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { SpanKind, trace } from '@opentelemetry/api';
import { BatchSpanProcessor, InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
<% const traced = subscriptions.filter((s) => s.batch !== true); // batch subscriptions: one span per batch, see the e2e tests -%>
<% const tracedLoop = traced.find((s) => publishedEvents.some((e) => e.name === s.event)); -%>
<% const awilixImports = [...(traced.length > 0 ? ['asClass'] : []), ...(publishedEvents.length > 0 ? ['asValue'] : [])]; -%>
<% if (awilixImports.length > 0) { -%>
import { <%- awilixImports.join(', ') %> } from 'awilix';
<% } -%>
import { loadConfig } from '../src/config.ts';
<% if (traced.length > 0) { -%>
import type { EventHandler } from 'kafka-eventing-runtime';
import { EventHeaders } from 'kafka-eventing-runtime';
<% } -%>
import { MemoryTransport } from 'kafka-eventing-runtime';
import { createLogger } from '../src/logger.ts';
import { startService, type RunningService } from '../src/service.ts';
<% if (traced.length > 0) { -%>
import { handlerRegistrationName } from '../src/subscriptions/index.ts';
<% } -%>

<% if (publishedEvents.length > 0) { -%>
function restoreEnvironment(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}

<% } -%>
describe('tracing (in-memory span exporter)', () => {
  let service: RunningService;
  let transport: MemoryTransport;
  let exporter: InMemorySpanExporter;

  beforeEach(async () => {
    transport = new MemoryTransport();
    exporter = new InMemorySpanExporter();
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport, spanExporter: exporter });
  });

  afterEach(() => service.stop());

  const spanNamed = (name: string): ReadableSpan => {
    const span = exporter.getFinishedSpans().find((candidate) => candidate.name === name);
    const names = exporter.getFinishedSpans().map((s) => s.name);
    assert.ok(span, `a span named ${name} among ${names.join(', ')}`);
    return span;
  };

  it('writes trace_id and span_id into the log lines of an active span', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger(loadConfig({ log: { level: 'info' } }), destination);
    logger.info('outside');
    const ids = trace.getTracer('test').startActiveSpan('work', (span) => {
      logger.info('inside');
      span.end();
      return span.spanContext();
    });
    const [outside, inside] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    assert.equal(outside?.trace_id, undefined);
    assert.equal(inside?.trace_id, ids.traceId);
    assert.equal(inside?.span_id, ids.spanId);
  });

  it("traces an HTTP request in a SERVER span that continues the caller's traceparent", async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    await fetch(`http://127.0.0.1:${service.port}/no-such-route`, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } });
    const span = spanNamed('GET');
    assert.equal(span.kind, SpanKind.SERVER);
    assert.equal(span.spanContext().traceId, traceId);
    assert.equal(span.parentSpanContext?.spanId, 'b7ad6b7169203331');
    assert.equal(span.attributes['http.response.status_code'], 404);
  });

  it('hands the spans to an injected span processor instead (a BatchSpanProcessor: exported in batches)', async () => {
    await service.stop();
    const batchExporter = new InMemorySpanExporter();
    const processor = new BatchSpanProcessor(batchExporter);
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport, spanProcessor: processor });
    await fetch(`http://127.0.0.1:${service.port}/no-such-route`);
    assert.equal(batchExporter.getFinishedSpans().length, 0, 'held for the next batch');
    await processor.forceFlush();
    const exported = batchExporter.getFinishedSpans().map((span) => span.name);
    assert.deepEqual(exported, ['GET']);
  });
<% for (const event of publishedEvents) { -%>

  describe('<%- event.name %>', () => {
    const valid = <%- samples[event.name].valid %>;

    it('sends it in a PRODUCER span "send <%- event.topic %>", child of the active span, with traceparent in its headers', async () => {
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-trace', causationId: null }) });
      const parent = await trace.getTracer('test').startActiveSpan('request', async (span) => {
        const eventId = scope.cradle.eventBus.publish('<%- event.name %>', valid);
        await scope.cradle.eventBus.flushAll();
        span.end();
        return { eventId, context: span.spanContext() };
      });
      await transport.idle();
      await scope.dispose();
      const send = spanNamed('send <%- event.topic %>');
      assert.equal(send.kind, SpanKind.PRODUCER);
      assert.equal(send.spanContext().traceId, parent.context.traceId);
      assert.equal(send.parentSpanContext?.spanId, parent.context.spanId);
      assert.equal(send.resource.attributes['service.name'], '<%- service.name %>');
      assert.equal(send.attributes['messaging.system'], 'kafka');
      assert.equal(send.attributes['messaging.operation.name'], 'send');
      assert.equal(send.attributes['messaging.operation.type'], 'send');
      assert.equal(send.attributes['messaging.destination.name'], '<%- event.topic %>');
      assert.equal(send.attributes['messaging.message.id'], parent.eventId);
      const [message] = transport.messages('<%- event.topic %>');
      assert.equal(message?.headers.traceparent, `00-${parent.context.traceId}-${send.spanContext().spanId}-01`);
    });

    it('sends it without trace headers and without a span once tracing is off (a service restarted without an exporter)', async () => {
      await service.stop();
      const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' }, tracing: { exporter: 'off' } });
      service = await startService(config, { transport });
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-off', causationId: null }) });
      await trace.getTracer('test').startActiveSpan('request', async (span) => {
        scope.cradle.eventBus.publish('<%- event.name %>', valid);
        await scope.cradle.eventBus.flushAll();
        span.end();
      });
      await transport.idle();
      await scope.dispose();
      const [message] = transport.messages('<%- event.topic %>');
      assert.ok(message, 'the event was sent');
      assert.equal(message.headers.traceparent, undefined);
      assert.deepEqual(
        exporter.getFinishedSpans().map((span) => span.name),
        [],
      );
    });

    it('samples as OTEL_TRACES_SAMPLER says: a trace sampled out exports no span, and its traceparent tells the consumers so', async () => {
      await service.stop();
      const saved = { sampler: process.env.OTEL_TRACES_SAMPLER, ratio: process.env.OTEL_TRACES_SAMPLER_ARG };
      process.env.OTEL_TRACES_SAMPLER = 'parentbased_traceidratio';
      process.env.OTEL_TRACES_SAMPLER_ARG = '0';
      try {
        const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
        service = await startService(config, { transport, spanExporter: exporter });
      } finally {
        restoreEnvironment('OTEL_TRACES_SAMPLER', saved.sampler);
        restoreEnvironment('OTEL_TRACES_SAMPLER_ARG', saved.ratio);
      }
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-sampled-out', causationId: null }) });
      scope.cradle.eventBus.publish('<%- event.name %>', valid);
      await scope.cradle.eventBus.flushAll();
      await transport.idle();
      await scope.dispose();
      const [message] = transport.messages('<%- event.topic %>');
      assert.match(message?.headers.traceparent ?? '', /^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/, 'a traceparent whose flags say: not sampled');
      assert.deepEqual(
        exporter.getFinishedSpans().map((span) => span.name),
        [],
      );
    });
  });
<% } -%>
<% for (const subscription of traced) { -%>

  it('handles <%- subscription.event %> for <%- subscription.name %> in a CONSUMER span "process <%- subscription.eventView.topic %>" continuing the message\'s traceparent', async () => {
    const payload = <%- samples[subscription.event].valid %>;
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    await transport.send([
      {
        topic: '<%- subscription.eventView.topic %>',
        key: 'k-1',
        value: Buffer.from(JSON.stringify(payload)),
        headers: { [EventHeaders.eventId]: 'e-trace', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      },
    ]);
    await transport.idle();
    const process = exporter.getFinishedSpans().find((s) => s.attributes['messaging.consumer.group.name'] === '<%- subscription.groupId %>');
    assert.ok(process);
    assert.equal(process.name, 'process <%- subscription.eventView.topic %>');
    assert.equal(process.kind, SpanKind.CONSUMER);
    assert.equal(process.spanContext().traceId, traceId);
    assert.equal(process.parentSpanContext?.spanId, '00f067aa0ba902b7');
    const messaging = Object.entries(process.attributes).filter(([name]) => name.startsWith('messaging.'));
    assert.deepEqual(Object.fromEntries(messaging), {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': '<%- subscription.eventView.topic %>',
      'messaging.destination.partition.id': '0',
      'messaging.consumer.group.name': '<%- subscription.groupId %>',
      'messaging.kafka.offset': 0,
      'messaging.kafka.message.key': 'k-1',
      'messaging.message.id': 'e-trace',
    });
  });

  it('records the retries and the dead-lettering of <%- subscription.name %> as events of the process span', async () => {
    class FailingHandler implements EventHandler<unknown> {
      handle(): Promise<void> {
        return Promise.reject(new Error('planned failure'));
      }
    }
    service.container.register(handlerRegistrationName('<%- subscription.name %>'), asClass(FailingHandler).scoped());
    const payload = <%- samples[subscription.event].valid %>;
    await transport.send([{ topic: '<%- subscription.eventView.topic %>', key: null, value: Buffer.from(JSON.stringify(payload)), headers: {} }]);
    await transport.idle();
    const process = exporter.getFinishedSpans().find((s) => s.attributes['messaging.consumer.group.name'] === '<%- subscription.groupId %>');
    assert.deepEqual(
      process?.events.map((event) => [event.name, event.attributes?.['messaging.retry.attempt'] ?? event.attributes?.['messaging.destination.name']]),
      [
        ['retry', 1],
        ['retry', 2],
        ['dead_letter', '<%- subscription.deadLetterTopic %>'],
      ],
    );
  });
<% } -%>
<% if (tracedLoop) { -%>

  it('follows <%- tracedLoop.event %> in one trace from publish to the <%- tracedLoop.name %> handler', async () => {
    const scope = service.container.createScope();
    scope.register({ messageContext: asValue({ correlationId: 'c-loop', causationId: null }) });
    const payload = <%- samples[tracedLoop.event].valid %>;
    await trace.getTracer('test').startActiveSpan('request', async (span) => {
      scope.cradle.eventBus.publish('<%- tracedLoop.event %>', payload);
      await scope.cradle.eventBus.flushAll();
      span.end();
    });
    await transport.idle();
    await scope.dispose();
    const request = spanNamed('request');
    const send = spanNamed('send <%- tracedLoop.eventView.topic %>');
    const process = exporter.getFinishedSpans().find((s) => s.attributes['messaging.consumer.group.name'] === '<%- tracedLoop.groupId %>');
    assert.ok(process);
    assert.equal(send.parentSpanContext?.spanId, request.spanContext().spanId);
    assert.equal(process.parentSpanContext?.spanId, send.spanContext().spanId);
    assert.equal(new Set([request, send, process].map((span) => span.spanContext().traceId)).size, 1);
  });
<% } -%>
});
