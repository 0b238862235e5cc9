import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { eventSettings } from '../generators/event/command.js';
import {
  addEvent,
  addSubscription,
  assertUserError,
  changedFiles,
  copyService,
  createService,
  editJson,
  makeTmpDir,
  ORDER_FIELDS,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
  writeText,
  type Run,
} from './support/generate.js';

const ENVS = ['development', 'test', 'production'] as const;
const ORDER_PLACED = { fields: ORDER_FIELDS, key: 'orderId', description: 'A customer placed an order.' };

/** The part of `src/events/index.ts` that lists the events this service publishes. */
function publishedEventNames(service: string): string[] {
  const line = /publishedEventNames[^=]*= \[(.*)\];/.exec(readText(service, 'src/events/index.ts'));
  assert.ok(line, 'src/events/index.ts declares publishedEventNames');
  return [...(line[1] ?? '').matchAll(/'(\w+)'/g)].map((match) => match[1] ?? '');
}

describe('yo kafka-eventing:event', function () {
  let jsonService: string;
  let avroService: string;
  before(async function () {
    jsonService = await createService();
    avroService = await createService({ 'schema-format': 'avro' });
  });
  after(removeTmpDirs);

  describe('an event this service publishes', function () {
    let service: string;
    let run: Run;
    before(async function () {
      service = copyService(jsonService);
      run = await addEvent(service, 'OrderPlaced', ORDER_PLACED);
    });

    it('renders a TypeScript interface with optional and array fields', function () {
      const module = readText(service, 'src/events/order-placed.event.ts');
      const body = /export interface OrderPlaced \{([\s\S]*?)\n\}/.exec(module)?.[1] ?? '';
      const members = body
        .split('\n')
        .map((line) => line.trim())
        .filter((line) => line !== '' && !line.startsWith('/**'));
      assert.deepEqual(members, [
        'orderId: string;',
        'total: number;',
        'quantity: number;',
        'placedAt: string;',
        'note?: string;',
        'tags: string[];',
      ]);
      assert.match(module, /A customer placed an order\./, 'the description documents the type');
      assert.match(module, /name: 'OrderPlaced'/);
      assert.match(module, /external: false/);
      assert.match(module, /schemaFormat: 'json'/);
    });

    it('keys messages by the --key field', function () {
      assert.match(readText(service, 'src/events/order-placed.event.ts'), /keyOf: \(event\) => String\(event\.orderId\)/);
    });

    it('writes a JSON schema: required list, formats, no additional properties', function () {
      const schema = readJson(service, 'schemas/orders.order-placed-value.schema.json');
      assert.equal(schema.title, 'OrderPlaced');
      assert.equal(schema.type, 'object');
      assert.deepEqual(schema.required, ['orderId', 'total', 'quantity', 'placedAt', 'tags'], 'every field but the optional note');
      assert.equal(schema.additionalProperties, false);
      assert.deepEqual(schema.properties, {
        orderId: { type: 'string', format: 'uuid' },
        total: { type: 'number' },
        quantity: { type: 'integer' },
        placedAt: { type: 'string', format: 'date-time' },
        note: { type: 'string' },
        tags: { type: 'array', items: { type: 'string' } },
      });
    });

    it('is published on the default topic <service>.<kebab-name> and registered as a producer', function () {
      assert.deepEqual(publishedEventNames(service), ['OrderPlaced']);
      assert.match(readText(service, 'src/events/index.ts'), /import \{ orderPlacedEvent, type OrderPlaced \} from '\.\/order-placed\.event\.ts';/);
      for (const env of ENVS) {
        assert.deepEqual(readJson(service, `config/${env}.json`).events, { OrderPlaced: { topic: 'orders.order-placed', producer: {} } }, env);
      }
    });

    it('declares every setting as an option, shown in --help', function () {
      const generator = run.result.generator as unknown as { _options: Record<string, unknown>; help(): string };
      const options = [...Object.values(eventSettings('orders')).map((setting) => setting.option), 'yes'];
      assert.ok(options.includes('fields') && options.includes('external') && options.includes('topic'));
      for (const option of options) {
        assert.ok(generator._options[option], `--${option} is declared`);
        assert.ok(generator.help().includes(`--${option}`), `--help shows --${option}`);
      }
    });

    it('is kept in the model', function () {
      assert.deepEqual(readModel(service).events, [
        {
          name: 'OrderPlaced',
          description: 'A customer placed an order.',
          topic: 'orders.order-placed',
          key: 'orderId',
          external: false,
          fields: [
            { name: 'orderId', type: 'uuid', optional: false, array: false },
            { name: 'total', type: 'number', optional: false, array: false },
            { name: 'quantity', type: 'int', optional: false, array: false },
            { name: 'placedAt', type: 'datetime', optional: false, array: false },
            { name: 'note', type: 'string', optional: true, array: false },
            { name: 'tags', type: 'string', optional: false, array: true },
          ],
        },
      ]);
    });
  });

  describe('variants', function () {
    it('without --key the key function returns null', async function () {
      const service = copyService(jsonService);
      await addEvent(service, 'OrderPlaced', { fields: ORDER_FIELDS });
      assert.match(readText(service, 'src/events/order-placed.event.ts'), /keyOf: \(\) => null/);
      assert.equal(readModel(service).events[0]!.key, null);
    });

    it('a camelCase name becomes PascalCase, files and topic kebab-case', async function () {
      const service = copyService(jsonService);
      await addEvent(service, 'orderShipped');
      assert.match(readText(service, 'src/events/order-shipped.event.ts'), /export interface OrderShipped \{/);
      assert.equal(readModel(service).events[0]!.topic, 'orders.order-shipped');
    });

    it('--topic overrides the topic: schema file, subject and config follow', async function () {
      const service = copyService(jsonService);
      await addEvent(service, 'OrderPlaced', { fields: ORDER_FIELDS, topic: 'legacy.orders-v2' });
      assert.deepEqual(readdirSync(path.join(service, 'schemas')), ['legacy.orders-v2-value.schema.json']);
      assert.match(readText(service, 'src/events/order-placed.event.ts'), /schema subject `legacy\.orders-v2-value`/);
      for (const env of ENVS) assert.equal(readJson(service, `config/${env}.json`).events.OrderPlaced!.topic, 'legacy.orders-v2');
    });

    it('--external: consumed only, no producer, topic <kebab-name> by default', async function () {
      const service = copyService(jsonService);
      await addEvent(service, 'OrderPlaced', ORDER_PLACED);
      await addEvent(service, 'PaymentReceived', { fields: 'orderId:uuid, amount:number', external: true });
      assert.deepEqual(publishedEventNames(service), ['OrderPlaced'], 'the external event is not published');
      assert.match(readText(service, 'src/events/index.ts'), /PaymentReceived: paymentReceivedEvent,/, 'but it is a known event');
      assert.match(readText(service, 'src/events/payment-received.event.ts'), /external: true/);
      for (const env of ENVS) {
        assert.deepEqual(readJson(service, `config/${env}.json`).events.PaymentReceived, { topic: 'payment-received' }, env);
      }
      assert.ok(existsSync(path.join(service, 'schemas/payment-received-value.schema.json')));
    });

    it('in a scoped service (@acme/orders) the default topic and group are valid Kafka names', async function () {
      const service = await createService({}, '@acme/orders');
      assert.equal(path.basename(service), 'orders');
      await addEvent(service, 'OrderPlaced');
      await addSubscription(service, 'OrderPlaced');
      assert.equal(readModel(service).events[0]!.topic, 'acme.orders.order-placed');
      assert.equal(readModel(service).subscriptions[0]!.groupId, 'acme.orders.order-placed');
      assert.equal(readJson(service, 'package.json').name, '@acme/orders');
    });

    it('in an Avro service: an .avsc schema, optional fields as ["null", T] with default null', async function () {
      const service = copyService(avroService);
      await addEvent(service, 'OrderPlaced', ORDER_PLACED);
      assert.deepEqual(readdirSync(path.join(service, 'schemas')), ['orders.order-placed-value.avsc']);
      const schema = readJson(service, 'schemas/orders.order-placed-value.avsc');
      assert.equal(schema.type, 'record');
      assert.equal(schema.name, 'OrderPlaced');
      assert.equal(schema.namespace, 'events', 'the same in every service: a subscriber of another service declares the same full name');
      assert.deepEqual(schema.fields, [
        { name: 'orderId', type: { type: 'string', logicalType: 'uuid' } },
        { name: 'total', type: 'double' },
        { name: 'quantity', type: 'int' },
        { name: 'placedAt', type: 'string' },
        { name: 'note', type: ['null', 'string'], default: null },
        { name: 'tags', type: { type: 'array', items: 'string' } },
      ]);
      assert.match(readText(service, 'src/events/order-placed.event.ts'), /schemaFormat: 'avro'/);
      assert.match(readText(service, 'src/events/order-placed.event.ts'), /formats: \{ orderId: 'uuid', placedAt: 'date-time' \}/);
    });

    it('in an Avro service made before the shared namespace: its events keep the namespace they were registered with', async function () {
      const service = copyService(avroService);
      editJson(service, '.yo-rc.json', (json) => {
        delete json['generator-kafka-eventing'].service.avroNamespace;
      });
      await addEvent(service, 'OrderPlaced', ORDER_PLACED);
      assert.equal(readJson(service, 'schemas/orders.order-placed-value.avsc').namespace, 'orders.events');
      await runGenerator('app', service, { options: { yes: true } });
      assert.equal(readModel(service).service.avroNamespace, undefined, 'updating the service keeps it as it was');
      assert.equal(readJson(service, 'schemas/orders.order-placed-value.avsc').namespace, 'orders.events');
    });
  });

  describe('interactive (no --yes)', function () {
    it('asks each setting and builds the same event as the options', async function () {
      const service = copyService(jsonService);
      const { asked } = await runGenerator('event', service, {
        prompts: { settings: eventSettings('orders'), answers: { name: 'OrderPlaced', ...ORDER_PLACED } },
      });
      assert.deepEqual(
        asked.map((question) => question.key),
        ['name', 'description', 'external', 'fields', 'key', 'topic'],
      );
      const topic = asked.find((question) => question.key === 'topic');
      assert.equal(topic?.default, 'orders.order-placed', 'the topic prompt offers the default topic');
      assert.equal(asked.find((question) => question.key === 'external')?.type, 'confirm');
      const key = asked.find((question) => question.key === 'key');
      assert.equal(key?.type, 'select', 'the key is chosen, not typed');
      assert.deepEqual(key?.choices, ['', 'orderId', 'total', 'quantity', 'placedAt'], 'none, or a required single-valued field');

      const fromOptions = copyService(jsonService);
      await addEvent(fromOptions, 'OrderPlaced', ORDER_PLACED);
      assert.deepEqual(snapshotFiles(service), snapshotFiles(fromOptions));
    });

    it('with the name as argument, an external event gets the <kebab-name> topic as default', async function () {
      const service = copyService(jsonService);
      const { asked } = await runGenerator('event', service, {
        args: ['PaymentReceived'],
        prompts: { settings: eventSettings('orders'), answers: { external: true, fields: 'orderId:uuid' } },
      });
      assert.ok(!asked.some((question) => question.key === 'name'), 'the name is not asked again');
      assert.equal(asked.find((question) => question.key === 'topic')?.default, 'payment-received');
      assert.deepEqual(readJson(service, 'config/test.json').events.PaymentReceived, { topic: 'payment-received' });
    });
  });

  describe('evolving an event with --add-fields', function () {
    let service: string;
    let original: Record<string, string>;
    let run: Run;
    const evolve = (dir: string, name: string, addFields: string, options: Record<string, unknown> = {}) =>
      runGenerator('event', dir, { args: [name], options: { addFields, ...options } });
    before(async function () {
      service = copyService(jsonService);
      await addEvent(service, 'OrderPlaced', ORDER_PLACED);
      await addSubscription(service, 'OrderPlaced');
      original = snapshotFiles(service);
      run = await evolve(service, 'OrderPlaced', 'giftWrap?:boolean, coupons?:string[]');
    });

    it('adds the optional fields to the model, the type and the schema; changes nothing else', function () {
      assert.deepEqual(readModel(service).events[0]!.fields.slice(-2), [
        { name: 'giftWrap', type: 'boolean', optional: true, array: false },
        { name: 'coupons', type: 'string', optional: true, array: true },
      ]);
      const module = readText(service, 'src/events/order-placed.event.ts');
      assert.match(module, /giftWrap\?: boolean;/);
      assert.match(module, /coupons\?: string\[\];/);
      const schema = readJson(service, 'schemas/orders.order-placed-value.schema.json');
      assert.deepEqual(schema.properties.giftWrap, { type: 'boolean' });
      assert.deepEqual(schema.properties.coupons, { type: 'array', items: { type: 'string' } });
      assert.deepEqual(schema.required, ['orderId', 'total', 'quantity', 'placedAt', 'tags'], 'the new fields are not required');
      assert.deepEqual(changedFiles(original, snapshotFiles(service)), [
        '.yo-rc.json',
        'schemas/orders.order-placed-value.schema.json',
        'src/events/order-placed.event.ts',
        'test/eventing.test.ts',
        'test/metrics.test.ts',
        'test/tracing.test.ts',
      ]);
    });

    it('is an option shown in --help', function () {
      const generator = run.result.generator as unknown as { help(): string };
      assert.match(generator.help(), /--add-fields\s+# Evolve an existing event: add optional fields/);
    });

    it('says what changed and what the registry will check', function () {
      const said = run.logged().join('\n');
      assert.match(said, /Event OrderPlaced: added giftWrap, coupons \(optional\)/);
      assert.match(said, /new schema version of orders\.order-placed-value/);
      assert.match(said, /BACKWARD compatibility/);
      assert.match(said, /still have the old schema handle the new events, without the new fields/);
    });

    it('the same command again changes no file', async function () {
      const again = snapshotFiles(service);
      const second = await evolve(service, 'OrderPlaced', 'giftWrap?:boolean');
      assert.deepEqual(changedFiles(again, snapshotFiles(service)), []);
      assert.match(second.logged().join('\n'), /already has these fields: nothing changed/);
    });

    it('in an Avro service: ["null", T] with default null, appended at the end', async function () {
      const avro = copyService(avroService);
      await addEvent(avro, 'OrderPlaced', ORDER_PLACED);
      await evolve(avro, 'OrderPlaced', 'giftWrap?:boolean');
      const schema = readJson(avro, 'schemas/orders.order-placed-value.avsc');
      assert.deepEqual(schema.fields.at(-1), { name: 'giftWrap', type: ['null', 'boolean'], default: null });
    });

    it('an Avro service with FULL compatibility may add fields (Avro readers skip unknown fields)', async function () {
      const avro = await createService({ 'schema-format': 'avro', compatibility: 'FULL' }, 'full-avro');
      await addEvent(avro, 'OrderPlaced', ORDER_PLACED);
      await evolve(avro, 'OrderPlaced', 'giftWrap?:boolean');
      assert.equal(readModel(avro).events[0]!.fields.at(-1)!.name, 'giftWrap');
    });

    describe('bad input: one clear error, no file changed', function () {
      const cases: { title: string; args: string[]; options: Record<string, unknown>; mentions: string[] }[] = [
        {
          title: 'a required new field',
          args: ['OrderPlaced'],
          options: { addFields: 'wrapping:boolean' },
          mentions: ['"wrapping"', 'must be optional', 'wrapping?:boolean', 'BACKWARD'],
        },
        {
          title: 'an existing field with another type',
          args: ['OrderPlaced'],
          options: { addFields: 'note?:int' },
          mentions: ['"note"', 'note?:string', 'not note?:int', 'Add a new field'],
        },
        {
          title: 'an existing optional field made required',
          args: ['OrderPlaced'],
          options: { addFields: 'note:string' },
          mentions: ['"note"', 'become required'],
        },
        {
          title: 'an event not in the model',
          args: ['OrderShipped'],
          options: { addFields: 'note?:string' },
          mentions: ['"OrderShipped"', "not in this service's model"],
        },
        { title: 'no event name', args: [], options: { addFields: 'note?:string' }, mentions: ['--add-fields needs the event'] },
        {
          title: 'other settings with it',
          args: ['OrderPlaced'],
          options: { addFields: 'gift?:string', key: 'orderId', topic: 'x' },
          mentions: ['--add-fields changes only the fields', '--key', '--topic'],
        },
        { title: 'a bad field spec', args: ['OrderPlaced'], options: { addFields: 'gift?:money' }, mentions: ['"gift"', '"money"'] },
      ];
      for (const { title, args, options, mentions } of cases) {
        it(title, async function () {
          const dir = copyService(service);
          const snapshot = snapshotFiles(dir);
          const error = await runFailing('event', dir, { args, options });
          assertUserError(error, ...mentions);
          assert.deepEqual(snapshotFiles(dir), snapshot);
        });
      }

      it('a JSON Schema service with FORWARD or FULL compatibility: the registry would refuse it', async function () {
        const full = await createService({ compatibility: 'FULL' }, 'full-json');
        await addEvent(full, 'OrderPlaced', ORDER_PLACED);
        const snapshot = snapshotFiles(full);
        const error = await runFailing('event', full, { args: ['OrderPlaced'], options: { addFields: 'gift?:string' } });
        assertUserError(error, 'FULL', 'no additional properties', 'new topic');
        assert.deepEqual(snapshotFiles(full), snapshot);
      });
    });
  });

  describe('bad input: one clear error, no file changed', function () {
    let withEvent: string;
    before(async function () {
      withEvent = copyService(jsonService);
      await addEvent(withEvent, 'OrderPlaced', ORDER_PLACED);
    });

    const cases: { title: string; args: string[]; options?: Record<string, unknown>; mentions: string[] }[] = [
      { title: 'name with a space', args: ['order placed'], mentions: ['"order placed"', 'identifier'] },
      { title: 'name starting with a digit', args: ['1Order'], mentions: ['"1Order"', 'identifier'] },
      { title: 'duplicate event', args: ['OrderPlaced'], mentions: ['"OrderPlaced"', 'already exists', '--add-fields'] },
      {
        title: 'topic of another event',
        args: ['OrderAgain'],
        options: { topic: 'orders.order-placed' },
        mentions: ['"orders.order-placed"', '--topic'],
      },
      { title: 'invalid topic', args: ['OrderShipped'], options: { topic: 'orders/shipped' }, mentions: ['"orders/shipped"'] },
      { title: 'no fields', args: ['OrderShipped'], options: { fields: '' }, mentions: ['at least one field', '--fields'] },
      {
        title: 'unknown field type',
        args: ['OrderShipped'],
        options: { fields: 'id:uuid, at:timestampz' },
        mentions: ['"at"', '"timestampz"', 'datetime'],
      },
      { title: 'duplicate field', args: ['OrderShipped'], options: { fields: 'id:uuid, id:string' }, mentions: ['"id"', 'twice'] },
      { title: 'field without type', args: ['OrderShipped'], options: { fields: 'id:uuid, total' }, mentions: ['"total"', 'name:type'] },
      {
        title: 'key that is not a field',
        args: ['OrderShipped'],
        options: { fields: 'id:uuid', key: 'orderId' },
        mentions: ['"orderId"', 'not a field'],
      },
      { title: 'optional key', args: ['OrderShipped'], options: { fields: 'id:uuid, note?:string', key: 'note' }, mentions: ['"note"', 'required'] },
      {
        title: 'array key',
        args: ['OrderShipped'],
        options: { fields: 'id:uuid, tags:string[]', key: 'tags' },
        mentions: ['"tags"', 'single-valued'],
      },
    ];
    for (const { title, args, options = {}, mentions } of cases) {
      it(title, async function () {
        const service = copyService(withEvent);
        const before = snapshotFiles(service);
        const error = await runFailing('event', service, { args, options: { yes: true, fields: 'id:uuid', ...options } });
        assertUserError(error, ...mentions);
        assert.deepEqual(snapshotFiles(service), before);
      });
    }

    it('outside a generated service', async function () {
      const dir = makeTmpDir();
      const error = await runFailing('event', dir, { args: ['OrderPlaced'], options: { yes: true, fields: 'id:uuid' } });
      assertUserError(error, 'No .yo-rc.json', 'yo kafka-eventing');
      assert.deepEqual(readdirSync(dir), []);
    });

    const brokenModels: { title: string; text: string; mentions: string[] }[] = [
      { title: '.yo-rc.json that is not valid JSON', text: '{ "generator-kafka-eventing": { ', mentions: ['.yo-rc.json is not valid JSON'] },
      { title: '.yo-rc.json of another generator', text: '{ "generator-foo": {} }\n', mentions: ['no "generator-kafka-eventing" model'] },
    ];
    for (const { title, text, mentions } of brokenModels) {
      it(title, async function () {
        const service = copyService(withEvent);
        writeText(service, '.yo-rc.json', text);
        const before = snapshotFiles(service);
        const error = await runFailing('event', service, { args: ['OrderShipped'], options: { yes: true, fields: 'id:uuid' } });
        assertUserError(error, ...mentions);
        assert.deepEqual(snapshotFiles(service), before);
      });
    }
  });
});
