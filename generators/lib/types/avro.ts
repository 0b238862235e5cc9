/**
 * Field types as Avro. Records are written out where an event's schema first uses them and named after
 * that (Avro names a type once per schema); enums are named after their record and field (`OrderPlacedStatus`).
 */
import { pascalCase } from '../names.js';
import type { FieldModel } from '../model/types.js';
import { specOf, type RecordLookup } from './records.js';
import type { ScalarType, TypeSpec } from './type-spec.js';

const SCALARS: Record<ScalarType, unknown> = {
  string: 'string',
  int: 'int',
  number: 'double',
  boolean: 'boolean',
  datetime: 'string',
  uuid: { type: 'string', logicalType: 'uuid' },
  date: { type: 'int', logicalType: 'date' },
  timestamp: { type: 'long', logicalType: 'timestamp-millis' },
  bytes: 'bytes',
};

/** Nested records' date-time strings carry the format the validator checks (top-level ones are in the event's `formats`). */
const NESTED_DATETIME = { type: 'string', format: 'date-time' };

export class AvroTypes {
  readonly #records: RecordLookup;
  readonly #defined = new Set<string>();

  constructor(records: RecordLookup) {
    this.#records = records;
  }

  /** The Avro fields of an event or record named `owner`; `nested` for a record's fields. */
  fields(owner: string, fields: readonly FieldModel[], nested: boolean): Record<string, unknown>[] {
    return fields.map((field) => {
      const single = this.#typeOf(specOf(field, this.#records), `${owner}${pascalCase(field.name)}`, nested);
      const type = field.array ? { type: 'array', items: single } : single;
      return field.optional ? { name: field.name, type: ['null', type], default: null } : { name: field.name, type };
    });
  }

  #typeOf(spec: TypeSpec, enumName: string, nested: boolean): unknown {
    switch (spec.kind) {
      case 'scalar':
        return nested && spec.name === 'datetime' ? NESTED_DATETIME : SCALARS[spec.name];
      case 'decimal':
        return { type: 'bytes', logicalType: 'decimal', precision: spec.precision, scale: spec.scale };
      case 'enum':
        return { type: 'enum', name: enumName, symbols: spec.symbols };
      case 'map':
        return { type: 'map', values: this.#typeOf(spec.values, enumName, nested) };
      case 'record': {
        if (this.#defined.has(spec.name)) return spec.name;
        this.#defined.add(spec.name);
        const record = this.#records.get(spec.name);
        return { type: 'record', name: record.name, fields: this.fields(record.name, record.fields, true) };
      }
    }
  }
}
