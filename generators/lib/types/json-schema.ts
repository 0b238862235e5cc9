/**
 * Field types as JSON Schema (draft-07): what JSON services register, and what Avro services check
 * payloads against before they turn them into Avro values (so both formats refuse the same payloads).
 */
import type { FieldModel } from '../model/types.js';
import { specOf, type RecordLookup } from './records.js';
import type { ScalarType, TypeSpec } from './type-spec.js';

/** Exactly three digits of milliseconds and Z: what Avro's timestamp-millis gives back, so both formats return the text sent. */
export const TIMESTAMP_PATTERN = '^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z$';
/** Standard base64 with padding, the form Node writes (Buffer.toString('base64')). */
export const BASE64_PATTERN = '^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$';

const SCALARS: Record<ScalarType, Record<string, string>> = {
  string: { type: 'string' },
  int: { type: 'integer' },
  number: { type: 'number' },
  boolean: { type: 'boolean' },
  datetime: { type: 'string', format: 'date-time' },
  uuid: { type: 'string', format: 'uuid' },
  date: { type: 'string', format: 'date' },
  timestamp: { type: 'string', format: 'date-time', pattern: TIMESTAMP_PATTERN },
  bytes: { type: 'string', contentEncoding: 'base64', pattern: BASE64_PATTERN },
};

/**
 * A decimal's text: an optional minus, no leading zeros, at most precision − scale digits before the point
 * and exactly `scale` after it (as Avro's decimal gives it back).
 */
export function decimalPattern(precision: number, scale: number): string {
  const whole = precision - scale;
  const integer = whole === 0 ? '0' : whole === 1 ? '\\d' : `(?:0|[1-9]\\d{0,${whole - 1}})`;
  return `^-?${integer}${scale > 0 ? `\\.\\d{${scale}}` : ''}$`;
}

export function jsonTypeOf(spec: TypeSpec, records: RecordLookup): Record<string, unknown> {
  switch (spec.kind) {
    case 'scalar':
      return SCALARS[spec.name];
    case 'decimal':
      return { type: 'string', pattern: decimalPattern(spec.precision, spec.scale) };
    case 'enum':
      return { type: 'string', enum: spec.symbols };
    case 'map':
      return { type: 'object', additionalProperties: jsonTypeOf(spec.values, records) };
    case 'record': {
      const record = records.get(spec.name);
      return { title: record.name, ...jsonObject(record.fields, records) };
    }
  }
}

/** An object of the fields: their properties, the required ones, nothing else. */
export function jsonObject(fields: readonly FieldModel[], records: RecordLookup): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of fields) {
    const single = jsonTypeOf(specOf(field, records), records);
    properties[field.name] = field.array ? { type: 'array', items: single } : single;
  }
  return {
    type: 'object',
    properties,
    required: fields.filter((field) => !field.optional).map((field) => field.name),
    additionalProperties: false,
  };
}
