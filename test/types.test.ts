/**
 * Field types beyond the first scalars: `yo kafka-eventing:type` (record types), records used by events
 * (lists of them, optional ones, one inside another), enums, maps, decimals, dates, timestamps and bytes:
 * the files and the model before and after, each rendered to TypeScript, JSON Schema and Avro; a re-run
 * changes nothing; evolution (a record's new optional field re-renders every event using it, enum symbols
 * appended); bad input fails with one message and changes nothing; `.yo-rc.json` is checked against its schema.
 */
import assert from 'node:assert/strict';
import type { EventModel, EventingModel, SchemaFormat } from '../generators/lib/model.js';
import {
  assertUserError,
  changedFiles,
  copyService,
  createService,
  editJson,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
} from './support/generate.js';
import { avroComplex, type AvroType } from './support/json-files.js';
import { assertRerunChangesNothing } from './support/lifecycle.js';

const addType = (dir: string, name: string, options: Record<string, unknown>) =>
  runGenerator('type', dir, { args: [name], options: { yes: true, ...options } });
const addEvent = (dir: string, name: string, options: Record<string, unknown>) =>
  runGenerator('event', dir, { args: [name], options: { yes: true, ...options } });
const ORDER =
  'orderId:uuid, status:enum(pending|paid|shipped), lines:OrderLine[], shipping?:Address, total:decimal(10,2), placedOn:date, placedAt:timestamp, label?:bytes, attributes:map<string>';

