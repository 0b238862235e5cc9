/**
 * Field types: the text a field's type is written in (`decimal(10,2)`, `enum(a|b)`, `map<int>`, `Address`),
 * parsed into one definition that the TypeScript, JSON Schema and Avro renderings all start from.
 */
import { UserInputError } from '../model/types.js';

/** Types with no parameters. `datetime` is an ISO string in both formats; `timestamp` is Avro's timestamp-millis. */
export const SCALAR_TYPES = ['string', 'int', 'number', 'boolean', 'datetime', 'uuid', 'date', 'timestamp', 'bytes'] as const;
export type ScalarType = (typeof SCALAR_TYPES)[number];

export type TypeSpec =
  | { kind: 'scalar'; name: ScalarType }
  | { kind: 'decimal'; precision: number; scale: number }
  | { kind: 'enum'; symbols: string[] }
  | { kind: 'map'; values: TypeSpec }
  | { kind: 'record'; name: string };

/** Every form a type can take, for messages and option help. */
export const TYPE_FORMS = `${SCALAR_TYPES.join(', ')}, decimal(precision,scale), enum(a|b|c), map<type>, or a record type (yo kafka-eventing:type)`;

const SYMBOL = /^[A-Za-z_][A-Za-z0-9_]*$/;
const RECORD_NAME = /^[A-Z][A-Za-z0-9]*$/;
/** Decimals whose unscaled value fits a JavaScript number exactly (and Avro's bytes of any size). */
export const MAX_PRECISION = 15;

/**
 * Parses a type's text. `records` are the record types the service declares; a name that is none of
 * them is refused, naming the known ones. `field` names the field in messages.
 */
export function parseType(text: string, records: readonly string[], field: string): TypeSpec {
  const type = text.trim();
  if ((SCALAR_TYPES as readonly string[]).includes(type)) return { kind: 'scalar', name: type as ScalarType };
  const decimal = /^decimal\s*\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(type);
  if (decimal) return checkDecimal(Number(decimal[1]), Number(decimal[2]), field);
  if (/^decimal\b/.test(type)) {
    throw new UserInputError(`Field "${field}": "${type}" is not decimal(precision,scale), e.g. decimal(10,2).`);
  }
  const enumMatch = /^enum\s*\((.*)\)$/.exec(type);
  if (enumMatch) return { kind: 'enum', symbols: checkSymbols(enumMatch[1] ?? '', field) };
  const map = /^map\s*<(.*)>$/.exec(type);
  if (map) {
    if ((map[1] ?? '').includes(',') && !/^\s*decimal/.test(map[1] ?? '')) {
      throw new UserInputError(`Field "${field}" has unknown type "${type}": a map's keys are strings, give only its values' type, e.g. map<int>.`);
    }
    const values = parseType(map[1] ?? '', records, field);
    if (values.kind === 'map')
      throw new UserInputError(`Field "${field}": a map's values cannot be maps (${type}); use a record type with a map field.`);
    return { kind: 'map', values };
  }
  if (RECORD_NAME.test(type) && records.includes(type)) return { kind: 'record', name: type };
  const known = records.length > 0 ? ` (record types of this service: ${records.join(', ')})` : '';
  throw new UserInputError(`Field "${field}" has unknown type "${type}": choose one of ${TYPE_FORMS}${known}.`);
}

function checkDecimal(precision: number, scale: number, field: string): TypeSpec {
  if (precision < 1 || precision > MAX_PRECISION) {
    throw new UserInputError(`Field "${field}": decimal precision ${precision} must be from 1 to ${MAX_PRECISION} digits.`);
  }
  if (scale > precision) {
    throw new UserInputError(
      `Field "${field}": decimal(${precision},${scale}) has a scale larger than its precision: the scale (digits after the point) must be at most the precision (all digits), e.g. decimal(${Math.max(precision, scale)},${Math.min(precision, scale)}).`,
    );
  }
  return { kind: 'decimal', precision, scale };
}

function checkSymbols(list: string, field: string): string[] {
  const symbols = list.split('|').map((symbol) => symbol.trim());
  if (symbols.length === 1 && symbols[0] === '') {
    throw new UserInputError(`Field "${field}": enum() has no symbols: list them, e.g. enum(pending|paid|shipped).`);
  }
  for (const symbol of symbols) {
    if (!SYMBOL.test(symbol)) {
      throw new UserInputError(`Field "${field}": enum symbol "${symbol}" is not letters, digits and "_" starting with a letter or "_".`);
    }
  }
  const twice = symbols.find((symbol, index) => symbols.indexOf(symbol) !== index);
  if (twice !== undefined) throw new UserInputError(`Field "${field}": enum symbol "${twice}" is given twice.`);
  return symbols;
}

/** The type's text as the model stores it (normalized: no spaces). */
export function formatType(spec: TypeSpec): string {
  switch (spec.kind) {
    case 'scalar':
      return spec.name;
    case 'decimal':
      return `decimal(${spec.precision},${spec.scale})`;
    case 'enum':
      return `enum(${spec.symbols.join('|')})`;
    case 'map':
      return `map<${formatType(spec.values)}>`;
    case 'record':
      return spec.name;
  }
}

/** The record types a type names, directly or as a map's values. */
export function recordsOf(spec: TypeSpec): string[] {
  if (spec.kind === 'record') return [spec.name];
  if (spec.kind === 'map') return recordsOf(spec.values);
  return [];
}
