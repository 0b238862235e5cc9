/**
 * Events and subscriptions end to end on the real broker and registry: a generated service with two
 * events it publishes (one keyed, with optional and array fields), one event another service
 * publishes, and a subscription to each side; plus Confluent's own client on the other end.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { copyFileSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { kafkaStack, type KafkaStack } from './support/stack.js';
import { produce, readTopic, registryClient, registryGet, topicSize } from './support/kafka.js';
import { REPO_ROOT } from './support/paths.js';
import { eventually, generate, linkDependencies, npm, readRecords, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';

const run = promisify(execFile);
const FIXTURES = path.join(REPO_ROOT, 'test', 'fixtures', 'shop');
const PYTHON_CLIENT = path.join(REPO_ROOT, 'test', 'interop', 'confluent_client.py');

/** A decoded payload as plain JSON; Avro writes an absent optional field as null. */
function plain(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_key, item: unknown) => (item === null ? undefined : item)));
}

interface Record_ {
  handler: string;
  event: Record<string, unknown>;
  context: {
    eventId: string;
    eventType: string;
    correlationId: string;
    causationId: string | null;
    key: string | null;
    occurredAt: string;
    attempt: number;
  };
}

const variants = [
  { format: 'json', kafkaClient: 'kafkajs', suffix: '' },
  { format: 'avro', kafkaClient: 'kafkajs', suffix: '-avro' },
  { format: 'json', kafkaClient: 'platformatic', suffix: '-platformatic' },
] as const;

