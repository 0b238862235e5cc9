/**
 * The "ledger" service of the database end-to-end tests: generated with `--database postgres`, one
 * JobRequested event keyed by lane and its subscription, the fixtures' route (a row + an event per
 * POST /jobs) and handler (a row per event). `useLedger()` registers the mocha hooks (stack, service,
 * and per test: its processes killed, its databases dropped) and returns the helpers the tests share.
 */
import assert from 'node:assert/strict';
import { copyFileSync } from 'node:fs';
import path from 'node:path';
import { readTopic, registryClient, type TopicMessage } from './kafka.js';
import { REPO_ROOT } from './paths.js';
import { createDatabase, type TestDatabase } from './postgres.js';
import { generate, linkDependencies, npm, startServiceProcess, tempDir, type ServiceProcess } from './service.js';
import { kafkaStack, type KafkaStack } from './stack.js';
import type { KafkaClient } from '../../generators/lib/kafka-client.js';

export const LEDGER_FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'ledger');

export interface Job {
  jobId: string;
  lane: string;
  seq: number;
}

/** Its functions use no `this`: a spec may take them out of the ledger (`const { start } = ledger`). */
export interface Ledger {
  readonly stack: KafkaStack;
  readonly serviceDir: string;
  /** A database of the test's own (dropped after it). */
  database: (label: string) => Promise<TestDatabase>;
  /** Starts the service on `db`, its topic and group named after `name`; killed after the test. */
  start: (name: string, db: TestDatabase, overrides?: LedgerOverrides, env?: Record<string, string>) => Promise<ServiceProcess>;
  post: (service: ServiceProcess, body: Record<string, unknown>) => Promise<{ status: number; jobId?: string }>;
  /** Posts `perLane` jobs on each of `lanes` lanes: lanes in parallel, each lane's jobs one after the other (seq order). */
  postLanes: (services: ServiceProcess[], lanes: number, perLane: number) => Promise<number>;
  decodeAll: (messages: TopicMessage[]) => Promise<Job[]>;
  /** Every event once at least, lanes in seq order (a redelivered run may repeat, never reorder); returns duplicates. */
  assertOnTopic: (topic: string, lanes: number, perLane: number) => Promise<number>;
}

export interface LedgerOverrides {
  subscription?: Record<string, unknown>;
  database?: Record<string, unknown>;
  config?: Record<string, unknown>;
  /** Leave the test outbox settings out: the service runs with its generated defaults. */
  defaults?: boolean;
}

