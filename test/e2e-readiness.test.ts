/**
 * Readiness tells whether the cluster takes the service's writes, with real faults: a three-node
 * cluster of this file's own (scripts/stack/stack.mjs startCluster) where node 2 is stopped under a
 * running service (nodes 1 and 3 keep the controller quorum), so that
 * - a topic with two replicas and min.insync.replicas=2 keeps one in-sync replica: the broker refuses
 *   every acks=all write (NOT_ENOUGH_REPLICAS) while it answers everything else; fixed by alterConfigs;
 * - a partition whose only replica is on broker 2 has no leader: it counts once the grace period passed;
 *   fixed by starting broker 2 again;
 * and on the run's single broker, where a topic with one replica and min.insync.replicas=2 does take
 * acks=all writes (brokers since Kafka 3.7 cap min.insync.replicas at the replica count): no false alarm.
 * `/health/ready` must answer 503 and say why while writes fail, and 200 again by itself once they work.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import kafkajs from 'kafkajs';
import { startKafkaCluster, type KafkaCluster } from './support/cluster.js';
import { generateJobsService, postJobs, startJobs } from './support/jobs.js';
import { kafkaClient } from './support/kafka.js';
import { eventually, sleep, tempDir, type ServiceProcess } from './support/service.js';
import { CLIENT_VARIANTS } from './support/clients.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

interface ReadyAnswer {
  status: number;
  at: number;
  body: { status: string; checks: Record<string, boolean>; reasons?: string[] };
}

const READY_CHECKS = { started: true, broker: true, writable: true, schemaRegistry: true };
const UNWRITABLE_CHECKS = { ...READY_CHECKS, writable: false };

async function ready(service: ServiceProcess): Promise<ReadyAnswer> {
  const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
  return { status: response.status, at: Date.now(), body: (await response.json()) as ReadyAnswer['body'] };
}

/** The first /health/ready answer with `status`, polled for up to 10 s. */
function readyWith(service: ServiceProcess, status: number, what: string): Promise<ReadyAnswer> {
  return eventually(
    async () => {
      const answer = await ready(service);
      return answer.status === status ? answer : undefined;
    },
    10_000,
    what,
  );
}

