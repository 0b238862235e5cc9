/**
 * Record types, an enum, a map, a decimal and a date on the real broker and registry, both formats:
 * `ships-<format>` declares the record types and publishes ShipmentBooked (a list of records, an
 * optional record, records inside records) from an HTTP POST; `docks-<format>` declares the same types,
 * the event `--external`, and subscribes. Confluent's Python client decodes the messages too. Then the
 * publisher adds a nested optional field to a record type: the subscriber, still on the old schema, handles
 * the new events without it.
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { topicSize } from './support/kafka.js';
import { REPO_ROOT } from './support/paths.js';
import { eventually, generate, linkDependencies, npm, readRecords, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

const run = promisify(execFile);
const PYTHON_CLIENT = path.join(REPO_ROOT, 'test', 'interop', 'confluent_client.py');

const ROUTE = `import { randomUUID } from 'node:crypto';
import type { Router } from 'express';
import type { ShipmentBooked } from '../events/index.ts';
import { unitOfWork } from '../http/request-scope.ts';

export function registerRoutes(router: Router): void {
  router.post('/shipments', unitOfWork(async (request, { eventBus }) => {
    // The body is checked against ShipmentBooked's schema before anything is sent (422 when it does not match).
    const shipment: ShipmentBooked = { ...(request.body as ShipmentBooked), shipmentId: randomUUID() };
    const eventId = eventBus.publish('ShipmentBooked', shipment);
    return { status: 201, body: { eventId, shipmentId: shipment.shipmentId } };
  }));
}
`;

const HANDLER = `import { appendFileSync } from 'node:fs';
import type { EventContext, EventHandler } from 'kafka-eventing-runtime';
import type { ShipmentBooked } from '../events/index.ts';

/** Test handler: records what it receives. */
export class ShipmentBookedHandler implements EventHandler<ShipmentBooked> {
  async handle(event: ShipmentBooked, context: EventContext): Promise<void> {
    appendFileSync(process.env.RECORD_FILE ?? 'records.jsonl', \`\${JSON.stringify({ event, context, at: Date.now() })}\\n\`);
  }
}
`;

const TYPES: [string, string][] = [
  ['Money', 'amount:decimal(10,2), currency:enum(EUR|USD)'],
  ['Line', 'sku:string, quantity:int, price:Money'],
  ['Address', 'street:string, city:string'],
];
const FIELDS = 'shipmentId:uuid, status:enum(booked|sent), lines:Line[], destination?:Address, total:decimal(12,2), shipOn:date, tags:map<string>';

interface Received {
  event: Record<string, unknown>;
  at: number;
}

for (const format of ['json', 'avro'] as const)
  describe(`record types, enum, map, decimal and date between two services (${format}) @kafka`, function () {
    this.timeout(900_000);
    const topic = `ships-${format}.shipment-booked`;
    let stack: KafkaStack;
    let publisherDir: string;
    let subscriberDir: string;
    const recordFile = path.join(tempDir('types-e2e'), 'records.jsonl');
    const running: ServiceProcess[] = [];
    const shipment = {
      status: 'booked',
      lines: [
        { sku: 'A-1', quantity: 2, price: { amount: '19.90', currency: 'EUR' } },
        { sku: 'B-2', quantity: 1, price: { amount: '-0.50', currency: 'USD' } },
      ],
      destination: { street: 'Main Street 1', city: 'Springfield' },
      total: '12345678.01',
      shipOn: '2026-02-28',
      tags: { priority: 'high', dock: '7' },
    };

    before(async () => {
      stack = await kafkaStack();
      const workspace = tempDir('types-e2e');
      await generate(workspace, 'app', [`ships-${format}`], { schemaFormat: format });
      publisherDir = path.join(workspace, `ships-${format}`);
      await generate(workspace, 'app', [`docks-${format}`], { schemaFormat: format });
      subscriberDir = path.join(workspace, `docks-${format}`);
      for (const dir of [publisherDir, subscriberDir]) for (const [name, fields] of TYPES) await generate(dir, 'type', [name], { fields });
      await generate(publisherDir, 'event', ['ShipmentBooked'], { fields: FIELDS, key: 'shipmentId' });
      writeFileSync(path.join(publisherDir, 'src/routes/index.ts'), ROUTE);
      await generate(subscriberDir, 'event', ['ShipmentBooked'], { fields: FIELDS, external: true, topic });
      await generate(subscriberDir, 'subscription', [], { event: 'ShipmentBooked' });
      writeFileSync(path.join(subscriberDir, 'src/subscriptions/shipment-booked.handler.ts'), HANDLER);
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

    async function book(publisher: ServiceProcess, body: Record<string, unknown>): Promise<Response> {
      return fetch(`http://127.0.0.1:${publisher.port}/shipments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
    }

    async function booked(publisher: ServiceProcess, body: Record<string, unknown>): Promise<{ shipmentId: string; sentAt: number }> {
      const sentAt = Date.now();
      const response = await book(publisher, body);
      assert.equal(response.status, 201, await response.clone().text());
      return { shipmentId: ((await response.json()) as { shipmentId: string }).shipmentId, sentAt };
    }

    const handled = (shipmentId: string) =>
      eventually(
        () => readRecords<Received>(recordFile).find((r) => r.event.shipmentId === shipmentId),
        60_000,
        `shipment ${shipmentId} to be handled`,
      );

    it("the subscriber handles what the publisher publishes, field for field; Confluent's Python client decodes the same", async () => {
      const publisher = await start(publisherDir);
      await start(subscriberDir);
      const count = 20;
      const sent: { shipmentId: string; sentAt: number }[] = [];
      for (let index = 0; index < count; index++) sent.push(await booked(publisher, shipment));
      const latencies: number[] = [];
      for (const { shipmentId, sentAt } of sent) {
        const record = await handled(shipmentId);
        assert.deepEqual(record.event, { ...shipment, shipmentId });
        latencies.push(record.at - sentAt);
      }
      latencies.sort((a, b) => a - b);
      console.log(`      ${count} events POST → handled: median ${latencies[Math.floor(count / 2)]} ms, max ${latencies.at(-1)} ms`);
      const schemaFile = path.join(publisherDir, 'schemas', `${topic}-value.${format === 'avro' ? 'avsc' : 'schema.json'}`);
      const { stdout } = await run('/usr/bin/python3', [
        PYTHON_CLIENT,
        format === 'avro' ? 'consume-avro' : 'consume',
        stack.brokers,
        stack.registryUrl,
        topic,
        schemaFile,
        String(count),
      ]);
      const read = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { value: Record<string, unknown> });
      assert.equal(read.length, count);
      const ids = new Set(sent.map((entry) => entry.shipmentId));
      for (const { value } of read) {
        assert.ok(ids.has(String(value.shipmentId)));
        assert.deepEqual(
          value,
          { ...shipment, shipmentId: value.shipmentId },
          'the Python client reads the same values (decimals, dates, enums, maps, records)',
        );
      }
      console.log(`      Confluent Python client decoded ${read.length} of ${count}`);
      assert.equal(await topicSize(stack, `docks-${format}.shipment-booked.dead-letter`), 0, 'nothing dead-lettered');
    });

    it('refuses, before sending (422), a decimal with too many decimals, an impossible date, an unknown enum symbol, a nested record without a field', async () => {
      const publisher = await start(publisherDir);
      const before = await topicSize(stack, topic);
      const line = shipment.lines[0];
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ ...shipment, total: '1.005' }, /total/],
        [{ ...shipment, shipOn: '2026-02-30' }, /shipOn/],
        [{ ...shipment, status: 'lost' }, /status/],
        [{ ...shipment, lines: [{ sku: 'A-1', quantity: 1 }] }, /lines/],
        [{ ...shipment, lines: [{ ...line, price: { amount: '1.00', currency: 'JPY' } }] }, /lines/],
        [{ ...shipment, tags: { dock: 7 } }, /tags/],
      ];
      for (const [body, field] of cases) {
        const response = await book(publisher, body);
        assert.equal(response.status, 422, `${JSON.stringify(body)}: ${await response.clone().text()}`);
        assert.match(((await response.json()) as { error: string }).error, field);
      }
      assert.equal(await topicSize(stack, topic), before, 'nothing reached the topic');
      console.log(`      ${cases.length} invalid payloads refused with 422`);
    });

    it('the publisher adds a nested optional field to a record type: the subscriber, still on the old schema, handles the new events', async () => {
      await generate(publisherDir, 'type', ['Address'], { addFields: 'country?:string' });
      await npm(publisherDir, 'run', 'typecheck');
      const publisher = await start(publisherDir);
      await start(subscriberDir);
      const withCountry = { ...shipment, destination: { ...shipment.destination, country: 'NL' } };
      const { shipmentId } = await booked(publisher, withCountry);
      const record = await handled(shipmentId);
      assert.deepEqual(record.event, { ...shipment, shipmentId }, 'the nested field the subscriber does not know is left out');
      const { shipmentId: without } = await booked(publisher, shipment);
      assert.deepEqual((await handled(without)).event, { ...shipment, shipmentId: without });
    });
  });