for (const { format, kafkaClient, suffix } of variants)
  describe(`events and subscriptions through Kafka and the schema registry (${format}, ${kafkaClient}) @kafka`, function () {
    this.timeout(300_000);
    const serviceName = `shop${suffix}`;
    const paymentsTopic = `payments${suffix}.payment-received`;
    let stack: KafkaStack;
    let serviceDir: string;
    let service: ServiceProcess;
    const recordFile = path.join(tempDir('records'), 'records.jsonl');
    const url = (route: string) => `http://127.0.0.1:${service.port}${route}`;

    before(async () => {
      stack = await kafkaStack();
      const workspace = tempDir('shop');
      await generate(workspace, 'app', [serviceName], { schemaFormat: format, kafkaClient });
      serviceDir = path.join(workspace, serviceName);
      await generate(serviceDir, 'event', ['OrderPlaced'], {
        fields: 'orderId:uuid, total:number, quantity:int, placedAt:datetime, note?:string, tags:string[]',
        key: 'orderId',
      });
      await generate(serviceDir, 'event', ['OrderConfirmed'], { fields: 'orderId:uuid, confirmedAt:datetime' });
      await generate(serviceDir, 'event', ['PaymentReceived'], {
        fields: 'paymentId:uuid, orderId:uuid, amount:number',
        external: true,
        topic: paymentsTopic,
      });
      await generate(serviceDir, 'subscription', [], { event: 'OrderPlaced' });
      await generate(serviceDir, 'subscription', [], { event: 'PaymentReceived' });
      copyFileSync(path.join(FIXTURES, 'order-placed.handler.ts'), path.join(serviceDir, 'src/subscriptions/order-placed.handler.ts'));
      copyFileSync(path.join(FIXTURES, 'payment-received.handler.ts'), path.join(serviceDir, 'src/subscriptions/payment-received.handler.ts'));
      copyFileSync(path.join(FIXTURES, 'routes.ts'), path.join(serviceDir, 'src/routes/index.ts'));
      await linkDependencies(serviceDir);
      await npm(serviceDir, 'test');
      service = await startServiceProcess(serviceDir, {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        RECORD_FILE: recordFile,
      });
    });

    after(async () => {
      if (!service) return;
      service.signal('SIGTERM');
      assert.equal(await service.exited, 0);
    });

    const orders = [
      {
        orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a01',
        total: 12.5,
        quantity: 2,
        placedAt: '2026-11-27T10:00:00.000Z',
        note: 'gift',
        tags: ['a', 'b'],
      },
      { orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a02', total: 3, quantity: 1, placedAt: '2026-11-27T10:01:00.000Z', tags: [] },
      { orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a03', total: 99.99, quantity: 7, placedAt: '2026-11-27T10:02:00.000Z', tags: ['x'] },
    ];
    const published = new Map<string, { order: (typeof orders)[number]; correlationId: string }>();

    it('publishes from an HTTP route; the handler receives exactly the payloads with their headers', async () => {
      for (const [index, order] of orders.entries()) {
        const correlationId = `corr-${index}`;
        const response = await fetch(url('/orders'), {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'x-correlation-id': correlationId },
          body: JSON.stringify(order),
        });
        assert.equal(response.status, 201, await response.clone().text());
        const { eventId } = (await response.json()) as { eventId: string };
        published.set(eventId, { order, correlationId });
      }
      const received = await eventually(
        () => {
          const records = readRecords<Record_>(recordFile).filter((r) => r.handler === 'OrderPlaced');
          return records.length >= orders.length ? records : undefined;
        },
        30_000,
        'the OrderPlaced handler to see every order',
      );
      assert.equal(received.length, orders.length, 'each event handled exactly once');
      for (const record of received) {
        const sent = published.get(record.context.eventId);
        assert.ok(sent, `unknown event id ${record.context.eventId}`);
        assert.deepEqual(record.event, sent.order);
        assert.equal(record.context.eventType, 'OrderPlaced');
        assert.equal(record.context.correlationId, sent.correlationId);
        assert.equal(record.context.causationId, null);
        assert.equal(record.context.key, sent.order.orderId);
        assert.equal(record.context.attempt, 1);
        assert.ok(!Number.isNaN(Date.parse(record.context.occurredAt)));
      }
    });

    it('writes the registry wire format, and events a handler publishes carry its correlation id and its id as causation', async () => {
      const placed = await readTopic(stack, `${serviceName}.order-placed`);
      assert.equal(placed.length, orders.length);
      const registry = registryClient(stack);
      for (const message of placed) {
        assert.ok(message.value);
        assert.equal(message.value[0], 0, 'magic byte');
        const schemaId = message.value.readInt32BE(1);
        assert.ok(schemaId > 0);
        assert.deepEqual(plain(await registry.decode(message.value)), published.get(message.headers['event-id'] ?? '')?.order);
        assert.equal(message.key, published.get(message.headers['event-id'] ?? '')?.order.orderId);
      }
      const confirmed = await eventually(
        async () => {
          const messages = await readTopic(stack, `${serviceName}.order-confirmed`);
          return messages.length >= orders.length ? messages : undefined;
        },
        30_000,
        'OrderConfirmed events',
      );
      assert.equal(confirmed.length, orders.length);
      for (const message of confirmed) {
        const cause = published.get(message.headers['causation-id'] ?? '');
        assert.ok(cause, 'causation-id is the id of the OrderPlaced that was handled');
        assert.equal(message.headers['correlation-id'], cause.correlationId);
        assert.equal(message.headers['event-type'], 'OrderConfirmed');
        assert.equal(message.key, null);
        const payload = (await registry.decode(message.value ?? Buffer.alloc(0))) as { orderId: string };
        assert.equal(payload.orderId, cause.order.orderId);
      }
    });

    it('rejects an invalid payload naming the field, and nothing reaches the topic', async () => {
      const before = await topicSize(stack, `${serviceName}.order-placed`);
      const response = await fetch(url('/orders'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...orders[0], total: 'twelve' }),
      });
      assert.equal(response.status, 422);
      const body = (await response.json()) as { error: string };
      assert.match(body.error, /total/);
      const missing = await fetch(url('/orders'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ orderId: orders[0]?.orderId }),
      });
      assert.equal(missing.status, 422);
      assert.match(((await missing.json()) as { error: string }).error, /quantity/);
      assert.equal(await topicSize(stack, `${serviceName}.order-placed`), before);
    });

    it('registered the published schemas with BACKWARD compatibility, and not the external one', async () => {
      const subjects = (await registryGet(stack, '/subjects')) as string[];
      assert.ok(subjects.includes(`${serviceName}.order-placed-value`), String(subjects));
      assert.ok(subjects.includes(`${serviceName}.order-confirmed-value`), String(subjects));
      assert.ok(!subjects.includes(`${paymentsTopic}-value`));
      const config = (await registryGet(stack, `/config/${serviceName}.order-placed-value`)) as {
        compatibilityLevel?: string;
        compatibility?: string;
      };
      assert.equal(config.compatibilityLevel ?? config.compatibility, 'BACKWARD');
    });

    const schemaFile = (topic: string) => path.join(serviceDir, 'schemas', `${topic}-value.${format === 'json' ? 'schema.json' : 'avsc'}`);

    it("handles a message written by Confluent's librdkafka-based client through the registry (external event)", async () => {
      const payment = { paymentId: '5a1c0f0e-1111-4c4c-8888-000000000001', orderId: orders[0]?.orderId, amount: 12.5 };
      await run('/usr/bin/python3', [
        PYTHON_CLIENT,
        `produce${format === 'avro' ? '-avro' : ''}`,
        stack.brokers,
        stack.registryUrl,
        paymentsTopic,
        schemaFile(paymentsTopic),
        JSON.stringify(payment),
        'event-id=py-1',
        'event-type=PaymentReceived',
        'correlation-id=py-corr',
      ]);
      const record = await eventually(
        () => readRecords<Record_>(recordFile).find((r) => r.handler === 'PaymentReceived'),
        30_000,
        'the PaymentReceived handler',
      );
      assert.deepEqual(record.event, payment);
      assert.equal(record.context.eventId, 'py-1');
      assert.equal(record.context.correlationId, 'py-corr');
    });

    it("publishes what Confluent's librdkafka-based client reads through the registry", async () => {
      const { stdout } = await run('/usr/bin/python3', [
        PYTHON_CLIENT,
        `consume${format === 'avro' ? '-avro' : ''}`,
        stack.brokers,
        stack.registryUrl,
        `${serviceName}.order-placed`,
        schemaFile(`${serviceName}.order-placed`),
        String(orders.length),
      ]);
      const read = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { key: string; value: unknown; headers: Record<string, string> });
      assert.equal(read.length, orders.length);
      for (const message of read) {
        const sent = published.get(message.headers['event-id'] ?? '');
        assert.ok(sent);
        assert.deepEqual(message.value, sent.order);
        assert.equal(message.key, sent.order.orderId);
      }
    });

    it('a worker still on the old schema handles an event written with a newer one: the new field is left out, no dead letter', async () => {
      const topic = `${serviceName}.order-placed`;
      const registry = registryClient(stack);
      const schema = JSON.parse(readFileSync(schemaFile(topic), 'utf8')) as { properties?: Record<string, unknown>; fields?: unknown[] };
      if (format === 'json') schema.properties = { ...schema.properties, giftWrap: { type: 'boolean' } };
      else schema.fields = [...(schema.fields ?? []), { name: 'giftWrap', type: ['null', 'boolean'], default: null }];
      const { id } = await registry.register(
        { type: format === 'json' ? SchemaType.JSON : SchemaType.AVRO, schema: JSON.stringify(schema) },
        { subject: `${topic}-value` },
      );
      const order = { orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a09', total: 7, quantity: 3, placedAt: '2026-11-27T10:30:00.000Z', tags: ['newer'] };
      const value = await registry.encode(id, format === 'json' ? { ...order, giftWrap: true } : { ...order, note: null, giftWrap: true });
      await produce(stack, topic, [{ key: order.orderId, value, headers: { 'event-id': 'newer-writer', 'event-type': 'OrderPlaced' } }]);
      const record = await eventually(
        () => readRecords<Record_>(recordFile).find((r) => r.context.eventId === 'newer-writer'),
        30_000,
        'the OrderPlaced worker on the old schema to handle the newer event',
      );
      assert.deepEqual(plain(record.event), order);
    });

    it('evolves OrderPlaced with an optional field: the registry takes a new version; events of both versions are handled', async () => {
      const topic = `${serviceName}.order-placed`;
      service.signal('SIGTERM');
      assert.equal(await service.exited, 0);

      // While the service is down, an order in the first version's schema waits on the topic.
      const [firstMessage] = await readTopic(stack, topic);
      assert.ok(firstMessage?.value);
      const firstSchemaId = firstMessage.value.readInt32BE(1);
      const waiting = { orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a10', total: 5, quantity: 1, placedAt: '2026-11-27T11:00:00.000Z', tags: ['v1'] };
      const encoded = await registryClient(stack).encode(firstSchemaId, format === 'avro' ? { ...waiting, note: null } : waiting);
      await produce(stack, topic, [
        { key: waiting.orderId, value: encoded, headers: { 'event-id': 'v1-waiting', 'event-type': 'OrderPlaced', 'correlation-id': 'v1-corr' } },
      ]);

      await generate(serviceDir, 'event', ['OrderPlaced'], { addFields: 'giftWrap?:boolean' });
      await npm(serviceDir, 'test'); // tsc strict and the service's own tests, with the new field
      service = await startServiceProcess(serviceDir, {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        RECORD_FILE: recordFile,
      });

      const versions = (await registryGet(stack, `/subjects/${topic}-value/versions`)) as number[];
      assert.ok(versions.length >= 2, `a new version of ${topic}-value: ${JSON.stringify(versions)}`);
      const latest = (await registryGet(stack, `/subjects/${topic}-value/versions/latest`)) as { schema: string };
      assert.match(latest.schema, /giftWrap/);
      const old = await eventually(
        () => readRecords<Record_>(recordFile).find((r) => r.context.eventId === 'v1-waiting'),
        30_000,
        'the order written with the first schema to be handled',
      );
      assert.deepEqual(plain(old.event), waiting);

      const wrapped = { ...waiting, orderId: '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a11', tags: ['v2'], giftWrap: true };
      const response = await fetch(url('/orders'), {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(wrapped),
      });
      assert.equal(response.status, 201, await response.clone().text());
      const { eventId } = (await response.json()) as { eventId: string };
      const fresh = await eventually(
        () => readRecords<Record_>(recordFile).find((r) => r.context.eventId === eventId),
        30_000,
        'the order with the new field',
      );
      assert.deepEqual(plain(fresh.event), wrapped);
      const [written] = (await readTopic(stack, topic)).filter((message) => message.headers['event-id'] === eventId);
      assert.ok(written?.value);
      assert.notEqual(written.value.readInt32BE(1), firstSchemaId, 'written with the new schema id');
    });
  });