for (const schemaFormat of ['json', 'avro'] as const) {
  describe(`record types and the new field types (${schemaFormat})`, function () {
    this.timeout(120_000);
    let base: string;
    before(async function () {
      base = await createService({ schemaFormat, skipInstall: true });
      await addType(base, 'Address', { fields: 'street:string, city:string, zip?:string' });
      await addType(base, 'OrderLine', { fields: 'sku:string, quantity:int, price:decimal(10,2)' });
    });
    after(removeTmpDirs);

    it(':type writes the record into the model and src/events/records.ts, and nothing else but the model', async function () {
      const service = copyService(base);
      const before = snapshotFiles(service);
      await addType(service, 'Money', { fields: 'amount:decimal(12,2), currency:enum(EUR|USD)' });
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), ['.yo-rc.json', 'src/events/records.ts']);
      assert.deepEqual(readModel(service).types!.at(-1), {
        name: 'Money',
        description: 'Money.',
        fields: [
          { name: 'amount', type: 'decimal(12,2)', optional: false, array: false },
          { name: 'currency', type: 'enum(EUR|USD)', optional: false, array: false },
        ],
      });
      assert.match(
        readText(service, 'src/events/records.ts'),
        /export interface Money \{\n.*\n {2}amount: string;\n {2}currency: 'EUR' \| 'USD';\n\}/,
      );
      await assertRerunChangesNothing(service);
    });

    it(':event with records, an enum, a map, a decimal, a date, a timestamp and bytes renders each from the one definition', async function () {
      const service = copyService(base);
      await addEvent(service, 'OrderPlaced', { fields: ORDER, key: 'orderId' });
      const module = readText(service, 'src/events/order-placed.event.ts');
      assert.match(module, /import type \{ Address, OrderLine \} from '\.\/records\.ts';/);
      for (const line of [
        "status: 'pending' | 'paid' | 'shipped';",
        'lines: OrderLine[];',
        'shipping?: Address;',
        'total: string;',
        'attributes: Record<string, string>;',
      ]) {
        assert.ok(module.includes(line), `the interface has ${line}`);
      }
      const topic = readModel(service).events[0]!.topic;
      if (schemaFormat === 'json') {
        const schema = readJson(service, `schemas/${topic}-value.schema.json`);
        assert.deepEqual(schema.properties.status, { type: 'string', enum: ['pending', 'paid', 'shipped'] });
        assert.deepEqual(schema.properties.total, { type: 'string', pattern: '^-?(?:0|[1-9]\\d{0,7})\\.\\d{2}$' });
        assert.deepEqual(schema.properties.placedOn, { type: 'string', format: 'date' });
        assert.deepEqual(schema.properties.attributes, { type: 'object', additionalProperties: { type: 'string' } });
        assert.equal(schema.properties.lines!.items!.title, 'OrderLine');
        assert.deepEqual(schema.properties.lines!.items!.required, ['sku', 'quantity', 'price']);
        assert.equal(schema.properties.lines!.items!.additionalProperties, false);
        assert.deepEqual(schema.properties.shipping!.required, ['street', 'city']);
        assert.equal(schema.properties.label!.contentEncoding, 'base64');
        assert.deepEqual(schema.required, ['orderId', 'status', 'lines', 'total', 'placedOn', 'placedAt', 'attributes']);
      } else {
        const schema = readJson(service, `schemas/${topic}-value.avsc`);
        const type = (name: string) => schema.fields.find((field) => field.name === name)!.type;
        assert.deepEqual(type('status'), { type: 'enum', name: 'OrderPlacedStatus', symbols: ['pending', 'paid', 'shipped'] });
        assert.deepEqual(type('total'), { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 });
        assert.deepEqual(type('placedOn'), { type: 'int', logicalType: 'date' });
        assert.deepEqual(type('placedAt'), { type: 'long', logicalType: 'timestamp-millis' });
        assert.deepEqual(type('label'), ['null', 'bytes']);
        assert.deepEqual(type('attributes'), { type: 'map', values: 'string' });
        assert.equal(avroComplex(avroComplex(type('lines')).items).name, 'OrderLine');
        assert.equal(avroComplex((type('shipping') as AvroType[])[1]).name, 'Address');
        assert.match(module, /payloadSchema: \{/, 'Avro payloads are checked against the JSON Schema of the same definition');
      }
      await assertRerunChangesNothing(service);
    });

    it('a record used twice in one event is written out once in Avro, then named', async function () {
      const service = copyService(base);
      await addEvent(service, 'Moved', { fields: 'from:Address, to:Address' });
      const topic = readModel(service).events[0]!.topic;
      if (schemaFormat === 'avro') {
        const schema = readJson(service, `schemas/${topic}-value.avsc`);
        assert.equal(avroComplex(schema.fields[0]!.type).name, 'Address');
        assert.equal(schema.fields[1]!.type, 'Address');
      } else {
        const schema = readJson(service, `schemas/${topic}-value.schema.json`);
        assert.deepEqual(schema.properties.from, schema.properties.to);
      }
    });

    it(':type --add-fields adds an optional field and re-renders every event that uses the record', async function () {
      const service = copyService(base);
      await addEvent(service, 'OrderPlaced', { fields: ORDER });
      await addEvent(service, 'AddressChanged', { fields: 'customerId:uuid, address:Address' });
      await addEvent(service, 'Pinged', { fields: 'at:datetime' });
      const before = snapshotFiles(service);
      const run = await runGenerator('type', service, { args: ['Address'], options: { addFields: 'country?:string' } });
      const changed = changedFiles(before, snapshotFiles(service));
      const schemaFiles = changed.filter((file) => file.startsWith('schemas/'));
      assert.equal(schemaFiles.length, 2, `the two events using Address get a new schema: ${changed.join(', ')}`);
      assert.ok(changed.includes('src/events/records.ts'));
      assert.ok(!changed.some((file) => file.includes('pinged')), 'an event without the record is left alone');
      assert.match(run.logged().join('\n'), /New schema versions for OrderPlaced, AddressChanged/);
      const again = snapshotFiles(service);
      await runGenerator('type', service, { args: ['Address'], options: { addFields: 'country?:string' } });
      assert.deepEqual(changedFiles(again, snapshotFiles(service)), [], 'the same --add-fields twice changes nothing');
    });

    it(':event --add-fields takes the new types, and appends enum symbols (BACKWARD)', async function () {
      const service = copyService(base);
      await addEvent(service, 'OrderPlaced', { fields: ORDER });
      await runGenerator('event', service, {
        args: ['OrderPlaced'],
        options: { addFields: 'status:enum(pending|paid|shipped|refunded), gift?:Address, due?:date, fee?:decimal(6,2), tags?:map<int>' },
      });
      const fields = readModel(service).events[0]!.fields;
      assert.equal(fields.find((field) => field.name === 'status')?.type, 'enum(pending|paid|shipped|refunded)');
      assert.deepEqual(
        fields.slice(-4).map((field) => field.type),
        ['Address', 'date', 'decimal(6,2)', 'map<int>'],
      );
      const before = snapshotFiles(service);
      const error = await runFailing('event', service, { args: ['OrderPlaced'], options: { addFields: 'status:enum(paid|pending)' } });
      assertUserError(error, 'status', 'appended');
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
    });

    it('refuses bad types with one message, exit 1, nothing changed', async function () {
      const service = copyService(base);
      await addType(service, 'Node', { fields: 'id:uuid' });
      await addType(service, 'Tree', { fields: 'root:Node' });
      const before = snapshotFiles(service);
      const cases: [string, string[], Record<string, unknown>, string[]][] = [
        ['event', ['Shipped'], { fields: 'to:Adress' }, ['unknown type "Adress"', 'Address, OrderLine']],
        ['type', ['Loop'], { fields: 'next?:Loop' }, ['"Loop" is recursive', 'Loop.next → Loop']],
        ['type', ['Node'], { addFields: 'tree?:Tree' }, ['"Node" is recursive', 'Node.tree → Tree.root → Node']],
        ['event', ['Shipped'], { fields: 'status:enum()' }, ['enum() has no symbols']],
        ['event', ['Shipped'], { fields: 'status:enum(a|b|a)' }, ['enum symbol "a" is given twice']],
        ['event', ['Shipped'], { fields: 'amount:decimal(3,5)' }, ['decimal(3,5)', 'scale']],
        ['event', ['Shipped'], { fields: 'm:map<map<int>>' }, ['cannot be maps']],
        ['type', ['Address'], { fields: 'x:string' }, ['already exists', '--add-fields']],
        ['type', ['Missing'], { addFields: 'x?:string' }, ['Record type "Missing" is not in this service\'s model']],
        ['event', ['Shipped'], { fields: 'to:Address', key: 'to' }, ['Key "to"']],
      ];
      for (const [generator, args, options, fragments] of cases) {
        const error = await runFailing(generator as 'event' | 'type', service, { args, options: { yes: true, ...options } });
        assertUserError(error, ...fragments);
      }
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], 'no failed run changed a file');
    });
  });
}

