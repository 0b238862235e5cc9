/**
 * Topics and the registry as a production service meets them, with the faults created here on the
 * real broker and registry: a dead-letter topic deleted under a running service, a production start
 * with topics missing, a registry that is down or whose subject holds another format, a broker restart
 * under a running consumer. Each test uses its own topic and consumer group.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { generateJobsService, joins, postJobs, startJobs, type JobRecord } from './support/jobs.js';
import { kafkaClient, produce, readTopic, registryClient } from './support/kafka.js';
import { eventually, readRecords, sleep, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';
import { CLIENT_VARIANTS } from './support/clients.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

for (const { kafkaClient: client, suffix } of CLIENT_VARIANTS)
  describe(`topics and registry faults, ${client} @kafka`, function () {
    this.timeout(600_000);
    let stack: KafkaStack;
    let serviceDir: string;
    const running: ServiceProcess[] = [];

    before(async () => {
      stack = await kafkaStack();
      serviceDir = await generateJobsService(client);
    });

    afterEach(async () => {
      for (const service of running.splice(0)) {
        if (service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
        await service.exited;
      }
    });

    async function start(name: string, recordFile: string, overrides: Record<string, unknown> = {}): Promise<ServiceProcess> {
      const service = await startJobs(stack, serviceDir, `${name}${suffix}`, recordFile, overrides);
      running.push(service);
      return service;
    }

    it('a dead-letter topic that cannot be written: the partition waits (not silently), ready is 503 naming the subscription; once it exists, what waited is handled', async () => {
      const records = path.join(tempDir('dlt-missing'), 'records.jsonl');
      const service = await start('dlt-missing', records, { config: { kafka: { producer: { sendTimeoutMs: 3000 } } } });
      await eventually(() => (joins(service) >= 1 ? true : undefined), 30_000, 'the consumer to join its group');
      // The fault: the dead-letter topic is gone (the service's producers never create topics).
      const admin = kafkaClient(stack).admin();
      await admin.connect();
      await admin.deleteTopics({ topics: [`jobs-dlt-missing${suffix}.dead-letter`] });
      await eventually(
        async () => ((await admin.listTopics()).includes(`jobs-dlt-missing${suffix}.dead-letter`) ? undefined : true),
        30_000,
        'the topic to be deleted',
      );
      const unknownId = Buffer.concat([Buffer.from([0]), Buffer.from([0x00, 0x0f, 0x42, 0x3f]), Buffer.from('{}')]);
      const faultAt = Date.now();
      await produce(stack, `jobs-dlt-missing${suffix}`, [
        { key: 'g', value: Buffer.from('garbage behind which a valid event waits'), headers: { 'event-id': 'garbage-2' } },
        { key: 'g', value: unknownId, headers: { 'event-id': 'unknown-schema-id' } },
      ]);
      const [waiting] = await postJobs(service, { mode: 'ok', lane: 'g' });
      const ready = () => fetch(`http://127.0.0.1:${service.port}/health/ready`);
      const notReady = await eventually(
        async () => {
          const response = await ready();
          return response.status === 503 ? ((await response.json()) as { failing?: Record<string, string> }) : undefined;
        },
        60_000,
        '/health/ready to answer 503',
      );
      const untilNotReady = Date.now() - faultAt;
      assert.match(notReady.failing?.JobRequested ?? '', new RegExp(`cannot write dead-letter topic jobs-dlt-missing${suffix}\\.dead-letter`));
      // Each failed write is an error in the log: wait for a second one (a client may take its send timeout, 3 s, to fail a write).
      const errorLines = () =>
        service
          .output()
          .split('\n')
          .filter((line) => line.includes('"level":50') && line.includes('cannot write dead-letter topic'));
      const errors = await eventually(() => (errorLines().length >= 2 ? errorLines() : undefined), 20_000, 'a second failed write in the log');
      const errorsAfterMs = Date.now() - faultAt;
      assert.equal(
        readRecords<JobRecord>(records).filter((r) => r.jobId === waiting).length,
        0,
        'the event behind the garbage waits: it is not skipped',
      );
      assert.equal((await ready()).status, 503, 'still failing while the topic is missing');

      const fixedAt = Date.now();
      await admin.createTopics({ topics: [{ topic: `jobs-dlt-missing${suffix}.dead-letter` }], waitForLeaders: true });
      await admin.disconnect();
      await eventually(
        () => (readRecords<JobRecord>(records).some((r) => r.jobId === waiting && r.phase === 'done') ? true : undefined),
        60_000,
        'the waiting event to be handled',
      );
      const untilHandled = Date.now() - fixedAt;
      await eventually(async () => ((await ready()).status === 200 ? true : undefined), 30_000, '/health/ready to answer 200 again');
      const untilReady = Date.now() - fixedAt;
      process.stderr.write(
        `      dead-letter topic deleted: ready 503 ${untilNotReady} ms after the garbage was written, ${errors.length} error lines ${errorsAfterMs} ms after the fault; ` +
          `topic created: waiting event handled after ${untilHandled} ms, ready 200 after ${untilReady} ms\n`,
      );
      const dead = await eventually(
        async () => {
          const messages = await readTopic(stack, `jobs-dlt-missing${suffix}.dead-letter`);
          return messages.length >= 2 ? messages : undefined;
        },
        30_000,
        'both dead letters',
      );
      const byId = (id: string) => dead.find((m) => m.headers['event-id'] === id)?.headers['dead-letter-error-message'] ?? '';
      assert.match(byId('garbage-2'), /not in the schema registry wire format/);
      assert.match(byId('unknown-schema-id'), /schema id 999999, which the schema registry at .* does not know/);
    });

    it('starting where topics are missing (production: nothing creates them) refuses, naming the missing topics', async () => {
      const service = startServiceProcess(
        serviceDir,
        {
          NODE_ENV: 'production',
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          NODE_CONFIG: JSON.stringify({
            events: { JobRequested: { topic: `jobs-prod${suffix}` } },
            subscriptions: {
              JobRequested: { topic: `jobs-prod${suffix}`, groupId: `jobs-prod${suffix}`, deadLetterTopic: `jobs-prod${suffix}.dead-letter` },
            },
          }),
        },
        { readyTimeoutMs: 30_000 },
      );
      await assert.rejects(service, (error: Error) => {
        assert.match(error.message, /\(it exited\)/);
        assert.match(
          error.message,
          new RegExp(
            `jobs did not start: the broker 127\\.0\\.0\\.1:\\d+ lacks the topics jobs-prod${suffix}, jobs-prod${suffix}\\.dead-letter: kafka\\.createTopics is false`,
          ),
        );
        return true;
      });
    });

    it('a start-up failure at the registry names the URL, the subject and the format the subject holds', async () => {
      const down = startServiceProcess(
        serviceDir,
        {
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: 'http://127.0.0.1:1/apis/ccompat/v7',
          NODE_CONFIG: JSON.stringify({ events: { JobRequested: { topic: `jobs-nowhere${suffix}` } } }),
        },
        { readyTimeoutMs: 30_000 },
      );
      await assert.rejects(
        down,
        new RegExp(
          `did not start: Registering the JSON schema of JobRequested under subject jobs-nowhere${suffix}-value at the schema registry http://127\\.0\\.0\\.1:1/apis/ccompat/v7 failed`,
        ),
      );
      const avro = JSON.stringify({ type: 'record', name: 'JobRequested', fields: [{ name: 'jobId', type: 'string' }] });
      await registryClient(stack).register({ type: SchemaType.AVRO, schema: avro }, { subject: `jobs-avro-subject${suffix}-value` });
      const mismatch = startServiceProcess(
        serviceDir,
        {
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          NODE_CONFIG: JSON.stringify({ events: { JobRequested: { topic: `jobs-avro-subject${suffix}` } } }),
        },
        { readyTimeoutMs: 30_000 },
      );
      await assert.rejects(mismatch, new RegExp(`subject jobs-avro-subject${suffix}-value holds AVRO schemas, this service's are JSON`));
    });

    it('a broker restart under a running consumer: what the client retries and restarts is logged as warnings, no error', async () => {
      const records = path.join(tempDir('restart'), 'records.jsonl');
      const service = await start('restart', records);
      await eventually(() => (joins(service) >= 1 ? true : undefined), 30_000, 'the consumer to join its group');
      const stoppedAt = Date.now();
      await stack.stopBroker();
      await sleep(3000);
      await stack.startBroker();
      const [after] = await eventually(() => postJobs(service, { mode: 'ok', lane: 'b' }).catch(() => undefined), 60_000, 'publishing to work again');
      await eventually(
        () => (readRecords<JobRecord>(records).some((r) => r.jobId === after && r.phase === 'done') ? true : undefined),
        90_000,
        'the consumer to handle again',
      );
      const lines = service.output().split('\n');
      const errors = lines.filter((line) => line.includes('"level":50'));
      const warnings = lines.filter((line) => line.includes('"level":40'));
      process.stderr.write(
        `      broker restarted: handling again ${Date.now() - stoppedAt} ms after the stop; ${warnings.length} warnings, ${errors.length} errors\n`,
      );
      assert.deepEqual(
        errors.map((line) => line.slice(0, 400)),
        [],
        'retried requests and consumer restarts are warnings',
      );
    });
  });
