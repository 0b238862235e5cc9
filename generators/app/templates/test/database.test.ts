// <%- generatedHeader %>
// The unit of work on the real PostgreSQL of config/test.json (a database of its own per run) and the
// in-memory transport: rows and events commit together or not at all; the relay sends the outbox.
// First: gives the run its own database before the configuration is read.
import './support/database.ts';
import assert from 'node:assert/strict';
import { <% if (subscriptions.length > 0) { %>asFunction, <% } %>asValue, type AwilixContainer } from 'awilix';
import { loadConfig } from '../src/config.ts';
import type { Cradle } from '../src/container.ts';
import { MemoryTransport } from 'kafka-eventing-runtime';
import { startService, type RunningService } from '../src/service.ts';
<% if (subscriptions.length > 0) { -%>
import { handlerRegistrationName } from '../src/subscriptions/index.ts';
<% } -%>

describe('unit of work (PostgreSQL)', () => {
  let service: RunningService;
  let transport: MemoryTransport;

  beforeEach(async () => {
    transport = new MemoryTransport();
    const config = loadConfig({
      service: { port: 0 },
      log: { level: 'silent' },
      eventing: { transport: 'memory' },
      database: { outbox: { lanes: 4, pollIntervalMs: 50, batchSize: 100, retryDelayMs: 50, retentionHours: 24 } },
    });
    service = await startService(config, { transport });
    await service.container.cradle.databasePool.query('CREATE TABLE IF NOT EXISTS uow_test (id text PRIMARY KEY)');
  });

  afterEach(() => service.stop());

  function openScope(): AwilixContainer<Cradle> {
    const scope = service.container.createScope<Cradle>();
    scope.register({ messageContext: asValue({ correlationId: 'c-db', causationId: null }) });
    return scope;
  }

  async function count(sql: string): Promise<number> {
    const result = await service.container.cradle.databasePool.query<{ n: string }>(sql);
    return Number(result.rows[0]?.n ?? 0);
  }

  it('migrated the outbox and inbox tables at start', async () => {
    assert.equal(await count("SELECT count(*) AS n FROM pgmigrations WHERE name LIKE '%eventing-outbox-inbox'"), 1);
    assert.equal(await count('SELECT count(*) AS n FROM outbox'), 0);
    assert.equal(await count('SELECT count(*) AS n FROM inbox'), 0);
  });

  it('commits the rows of a completed unit of work; rolls back those of an aborted one', async () => {
    const done = openScope();
    await done.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['kept']);
    await done.cradle.unitOfWork.complete();
    await done.dispose();
    const failed = openScope();
    await failed.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['dropped']);
    await failed.cradle.unitOfWork.abort();
    await failed.dispose();
    assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'kept'"), 1);
    assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'dropped'"), 0);
  });

  it('does not report a commit when a failed statement had aborted the transaction', async () => {
    const scope = openScope();
    await scope.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['before-failure']);
    await assert.rejects(scope.cradle.db.query('SELECT 1 / 0'), /division by zero/);
    await assert.rejects(scope.cradle.unitOfWork.complete(), /rolled back/);
    await scope.dispose();
    assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'before-failure'"), 0);
  });