describe('.yo-rc.json is checked against the model schema when it is read', function () {
  this.timeout(60_000);
  after(removeTmpDirs);

  it('names the broken path in one message, and changes nothing', async function () {
    const service = await createService({ skipInstall: true }, 'checked');
    await runGenerator('event', service, { args: ['OrderPlaced'], options: { yes: true, fields: 'orderId:uuid, total:number, note:string' } });
    // Each edit breaks the model on purpose: the values of the wrong type are cast to the type the model declares.
    const edits: [(model: EventingModel) => void, string[]][] = [
      [(model) => (model.events[0]!.fields[2]!.type = 'strnig'), ['events.OrderPlaced.fields[2].type', 'unknown type "strnig"']],
      [(model) => delete (model.events[0] as Partial<EventModel>).topic, ['events.OrderPlaced', '"topic" is missing']],
      [(model) => (model.events[0]!.fields[1]!.optional = 'no' as unknown as boolean), ['events.OrderPlaced.fields[1].optional', 'must be boolean']],
      [(model) => (model.service.schemaFormat = 'xml' as SchemaFormat), ['service.schemaFormat', 'must be one of json, avro']],
      [
        (model) => (model.types = [{ name: 'Loop', description: '', fields: [{ name: 'next', type: 'Loop', optional: true, array: false }] }]),
        ['"Loop" is recursive'],
      ],
    ];
    for (const [edit, fragments] of edits) {
      const copy = copyService(service);
      editJson(copy, '.yo-rc.json', (json) => edit(json['generator-kafka-eventing']));
      const before = snapshotFiles(copy);
      const error = await runFailing('event', copy, { args: ['Other'], options: { yes: true, fields: 'id:uuid' } });
      assertUserError(error, '.yo-rc.json', ...fragments);
      assert.deepEqual(changedFiles(before, snapshotFiles(copy)), []);
    }
  });
});
