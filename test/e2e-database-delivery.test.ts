/**
 * A generated `--database postgres` service against the real PostgreSQL, broker and registry: dead
 * letters recorded in the inbox (a redelivery after the dead-letter write neither runs the handler nor
 * writes a second dead letter), and the outbox/inbox path with Avro.
 */
import assert from 'node:assert/strict';
import { readTopic, registryGet, topicSize } from './support/kafka.js';
import { useLedger } from './support/ledger.js';
import { eventually, sleep } from './support/service.js';

describe('database: dead letters recorded in the inbox @kafka', function () {
  this.timeout(600_000);
  const ledger = useLedger();

  it('killed -9 after the dead-letter write, before its offset commit: the redelivery is acknowledged, no handler run, no second dead letter', async () => {
    const db = await ledger.database('deadletter');
    const topic = 'ledger-deadletter';
    // Offsets are committed only at the end of a batch: the slow job after the poison keeps the batch open.
    const settings = {
      subscription: { retry: { attempts: 3, initialDelayMs: 200, maxDelayMs: 200, multiplier: 1 } },
      config: { kafka: { consumer: { commitEveryMessages: 100, commitIntervalMs: 600_000 } } },
    };
    let service = await ledger.start('deadletter', db, settings);
    // Both events in one unit of work: committed together, the relay sends them in one request, the worker
    // takes them in one batch (two requests could be fetched apart, and the poison's offset committed alone).
    const posted = await ledger.post(service, { lane: 'd', seq: 0, mode: 'throw-after-write', then: { seq: 1, mode: 'sleep-20000' } });
    assert.equal(posted.status, 201);
    const poison = posted.jobId;
    const deadLettered = await eventually(
      async () => (await db.query<{ event_id: string }>("SELECT event_id FROM inbox WHERE outcome = 'dead-lettered'"))[0],
      120_000,
      'the dead letter recorded',
    );
    await eventually(
      async () => ((await topicSize(ledger.stack, `${topic}.dead-letter`).catch(() => 0)) >= 1 ? true : undefined),
      30_000,
      'the dead letter sent by the relay',
    );
    const attemptsBefore = service
      .output()
      .split('\n')
      .filter((line) => line.includes('handler failed; retrying')).length;
    service.signal('SIGKILL');
    await service.exited;
    assert.equal(await db.count('SELECT count(*) FROM handled WHERE seq = 1'), 0, 'killed while the slow job of the batch was in hand');

    service = await ledger.start('deadletter', db, settings);
    const skippedAt = Date.now();
    const acknowledged = (line: string) => line.includes(deadLettered.event_id) && line.includes('already handled (inbox)');
    await eventually(() => (service.output().split('\n').some(acknowledged) ? true : undefined), 120_000, 'the redelivered poison acknowledged');
    const skippedMs = Date.now() - skippedAt;
    await eventually(
      async () => ((await db.count('SELECT count(*) FROM handled WHERE seq = 1')) === 1 ? true : undefined),
      120_000,
      'the slow job handled after the restart',
    );
    await sleep(1500);
    const attemptsAfter = service
      .output()
      .split('\n')
      .filter((line) => line.includes('handler failed; retrying')).length;
    const dead = await readTopic(ledger.stack, `${topic}.dead-letter`);
    process.stderr.write(
      `      poison failed ${attemptsBefore + 1} times, dead-lettered, kill -9 before its offset commit; after restart: redelivery acknowledged by the inbox ` +
        `${skippedMs} ms after start (or less), ${attemptsAfter} handler runs of it, ${dead.length} dead letter(s) on the topic\n`,
    );
    assert.equal(attemptsAfter, 0, 'the handler did not run again for the dead-lettered message');
    assert.equal(dead.length, 1, 'one dead letter');
    assert.equal(dead[0]?.headers['dead-letter-attempts'], '3');
    assert.equal(await db.count('SELECT count(*) FROM handled WHERE job_id = $1', [poison]), 0, 'the failing handler’s rows were rolled back');
    assert.equal(await db.count("SELECT count(*) FROM inbox WHERE outcome = 'dead-lettered'"), 1);
    assert.equal(
      await db.count('SELECT count(*) FROM outbox WHERE topic = $1', [`${topic}.dead-letter`]),
      1,
      'one dead letter written to the outbox',
    );
  });
});