<% const sample = publishedEvents[0]; if (sample) { -%>

  describe('<%- sample.name %>', () => {
    const topic = '<%- sample.topic %>';
    const valid = <%- samples[sample.name].valid %>;

    it('writes a <%- sample.name %> into the outbox with the row; the relay sends it once', async () => {
      const scope = openScope();
      await scope.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['with-event']);
      const eventId = scope.cradle.eventBus.publish('<%- sample.name %>', valid);
      await scope.cradle.unitOfWork.complete();
      await scope.dispose();
      const sent = await waitFor(() => transport.messages(topic).find((message) => message.headers['event-id'] === eventId));
      assert.equal(sent.headers['event-type'], '<%- sample.name %>');
      await waitFor(async () => ((await count('SELECT count(*) AS n FROM outbox WHERE sent_at IS NULL')) === 0 ? true : undefined));
      assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'with-event'"), 1);
    });

    it('writes neither the row nor the event when the operation fails after publishing', async () => {
      const scope = openScope();
      await scope.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['failed-op']);
      const eventId = scope.cradle.eventBus.publish('<%- sample.name %>', valid);
      await scope.cradle.unitOfWork.abort();
      await scope.dispose();
      assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'failed-op'"), 0);
      assert.equal(await count(`SELECT count(*) AS n FROM outbox WHERE event_id = '${eventId}'`), 0);
      await transport.idle();
      assert.equal(transport.messages(topic).length, 0);
    });

    it('rolls the rows back when an event breaks its schema', async () => {
      const scope = openScope();
      await scope.cradle.db.query('INSERT INTO uow_test (id) VALUES ($1)', ['invalid-event']);
      const invalid = <%- samples[sample.name].invalid %>;
<% if (samples[sample.name].invalidBreaksType) { -%>
      // @ts-expect-error -- a payload of the wrong type on purpose: the schema check must refuse it as well
<% } -%>
      scope.cradle.eventBus.publish('<%- sample.name %>', invalid);
      await assert.rejects(scope.cradle.unitOfWork.complete(), /<%- samples[sample.name].invalidField %>/);
      await scope.dispose();
      assert.equal(await count("SELECT count(*) AS n FROM uow_test WHERE id = 'invalid-event'"), 0);
    });

    it('with database.delivery direct, sends the events after the commit and writes no outbox row', async () => {
      await service.stop();
      transport = new MemoryTransport();
      service = await startService(
        loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' }, database: { delivery: 'direct' } }),
        { transport },
      );
      const scope = openScope();
      const eventId = scope.cradle.eventBus.publish('<%- sample.name %>', valid);
      await scope.cradle.unitOfWork.complete();
      await scope.dispose();
      assert.ok(
        transport.messages(topic).some((message) => message.headers['event-id'] === eventId),
        'sent when complete() resolved',
      );
      assert.equal(await count(`SELECT count(*) AS n FROM outbox WHERE event_id = '${eventId}'`), 0);
    });
  });
<% } -%>
<% const subscription = subscriptions[0]; if (subscription) { -%>

  it('records a handled <%- subscription.event %> in the inbox once; a redelivery is only acknowledged', async () => {
    let runs = 0;
    const subscriptionName = '<%- subscription.name %>';
    const countingHandler = asFunction(() => ({ handle: async () => void (runs += 1) })).scoped();
    service.container.register(handlerRegistrationName(subscriptionName), countingHandler);
    const payload = <%- samples[subscription.event].valid %>;
    const message = {
      topic: '<%- subscription.eventView.topic %>',
      key: null,
      value: Buffer.from(JSON.stringify(payload)),
      headers: { 'event-id': 'inbox-e-1', 'event-type': '<%- subscription.event %>' },
    };
    await transport.send([message]);
    await transport.idle();
    await transport.send([message]);
    await transport.idle();
    assert.equal(runs, 1, 'the handler ran for the first delivery only');
    assert.equal(await count(`SELECT count(*) AS n FROM inbox WHERE subscription = '${subscriptionName}' AND event_id = 'inbox-e-1'`), 1);
    assert.equal(transport.messages('<%- subscription.deadLetterTopic %>').length, 0);
  });

  it('handles a <%- subscription.event %> while requests hold every connection of their pool', async () => {
    await service.stop();
    transport = new MemoryTransport();
    service = await startService(
      loadConfig({
        service: { port: 0 },
        log: { level: 'silent' },
        eventing: { transport: 'memory' },
        database: { poolSize: 2, connectionTimeoutMs: 1000 },
      }),
      { transport },
    );
    let runs = 0;
    const queryingHandler = asFunction(({ db }: Cradle) => ({
      handle: async () => {
        await db.query('SELECT 1');
        runs += 1;
      },
    })).scoped();
    service.container.register(handlerRegistrationName('<%- subscription.name %>'), queryingHandler);
    const payload = <%- samples[subscription.event].valid %>;
    const { databasePool } = service.container.cradle;
    const held = await Promise.all([databasePool.connect(), databasePool.connect()]);
    try {
      await transport.send([
        {
          topic: '<%- subscription.eventView.topic %>',
          key: null,
          value: Buffer.from(JSON.stringify(payload)),
          headers: { 'event-id': 'pool-e-1', 'event-type': '<%- subscription.event %>' },
        },
      ]);
      await transport.idle();
    } finally {
      for (const client of held) client.release();
    }
    assert.equal(runs, 1, 'the handler ran on a connection of the subscriptions');
    assert.equal(transport.messages('<%- subscription.deadLetterTopic %>').length, 0);
  });
<% } -%>
});
<% if (publishedEvents.length > 0) { -%>

async function waitFor<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
<% } -%>