export function useLedger(options: { schemaFormat?: 'json' | 'avro'; name?: string; kafkaClient?: KafkaClient } = {}): Ledger {
  let stack: KafkaStack | undefined;
  let serviceDir: string | undefined;
  const running: ServiceProcess[] = [];
  const databases: TestDatabase[] = [];
  const name = options.name ?? 'ledger';

  before(async function () {
    this.timeout(600_000);
    stack = await kafkaStack();
    const workspace = tempDir(name);
    await generate(workspace, 'app', [name], {
      database: 'postgres',
      ...(options.schemaFormat ? { schemaFormat: options.schemaFormat } : {}),
      ...(options.kafkaClient ? { kafkaClient: options.kafkaClient } : {}),
    });
    const dir = path.join(workspace, name);
    await generate(dir, 'event', ['JobRequested'], { fields: 'jobId:uuid, lane:string, seq:int, mode:string', key: 'lane' });
    await generate(dir, 'subscription', [], { event: 'JobRequested' });
    copyFileSync(path.join(LEDGER_FIXTURES, 'job-requested.handler.ts'), path.join(dir, 'src/subscriptions/job-requested.handler.ts'));
    copyFileSync(path.join(LEDGER_FIXTURES, 'routes.ts'), path.join(dir, 'src/routes/index.ts'));
    copyFileSync(path.join(LEDGER_FIXTURES, '1767225600001_ledger.sql'), path.join(dir, 'migrations/1767225600001_ledger.sql'));
    await linkDependencies(dir);
    await npm(dir, 'run', 'typecheck');
    serviceDir = dir;
  });

  afterEach(async () => {
    for (const service of running.splice(0)) {
      if (service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
      await service.exited;
    }
    for (const database of databases.splice(0)) await database.drop();
  });

  const ready = () => {
    assert.ok(stack && serviceDir, 'the ledger service is prepared in before()');
    return { stack, serviceDir };
  };

  const ledger: Ledger = {
    get stack() {
      return ready().stack;
    },
    get serviceDir() {
      return ready().serviceDir;
    },
    async database(label) {
      const created = await createDatabase(ready().serviceDir, label);
      databases.push(created);
      return created;
    },
    async start(topicName, db, overrides = {}, env = {}) {
      const config = {
        events: { JobRequested: { topic: `${name}-${topicName}` } },
        subscriptions: {
          JobRequested: {
            topic: `${name}-${topicName}`,
            groupId: `${name}-${topicName}`,
            deadLetterTopic: `${name}-${topicName}.dead-letter`,
            retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 },
            ...overrides.subscription,
          },
        },
        database: {
          ...(overrides.defaults ? {} : { outbox: { lanes: 8, pollIntervalMs: 500, batchSize: 200, retryDelayMs: 500, retentionHours: 24 } }),
          ...overrides.database,
        },
        ...overrides.config,
      };
      const service = await startServiceProcess(ready().serviceDir, {
        ...db.env,
        KAFKA_BROKERS: ready().stack.brokers,
        SCHEMA_REGISTRY_URL: ready().stack.registryUrl,
        LOG_LEVEL: process.env.SERVICE_LOG_LEVEL ?? 'info',
        NODE_CONFIG: JSON.stringify(config),
        ...env,
      });
      running.push(service);
      return service;
    },
    async post(service, body) {
      const response = await fetch(`http://127.0.0.1:${service.port}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const text = await response.text();
      return { status: response.status, ...(response.status === 201 ? (JSON.parse(text) as { jobId: string }) : {}) };
    },
    async postLanes(services, lanes, perLane) {
      let created = 0;
      await Promise.all(
        Array.from({ length: lanes }, async (_, lane) => {
          for (let seq = 0; seq < perLane; seq += 1) {
            const service = services[(lane + seq) % services.length] as ServiceProcess;
            const { status } = await ledger.post(service, { lane: `l${lane}`, seq });
            assert.equal(status, 201, `job ${seq} of lane l${lane}`);
            created += 1;
          }
        }),
      );
      return created;
    },
    decodeAll(messages) {
      const registry = registryClient(ready().stack);
      return Promise.all(messages.map(async (message) => (await registry.decode(message.value ?? Buffer.alloc(0))) as Job));
    },
    async assertOnTopic(topic, lanes, perLane) {
      const events = await ledger.decodeAll(await readTopic(ready().stack, topic));
      const unique = new Set(events.map((event) => `${event.lane}/${event.seq}`));
      assert.equal(unique.size, lanes * perLane, `${lanes * perLane - unique.size} events lost`);
      for (let lane = 0; lane < lanes; lane += 1) {
        const seqs = events.filter((event) => event.lane === `l${lane}`).map((event) => event.seq);
        // With at-least-once a batch may come again after a crash; first occurrences must be in order.
        const firsts = seqs.filter((seq, index) => seqs.indexOf(seq) === index);
        assert.deepEqual(
          firsts,
          Array.from({ length: perLane }, (_, seq) => seq),
          `lane l${lane} in order`,
        );
        for (let index = 1; index < seqs.length; index += 1) {
          const previous = seqs[index - 1] as number;
          const current = seqs[index] as number;
          assert.ok(current === previous + 1 || current <= previous, `lane l${lane}: ${current} after ${previous} skips events`);
        }
      }
      return events.length - unique.size;
    },
  };
  return ledger;
}
