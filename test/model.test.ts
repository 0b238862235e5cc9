import assert from 'node:assert/strict';
import {
  addEvent,
  addSubscription,
  createModel,
  defaultGroupId,
  defaultTopic,
  formatFields,
  parseBrokers,
  parseFields,
  parseModelFile,
  UserInputError,
  validateCompatibility,
  validateEventName,
  validateKey,
  validatePort,
  validateRegistryUrl,
  validateSchemaFormat,
  validateServiceName,
  validateTopic,
  type EventModel,
  type EventingModel,
} from '../generators/lib/model.js';
import { camelCase, constantCase, kebabCase, pascalCase } from '../generators/lib/names.js';

/** `fn` throws a UserInputError whose message mentions every fragment. */
function assertRejects(fn: () => unknown, ...fragments: string[]): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof UserInputError, `a UserInputError, got ${String(error)}`);
    for (const fragment of fragments) assert.ok(error.message.includes(fragment), `${JSON.stringify(error.message)} mentions ${fragment}`);
    return true;
  });
}

const field = (name: string, type: string, optional = false, array = false) => ({ name, type, optional, array });

describe('model', function () {
  describe('parseFields', function () {
    it('parses name:type pairs, ? for optional, [] for arrays', function () {
      assert.deepEqual(parseFields('orderId:uuid, total:number, quantity:int, placedAt:datetime, note?:string, tags:string[], ok:boolean'), [
        field('orderId', 'uuid'),
        field('total', 'number'),
        field('quantity', 'int'),
        field('placedAt', 'datetime'),
        field('note', 'string', true),
        field('tags', 'string', false, true),
        field('ok', 'boolean'),
      ]);
    });

    it('tolerates spaces around the separators and combines ? with []', function () {
      assert.deepEqual(parseFields('  a : uuid ,b?: int[]  '), [field('a', 'uuid'), field('b', 'int', true, true)]);
    });

    it('round-trips through formatFields', function () {
      const spec = 'id:uuid, note?:string, tags:string[], scores?:number[]';
      assert.equal(formatFields(parseFields(spec)), spec);
    });

    it('rejects bad specs with a message naming the culprit', function () {
      assertRejects(() => parseFields(''), 'at least one field');
      assertRejects(() => parseFields(undefined), 'at least one field');
      assertRejects(() => parseFields('id'), '"id"', 'name:type');
      assertRejects(() => parseFields('id:uuid,,total:number'), 'Field ""');
      assertRejects(() => parseFields('id:guid'), '"id"', '"guid"', 'string, int, number, boolean, datetime, uuid');
      assertRejects(() => parseFields('id:uuid, id:string'), '"id"', 'twice');
      assertRejects(() => parseFields('1st:string'), '"1st"', 'identifier');
      assertRejects(() => parseFields('order-id:uuid'), '"order-id"');
      assertRejects(() => parseFields('tags:string[][]'), '"tags:string[][]"');
    });

    it('splits the list at its top-level commas only: a comma inside <> is part of the type', function () {
      assertRejects(() => parseFields('orderId:uuid, m:map<string,int>'), 'Field "m" has unknown type "map<string,int>"');
      assertRejects(() => parseFields('m:map<string, int>, id:uuid'), 'Field "m" has unknown type "map<string, int>"');
      assert.deepEqual(parseFields('a:int,b:string'), [field('a', 'int'), field('b', 'string')]);
    });
  });

  describe('validateKey', function () {
    const fields = parseFields('orderId:uuid, note?:string, tags:string[]');
    it('is null when no key is given', function () {
      for (const none of [undefined, null, '', '   ']) assert.equal(validateKey(none, fields), null);
    });
    it('returns a required single-valued field', function () {
      assert.equal(validateKey(' orderId ', fields), 'orderId');
    });
    it('rejects a key that is not a field, an optional one and an array', function () {
      assertRejects(() => validateKey('customerId', fields), '"customerId"', 'orderId, note, tags');
      assertRejects(() => validateKey('note', fields), '"note"', 'required');
      assertRejects(() => validateKey('tags', fields), '"tags"', 'single-valued');
    });
  });

  describe('validateServiceName', function () {
    it('accepts npm package names, scoped ones too', function () {
      for (const name of ['orders', 'order-service', 'orders2', '@acme/orders']) assert.equal(validateServiceName(name), name);
    });
    it('rejects empty names, spaces and names npm refuses', function () {
      assertRejects(() => validateServiceName(''), 'empty');
      assertRejects(() => validateServiceName('  '), 'empty');
      assertRejects(() => validateServiceName(undefined), 'empty');
      assertRejects(() => validateServiceName('my orders'), '"my orders"', '"my-orders"');
      assertRejects(() => validateServiceName('Orders'), '"Orders"', 'capital letters');
      assertRejects(() => validateServiceName('node_modules'), '"node_modules"');
      assertRejects(() => validateServiceName('.orders'), '".orders"');
      assertRejects(() => validateServiceName('x'.repeat(215)), 'npm package name');
    });
  });

  describe('parseBrokers', function () {
    it('splits, trims and drops empty entries; takes arrays too', function () {
      assert.deepEqual(parseBrokers(' kafka-1:9092, kafka-2.internal:19092 ,'), ['kafka-1:9092', 'kafka-2.internal:19092']);
      assert.deepEqual(parseBrokers(['a:1', ' b:65535 ']), ['a:1', 'b:65535']);
    });
    it('rejects what is not host:port, naming the entry and the label', function () {
      assertRejects(() => parseBrokers(''), 'empty', 'localhost:9092');
      assertRejects(() => parseBrokers(' , '), 'empty');
      assertRejects(() => parseBrokers('localhost'), '"localhost"', 'host:port');
      assertRejects(() => parseBrokers('a:b'), '"a:b"');
      assertRejects(() => parseBrokers('ok:9092,kafka:0'), '"kafka:0"');
      assertRejects(() => parseBrokers('kafka:70000'), '"kafka:70000"');
      assertRejects(() => parseBrokers('http://kafka:9092'), '"http://kafka:9092"');
      assertRejects(() => parseBrokers('x', 'Kafka bootstrap servers (test)'), 'Kafka bootstrap servers (test)', '"x"');
    });
  });

  describe('validateRegistryUrl', function () {
    it('accepts http and https URLs, without trailing slashes', function () {
      assert.equal(validateRegistryUrl('http://localhost:8081/'), 'http://localhost:8081');
      assert.equal(validateRegistryUrl(' https://registry.example.com/apis/ccompat/v7// '), 'https://registry.example.com/apis/ccompat/v7');
    });
    it('rejects non-URLs, other schemes and credentials', function () {
      assertRejects(() => validateRegistryUrl('not a url'), '"not a url"', 'not a URL');
      assertRejects(() => validateRegistryUrl(''), 'not a URL');
      assertRejects(() => validateRegistryUrl('ftp://x'), '"ftp://x"', 'http://');
      assertRejects(() => validateRegistryUrl('http://me:secret@registry:8081'), 'credentials', 'SCHEMA_REGISTRY_PASSWORD');
      assertRejects(() => validateRegistryUrl('x', 'Schema registry URL (production)'), 'Schema registry URL (production)');
    });
  });

  describe('other settings', function () {
    it('validatePort takes whole numbers 1..65535', function () {
      assert.equal(validatePort('8080'), 8080);
      assert.equal(validatePort(65535), 65535);
      assertRejects(() => validatePort('eighty'), '"eighty"');
      assertRejects(() => validatePort('80.5'), '"80.5"');
      assertRejects(() => validatePort('0'), '0', 'out of range');
      assertRejects(() => validatePort('70000'), '70000', 'out of range');
    });
    it('validateSchemaFormat and validateCompatibility ignore case', function () {
      assert.equal(validateSchemaFormat('AVRO'), 'avro');
      assert.equal(validateCompatibility('full_transitive'), 'FULL_TRANSITIVE');
      assertRejects(() => validateSchemaFormat('xml'), '"xml"', 'json, avro');
      assertRejects(() => validateCompatibility('sometimes'), '"sometimes"', 'NONE');
    });
    it('validateEventName makes identifiers PascalCase', function () {
      assert.equal(validateEventName('orderPlaced'), 'OrderPlaced');
      assert.equal(validateEventName('OrderPlaced2'), 'OrderPlaced2');
      assertRejects(() => validateEventName('order placed'), '"order placed"');
      assertRejects(() => validateEventName('1Order'), '"1Order"');
      assertRejects(() => validateEventName('order_placed'), '"order_placed"');
    });
    it('validateTopic takes Kafka topic names', function () {
      assert.equal(validateTopic('orders.order-placed_v2'), 'orders.order-placed_v2');
      for (const bad of ['', '.', '..', 'a b', 'orders/placed', 'x'.repeat(250)]) assertRejects(() => validateTopic(bad), 'Topic');
    });
    it('default topic and consumer group', function () {
      assert.equal(defaultTopic('orders', 'OrderPlaced', false), 'orders.order-placed');
      assert.equal(defaultTopic('orders', 'PaymentReceived', true), 'payment-received');
      assert.equal(defaultGroupId('orders', 'AuditOrders'), 'orders.audit-orders');
      assert.equal(defaultTopic('@acme/orders', 'OrderPlaced', false), 'acme.orders.order-placed', 'valid topic for a scoped name');
      assert.equal(defaultGroupId('@acme/orders', 'AuditOrders'), 'acme.orders.audit-orders');
    });
  });

  describe('model changes and .yo-rc.json', function () {
    const environment = { brokers: ['localhost:9092'], schemaRegistryUrl: 'http://localhost:8081' };
    const empty = createModel({
      name: 'orders',
      description: 'Orders',
      port: 3000,
      schemaFormat: 'json',
      compatibility: 'BACKWARD',
      environments: { development: environment, test: environment, production: environment },
    });
    const event = (name: string, topic: string): EventModel => ({
      name,
      description: '',
      topic,
      key: null,
      external: false,
      fields: parseFields('id:uuid'),
    });
    const model: EventingModel = addEvent(empty, event('OrderPlaced', 'orders.order-placed'));

    it('addEvent refuses a second event of the same name or topic, without changing the model', function () {
      assertRejects(() => addEvent(model, event('OrderPlaced', 'other')), '"OrderPlaced"', 'already exists');
      assertRejects(() => addEvent(model, event('OrderAgain', 'orders.order-placed')), '"orders.order-placed"', '--topic');
      assert.equal(model.events.length, 1);
      assert.equal(empty.events.length, 0, 'addEvent returns a new model');
    });

    it('addSubscription needs a known event and a new name and group', function () {
      const subscribed = addSubscription(model, { name: 'OrderPlaced', event: 'OrderPlaced', groupId: 'g' });
      assertRejects(() => addSubscription(model, { name: 'X', event: 'Nope', groupId: 'x' }), '"Nope"', 'known: OrderPlaced', '--external');
      assertRejects(() => addSubscription(empty, { name: 'X', event: 'Nope', groupId: 'x' }), 'no events yet');
      assertRejects(() => addSubscription(subscribed, { name: 'OrderPlaced', event: 'OrderPlaced', groupId: 'h' }), 'already exists', '--name');
      assertRejects(() => addSubscription(subscribed, { name: 'Audit', event: 'OrderPlaced', groupId: 'g' }), '"g"');
    });

    it('parseModelFile reads a stored model and rejects anything off with one message', function () {
      const text = JSON.stringify({ 'generator-kafka-eventing': model });
      assert.deepEqual(parseModelFile(text), model);
      assertRejects(() => parseModelFile(undefined), 'No .yo-rc.json', 'yo kafka-eventing');
      assertRejects(() => parseModelFile('{ "generator-kafka-eventing": '), '.yo-rc.json is not valid JSON');
      assertRejects(() => parseModelFile('{"generator-foo": {}}'), 'no "generator-kafka-eventing" model');
      assertRejects(() => parseModelFile(JSON.stringify({ 'generator-kafka-eventing': { ...model, modelVersion: 2 } })), 'version 2');
      const badPort = { ...model, service: { ...model.service, port: 0 } };
      assertRejects(() => parseModelFile(JSON.stringify({ 'generator-kafka-eventing': badPort })), 'not a valid model', 'out of range');
    });
  });

  describe('names', function () {
    it('kebabCase, pascalCase, camelCase and constantCase split words at case changes and separators', function () {
      const cases: [string, string, string, string, string][] = [
        ['OrderPlaced', 'order-placed', 'OrderPlaced', 'orderPlaced', 'ORDER_PLACED'],
        ['order placed', 'order-placed', 'OrderPlaced', 'orderPlaced', 'ORDER_PLACED'],
        ['HTTPRequestMade', 'http-request-made', 'HTTPRequestMade', 'httpRequestMade', 'HTTP_REQUEST_MADE'],
        ['SMSSent', 'sms-sent', 'SMSSent', 'smsSent', 'SMS_SENT'],
        ['OrderID', 'order-id', 'OrderID', 'orderID', 'ORDER_ID'],
        ['order2Shipped', 'order2-shipped', 'Order2Shipped', 'order2Shipped', 'ORDER2_SHIPPED'],
        ['my_service-name', 'my-service-name', 'MyServiceName', 'myServiceName', 'MY_SERVICE_NAME'],
      ];
      for (const [input, kebab, pascal, camel, constant] of cases) {
        assert.equal(kebabCase(input), kebab, `kebabCase(${input})`);
        assert.equal(pascalCase(input), pascal, `pascalCase(${input})`);
        assert.equal(camelCase(input), camel, `camelCase(${input})`);
        assert.equal(constantCase(input), constant, `constantCase(${input})`);
      }
    });
  });
});
