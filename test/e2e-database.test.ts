/**
 * A generated service with `--database postgres` against the real PostgreSQL and the real broker:
 * rows and events commit together (transactional outbox), the relay gets them to Kafka through a broker
 * outage, kill -9 and a second replica, and the inbox turns redeliveries into no-ops. Each test has a
 * database, topics and a consumer group of its own.
 */
import assert from 'node:assert/strict';
import { copyFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { readTopic, topicSize } from './support/kafka.js';
import { writeJobRequests } from './support/jobs.js';
import { LEDGER_FIXTURES, useLedger } from './support/ledger.js';
import { createDatabase } from './support/postgres.js';
import { CLIENT_VARIANTS } from './support/clients.js';
import { eventually, generate, linkDependencies, npm, sleep, startServiceProcess, tempDir } from './support/service.js';

for (const { kafkaClient, suffix } of CLIENT_VARIANTS)
  describe(`database: transactional outbox and inbox, ${kafkaClient} @kafka`, function () {
    this.timeout(600_000);
    const name = `ledger${suffix}`;
    const ledger = useLedger({ name, kafkaClient });
    const { database, start, post, postLanes, decodeAll, assertOnTopic } = ledger;

    it('an operation that fails after publish: no row, no outbox entry, nothing on the topic', async () => {
      const db = await database('fail');
      const service = await start('fail', db);
      const failed = await post(service, { lane: 'f', mode: 'fail-after-publish' });
      assert.equal(failed.status, 500);
      const ok = await post(service, { lane: 'f', seq: 1 });
      assert.equal(ok.status, 201);
      const onTopic = await eventually(
        async () => ((await topicSize(ledger.stack, `${name}-fail`)) >= 1 ? readTopic(ledger.stack, `${name}-fail`) : undefined),
        30_000,
        'the ok event',
      );
      await sleep(1500);
      assert.equal(await topicSize(ledger.stack, `${name}-fail`), 1, 'only the ok event reached the topic');
      assert.deepEqual(
        (await decodeAll(onTopic)).map((event) => event.jobId),
        [ok.jobId],
      );
      assert.equal(await db.count('SELECT count(*) FROM jobs'), 1);
      assert.equal(await db.count('SELECT count(*) FROM jobs WHERE job_id = $1', [ok.jobId]), 1);
      assert.equal(await db.count('SELECT count(*) FROM outbox'), 1, 'one outbox row: the ok event');
      assert.equal(await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL'), 0);
    });

    it('Kafka stopped while 1,000 requests write a row and publish: all succeed, outbox holds 1,000; Kafka back: all on the topic in per-key order', async () => {
      const db = await database('outage');
      const service = await start('outage', db, { config: { kafka: { producer: { sendTimeoutMs: 4000 } } } });
      const lanes = 10;
      const perLane = 100;
      await ledger.stack.stopBroker();
      let restarted = false;
      try {
        const began = Date.now();
        const created = await postLanes([service], lanes, perLane);
        const took = Date.now() - began;
        assert.equal(created, lanes * perLane);
        assert.equal(await db.count('SELECT count(*) FROM jobs'), lanes * perLane);
        assert.equal(await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL'), lanes * perLane, 'the outbox holds every event');
        const ready = (await (await fetch(`http://127.0.0.1:${service.port}/health/ready`)).json()) as { database: { outboxPending: number } };
        assert.equal(ready.database.outboxPending, lanes * perLane, 'health shows the outbox depth');
        const backAt = Date.now();
        await ledger.stack.startBroker();
        restarted = true;
        const upAt = Date.now();
        await eventually(
          async () => ((await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL')) === 0 ? true : undefined),
          180_000,
          'the outbox to drain',
        );
        const drained = Date.now() - upAt;
        const brokerStart = upAt - backAt;
        const duplicates = await assertOnTopic(`${name}-outage`, lanes, perLane);
        // A send that timed out while the broker was away may still land later (kafkajs retries it), and its
        // rows are sent again: at least once, duplicates are whole batches, the inbox makes them no-ops.
        process.stderr.write(
          `      broker down: ${created} requests succeeded in ${took} ms (all 201), outbox ${lanes * perLane}; broker started in ${brokerStart} ms, then outbox drained in ${drained} ms, 0 lost, ${duplicates} duplicates\n`,
        );
      } finally {
        if (!restarted) await ledger.stack.startBroker();
      }
    });

    it('a handler that throws after writing rows: its rows rolled back, the message retried, then dead-lettered', async () => {
      const db = await database('throw');
      const service = await start('throw', db);
      const poison = await post(service, { lane: 't', mode: 'throw-after-write' });
      const after = await post(service, { lane: 't', seq: 1 });
      await eventually(
        async () => ((await db.count('SELECT count(*) FROM handled WHERE job_id = $1', [after.jobId])) === 1 ? true : undefined),
        60_000,
        'the next event handled',
      );
      assert.equal(await db.count('SELECT count(*) FROM handled WHERE job_id = $1', [poison.jobId]), 0, 'no row of the failing handler');
      // The dead letter was recorded in the outbox with the inbox row; the relay sends it.
      const dead = await eventually(
        async () =>
          (await topicSize(ledger.stack, `${name}-throw.dead-letter`).catch(() => 0)) >= 1
            ? readTopic(ledger.stack, `${name}-throw.dead-letter`)
            : undefined,
        30_000,
        'the dead letter',
      );
      assert.equal(dead.length, 1);
      assert.equal(dead[0]?.headers['dead-letter-attempts'], '3');
      assert.match(dead[0]?.headers['dead-letter-error-message'] ?? '', /planned failure .* after writing/);
      assert.match(service.output(), /handler failed; retrying[\s\S]*handler failed; retrying/);
      assert.deepEqual(
        await db.query("SELECT outcome, count(*)::int AS count FROM inbox WHERE subscription = 'JobRequested' GROUP BY outcome ORDER BY outcome"),
        [
          { outcome: 'dead-lettered', count: 1 },
          { outcome: 'handled', count: 1 },
        ],
        'the inbox holds the handled event and the dead-lettered one',
      );
    });

    it('consumer killed with kill -9 mid-stream of 10,000 events whose handler inserts a row each: exactly one row per event after restart', async () => {
      const db = await database('kill');
      const total = 10_000;
      const topic = `${name}-kill`;
      await writeJobRequests(
        ledger.stack,
        path.join(ledger.serviceDir, 'schemas', `${name}.job-requested-value.schema.json`),
        topic,
        total,
        (seq) => `k${seq % 3}`,
      );
      let service = await start('kill', db, { subscription: { concurrency: 3 } });
      await eventually(async () => ((await db.count('SELECT count(*) FROM handled')) >= 3000 ? true : undefined), 180_000, '3000 events handled');
      service.signal('SIGKILL');
      assert.equal(await service.exited, 'SIGKILL');
      const atKill = await db.count('SELECT count(*) FROM handled');
      assert.ok(atKill < total, 'killed before the end');
      service = await start('kill', db, { subscription: { concurrency: 3 } });
      await eventually(
        async () => ((await db.count('SELECT count(DISTINCT seq) FROM handled')) >= total ? true : undefined),
        300_000,
        'every event handled',
      );
      await sleep(2000);
      const rows = await db.count('SELECT count(*) FROM handled');
      const pids = await db.count('SELECT count(DISTINCT pid) FROM handled');
      const skipped = service
        .output()
        .split('\n')
        .filter((line) => line.includes('already handled (inbox)')).length;
      process.stderr.write(
        `      kill -9 after ${atKill} of ${total} rows: ${rows} rows after restart (${rows - total} duplicate effects); ${skipped} redeliveries acknowledged by the inbox without the handler\n`,
      );
      assert.equal(rows, total, 'exactly one row per event');
      assert.ok(skipped > 0, 'the kill left handled but uncommitted messages, redelivered and skipped');
      assert.equal(pids, 2);
      assert.equal(await db.count('SELECT count(*) FROM inbox'), total);
    });

    it('relay killed with kill -9 mid-drain, restarted: 0 lost, duplicates counted', async () => {
      const db = await database('relaykill');
      const lanes = 10;
      const perLane = 100;
      const small = { database: { outbox: { lanes: 8, pollIntervalMs: 500, batchSize: 5, retryDelayMs: 500, retentionHours: 24 } } };
      const service = await start('relaykill', db, small);
      await ledger.stack.stopBroker();
      try {
        await postLanes([service], lanes, perLane);
      } finally {
        await ledger.stack.startBroker();
      }
      await eventually(
        async () => ((await topicSize(ledger.stack, `${name}-relaykill`).catch(() => 0)) >= 100 ? true : undefined),
        120_000,
        'the drain to start',
      );
      service.signal('SIGKILL');
      await service.exited;
      const pendingAtKill = await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL');
      assert.ok(pendingAtKill > 0, 'killed mid-drain');
      await start('relaykill', db, small);
      await eventually(
        async () => ((await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL')) === 0 ? true : undefined),
        180_000,
        'the outbox to drain',
      );
      const duplicates = await assertOnTopic(`${name}-relaykill`, lanes, perLane);
      process.stderr.write(
        `      relay killed with ${pendingAtKill} of ${lanes * perLane} unsent: 0 lost, ${duplicates} sent twice (batch size 5)\n`,
      );
      assert.ok(duplicates <= 8 * 5, `${duplicates} duplicates: more than one batch per lane`);
    });

    it('two replicas relaying the same outbox: every event once, per-key order kept', async () => {
      const db = await database('replicas');
      const quickLog = { config: { database: { cleanupIntervalMs: 300 } } };
      const lanes = 10;
      const perLane = 50;
      // The backlog is written with the broker down by two replicas, which are then killed: no send of theirs
      // is still under way when the broker is back (one that timed out could land later and count as a duplicate).
      const writers = [await start('replicas', db, quickLog), await start('replicas', db, quickLog)];
      await ledger.stack.stopBroker();
      try {
        await postLanes(writers, lanes, perLane);
        for (const writer of writers) writer.signal('SIGKILL');
        await Promise.all(writers.map((writer) => writer.exited));
      } finally {
        await ledger.stack.startBroker();
      }
      assert.equal(await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL'), lanes * perLane);
      const relays = await Promise.all([start('replicas', db, quickLog), start('replicas', db, quickLog)]);
      await eventually(
        async () => ((await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL')) === 0 ? true : undefined),
        180_000,
        'the outbox to drain',
      );
      const duplicates = await assertOnTopic(`${name}-replicas`, lanes, perLane);
      await sleep(1000);
      const sentBy = relays.map((relay) => {
        const lines = relay
          .output()
          .split('\n')
          .filter((line) => line.includes('"msg":"outbox depth"'));
        return (JSON.parse(lines.at(-1) ?? '{"sentSinceStart":0}') as { sentSinceStart: number }).sentSinceStart;
      });
      process.stderr.write(
        `      two replicas relayed ${lanes * perLane} events (${sentBy.join(' + ')}): 0 lost, ${duplicates} duplicates, per-key order kept\n`,
      );
      assert.equal(duplicates, 0, 'every event sent once');
      assert.equal(
        sentBy.reduce((sum, sent) => sum + sent, 0),
        lanes * perLane,
        'the relays together sent each event once',
      );
    });

    it('refuses to start without its database (naming host and database) and with a failing migration (naming it)', async () => {
      const unreachable = await startServiceProcess(
        ledger.serviceDir,
        {
          DATABASE_HOST: '127.0.0.1',
          DATABASE_PORT: '1',
          DATABASE_NAME: 'nowhere',
          KAFKA_BROKERS: ledger.stack.brokers,
          SCHEMA_REGISTRY_URL: ledger.stack.registryUrl,
        },
        { readyTimeoutMs: 20_000 },
      ).then(
        () => assert.fail('started without a database'),
        (error: Error) => error.message,
      );
      assert.match(unreachable, /did not start: cannot reach database "nowhere" on 127\.0\.0\.1:1/);
      const db = await database('broken');
      copyFileSync(path.join(LEDGER_FIXTURES, '1767225600002_broken.sql'), path.join(ledger.serviceDir, 'migrations/1767225600002_broken.sql'));
      try {
        const broken = await startServiceProcess(
          ledger.serviceDir,
          { ...db.env, KAFKA_BROKERS: ledger.stack.brokers, SCHEMA_REGISTRY_URL: ledger.stack.registryUrl },
          { readyTimeoutMs: 20_000 },
        ).then(
          () => assert.fail('started with a failing migration'),
          (error: Error) => error.message,
        );
        assert.match(broken, /did not start: migration 1767225600002_broken failed/);
        assert.match(broken, /no_such_table/);
        assert.equal(
          await db.count("SELECT count(*) FROM information_schema.tables WHERE table_name = 'outbox'"),
          0,
          'all pending migrations rolled back',
        );
      } finally {
        rmSync(path.join(ledger.serviceDir, 'migrations/1767225600002_broken.sql'));
      }
    });
  });

describe('a generated service with a database: its own tests on the real PostgreSQL', function () {
  this.timeout(300_000);

  it('npm test passes (unit of work, outbox relay, direct mode, inbox, health), and drops the database it created', async () => {
    const workspace = tempDir('shop-db');
    await generate(workspace, 'app', ['shop'], { database: 'postgres' });
    const serviceDir = path.join(workspace, 'shop');
    await generate(serviceDir, 'event', ['OrderPlaced'], { fields: 'orderId:uuid, total:number, note?:string', key: 'orderId' });
    await generate(serviceDir, 'subscription', [], { event: 'OrderPlaced' });
    await linkDependencies(serviceDir);
    const { stdout } = await npm(serviceDir, 'test');
    assert.match(stdout, /unit of work \(PostgreSQL\)/);
    assert.match(stdout, /records a handled OrderPlaced in the inbox once/);
    assert.doesNotMatch(stdout, /failing/);
    const leftover = await createDatabase(serviceDir, 'probe');
    try {
      assert.equal(await leftover.count("SELECT count(*) FROM pg_database WHERE datname LIKE 'shop_test_%'"), 0, 'the run dropped its database');
    } finally {
      await leftover.drop();
    }
  });
});