/** POST /jobs (one JobRequested): its HTTP status. */
async function postStatus(service: ServiceProcess): Promise<number> {
  const response = await fetch(`http://127.0.0.1:${service.port}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ lane: 'r', mode: 'ok' }),
  });
  await response.arrayBuffer();
  return response.status;
}

type Admin = ReturnType<ReturnType<typeof kafkaClient>['admin']>;

/**
 * Creates a topic and waits until each of its partitions has a leader. Not createTopics' own waitForLeaders:
 * right after a broker came back, its metadata can lag and answer UNKNOWN_TOPIC_OR_PARTITION, which that
 * does not wait out.
 */
async function createTopic(admin: Admin, topic: Parameters<Admin['createTopics']>[0]['topics'][number]): Promise<void> {
  await admin.createTopics({ topics: [topic] });
  await eventually(
    async () => {
      const metadata = await admin.fetchTopicMetadata({ topics: [topic.topic] }).catch(() => undefined);
      const partitions = metadata?.topics[0]?.partitions ?? [];
      return partitions.length > 0 && partitions.every((partition) => partition.leader >= 0) ? true : undefined;
    },
    30_000,
    `the partitions of ${topic.topic} to have leaders`,
  );
}

const setMinInsyncReplicas = (topic: string, value: number) => ({
  validateOnly: false,
  resources: [{ type: kafkajs.ConfigResourceTypes.TOPIC, name: topic, configEntries: [{ name: 'min.insync.replicas', value: String(value) }] }],
});

describe('readiness: the topics of the published events take writes @kafka', function () {
  this.timeout(600_000);
  let stack: KafkaStack;
  let cluster: KafkaCluster | undefined;
  /** The run's registry with the cluster's brokers. */
  let clusterStack: KafkaStack;

  before(async () => {
    stack = await kafkaStack();
    cluster = await startKafkaCluster();
    clusterStack = { ...stack, brokers: cluster.brokers };
  });

  after(async () => {
    await cluster?.stop();
  });

  for (const { kafkaClient: client, suffix } of CLIENT_VARIANTS)
    describe(client, function () {
      let serviceDir: string;
      const running: ServiceProcess[] = [];

      before(async () => {
        serviceDir = await generateJobsService(client);
      });

      afterEach(async () => {
        for (const service of running.splice(0)) {
          if (service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
          await service.exited;
        }
        await cluster?.nodeById(2).start();
      });

      async function start(target: KafkaStack, name: string, config: Record<string, unknown> = {}): Promise<ServiceProcess> {
        const records = path.join(tempDir('readiness'), 'records.jsonl');
        const service = await startJobs(target, serviceDir, name, records, { config });
        running.push(service);
        return service;
      }

      it('in-sync replicas below min.insync.replicas (broker 2 down): 503 at once naming topic and partitions, a publish fails; after alterConfigs, 200 by itself and a publish succeeds', async () => {
        const name = `readiness-isr${suffix}`;
        const topic = `jobs-${name}`;
        const admin = kafkaClient(clusterStack).admin();
        await admin.connect();
        try {
          await createTopic(admin, {
            topic,
            replicaAssignment: [
              { partition: 0, replicas: [1, 2] },
              { partition: 1, replicas: [2, 1] },
            ],
            configEntries: [{ name: 'min.insync.replicas', value: '2' }],
          });
          // Started (and ready) while both replicas are in sync.
          const service = await start(clusterStack, name, { kafka: { producer: { sendTimeoutMs: 3000 } } });

          await cluster!.nodeById(2).stop();
          const stoppedAt = Date.now();
          const unwritable = await readyWith(service, 503, '/health/ready to answer 503');
          const untilNotReady = unwritable.at - stoppedAt;
          assert.ok(untilNotReady < 3000, `not ready ${untilNotReady} ms after the broker stopped (counted at once, answers cached 1 s)`);
          assert.deepEqual(unwritable.body.checks, UNWRITABLE_CHECKS, JSON.stringify(unwritable.body));
          assert.deepEqual(unwritable.body.reasons, [
            `${topic}: partition 0 has 1 in-sync replica, min.insync.replicas is 2`,
            `${topic}: partition 1 has 1 in-sync replica, min.insync.replicas is 2`,
          ]);
          assert.equal(await postStatus(service), 500, 'the broker refuses the write (NOT_ENOUGH_REPLICAS): the request fails');
          await eventually(() => (service.output().includes('"msg":"request failed"') ? true : undefined), 5000, 'the failed request in the log');
          assert.equal((await ready(service)).status, 503, 'still not ready while the topic refuses writes');

          const fixedAt = Date.now();
          // kafkajs' alterConfigs first reads the metadata of the admin's target topics, of all topics when it has
          // none; some (__consumer_offsets) have partitions on broker 2 without a leader now, failing that read.
          await admin.fetchTopicOffsets(topic);
          await admin.alterConfigs(setMinInsyncReplicas(topic, 1));
          const writable = await readyWith(service, 200, '/health/ready to answer 200 again');
          const untilReady = writable.at - fixedAt;
          assert.ok(untilReady < 5000, `ready again ${untilReady} ms after the fix`);
          assert.deepEqual(writable.body, { status: 'ready', checks: READY_CHECKS });
          await postJobs(service, { lane: 'r', mode: 'ok' });
          process.stderr.write(
            `      broker 2 stopped: ready 503 after ${untilNotReady} ms; min.insync.replicas set to 1: ready 200 after ${untilReady} ms\n`,
          );
        } finally {
          await admin.disconnect();
        }
      });

      it('a partition without a leader (its only replica on broker 2, stopped): 200 during the grace period, then 503 naming it; 200 again by itself once broker 2 is back', async () => {
        const name = `readiness-leader${suffix}`;
        const topic = `jobs-${name}`;
        const graceMs = 4000;
        const admin = kafkaClient(clusterStack).admin();
        await admin.connect();
        try {
          await createTopic(admin, {
            topic,
            replicaAssignment: [
              { partition: 0, replicas: [2] },
              { partition: 1, replicas: [1] },
            ],
          });
        } finally {
          await admin.disconnect();
        }
        const service = await start(clusterStack, name, { kafka: { readiness: { leaderlessGraceMs: graceMs, timeoutMs: 2000 } } });

        await cluster!.nodeById(2).stop();
        const answers: ReadyAnswer[] = [];
        const firstAt = Date.now();
        for (;;) {
          const answer = await ready(service);
          answers.push(answer);
          if (answer.status !== 200 || answer.at - firstAt > graceMs + 10_000) break;
          await sleep(250);
        }
        const notReady = answers.at(-1)!;
        assert.equal(notReady.status, 503, `still 200 ${notReady.at - firstAt} ms after broker 2 stopped`);
        // The grace period counts from the first check that saw the partition without a leader: at the
        // first probe after the stop, or at most one cached second later.
        const after = notReady.at - firstAt;
        assert.ok(after >= graceMs, `503 only after the grace period (${graceMs} ms): after ${after} ms: ${JSON.stringify(notReady.body)}`);
        assert.ok(after < graceMs + 5000, `503 soon after the grace period (${graceMs} ms): after ${after} ms`);
        assert.ok(answers.filter((answer) => answer.status === 200).length >= 5, 'ready during the grace period');
        assert.deepEqual(notReady.body.checks, UNWRITABLE_CHECKS, JSON.stringify(notReady.body));
        // kafkajs fails the topic's metadata with LEADER_NOT_AVAILABLE without naming the partition.
        const which = client === 'kafkajs' ? 'a partition' : 'partition 0';
        assert.equal(notReady.body.reasons?.length, 1, JSON.stringify(notReady.body));
        assert.match(notReady.body.reasons?.[0] ?? '', new RegExp(`^${topic}: ${which} has no leader \\(for \\d+\\.\\d s\\)$`));

        await cluster!.nodeById(2).start();
        const startedAt = Date.now();
        const writable = await readyWith(service, 200, '/health/ready to answer 200 again');
        const untilReady = writable.at - startedAt;
        assert.ok(untilReady < 5000, `ready again ${untilReady} ms after broker 2 was back`);
        assert.deepEqual(writable.body, { status: 'ready', checks: READY_CHECKS });
        await postJobs(service, { lane: 'r', mode: 'ok' });
        process.stderr.write(
          `      broker 2 stopped: ready 503 after ${after} ms (grace ${graceMs} ms); broker 2 back: ready 200 after ${untilReady} ms\n`,
        );
      });

      it('on the single broker of the run, a topic with one replica and min.insync.replicas=2 takes writes: ready 200, a publish succeeds', async () => {
        const name = `readiness-capped${suffix}`;
        const topic = `jobs-${name}`;
        const admin = kafkaClient(stack).admin();
        await admin.connect();
        try {
          await createTopic(admin, { topic, numPartitions: 2, replicationFactor: 1, configEntries: [{ name: 'min.insync.replicas', value: '2' }] });
        } finally {
          await admin.disconnect();
        }
        const service = await start(stack, name);
        const answer = await ready(service);
        assert.deepEqual(answer.body, { status: 'ready', checks: READY_CHECKS });
        assert.equal(answer.status, 200);
        await postJobs(service, { lane: 'r', mode: 'ok' });
      });
    });
});
