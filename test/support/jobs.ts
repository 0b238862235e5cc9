/**
 * The `jobs` service of the fault tests: one event (JobRequested, keyed by lane), a subscription whose
 * handler records what it does (test/fixtures/jobs), and a route that publishes jobs. Each test starts it
 * on a topic and consumer group of its own (NODE_CONFIG overrides), so tests do not see each other's messages.
 */
import type { KafkaClient } from '../../generators/lib/kafka-client.js';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { copyFileSync, readFileSync } from 'node:fs';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { kafkaClient, registryClient } from './kafka.js';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { generate, linkDependencies, npm, startServiceProcess, tempDir, type ServiceProcess } from './service.js';
import type { KafkaStack } from './stack.js';

const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'jobs');

export interface JobRecord {
  phase: 'start' | 'fail' | 'done';
  jobId: string;
  seq: number;
  lane: string;
  attempt: number;
  pid: number;
  at: number;
}

/** Generates, links and type-checks the jobs service; returns its folder. */
export async function generateJobsService(kafkaClient: KafkaClient = 'kafkajs'): Promise<string> {
  const workspace = tempDir(`jobs-${kafkaClient}`);
  await generate(workspace, 'app', ['jobs'], { kafkaClient });
  const serviceDir = path.join(workspace, 'jobs');
  await generate(serviceDir, 'event', ['JobRequested'], {
    fields: 'jobId:uuid, lane:string, seq:int, mode:string, sleepMs?:int',
    key: 'lane',
  });
  await generate(serviceDir, 'subscription', [], { event: 'JobRequested' });
  copyFileSync(path.join(FIXTURES, 'job-requested.handler.ts'), path.join(serviceDir, 'src/subscriptions/job-requested.handler.ts'));
  copyFileSync(path.join(FIXTURES, 'routes.ts'), path.join(serviceDir, 'src/routes/index.ts'));
  await linkDependencies(serviceDir);
  await npm(serviceDir, 'run', 'typecheck');
  return serviceDir;
}

/** Starts the service on topic and group `jobs-<name>`, with config overrides. */
export async function startJobs(
  stack: Pick<KafkaStack, 'brokers' | 'registryUrl'>,
  serviceDir: string,
  name: string,
  recordFile: string,
  overrides: Record<string, unknown> = {},
): Promise<ServiceProcess> {
  const subscription = {
    topic: `jobs-${name}`,
    groupId: `jobs-${name}`,
    deadLetterTopic: `jobs-${name}.dead-letter`,
    retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 },
    ...(overrides.subscription as object | undefined),
  };
  const config = {
    events: { JobRequested: { topic: `jobs-${name}` } },
    subscriptions: { JobRequested: subscription },
    ...(overrides.config as object | undefined),
  };
  return startServiceProcess(serviceDir, {
    KAFKA_BROKERS: stack.brokers,
    SCHEMA_REGISTRY_URL: stack.registryUrl,
    RECORD_FILE: recordFile,
    LOG_LEVEL: process.env.SERVICE_LOG_LEVEL ?? 'info',
    NODE_CONFIG: JSON.stringify(config),
  });
}

/** POST /jobs, which must answer 201; returns the published job ids. */
export async function postJobs(service: ServiceProcess, body: Record<string, unknown>): Promise<string[]> {
  const response = await fetch(`http://127.0.0.1:${service.port}/jobs`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 201, await response.clone().text());
  return ((await response.json()) as { jobIds: string[] }).jobIds;
}

/** How often the service logged that its consumer joined its group. */
export function joins(service: ServiceProcess): number {
  return service
    .output()
    .split('\n')
    .filter((line) => line.includes('"msg":"joined consumer group"')).length;
}

/**
 * Writes `count` JobRequested events straight to a new 3-partition topic, registry-encoded with the
 * service's schema file (registered under the topic's subject), with the test's own clients. The
 * event-id header is the job id: one id per event, the same on every redelivery.
 */
export async function writeJobRequests(
  stack: KafkaStack,
  schemaFile: string,
  topic: string,
  count: number,
  laneOf: (seq: number) => string,
): Promise<void> {
  const registry = registryClient(stack);
  const { id } = await registry.register({ type: SchemaType.JSON, schema: readFileSync(schemaFile, 'utf8') }, { subject: `${topic}-value` });
  const admin = kafkaClient(stack).admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafkaClient(stack).producer({ idempotent: true });
  await producer.connect();
  for (let first = 0; first < count; first += 1000) {
    const messages = await Promise.all(
      Array.from({ length: Math.min(1000, count - first) }, async (_, index) => {
        const seq = first + index;
        const payload = { jobId: randomUUID(), lane: laneOf(seq), seq, mode: 'ok' };
        return { key: payload.lane, value: await registry.encode(id, payload), headers: { 'event-id': payload.jobId, 'event-type': 'JobRequested' } };
      }),
    );
    await producer.send({ topic, acks: -1, messages });
  }
  await producer.disconnect();
}
