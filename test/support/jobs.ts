/**
 * The `jobs` service of the fault tests: one event (JobRequested, keyed by lane), a subscription whose
 * handler records what it does (test/fixtures/jobs), and a route that publishes jobs. Each test starts it
 * on a topic and consumer group of its own (NODE_CONFIG overrides), so tests do not see each other's messages.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
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
export async function generateJobsService(): Promise<string> {
  const workspace = tempDir('jobs');
  await generate(workspace, 'app', ['jobs']);
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
  stack: KafkaStack,
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
  return service.output().split('\n').filter((line) => line.includes('"msg":"joined consumer group"')).length;
}
