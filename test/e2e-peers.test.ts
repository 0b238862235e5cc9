/**
 * Two generated services with different names on one broker and registry: `billing-<format>`
 * publishes PaymentReceived, `shop-orders-<format>` declares it `--external` on the publisher's topic
 * and subscribes. Both formats; then the publisher adds an optional field (the subscriber still on
 * the old schema handles the new events), then the subscriber adds one to its copy (and handles the
 * events on the topic). The publisher's route also shows NaN and a malformed uuid refused alike.
 */
import assert from 'node:assert/strict';
import { copyFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { produce, readTopic, registryClient, topicSize } from './support/kafka.js';
import { REPO_ROOT } from './support/paths.js';
import { eventually, generate, linkDependencies, npm, readRecords, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

const PAYMENT_ROUTE = `import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import { unitOfWork } from '../http/request-scope.ts';

export function registerRoutes(router: Router): void {
  router.post('/payments', unitOfWork(async (request, { eventBus }) => {
    const body = request.body as Record<string, unknown>;
    const payment = { paymentId: randomUUID(), orderId: String(body.orderId), amount: Number(body.amount) };
    const eventId = eventBus.publish('PaymentReceived', typeof body.method === 'string' ? { ...payment, method: body.method } : payment);
    return { status: 201, body: { eventId, paymentId: payment.paymentId } };
  }));
}
`;
// The second version of the route, once PaymentReceived has the optional field `method`: the first
// compiles only while it has not (the payload with `method` is an excess property before).
const FIRST_ROUTE = PAYMENT_ROUTE.replace("typeof body.method === 'string' ? { ...payment, method: body.method } : payment", 'payment');

interface Received {
  handler: string;
  event: Record<string, unknown>;
  context: { eventId: string; eventType: string; occurredAt: string };
}

const variants = [
  { format: 'json', kafkaClient: 'kafkajs', suffix: '' },
  { format: 'avro', kafkaClient: 'kafkajs', suffix: '' },
  { format: 'json', kafkaClient: 'platformatic', suffix: '-plt' },
] as const;

for (const { format, kafkaClient, suffix } of variants)
  describe(`two generated services, one publishing, one subscribing (${format}, ${kafkaClient}) @kafka`, function () {
    const variant = `${format}${suffix}`;
    this.timeout(600_000);
    const topic = `billing-${variant}.payment-received`;
    let stack: KafkaStack;
    let publisherDir: string;
    let subscriberDir: string;
    const recordFile = path.join(tempDir('peers'), 'records.jsonl');
    const running: ServiceProcess[] = [];

    before(async () => {
      stack = await kafkaStack();
      const workspace = tempDir('peers');
      await generate(workspace, 'app', [`billing-${variant}`], { schemaFormat: format, kafkaClient });
      publisherDir = path.join(workspace, `billing-${variant}`);
      await generate(publisherDir, 'event', ['PaymentReceived'], { fields: 'paymentId:uuid, orderId:uuid, amount:number', key: 'orderId' });
      writeFileSync(path.join(publisherDir, 'src/routes/index.ts'), FIRST_ROUTE);
      await generate(workspace, 'app', [`shop-orders-${variant}`], { schemaFormat: format, kafkaClient });
      subscriberDir = path.join(workspace, `shop-orders-${variant}`);
      await generate(subscriberDir, 'event', ['PaymentReceived'], { fields: 'paymentId:uuid, orderId:uuid, amount:number', external: true, topic });
      await generate(subscriberDir, 'subscription', [], { event: 'PaymentReceived' });
      copyFileSync(
        path.join(REPO_ROOT, 'test/fixtures/shop/payment-received.handler.ts'),
        path.join(subscriberDir, 'src/subscriptions/payment-received.handler.ts'),
      );
      // One dependency install for both (the same dependency set), linked into each.
      await linkDependencies(publisherDir);
      await linkDependencies(subscriberDir);
      await Promise.all([npm(publisherDir, 'run', 'typecheck'), npm(subscriberDir, 'run', 'typecheck')]);
    });

    afterEach(async () => {
      for (const service of running.splice(0)) {
        service.signal('SIGTERM');
        assert.equal(await service.exited, 0, service.output().slice(-2000));
      }
    });

    async function start(dir: string): Promise<ServiceProcess> {
      const service = await startServiceProcess(dir, {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
        RECORD_FILE: recordFile,
      });
      running.push(service);
      return service;
    }

    async function pay(publisher: ServiceProcess, body: Record<string, unknown>): Promise<Response> {
      return fetch(`http://127.0.0.1:${publisher.port}/payments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    async function paid(publisher: ServiceProcess, body: Record<string, unknown>): Promise<string> {
      const response = await pay(publisher, body);
      assert.equal(response.status, 201, await response.clone().text());
      return ((await response.json()) as { paymentId: string }).paymentId;
    }

    function handled(paymentId: string): Promise<Received> {
      return eventually(
        () => readRecords<Received>(recordFile).find((r) => r.event.paymentId === paymentId),
        60_000,
        `payment ${paymentId} to be handled`,
      );
    }

    const orderId = '0b0f6c1e-7a7e-4f4c-9a57-1f3c7d2f0a01';

    it('the subscriber handles what the publisher publishes, though the services have different names', async () => {
      const publisher = await start(publisherDir);
      await start(subscriberDir);
      const paymentId = await paid(publisher, { orderId, amount: 12.5 });
      const record = await handled(paymentId);
      assert.deepEqual(record.event, { paymentId, orderId, amount: 12.5 });
      assert.equal(record.context.eventType, 'PaymentReceived');
      assert.equal(await topicSize(stack, `shop-orders-${variant}.payment-received.dead-letter`), 0, 'nothing dead-lettered');
    });

    it('the publisher refuses NaN and a malformed uuid alike in both formats (422), and nothing reaches the topic', async () => {
      const publisher = await start(publisherDir);
      const before = await topicSize(stack, topic);
      const notANumber = await pay(publisher, { orderId, amount: 'abc' });
      assert.equal(notANumber.status, 422, await notANumber.clone().text());
      assert.match(((await notANumber.json()) as { error: string }).error, /amount/);
      const badUuid = await pay(publisher, { orderId: 'not-a-uuid', amount: 1 });
      assert.equal(badUuid.status, 422, await badUuid.clone().text());
      assert.match(((await badUuid.json()) as { error: string }).error, /orderId/);
      assert.equal(await topicSize(stack, topic), before);
    });

    it('the publisher adds an optional field: the subscriber, still on the old schema, handles the new events', async () => {
      await generate(publisherDir, 'event', ['PaymentReceived'], { addFields: 'method?:string' });
      writeFileSync(path.join(publisherDir, 'src/routes/index.ts'), PAYMENT_ROUTE);
      await npm(publisherDir, 'run', 'typecheck');
      const publisher = await start(publisherDir);
      await start(subscriberDir);
      const paymentId = await paid(publisher, { orderId, amount: 7, method: 'card' });
      const record = await handled(paymentId);
      assert.deepEqual(record.event, { paymentId, orderId, amount: 7 }, 'the field the subscriber does not know is left out');
    });

    it('the subscriber adds an optional field to its copy: it handles the events on the topic, with and without it', async () => {
      await generate(subscriberDir, 'event', ['PaymentReceived'], { addFields: 'method?:string' });
      await npm(subscriberDir, 'run', 'typecheck');
      const publisher = await start(publisherDir);
      await start(subscriberDir);
      const withMethod = await paid(publisher, { orderId, amount: 8, method: 'cash' });
      const without = await paid(publisher, { orderId, amount: 9 });
      assert.deepEqual((await handled(withMethod)).event, { paymentId: withMethod, orderId, amount: 8, method: 'cash' });
      assert.deepEqual((await handled(without)).event, { paymentId: without, orderId, amount: 9 });
      const dead = await readTopic(stack, `shop-orders-${variant}.payment-received.dead-letter`).catch(() => []);
      assert.deepEqual(
        dead.map((m) => m.headers['dead-letter-error-message']),
        [],
        'nothing dead-lettered',
      );
    });

    if (format === 'avro') {
      it('reads records a publisher of an older generator named <service>.events.PaymentReceived', async () => {
        const legacyTopic = 'legacy-billing.payment-received';
        const schema = {
          type: 'record',
          name: 'PaymentReceived',
          namespace: 'legacy_billing.events',
          fields: [
            { name: 'paymentId', type: { type: 'string', logicalType: 'uuid' } },
            { name: 'orderId', type: { type: 'string', logicalType: 'uuid' } },
            { name: 'amount', type: 'double' },
          ],
        };
        const registry = registryClient(stack);
        const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${legacyTopic}-value` });
        const paymentId = '5a1c0f0e-1111-4c4c-8888-00000000000a';
        await produce(stack, legacyTopic, [
          { key: orderId, value: await registry.encode(id, { paymentId, orderId, amount: 3.5 }), headers: { 'event-id': 'legacy-1' } },
        ]);
        const deadLetterTopic = 'shop-orders-avro.legacy.dead-letter';
        const subscriber = await startServiceProcess(subscriberDir, {
          KAFKA_BROKERS: stack.brokers,
          SCHEMA_REGISTRY_URL: stack.registryUrl,
          RECORD_FILE: recordFile,
          NODE_CONFIG: JSON.stringify({
            subscriptions: { PaymentReceived: { topic: legacyTopic, groupId: 'shop-orders-avro.legacy', deadLetterTopic } },
          }),
        });
        running.push(subscriber);
        assert.deepEqual((await handled(paymentId)).event, { paymentId, orderId, amount: 3.5 });
        assert.equal(await topicSize(stack, deadLetterTopic), 0);
      });
    }
  });
