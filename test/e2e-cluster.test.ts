/**
 * The delivery promise on a three-broker KRaft cluster (replication 3, min.insync.replicas 2, the
 * generated producers' defaults: acks -1, idempotent), with each Kafka client: a generated service
 * publishes one event per request from a route (topic of 6 partitions) and handles them; faults are
 * made for real (kill -9 of a partition leader, a rolling restart with SIGTERM, two brokers of three
 * stopped). Afterwards kcat (librdkafka) reads the topic: every request answered 201 must have its
 * event there, and the handler must have handled every event on the topic. Failed requests, the
 * longest time without an acknowledgement and duplicates are printed.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { CLIENT_VARIANTS } from './support/clients.js';
import { describeOutcome, jobIdsOnTopic, handled, startLoad, tally, type LoadOutcome } from './support/cluster-load.js';
import { leaderOf, startKafkaCluster, waitForFullIsr, type KafkaCluster } from './support/cluster.js';
import { generateJobsService, startJobs } from './support/jobs.js';
import { eventually, sleep, tempDir, type ServiceProcess } from './support/service.js';

/**
 * Rounds per client (CLUSTER_ROUNDS sets both): the leader kill twice (about 6,000 requests each), the
 * rolling restart once (about 10,000 requests, three leader moves of each partition; the previous
 * commit's service lost 49 acknowledged events in one such round).
 */
const KILL_ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? 2);
const ROLL_ROUNDS = Number(process.env.CLUSTER_ROUNDS ?? 1);
const RATE = 200;

