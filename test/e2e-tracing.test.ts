/**
 * One trace across two generated services on the real broker, each exporting its spans to an in-memory
 * span exporter (test/fixtures/tracing/trace-main.ts, which also writes them to a file): `POST /payments`
 * (SERVER) in the publisher, its child `send <topic>` (PRODUCER), and in the subscriber `process <topic>`
 * (CONSUMER), a child of the send span, with the OpenTelemetry messaging attributes for Kafka. A failing
 * handler's retries and its dead-lettering are span events of its process span.
 */
import assert from 'node:assert/strict';
import { copyFileSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { readTopic } from './support/kafka.js';
import { REPO_ROOT } from './support/paths.js';
import { eventually, generate, linkDependencies, readRecords, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/tracing');
const TOPIC = 'billing-traces.payment-received';
const GROUP = 'shop-traces.payment-received';
/** Node 22: a traced service restarts itself with --experimental-async-context-frame (Node 24 has AsyncContextFrame already). */
const BEFORE_NODE_24 = Number(process.versions.node.split('.')[0]) < 24;

const ROUTE = `import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { unitOfWork } from '../http/request-scope.ts';

export function registerRoutes(router: Router): void {
  router.post('/payments', unitOfWork(async (request, { eventBus }) => {
    const body = request.body as Record<string, unknown>;
    const payment = { paymentId: randomUUID(), orderId: String(body.orderId), amount: Number(body.amount) };
    const eventId = eventBus.publish('PaymentReceived', payment);
    return { status: 201, body: { eventId, paymentId: payment.paymentId } };
  }));
}
`;

interface RecordedSpan {
  service: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  status: number;
  attributes: Record<string, unknown>;
  events: { name: string; attributes?: Record<string, unknown> }[];
}

// @opentelemetry/api SpanKind
const SERVER = 1;
const PRODUCER = 3;
const CONSUMER = 4;

describe('tracing across two generated services, an in-memory span exporter in each @kafka', function () {
  this.timeout(600_000);
  let stack: KafkaStack;
  let publisherDir: string;
  let subscriberDir: string;
  const spanFile = path.join(tempDir('traces'), 'spans.jsonl');
  const running: ServiceProcess[] = [];

  before(async () => {
    stack = await kafkaStack();
    const workspace = tempDir('traces');
    await generate(workspace, 'app', ['billing-traces'], {});
    publisherDir = path.join(workspace, 'billing-traces');
    await generate(publisherDir, 'event', ['PaymentReceived'], { fields: 'paymentId:uuid, orderId:uuid, amount:number', key: 'orderId' });
    writeFileSync(path.join(publisherDir, 'src/routes/index.ts'), ROUTE);
    await generate(workspace, 'app', ['shop-traces'], {});
    subscriberDir = path.join(workspace, 'shop-traces');
    await generate(subscriberDir, 'event', ['PaymentReceived'], {
      fields: 'paymentId:uuid, orderId:uuid, amount:number',
      external: true,
      topic: TOPIC,
    });
    await generate(subscriberDir, 'subscription', [], { event: 'PaymentReceived' });
    copyFileSync(path.join(FIXTURES, 'payment-received.handler.ts'), path.join(subscriberDir, 'src/subscriptions/payment-received.handler.ts'));
    for (const dir of [publisherDir, subscriberDir]) {
      copyFileSync(path.join(FIXTURES, 'trace-main.ts'), path.join(dir, 'src/trace-main.ts'));
      await linkDependencies(dir);
    }
  });

  after(async () => {
    for (const service of running.splice(0)) {
      service.signal('SIGTERM');
      await service.exited;
    }
  });

  const start = async (
    dir: string,
    config: Record<string, unknown> = {},
    { entry = 'src/trace-main.ts', env = {} }: { entry?: string; env?: Record<string, string> } = {},
  ): Promise<ServiceProcess> => {
    const service = await startServiceProcess(
      dir,
      {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        SPAN_FILE: spanFile,
        NODE_CONFIG: JSON.stringify({ tracing: { exporter: 'off' }, ...config }),
        ...env,
      },
      { entry },
    );
    running.push(service);
    return service;
  };

  const stop = async (service: ServiceProcess): Promise<number | string> => {
    running.splice(running.indexOf(service), 1);
    service.signal('SIGTERM');
    return service.exited;
  };

  /** The service's 'service started' log line. */
  const startedLine = (service: ServiceProcess): { asyncContext?: string } => {
    const line = service
      .output()
      .split('\n')
      .find((text) => text.includes('"service started"'));
    assert.ok(line, `a 'service started' line in:\n${service.output()}`);
    return JSON.parse(line) as { asyncContext?: string };
  };

  /** The command line the process of this pid runs now (Linux): after a restart by process.execve, the new one. */
  const commandLineOf = (service: ServiceProcess): string[] => readFileSync(`/proc/${service.child.pid}/cmdline`, 'utf8').split('\0');

  const pay = async (publisher: ServiceProcess, amount: number): Promise<string> => {
    const response = await fetch(`http://127.0.0.1:${publisher.port}/payments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a01', amount }),
    });
    assert.equal(response.status, 201, await response.clone().text());
    return ((await response.json()) as { eventId: string }).eventId;
  };

  const spansOf = (eventId: string, kind: number): RecordedSpan | undefined =>
    readRecords<RecordedSpan>(spanFile).find((span) => span.kind === kind && span.attributes['messaging.message.id'] === eventId);

  const spanWithId = (spanId: string | undefined): RecordedSpan | undefined =>
    spanId === undefined ? undefined : readRecords<RecordedSpan>(spanFile).find((span) => span.spanId === spanId);

  /**
   * A span of the publisher once it is in the file, or undefined after 10 s: the publisher exports its spans in
   * batches, and on a busy machine a batch came after the subscriber's process span.
   */
  const exported = (find: () => RecordedSpan | undefined, what: string): Promise<RecordedSpan | undefined> =>
    eventually(find, 10_000, what).catch(() => undefined);

  let publisher: ServiceProcess;

  it('one trace from POST /payments through send to process in the other service, with the messaging attributes', async () => {
    publisher = await start(publisherDir);
    const subscriber = await start(subscriberDir, {
      subscriptions: { PaymentReceived: { retry: { attempts: 3, initialDelayMs: 50, maxDelayMs: 50, multiplier: 1 } } },
    });
    for (const service of [publisher, subscriber]) {
      // Tracing on: Node 22 restarted itself (same pid) with --experimental-async-context-frame; Node 24 is there already.
      assert.equal(startedLine(service).asyncContext, 'AsyncContextFrame');
      if (BEFORE_NODE_24) assert.ok(commandLineOf(service).includes('--experimental-async-context-frame'), 'the spawned pid runs with the flag');
    }
    const posted = Date.now();
    const eventId = await pay(publisher, 12.5);
    const processSpan = await eventually(() => spansOf(eventId, CONSUMER), 60_000, 'the process span in the subscriber');
    const handledMs = Date.now() - posted;
    const sendSpan = await exported(() => spansOf(eventId, PRODUCER), 'the send span');
    assert.ok(sendSpan, 'the send span in the publisher');
    const serverSpan = await exported(() => spanWithId(sendSpan.parentSpanId), 'the parent of the send span');
    assert.ok(serverSpan, 'the send span has a parent span in the publisher');
    process.stderr.write(
      `      trace ${sendSpan.traceId}: [${serverSpan.service}] ${serverSpan.name} -> [${sendSpan.service}] ${sendSpan.name} -> ` +
        `[${processSpan.service}] ${processSpan.name} (POST to process span exported: ${handledMs} ms)\n`,
    );

    assert.equal(serverSpan.service, 'billing-traces');
    assert.equal(serverSpan.kind, SERVER);
    assert.equal(serverSpan.name, 'POST /payments');
    assert.equal(serverSpan.parentSpanId, undefined, 'the request started the trace');
    assert.equal(serverSpan.attributes['http.response.status_code'], 201);

    assert.equal(sendSpan.service, 'billing-traces');
    assert.equal(sendSpan.name, `send ${TOPIC}`);
    assert.equal(sendSpan.traceId, serverSpan.traceId);
    assert.deepEqual(sendSpan.attributes, {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'send',
      'messaging.operation.type': 'send',
      'messaging.destination.name': TOPIC,
      'messaging.message.id': eventId,
      'messaging.kafka.message.key': '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a01',
    });

    assert.equal(processSpan.service, 'shop-traces');
    assert.equal(processSpan.name, `process ${TOPIC}`);
    assert.equal(processSpan.traceId, serverSpan.traceId, 'one trace across both services');
    assert.equal(processSpan.parentSpanId, sendSpan.spanId, 'the process span is a child of the send span');
    const { 'messaging.destination.partition.id': partition, 'messaging.kafka.offset': offset, ...named } = processSpan.attributes;
    assert.deepEqual(named, {
      'messaging.system': 'kafka',
      'messaging.operation.name': 'process',
      'messaging.operation.type': 'process',
      'messaging.destination.name': TOPIC,
      'messaging.consumer.group.name': GROUP,
      'messaging.message.id': eventId,
      'messaging.kafka.message.key': '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a01',
    });
    assert.match(String(partition), /^\d+$/);
    assert.equal(typeof offset, 'number');
    assert.deepEqual(processSpan.events, [], 'handled at the first attempt');
  });

  it('a failing handler: its retries and the dead-lettering are events of its process span; the dead letter keeps the trace context', async () => {
    const eventId = await pay(publisher, -1);
    const processSpan = await eventually(() => spansOf(eventId, CONSUMER), 60_000, 'the failed process span in the subscriber');
    const sendSpan = await exported(() => spansOf(eventId, PRODUCER), 'the send span');
    assert.ok(sendSpan);
    process.stderr.write(`      failed process span events: ${JSON.stringify(processSpan.events)}\n`);
    assert.equal(processSpan.traceId, sendSpan.traceId);
    assert.equal(processSpan.parentSpanId, sendSpan.spanId);
    assert.equal(processSpan.status, 2, 'the span ends as an error');
    assert.deepEqual(
      processSpan.events.map((event) => event.name),
      ['retry', 'retry', 'dead_letter'],
    );
    assert.deepEqual(
      processSpan.events.filter((event) => event.name === 'retry').map((event) => event.attributes?.['messaging.retry.attempt']),
      [1, 2],
    );
    const dead = await eventually(
      async () => {
        const messages = await readTopic(stack, `${GROUP}.dead-letter`);
        return messages.find((message) => message.headers['event-id'] === eventId);
      },
      60_000,
      'the dead letter',
    );
    assert.equal(dead.headers.traceparent, `00-${sendSpan.traceId}-${sendSpan.spanId}-01`);
  });
  it('with --no-experimental-async-context-frame (Node 22) the trace context is carried by async hooks: still one trace', async function () {
    if (!BEFORE_NODE_24) this.skip(); // Node 24 has no such flag (its own is --no-async-context-frame)
    const hooked = await start(publisherDir, {}, { env: { NODE_OPTIONS: '--no-experimental-async-context-frame' } });
    assert.equal(startedLine(hooked).asyncContext, 'async_hooks');
    const eventId = await pay(hooked, 3);
    const processSpan = await eventually(() => spansOf(eventId, CONSUMER), 60_000, 'the process span in the subscriber');
    const sendSpan = await exported(() => spansOf(eventId, PRODUCER), 'the send span');
    assert.ok(sendSpan);
    const serverSpan = await exported(() => spanWithId(sendSpan.parentSpanId), 'the parent of the send span');
    assert.equal(serverSpan?.name, 'POST /payments');
    assert.equal(processSpan.parentSpanId, sendSpan.spanId);
    assert.equal(processSpan.traceId, serverSpan.traceId);
    assert.equal(await stop(hooked), 0);
  });

  it("npm start's entry (src/main.ts) restarts on AsyncContextFrame only when tracing is configured on, and drains on SIGTERM", async () => {
    const traced = await start(publisherDir, { tracing: { exporter: 'console' } }, { entry: 'src/main.ts' });
    assert.equal(startedLine(traced).asyncContext, 'AsyncContextFrame');
    if (BEFORE_NODE_24) assert.ok(commandLineOf(traced).includes('--experimental-async-context-frame'), 'the spawned pid runs with the flag');
    assert.equal(await stop(traced), 0);
    assert.match(traced.output(), /"service stopped"/);
    const untraced = await start(publisherDir, {}, { entry: 'src/main.ts' });
    assert.equal(startedLine(untraced).asyncContext, undefined, 'tracing off: no trace context to carry');
    assert.ok(!commandLineOf(untraced).includes('--experimental-async-context-frame'), 'tracing off: not restarted');
    assert.equal(await stop(untraced), 0);
  });
});
