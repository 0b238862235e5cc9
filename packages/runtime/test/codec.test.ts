// Local validation and encoding (no registry): the same checks the registry codec runs before it frames a message.
import assert from 'node:assert/strict';
import { EventValidationError, SchemaValidator } from '../src/eventing/codec.ts';
import { LocalCodec } from '../src/eventing/local-codec.ts';
import type { EventDefinition } from '../src/eventing/event-definition.ts';

interface Shipped {
  shipmentId: string;
  weight: number;
  note?: string;
  parcels: number[];
}

const jsonShipped: EventDefinition<Shipped> = {
  name: 'Shipped',
  external: false,
  schemaFormat: 'json',
  schema: {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'Shipped',
    type: 'object',
    properties: {
      shipmentId: { type: 'string', format: 'uuid' },
      weight: { type: 'number' },
      note: { type: 'string' },
      parcels: { type: 'array', items: { type: 'integer' } },
    },
    required: ['shipmentId', 'weight', 'parcels'],
    additionalProperties: false,
  },
  keyOf: (event) => event.shipmentId,
};

const avroShipped: EventDefinition<Shipped> = {
  ...jsonShipped,
  schemaFormat: 'avro',
  schema: {
    type: 'record',
    name: 'Shipped',
    namespace: 'unit.events',
    fields: [
      { name: 'shipmentId', type: { type: 'string', logicalType: 'uuid' } },
      { name: 'weight', type: 'double' },
      { name: 'note', type: ['null', 'string'], default: null },
      { name: 'parcels', type: { type: 'array', items: 'int' } },
    ],
  },
};

const valid: Shipped = { shipmentId: '4f6b3f1e-2c1d-4e8a-9b7c-0d1e2f3a4b5c', weight: 2.5, parcels: [1, 2] };

function problemsOf(validator: SchemaValidator, definition: EventDefinition<Shipped>, payload: unknown): readonly string[] {
  try {
    validator.validate(definition, payload);
  } catch (error) {
    assert.ok(error instanceof EventValidationError, `an EventValidationError, not ${String(error)}`);
    assert.equal(error.eventType, 'Shipped');
    return error.problems;
  }
  return [];
}

for (const definition of [jsonShipped, avroShipped]) {
  describe(`codec, ${definition.schemaFormat} schema`, () => {
    const validator = new SchemaValidator();
    const codec = new LocalCodec(validator);

    it('accepts a valid payload, with and without its optional field', () => {
      assert.deepEqual(problemsOf(validator, definition, valid), []);
      assert.deepEqual(problemsOf(validator, definition, { ...valid, note: 'fragile' }), []);
    });

    it('names a field of the wrong type', () => {
      const problems = problemsOf(validator, definition, { ...valid, weight: 'heavy' });
      assert.equal(problems.length, 1);
      assert.match(problems[0] ?? '', /weight/);
    });

    it('names an array element of the wrong type', () => {
      assert.match(problemsOf(validator, definition, { ...valid, parcels: [1, 'two'] }).join('; '), /parcels/);
    });

    it('names a missing required field', () => {
      const { weight, ...missing } = valid;
      void weight;
      assert.match(problemsOf(validator, definition, missing).join('; '), /weight/);
    });

    it('names a field the schema does not have', () => {
      assert.match(problemsOf(validator, definition, { ...valid, colour: 'red' }).join('; '), /colour/);
    });

    it('refuses a payload that is not an object', () => {
      assert.notDeepEqual(problemsOf(validator, definition, 'Shipped'), []);
    });

    it('encodes and decodes a payload unchanged (optional field absent or present)', async () => {
      for (const payload of [valid, { ...valid, note: 'fragile' }]) {
        assert.deepEqual(await codec.decode(definition, codec.encode(definition, 'shipments', payload)), payload);
      }
    });

    it('encodes nothing for an invalid payload', () => {
      assert.throws(() => codec.encode(definition, 'shipments', { ...valid, weight: 'heavy' }), EventValidationError);
    });

    it('refuses to decode a message that breaks the schema', async () => {
      await assert.rejects(codec.decode(definition, Buffer.from(JSON.stringify({ ...valid, parcels: 'none' }))), EventValidationError);
    });
  });
}

describe('codec, wire shapes', () => {
  const validator = new SchemaValidator();

  it('writes absent optional fields as null for Avro and leaves them out again when reading', () => {
    const wire = validator.toWire(avroShipped, valid);
    assert.deepEqual(wire, { ...valid, note: null });
    assert.deepEqual(validator.fromWire(avroShipped, wire), valid);
    assert.deepEqual(validator.toWire(jsonShipped, valid), valid, 'JSON payloads go out as they are');
  });

  it('serializes Avro to the binary its schema reads back', () => {
    const body = validator.serialize(avroShipped, { ...valid, note: 'fragile' });
    assert.ok(Buffer.isBuffer(body));
    assert.deepEqual({ ...validator.avroType(avroShipped).fromBuffer(body) }, { ...valid, note: 'fragile' });
  });

  it('serializes JSON to its text', () => {
    assert.equal(validator.serialize(jsonShipped, valid), JSON.stringify(valid));
  });

  it('keeps only the fields its JSON schema knows of an event written with a newer schema', () => {
    assert.deepEqual(validator.knownFieldsOnly(jsonShipped, { ...valid, giftWrap: true }), valid);
  });
});
