// <%- generatedHeader %>
// GET /metrics on the in-memory transport: the counts after publishing and handling, read as Prometheus text.
import assert from 'node:assert/strict';
<% const awilixImports = [...(subscriptions.length > 0 ? ['asClass'] : []), ...(publishedEvents.length > 0 ? ['asValue'] : [])]; -%>
<% if (awilixImports.length > 0) { -%>
import { <%- awilixImports.join(', ') %> } from 'awilix';
<% } -%>
import { loadConfig, type ConfigOverrides } from '../src/config.ts';
<% const perMessage = subscriptions.filter((s) => s.batch !== true); // batch subscriptions count per batch, see the e2e tests -%>
<% if (subscriptions.length > 0 && (publishedEvents.length > 0 || perMessage.length > 0)) { -%>
import type { EventHandler } from 'kafka-eventing-runtime';
<% } -%>
<% if (perMessage.length > 0) { -%>
import { EventHeaders } from 'kafka-eventing-runtime';
<% } -%>
import { MemoryTransport } from 'kafka-eventing-runtime';
import { startService, type RunningService } from '../src/service.ts';
<% if (subscriptions.length > 0) { -%>
import { handlerRegistrationName<% if (publishedEvents.length > 0) { %>, subscriptionDefinitions<% } %> } from '../src/subscriptions/index.ts';
<% } -%>
<% if (subscriptions.length > 0 && publishedEvents.length > 0) { -%>

/** Stands in for this service's handlers where a test counts only its own publishing (a handler may publish and flush too). */
class QuietHandler implements EventHandler<unknown> {
  handle(): Promise<void> {
    return Promise.resolve();
  }

  /** For a batch subscription. */
  handleBatch(): Promise<{ failed: [] }> {
    return Promise.resolve({ failed: [] });
  }
}
<% } -%>

/** `name{labels} value` lines of a Prometheus text exposition, by name and sorted label text. */
function parseMetrics(text: string): Map<string, number> {
  const samples = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    assert.ok(match, `not a Prometheus sample line: ${line}`);
    const labels = (match[2] ?? '').match(/[a-zA-Z_]+="(?:[^"\\]|\\.)*"/g) ?? [];
    samples.set(`${match[1]}{${labels.sort().join(',')}}`, Number(match[3]));
  }
  return samples;
}