describe('acknowledged events on a three-broker cluster @kafka @cluster', function () {
  this.timeout(900_000);
  let cluster: KafkaCluster;

  before(async () => {
    cluster = await startKafkaCluster();
  });

  after(async () => {
    await cluster?.stop();
  });

  for (const { kafkaClient: client, suffix } of CLIENT_VARIANTS)
    describe(`with ${client}`, () => {
      let serviceDir: string;
      const running: ServiceProcess[] = [];

      before(async () => {
        serviceDir = await generateJobsService(client);
      });

      afterEach(async function () {
        for (const service of running.splice(0)) {
          // CLUSTER_LOG_DIR=<folder> keeps each service's log lines (JSON) for a look afterwards.
          if (process.env.CLUSTER_LOG_DIR)
            writeFileSync(path.join(process.env.CLUSTER_LOG_DIR, `${client}-${this.currentTest?.title.replace(/\W+/g, '-')}.log`), service.output());
          if (service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
          await service.exited;
        }
        for (const node of cluster.nodes) if (!node.running) await node.start();
        await waitForFullIsr(cluster, [], 120_000);
      });

      async function start(
        name: string,
        overrides: Record<string, unknown> = {},
      ): Promise<{ service: ServiceProcess; topic: string; records: string }> {
        const records = path.join(tempDir(name), 'records.jsonl');
        const service = await startJobs(cluster, serviceDir, `${name}${suffix}`, records, overrides);
        running.push(service);
        const topic = `jobs-${name}${suffix}`;
        await waitForFullIsr(cluster, [topic], 60_000);
        return { service, topic, records };
      }

      /** Reads the topic with kcat, waits until the handler handled all of it, prints the figures and asserts nothing acknowledged was lost. */
      async function check(scenario: string, topic: string, records: string, outcome: LoadOutcome): Promise<void> {
        const ids = await jobIdsOnTopic(cluster.brokers, topic);
        const counts = tally(outcome, ids);
        const onTopic = new Set(ids);
        const consumed = await eventually(
          () => {
            const state = handled(records, onTopic);
            return state.missing.length === 0 ? state : undefined;
          },
          120_000,
          `the handler to handle the ${onTopic.size} events on ${topic}`,
        ).catch(() => handled(records, onTopic));
        process.stderr.write(
          describeOutcome(
            `${scenario} (${client})`,
            outcome,
            counts,
            `, handled ${consumed.done}, not handled ${consumed.missing.length}, handled twice ${consumed.duplicates}`,
          ),
        );
        assert.ok(outcome.acked.size > 0, 'some requests were acknowledged');
        assert.deepEqual(counts.lost.slice(0, 10), [], `${counts.lost.length} acknowledged events are not on ${topic}`);
        assert.deepEqual(consumed.missing.slice(0, 10), [], `${consumed.missing.length} events on ${topic} were never handled`);
      }

      for (let round = 1; round <= KILL_ROUNDS; round++) {
        it(`loses no acknowledged event when a partition leader is killed (kill -9) while publishing, round ${round}`, async () => {
          const { service, topic, records } = await start(`kill-${round}`);
          const load = startLoad(service, { perSecond: RATE });
          await sleep(3000);
          const victim = await leaderOf(cluster, topic, 0);
          await victim.kill();
          const killedAt = Date.now();
          await sleep(12_000);
          await victim.start();
          await waitForFullIsr(cluster, [topic], 60_000);
          const backAt = Date.now();
          await sleep(3000);
          const outcome = await load.stop();
          process.stderr.write(
            `      node ${victim.id} killed at +${((killedAt - outcome.startedAt) / 1000).toFixed(1)} s, restarted and in sync again at +${((backAt - outcome.startedAt) / 1000).toFixed(1)} s\n`,
          );
          await check('leader kill -9', topic, records, outcome);
        });
      }

      for (let round = 1; round <= ROLL_ROUNDS; round++) {
        it(`loses no acknowledged or handled event during a rolling restart of the three brokers, round ${round}`, async () => {
          const { service, topic, records } = await start(`roll-${round}`);
          const load = startLoad(service, { perSecond: RATE });
          await sleep(3000);
          for (const node of cluster.nodes) {
            await node.stop();
            await node.start();
            await waitForFullIsr(cluster, [], 120_000);
            await sleep(2000);
          }
          const outcome = await load.stop();
          await check('rolling restart', topic, records, outcome);
        });
      }

      it('fails requests within the send timeout while two brokers of three are down, and recovers by itself', async () => {
        const sendTimeoutMs = 5000;
        const { service, topic, records } = await start('below-isr', { config: { kafka: { producer: { sendTimeoutMs } } } });
        const load = startLoad(service, { perSecond: 50 });
        await sleep(2000);
        const [first, second] = cluster.nodes;
        await Promise.all([first!.stop(), second!.stop()]);
        const downAt = Date.now();
        await sleep(sendTimeoutMs + 5000);
        const failedWhileDown = await load.stop();
        const answered = failedWhileDown.requests;
        assert.ok(failedWhileDown.failed > 0, 'requests failed while below min ISR');
        assert.ok(answered > 0);
        const ready = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
        const readyBody = await ready.text();
        process.stderr.write(
          `      two brokers down for ${((Date.now() - downAt) / 1000).toFixed(1)} s: /health/ready ${ready.status} ${readyBody}\n`,
        );
        assert.equal(ready.status, 503, 'not ready while the topic cannot take writes');
        assert.match(readyBody, new RegExp(`${topic}: partition \\d+ has 1 in-sync replica, min.insync.replicas is 2`));
        await Promise.all([first!.start(), second!.start()]);
        await waitForFullIsr(cluster, [topic], 120_000);
        const readyAgain = await eventually(
          async () => ((await fetch(`http://127.0.0.1:${service.port}/health/ready`)).status === 200 ? Date.now() : undefined),
          30_000,
          '/health/ready to answer 200 again by itself',
        );
        process.stderr.write(`      /health/ready 200 again ${((readyAgain - downAt) / 1000).toFixed(1)} s after the stop, without a restart\n`);
        const recovery = startLoad(service, { perSecond: 50 });
        await eventually(() => (recovery.ackedCount() >= 20 ? true : undefined), 60_000, 'requests to succeed again without a restart');
        const recovered = await recovery.stop();
        const both: LoadOutcome = {
          ...recovered,
          acked: new Map([...failedWhileDown.acked, ...recovered.acked]),
          requests: failedWhileDown.requests + recovered.requests,
          failed: failedWhileDown.failed + recovered.failed,
          failures: new Map([...failedWhileDown.failures, ...recovered.failures]),
          longestGapMs: Math.max(failedWhileDown.longestGapMs, recovered.longestGapMs),
          slowestMs: Math.max(failedWhileDown.slowestMs, recovered.slowestMs),
        };
        await check('two of three brokers down and back', topic, records, both);
      });
    });
});
