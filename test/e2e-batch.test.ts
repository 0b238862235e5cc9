/**
 * Batch subscriptions (`yo kafka-eventing:subscription --batch`) against the real broker: a batch
 * handler that reports failed events gets them again (and dead-letters the poison one) while the
 * others are handled once and each key keeps its order; kill -9 mid-batch loses nothing (a batch is
 * committed only after it succeeded); SIGTERM lets the batches in hand finish and commits them. Runs
 * once per Kafka client.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { postJobs, startJobs, writeJobRequests } from './support/jobs.js';
import { readTopic, topicSize } from './support/kafka.js';
import { REPO_ROOT } from './support/paths.js';
import { eventually, generate, linkDependencies, npm, readRecords, tempDir, type ServiceProcess } from './support/service.js';
import { CLIENT_VARIANTS } from './support/clients.js';
import type { KafkaClient } from '../generators/lib/kafka-client.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

interface BatchRecord {
  phase: 'batch' | 'start' | 'fail' | 'done';
  size?: number;
  jobId?: string;
  seq?: number;
  lane?: string;
  attempt?: number;
  pid: number;
}

/** The jobs service with its subscription made a batch one, and the batch test handler. */
async function generateBatchJobsService(kafkaClient: KafkaClient): Promise<string> {
  const workspace = tempDir(`jobs-batch-${kafkaClient}`);
  await generate(workspace, 'app', ['jobs'], { kafkaClient });
  const dir = path.join(workspace, 'jobs');
  await generate(dir, 'event', ['JobRequested'], { fields: 'jobId:uuid, lane:string, seq:int, mode:string, sleepMs?:int', key: 'lane' });
  await generate(dir, 'subscription', [], { event: 'JobRequested', batch: true });
  const fixtures = path.join(REPO_ROOT, 'test', 'fixtures');
  copyFileSync(path.join(fixtures, 'jobs-batch', 'job-requested.handler.ts'), path.join(dir, 'src/subscriptions/job-requested.handler.ts'));
  copyFileSync(path.join(fixtures, 'jobs', 'routes.ts'), path.join(dir, 'src/routes/index.ts'));
  await linkDependencies(dir);
  await npm(dir, 'run', 'typecheck');
  return dir;
}

const done = (records: readonly BatchRecord[]) => records.filter((r) => r.phase === 'done');

function assertLaneOrder(records: readonly BatchRecord[], lanes: readonly string[]): void {
  for (const lane of lanes) {
    const seqs = records.filter((r) => r.lane === lane).map((r) => r.seq ?? -1);
    assert.ok(seqs.length > 0, `lane ${lane} handled`);
    assert.deepEqual(
      seqs,
      [...seqs].sort((a, b) => a - b),
      `events of key ${lane} handled in order`,
    );
  }
}