describe('metrics (GET /metrics, in-memory transport)', () => {
  let service: RunningService;
  let transport: MemoryTransport;

  async function start(overrides: ConfigOverrides = {}): Promise<void> {
    transport = new MemoryTransport();
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' }, ...overrides });
    service = await startService(config, { transport });
  }

  async function scrape(): Promise<Map<string, number>> {
    const response = await fetch(`http://127.0.0.1:${service.port}/metrics`);
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/plain/);
    return parseMetrics(await response.text());
  }

  afterEach(() => service.stop());

  it('serves the process metrics', async () => {
    await start();
    const metrics = await scrape();
    assert.ok((metrics.get('process_cpu_user_seconds_total{}') ?? -1) >= 0);
    assert.ok((metrics.get('nodejs_heap_size_used_bytes{}') ?? 0) > 0);
  });

  it('answers 404 when metrics.enabled is false', async () => {
    await start({ metrics: { enabled: false, lagIntervalMs: 1000 } });
    const response = await fetch(`http://127.0.0.1:${service.port}/metrics`);
    assert.equal(response.status, 404);
  });
<% for (const event of publishedEvents) { -%>

  describe('<%- event.name %>', () => {
    const valid = <%- samples[event.name].valid %>;

    it('counts events published and failed, and times the flushes', async () => {
      await start();
<% if (subscriptions.length > 0) { -%>
      for (const { name } of subscriptionDefinitions) service.container.register(handlerRegistrationName(name), asClass(QuietHandler).scoped());
<% } -%>
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-metrics', causationId: null }) });
      const bus = scope.cradle.eventBus;
      bus.publish('<%- event.name %>', valid);
      bus.publish('<%- event.name %>', valid);
      await bus.flushAll();
      const invalid = <%- samples[event.name].invalid %>;
<% if (samples[event.name].invalidBreaksType) { -%>
      // @ts-expect-error -- a payload of the wrong type on purpose: the schema check must refuse it as well
<% } -%>
      bus.publish('<%- event.name %>', invalid);
      await assert.rejects(bus.flushAll());
      await transport.idle();
      await scope.dispose();
      const metrics = await scrape();
      assert.equal(metrics.get('eventing_events_published_total{event_type="<%- event.name %>"}'), 2);
      assert.equal(metrics.get('eventing_events_publish_failed_total{event_type="<%- event.name %>"}'), 1);
      assert.equal(metrics.get('eventing_flush_duration_seconds_count{outcome="success"}'), 1);
      assert.equal(metrics.get('eventing_flush_duration_seconds_count{outcome="failure"}'), 1);
    });
  });
<% } -%>
<% for (const subscription of perMessage) { -%>

  describe('subscription <%- subscription.name %>', () => {
    const labels = 'subscription="<%- subscription.name %>"';
    const message = (eventId: string, value: Buffer) => ({
      topic: '<%- subscription.eventView.topic %>',
      key: null,
      value,
      headers: { [EventHeaders.eventId]: eventId, [EventHeaders.eventType]: '<%- subscription.event %>' },
    });
    const payload = <%- samples[subscription.event].valid %>;
    const valid = Buffer.from(JSON.stringify(payload));

    it('counts handled and undecodable messages, times the handler, and reports a lag of 0 once consumed', async () => {
      await start({ metrics: { enabled: true, lagIntervalMs: 100 } });
      await transport.send([message('e-1', valid), message('e-2', valid), message('e-3', Buffer.from('not an event'))]);
      await transport.idle();
      const lag = `eventing_consumer_lag_messages{group="<%- subscription.groupId %>",partition="0",${labels},topic="<%- subscription.eventView.topic %>"}`;
      let metrics = await scrape();
      for (let tries = 0; metrics.get(lag) !== 0 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        metrics = await scrape();
      }
      assert.equal(metrics.get(`eventing_events_handled_total{${labels}}`), 2);
      assert.equal(metrics.get(`eventing_handler_duration_seconds_count{outcome="success",${labels}}`), 2);
      assert.equal(metrics.get(`eventing_events_dead_lettered_total{reason="undecodable",${labels}}`), 1);
      assert.equal(metrics.get(lag), 0);
    });

    it('counts retries and dead letters of a handler that always fails', async () => {
      const retry = { attempts: 3, initialDelayMs: 1, maxDelayMs: 1, multiplier: 1 };
      await start({ subscriptions: { <%- subscription.name %>: { retry } } });
      class FailingHandler implements EventHandler<unknown> {
        handle(): Promise<void> {
          return Promise.reject(new Error('planned failure'));
        }
      }
      service.container.register(handlerRegistrationName('<%- subscription.name %>'), asClass(FailingHandler).scoped());
      await transport.send([message('e-failing-1', valid), message('e-failing-2', valid)]);
      await transport.idle();
      const metrics = await scrape();
      assert.equal(metrics.get(`eventing_events_handled_total{${labels}}`), undefined);
      assert.equal(metrics.get(`eventing_events_retried_total{${labels}}`), 4);
      assert.equal(metrics.get(`eventing_events_dead_lettered_total{reason="handler",${labels}}`), 2);
      assert.equal(metrics.get(`eventing_handler_duration_seconds_count{outcome="failure",${labels}}`), 6);
      const deadLetterTopic = '<%- subscription.deadLetterTopic %>';
      const deadLetters = () => transport.messages(deadLetterTopic).filter((sent) => sent.headers[EventHeaders.eventId]?.startsWith('e-failing-'));
<% if (service.database) { -%>
      // With a database the dead letters are recorded in the outbox (shared by this run's tests: only this
      // test's are counted), and the relay sends them.
      for (let tries = 0; deadLetters().length < 2 && tries < 100; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
<% } -%>
      assert.equal(deadLetters().length, 2);
    });
  });
<% } -%>
});
