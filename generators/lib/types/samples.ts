/**
 * Sample values of every field type, for the generated service's own tests: a valid one, and for the
 * types whose rules go beyond their TypeScript type (decimal, date, timestamp, bytes, an int map), a
 * value that type-checks but that both schema formats refuse.
 */
import type { FieldModel } from '../model/types.js';
import { specOf, type RecordLookup } from './records.js';
import { sampleDecimal } from './typescript.js';
import type { ScalarType, TypeSpec } from './type-spec.js';

const SCALARS: Record<ScalarType, unknown> = {
  string: 'text',
  int: 1,
  number: 1.5,
  boolean: true,
  datetime: '2026-01-31T12:00:00.000Z',
  uuid: '4f6b3f1e-2c1d-4e8a-9b7c-0d1e2f3a4b5c',
  date: '2026-01-31',
  timestamp: '2026-01-31T12:00:00.000Z',
  bytes: 'aGVsbG8=',
};

/** Wrong values that are still of the right TypeScript type, and what makes them wrong. */
const BAD_SCALARS: Partial<Record<ScalarType, [unknown, string]>> = {
  date: ['2026-02-30', 'a date that does not exist'],
  timestamp: ['2026-01-31T12:00:00Z', 'a timestamp without milliseconds'],
  bytes: ['not base64!', 'bytes that are not base64'],
};

/** An enum's symbol in a sample: written `'paid' as const`, so that the literal has the enum's type, not string. */
export class EnumSymbol {
  constructor(readonly symbol: string) {}
}

export function sampleOf(spec: TypeSpec, records: RecordLookup): unknown {
  switch (spec.kind) {
    case 'scalar':
      return SCALARS[spec.name];
    case 'decimal':
      return sampleDecimal(spec.precision, spec.scale);
    case 'enum':
      return new EnumSymbol(spec.symbols[0] ?? '');
    case 'map':
      return { key: sampleOf(spec.values, records) };
    case 'record':
      return sampleObject(records.get(spec.name).fields, records);
  }
}

export function sampleField(field: FieldModel, records: RecordLookup): unknown {
  const single = sampleOf(specOf(field, records), records);
  return field.array ? [single] : single;
}

export function sampleObject(fields: readonly FieldModel[], records: RecordLookup): Record<string, unknown> {
  return Object.fromEntries(fields.map((field) => [field.name, sampleField(field, records)]));
}

/** A value of the field's TypeScript type that its schema refuses, with what is wrong, or undefined when there is none. */
export function badSample(field: FieldModel, records: RecordLookup): { value: unknown; what: string } | undefined {
  const bad = badOf(specOf(field, records), records);
  return bad && { value: field.array ? [bad.value] : bad.value, what: bad.what };
}

function badOf(spec: TypeSpec, records: RecordLookup): { value: unknown; what: string } | undefined {
  switch (spec.kind) {
    case 'scalar': {
      const bad = BAD_SCALARS[spec.name];
      return bad && { value: bad[0], what: bad[1] };
    }
    case 'decimal':
      return spec.scale > 0
        ? { value: `1.${'5'.repeat(spec.scale + 1)}`, what: `a decimal with more than ${spec.scale} decimals` }
        : { value: '1.5', what: 'a decimal with decimals its scale 0 has no room for' };
    case 'enum':
      return undefined;
    case 'map': {
      if (spec.values.kind === 'scalar' && spec.values.name === 'int') return { value: { key: 1.5 }, what: 'a map value that is not an integer' };
      const bad = badOf(spec.values, records);
      return bad && { value: { key: bad.value }, what: `a map value: ${bad.what}` };
    }
    case 'record': {
      const fields = records.get(spec.name).fields;
      for (const field of fields) {
        const bad = badSample(field, records);
        if (bad) return { value: { ...sampleObject(fields, records), [field.name]: bad.value }, what: `${spec.name}.${field.name}: ${bad.what}` };
      }
      return undefined;
    }
  }
}