describe('database: SIGTERM with the broker down @kafka', function () {
  this.timeout(600_000);
  const ledger = useLedger({ name: 'ledgerstop' });

  it('stops within its drain deadline; the outbox rows stay and the next start delivers them all', async () => {
    const db = await ledger.database('sigterm');
    const drainTimeoutMs = 8000;
    const settings = { config: { shutdown: { drainTimeoutMs } } };
    const stopping = await ledger.start('sigterm', db, settings);
    await ledger.stack.stopBroker();
    let stopMs: number;
    let exit: number | string;
    try {
      await ledger.postLanes([stopping], 4, 25);
      assert.equal(await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL'), 100);
      const signalled = Date.now();
      stopping.signal('SIGTERM');
      exit = await stopping.exited;
      stopMs = Date.now() - signalled;
    } finally {
      await ledger.stack.startBroker();
    }
    const pending = await db.count('SELECT count(*) FROM outbox WHERE sent_at IS NULL');
    await ledger.start('sigterm', db, settings);
    await eventually(
      async () => ((await db.count('SELECT count(DISTINCT job_id) FROM handled')) >= 100 ? true : undefined),
      180_000,
      'every event handled',
    );
    const duplicates = await ledger.assertOnTopic('ledgerstop-sigterm', 4, 25);
    // What the stopping service logged from the signal on (its shutdown steps).
    const lines = stopping.output().split('\n');
    const shutdown = [
      ...new Set(
        lines.slice(lines.findIndex((line) => line.includes('"msg":"shutting down"'))).flatMap((line) => /"msg":"([^"]*)"/.exec(line)?.[1] ?? []),
      ),
    ];
    process.stderr.write(
      `      SIGTERM with the broker down and 100 events in the outbox: stopped in ${stopMs} ms (exit ${exit}, drain deadline ${drainTimeoutMs} ms; logged ${JSON.stringify(shutdown)}), ` +
        `${pending} rows kept; after restart 100 on the topic, 0 lost, ${duplicates} duplicates\n`,
    );
    assert.equal(exit, 0, stopping.output().split('\n').slice(-8).join('\n'));
    // The drain honours its deadline by the service's own clock (its log lines), whatever the machine's load
    // adds to the signal's delivery and the process's exit; and the process ends within main.ts's hard stop.
    const timeOf = (message: string) => {
      const line = lines.find((candidate) => candidate.includes(message));
      return line === undefined ? undefined : (JSON.parse(line) as { time: number }).time;
    };
    const began = timeOf('"msg":"shutting down"');
    const deadlinePassed = timeOf('drain deadline passed');
    assert.ok(began !== undefined && deadlinePassed !== undefined, 'the stop logged its start and the deadline');
    const drainMs = deadlinePassed - began;
    process.stderr.write(`      drain: ${drainMs} ms by the service's clock; signal to exit ${stopMs} ms\n`);
    assert.ok(drainMs <= drainTimeoutMs + 500, `the drain took ${drainMs} ms: over the ${drainTimeoutMs} ms drain deadline`);
    assert.ok(stopMs <= drainTimeoutMs + 5000, `stopped in ${stopMs} ms: past main.ts's hard stop (deadline + 5 s)`);
    assert.equal(pending, 100, 'every outbox row kept for the next start');
    assert.equal(await db.count('SELECT count(*) FROM handled'), 100, 'each handled once');
  });
});

describe('database: the outbox and inbox with Avro @kafka', function () {
  this.timeout(600_000);
  const ledger = useLedger({ schemaFormat: 'avro', name: 'ledgeravro' });

  it('the relay sends the producers’ Avro encoding (registry schema id), the inbox takes each once; an event the schema refuses fails its operation at insert', async () => {
    const db = await ledger.database('avro');
    const service = await ledger.start('avro', db);
    const began = Date.now();
    await ledger.postLanes([service], 4, 25);
    await eventually(async () => ((await db.count('SELECT count(*) FROM handled')) >= 100 ? true : undefined), 120_000, '100 events handled');
    const tookMs = Date.now() - began;
    const duplicates = await ledger.assertOnTopic('ledgeravro-avro', 4, 25);
    const messages = await readTopic(ledger.stack, 'ledgeravro-avro');
    const ids = new Set(messages.map((message) => message.value?.readInt32BE(1)));
    assert.ok(
      messages.every((message) => message.value?.[0] === 0),
      'Confluent framing (magic byte 0)',
    );
    assert.equal(ids.size, 1, 'one schema id');
    const registered = (await registryGet(ledger.stack, `/schemas/ids/${[...ids][0]}`)) as { schemaType?: string; schema: string };
    assert.equal(registered.schemaType ?? 'AVRO', 'AVRO');
    assert.match(registered.schema, /"name":"JobRequested"/);
    assert.equal(await db.count('SELECT count(*) FROM inbox'), 100);
    assert.equal(await db.count('SELECT count(DISTINCT job_id) FROM handled'), 100);

    const refused = await ledger.post(service, { lane: 'x', seq: 'not a number' });
    assert.equal(refused.status, 500, 'the Avro schema refuses a string seq');
    assert.equal(await db.count("SELECT count(*) FROM jobs WHERE lane = 'x'"), 0, 'the operation rolled back');
    assert.equal(await db.count('SELECT count(*) FROM outbox'), 100, 'no outbox row for it');
    process.stderr.write(
      `      Avro through the outbox: 100 events posted, relayed and handled in ${tookMs} ms, ${duplicates} duplicates, schema id ${[...ids][0]}; a refused event: HTTP 500, no row\n`,
    );
  });
});