for (const { kafkaClient: client, suffix } of CLIENT_VARIANTS)
  describe(`batch subscriptions, ${client} @kafka`, function () {
    this.timeout(600_000);
    let stack: KafkaStack;
    let serviceDir: string;
    const running: ServiceProcess[] = [];

    before(async () => {
      stack = await kafkaStack();
      serviceDir = await generateBatchJobsService(client);
    });

    afterEach(async () => {
      for (const service of running.splice(0)) {
        if (service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
        await service.exited;
      }
    });

    async function start(name: string, records: string, env: Record<string, string> = {}): Promise<ServiceProcess> {
      // startJobs spawns the service before its first await: the child gets these variables, the test process keeps them briefly.
      Object.assign(process.env, env);
      try {
        const subscription = { concurrency: 3, retry: { attempts: 3, initialDelayMs: 200, maxDelayMs: 1000, multiplier: 2 } };
        const service = await startJobs(stack, serviceDir, `${name}${suffix}`, records, { subscription });
        running.push(service);
        return service;
      } finally {
        for (const key of Object.keys(env)) Reflect.deleteProperty(process.env, key);
      }
    }

    it('retries the failed events of a batch, dead-letters the poison one, handles the others once, in key order', async () => {
      const records = path.join(tempDir(`batch-fail${suffix}`), 'records.jsonl');
      const service = await start('batch-fail', records);
      const ids = [
        ...(await postJobs(service, { lane: 'a', count: 100, firstSeq: 0 })),
        ...(await postJobs(service, { lane: 'a', mode: 'always-fail', firstSeq: 100 })),
        ...(await postJobs(service, { lane: 'a', count: 100, firstSeq: 101 })),
        ...(await postJobs(service, { lane: 'b', count: 50, firstSeq: 0 })),
        ...(await postJobs(service, { lane: 'b', mode: 'fail-twice', firstSeq: 50 })),
        ...(await postJobs(service, { lane: 'b', count: 50, firstSeq: 51 })),
      ];
      const poison = ids[100];
      const flaky = ids[251];
      const all = await eventually(
        () => {
          const list = readRecords<BatchRecord>(records);
          return done(list).length >= ids.length - 1 ? list : undefined;
        },
        120_000,
        'every event but the poison one to be handled',
      );
      await eventually(
        async () => ((await topicSize(stack, `jobs-batch-fail${suffix}.dead-letter`)) >= 1 ? true : undefined),
        30_000,
        'the dead letter',
      );
      const finished = done(all);
      const perEvent = new Map<string, number>();
      for (const r of finished) perEvent.set(r.jobId ?? '', (perEvent.get(r.jobId ?? '') ?? 0) + 1);
      assert.equal(perEvent.has(poison ?? ''), false, 'the poison event never finished');
      assert.equal(perEvent.size, ids.length - 1);
      assert.ok(
        [...perEvent.values()].every((count) => count === 1),
        'every other event handled exactly once',
      );
      assert.deepEqual(
        all.filter((r) => r.jobId === poison).map((r) => `${r.phase}#${r.attempt}`),
        ['start#1', 'fail#1', 'start#2', 'fail#2', 'start#3', 'fail#3'],
      );
      assert.equal(all.filter((r) => r.jobId === flaky && r.phase === 'done')[0]?.attempt, 3, 'the flaky event succeeded on its third attempt');
      assertLaneOrder(finished, ['a', 'b']);
      const letters = await readTopic(stack, `jobs-batch-fail${suffix}.dead-letter`);
      assert.equal(letters.length, 1, 'one dead letter: the poison event, once');
      const batches = all.filter((r) => r.phase === 'batch');
      process.stderr.write(
        `      ${ids.length} events in ${batches.length} handler calls (largest ${Math.max(...batches.map((b) => b.size ?? 0))}); ` +
          `poison dead-lettered after 3 attempts, flaky done on attempt 3, ${finished.length} events done once each\n`,
      );
    });

    it('kill -9 mid-batch, then restart: every event handled at least once, each key in order', async () => {
      const records = path.join(tempDir(`batch-kill${suffix}`), 'records.jsonl');
      const total = 6000;
      await writeJobRequests(
        stack,
        path.join(serviceDir, 'schemas', 'jobs.job-requested-value.schema.json'),
        `jobs-batch-kill${suffix}`,
        total,
        (seq) => `k${seq % 3}`,
      );
      const service = await start('batch-kill', records, { ITEM_DELAY_MS: '1' });
      // Slices of 500 events per partition (MAX_BATCH_MESSAGES): by 2500 done, some slices are committed, others are in hand.
      await eventually(() => (done(readRecords<BatchRecord>(records)).length >= 2500 ? true : undefined), 120_000, '2500 events handled');
      service.signal('SIGKILL');
      assert.equal(await service.exited, 'SIGKILL');
      const written = readFileSync(records, 'utf8');
      writeFileSync(records, written.slice(0, written.lastIndexOf('\n') + 1));
      const beforeKill = done(readRecords<BatchRecord>(records));
      assert.ok(beforeKill.length < total, 'killed before the end');
      assertLaneOrder(beforeKill, ['k0', 'k1', 'k2']);

      await start('batch-kill', records);
      const finished = await eventually(
        () => {
          const list = done(readRecords<BatchRecord>(records));
          return new Set(list.map((r) => r.seq)).size >= total ? list : undefined;
        },
        240_000,
        'every event handled after the restart',
      );
      const unique = new Set(finished.map((r) => r.seq));
      for (let seq = 0; seq < total; seq += 1) assert.ok(unique.has(seq), `event ${seq} handled`);
      const afterRestart = finished.slice(beforeKill.length);
      assertLaneOrder(afterRestart, ['k0', 'k1', 'k2']);
      const twice = finished.length - total;
      const calls = readRecords<BatchRecord>(records).filter((r) => r.phase === 'batch');
      process.stderr.write(
        `      kill -9 after ${beforeKill.length} of ${total} handled: ${twice} handled again after the restart (the uncommitted batches); ` +
          `${calls.length} handler calls, largest ${Math.max(...calls.map((c) => c.size ?? 0))} events\n`,
      );
      assert.ok(twice < beforeKill.length, 'the batches committed before the kill were not handled again');
      assert.ok(twice <= 3 * 2 * 500, `${twice} handled again: at most the slice in hand (and one whose commit was in flight) per partition`);
      assert.ok(
        calls.every((c) => (c.size ?? 0) <= 500),
        'no batch larger than MAX_BATCH_MESSAGES',
      );
    });

    it('SIGTERM mid-batch: the batches in hand finish and are committed, exit 0; a restart does not redo them', async () => {
      const records = path.join(tempDir(`batch-sigterm${suffix}`), 'records.jsonl');
      const total = 1500;
      await writeJobRequests(
        stack,
        path.join(serviceDir, 'schemas', 'jobs.job-requested-value.schema.json'),
        `jobs-batch-sigterm${suffix}`,
        total,
        (seq) => `k${seq % 3}`,
      );
      const service = await start('batch-sigterm', records, { ITEM_DELAY_MS: '2' });
      await eventually(() => (readRecords<BatchRecord>(records).some((r) => r.phase === 'start') ? true : undefined), 60_000, 'a batch to start');
      const signalled = Date.now();
      service.signal('SIGTERM');
      assert.equal(await service.exited, 0, service.output().slice(-3000));
      const took = Date.now() - signalled;
      const afterStop = readRecords<BatchRecord>(records);
      const started = new Set(afterStop.filter((r) => r.phase === 'start').map((r) => r.jobId));
      const finished = new Set(done(afterStop).map((r) => r.jobId));
      assert.ok(finished.size < total, 'stopped before the end');
      assert.deepEqual([...finished].sort(), [...started].sort(), 'every event of the batches in hand finished before exit');

      await start('batch-sigterm', records);
      const all = await eventually(
        () => {
          const list = readRecords<BatchRecord>(records);
          return new Set(done(list).map((r) => r.seq)).size >= total ? list : undefined;
        },
        120_000,
        'every event handled after the restart',
      );
      const startsOf = new Map<string, number>();
      for (const r of all) if (r.phase === 'start') startsOf.set(r.jobId ?? '', (startsOf.get(r.jobId ?? '') ?? 0) + 1);
      const redone = [...finished].filter((jobId) => startsOf.get(jobId ?? '') !== 1);
      process.stderr.write(
        `      SIGTERM with batches in hand: exit 0 after ${took} ms, ${finished.size} of ${total} events finished before exit, ` +
          `${redone.length} of them handled again after the restart\n`,
      );
      assert.deepEqual(redone, [], 'what finished before SIGTERM was committed and not handled again');
      assertLaneOrder(done(all), ['k0', 'k1', 'k2']);
    });
  });
