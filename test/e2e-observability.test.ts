/**
 * Observability of a generated service on the real broker: after a scenario with a failing handler,
 * GET /metrics (read as Prometheus text) counts exactly what was handled, retried and dead-lettered,
 * and the consumer lag read from the broker rises with a backlog and falls to 0 once it is consumed.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { promisify } from 'node:util';
import { generateJobsService, joins, postJobs, startJobs, type JobRecord } from './support/jobs.js';
import { readTopic, topicSize } from './support/kafka.js';
import { scrape, total } from './support/prometheus.js';
import { eventually, readRecords, tempDir, type ServiceProcess } from './support/service.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';
import { REPO_ROOT } from './support/paths.js';
import { CLIENT_VARIANTS } from './support/clients.js';

const run = promisify(execFile);
const PYTHON_CLIENT = path.join(REPO_ROOT, 'test', 'interop', 'confluent_client.py');

for (const { kafkaClient: client, suffix } of CLIENT_VARIANTS)
  describe(`observability: metrics and traces on the real broker, ${client} @kafka`, function () {
    this.timeout(600_000);
    let stack: KafkaStack;
    let serviceDir: string;
    let service: ServiceProcess | undefined;

    before(async () => {
      stack = await kafkaStack();
      serviceDir = await generateJobsService(client);
    });

    after(async () => {
      if (service && service.child.exitCode === null && service.child.signalCode === null) service.signal('SIGKILL');
      await service?.exited;
    });

    it('counts handled, retried and dead-lettered events exactly, and the lag falls to 0 once the backlog is consumed', async () => {
      const records = path.join(tempDir('metrics'), 'records.jsonl');
      service = await startJobs(stack, serviceDir, `metrics${suffix}`, records, {
        config: { metrics: { enabled: true, lagIntervalMs: 200 } },
        subscription: { retry: { attempts: 3, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 2 } },
      });
      const port = service.port;
      await eventually(() => (joins(service!) >= 1 ? true : undefined), 30_000, 'the consumer to join its group');

      // One job that always fails (3 attempts: 2 retries, then the dead-letter topic), one that fails
      // twice and then succeeds (2 retries), and a backlog of 40 slow jobs (100 ms each) behind them.
      const [poison] = await postJobs(service, { mode: 'always-fail', lane: 'a' });
      const [flaky] = await postJobs(service, { mode: 'fail-twice', lane: 'a' });
      const backlog = await postJobs(service, { mode: 'ok', lane: 'a', count: 40, sleepMs: 100 });
      const lagSeen: number[] = [];
      const trail: string[] = [];
      const lagName = 'eventing_consumer_lag_messages';
      await eventually(
        async () => {
          const samples = await scrape(port);
          // Summed over the topic's partitions (the broker's default count; lane "a" lands on one of them).
          const lag = samples.has(`${lagName}{group="jobs-metrics${suffix}",partition="0",subscription="JobRequested",topic="jobs-metrics${suffix}"}`)
            ? total(samples, lagName)
            : undefined;
          const done = new Set(
            readRecords<JobRecord>(records)
              .filter((r) => r.phase === 'done')
              .map((r) => r.jobId),
          );
          if (lag !== undefined) lagSeen.push(lag);
          trail.push(`${lag}@${done.size}`);
          return backlog.every((id) => done.has(id)) && lag === 0 ? true : undefined;
        },
        120_000,
        'the backlog to be handled and the lag to reach 0',
      );

      const samples = await scrape(port);
      const labels = 'subscription="JobRequested"';
      const figures = {
        published: samples.get('eventing_events_published_total{event_type="JobRequested"}'),
        handled: samples.get(`eventing_events_handled_total{${labels}}`),
        retried: samples.get(`eventing_events_retried_total{${labels}}`),
        deadLettered: samples.get(`eventing_events_dead_lettered_total{reason="handler",${labels}}`),
        handlerAttempts: total(samples, 'eventing_handler_duration_seconds_count'),
        flushes: total(samples, 'eventing_flush_duration_seconds_count'),
        maxLag: Math.max(...lagSeen),
        lagReadings: lagSeen.length,
        finalLag: total(samples, lagName),
        lagPartitions: [...samples.keys()].filter((key) => key.startsWith(lagName)).length,
        handlerSeconds: samples.get(`eventing_handler_duration_seconds_sum{outcome="success",${labels}}`),
      };
      process.stderr.write(`      /metrics after the scenario: ${JSON.stringify(figures)}\n`);
      assert.equal(figures.published, 42);
      assert.equal(figures.handled, 41, 'the flaky job and the 40 of the backlog');
      assert.equal(figures.retried, 4, 'two retries of the poison job, two of the flaky one');
      assert.equal(figures.deadLettered, 1);
      assert.equal(figures.handlerAttempts, 3 + 3 + 40);
      assert.equal(figures.flushes, 3, 'one flush per request');
      const lagLog = service
        .output()
        .split('\n')
        .filter((line) => /lag|committed offsets/.test(line))
        .slice(0, 8)
        .join('\n');
      process.stderr.write(`      lag@handled: ${trail.join(' ')}\n`);
      assert.ok(figures.maxLag >= 10, `the backlog showed as lag (max ${figures.maxLag}, readings ${lagSeen.join(' ')}):\n${lagLog}`);
      assert.equal(figures.finalLag, 0);
      assert.ok(figures.lagPartitions >= 1);
      assert.equal(await topicSize(stack, `jobs-metrics${suffix}.dead-letter`), 1);
      const attempts = (jobId: string | undefined) => readRecords<JobRecord>(records).filter((r) => r.jobId === jobId && r.phase === 'start').length;
      assert.equal(attempts(poison), 3);
      assert.equal(attempts(flaky), 3);
    });

    it("carries the trace of a POST through Kafka: traceparent on the event and its dead letter, trace_id in the worker's log lines; a traceparent from the Confluent Python client continues its trace", async () => {
      service?.signal('SIGKILL');
      await service?.exited;
      const records = path.join(tempDir('traces'), 'records.jsonl');
      service = await startJobs(stack, serviceDir, `traces${suffix}`, records, {
        config: { tracing: { exporter: 'console' } },
        subscription: { retry: { attempts: 2, initialDelayMs: 50, maxDelayMs: 50, multiplier: 1 } },
      });
      const traceId = '5bf92f3577b34da6a3ce929d0e0e4736';
      const response = await fetch(`http://127.0.0.1:${service.port}/jobs`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
        body: JSON.stringify({ mode: 'always-fail', lane: 't' }),
      });
      assert.equal(response.status, 201);
      const dead = await eventually(
        async () => {
          const messages = await readTopic(stack, `jobs-traces${suffix}.dead-letter`);
          return messages.length >= 1 ? messages : undefined;
        },
        60_000,
        'the dead letter',
      );
      const [sent] = await readTopic(stack, `jobs-traces${suffix}`);
      const sentParent = sent?.headers.traceparent ?? '';
      assert.match(sentParent, new RegExp(`^00-${traceId}-[0-9a-f]{16}-01$`), "the event carries the request's trace");
      assert.notEqual(sentParent.split('-')[2], '00f067aa0ba902b7', 'its parent is the send span, not the caller');
      assert.equal(dead[0]?.headers.traceparent, sentParent, 'the dead letter keeps the trace context');
      const retryLines = service
        .output()
        .split('\n')
        .filter((line) => line.includes('"msg":"handler failed; retrying"'))
        .map((line) => JSON.parse(line) as { trace_id?: string; span_id?: string });
      process.stderr.write(
        `      traceparent on the event: ${sentParent}; retry log line: trace_id ${retryLines[0]?.trace_id} span_id ${retryLines[0]?.span_id}\n`,
      );
      assert.equal(retryLines.length, 1);
      assert.equal(retryLines[0]?.trace_id, traceId, 'the worker handled it in the same trace');
      assert.match(retryLines[0]?.span_id ?? '', /^[0-9a-f]{16}$/);

      // A message from Confluent's librdkafka-based client with a traceparent header continues that trace.
      const pythonTrace = '6cf92f3577b34da6a3ce929d0e0e4736';
      await run('/usr/bin/python3', [
        PYTHON_CLIENT,
        'produce',
        stack.brokers,
        stack.registryUrl,
        `jobs-traces${suffix}`,
        path.join(serviceDir, 'schemas', 'jobs.job-requested-value.schema.json'),
        JSON.stringify({ jobId: randomUUID(), lane: 'py', seq: 1, mode: 'always-fail' }),
        'event-id=py-trace-1',
        'event-type=JobRequested',
        `traceparent=00-${pythonTrace}-a1b2c3d4e5f60718-01`,
      ]);
      const pythonLine = await eventually(
        () =>
          service
            ?.output()
            .split('\n')
            .filter((line) => line.includes('"msg":"handler failed; retrying"'))
            .map((line) => JSON.parse(line) as { trace_id?: string })
            .find((line) => line.trace_id === pythonTrace),
        60_000,
        'a retry log line in the trace of the Python-produced message',
      );
      process.stderr.write(`      message from the Confluent Python client: retry log line trace_id ${pythonLine.trace_id}\n`);
      const pythonDead = await eventually(
        async () => {
          const messages = await readTopic(stack, `jobs-traces${suffix}.dead-letter`);
          return messages.find((m) => m.headers['event-id'] === 'py-trace-1');
        },
        60_000,
        'the dead letter of the Python-produced message',
      );
      assert.equal(pythonDead.headers.traceparent, `00-${pythonTrace}-a1b2c3d4e5f60718-01`);
    });
  });
