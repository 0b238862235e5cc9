/** Field types as TypeScript: what a handler reads and a publisher writes, in both schema formats. */
import type { FieldModel } from '../model/types.js';
import { specOf, type RecordLookup } from './records.js';
import { recordsOf, type ScalarType, type TypeSpec } from './type-spec.js';

const SCALARS: Record<ScalarType, string> = {
  string: 'string',
  int: 'number',
  number: 'number',
  boolean: 'boolean',
  datetime: 'string',
  uuid: 'string',
  date: 'string',
  timestamp: 'string',
  bytes: 'string',
};

const COMMENTS: Partial<Record<ScalarType, string>> = {
  int: 'integer',
  datetime: 'ISO 8601 date-time, e.g. 2026-01-31T12:00:00.000Z',
  uuid: 'UUID',
  date: 'ISO 8601 date (no time), e.g. 2026-01-31',
  timestamp: 'UTC date-time with milliseconds, e.g. 2026-01-31T12:00:00.000Z (Avro timestamp-millis)',
  bytes: 'base64 (standard alphabet, padded)',
};

export function tsTypeOf(spec: TypeSpec): string {
  switch (spec.kind) {
    case 'scalar':
      return SCALARS[spec.name];
    case 'decimal':
      return 'string';
    case 'enum':
      return spec.symbols.map((symbol) => `'${symbol}'`).join(' | ');
    case 'map':
      return `Record<string, ${tsTypeOf(spec.values)}>`;
    case 'record':
      return spec.name;
  }
}

export function tsFieldType(field: FieldModel, records: RecordLookup): string {
  const spec = specOf(field, records);
  const single = tsTypeOf(spec);
  if (!field.array) return single;
  return spec.kind === 'enum' && spec.symbols.length > 1 ? `(${single})[]` : `${single}[]`;
}

export function tsComment(field: FieldModel, records: RecordLookup): string {
  const spec = specOf(field, records);
  const inner = spec.kind === 'map' ? spec.values : spec;
  const prefix = spec.kind === 'map' ? 'values: ' : '';
  if (inner.kind === 'decimal') {
    const example = sampleDecimal(inner.precision, inner.scale);
    return `${prefix}decimal(${inner.precision},${inner.scale}) as a string with exactly ${inner.scale} decimals, e.g. '${example}'`;
  }
  if (inner.kind === 'scalar' && COMMENTS[inner.name]) return `${prefix}${COMMENTS[inner.name] ?? ''}`;
  return '';
}

/** A decimal with every digit the type has after the point, e.g. decimal(10,2) → '1.50'. */
export function sampleDecimal(precision: number, scale: number): string {
  const whole = precision > scale ? '1' : '0';
  return scale === 0 ? whole : `${whole}.${'5'.padEnd(scale, '0')}`;
}

/** One property of an interface: `  name?: Type;`, its doc comment above it, as Prettier prints it (long unions one member a line). */
export function tsProperty(field: FieldModel, records: RecordLookup, indent = '  '): string {
  const comment = tsComment(field, records);
  const type = tsFieldType(field, records);
  const head = `${indent}${field.name}${field.optional ? '?' : ''}:`;
  let line = `${head} ${type};`;
  if (line.length > 150 && !field.array && type.includes(' | ')) {
    line = `${head}\n${type
      .split(' | ')
      .map((member) => `${indent}  | ${member}`)
      .join('\n')};`;
  }
  return comment ? `${indent}/** ${comment} */\n${line}` : line;
}

/** The record types a field list names directly (what an event module imports). */
export function directRecords(fields: readonly FieldModel[], records: RecordLookup): string[] {
  const names = fields.flatMap((field) => recordsOf(specOf(field, records)));
  return [...new Set(names)].sort();
}
