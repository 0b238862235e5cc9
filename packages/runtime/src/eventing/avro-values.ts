/**
 * Payloads as TypeScript has them, turned into the values avsc writes and back, led by the event's Avro
 * schema: absent optional fields ↔ null (at every depth), decimals (exact strings) ↔ bytes of the unscaled
 * two's-complement integer, dates ('2026-01-31') ↔ days since 1970-01-01, timestamps (ISO text with
 * milliseconds) ↔ timestamp-millis, base64 text ↔ bytes. A value of the wrong kind is passed on as it is,
 * for avsc to refuse.
 */
type AvroNode = string | AvroNode[] | { readonly type: AvroNode; readonly [attribute: string]: unknown };
type Direction = 'toAvro' | 'fromAvro';
const DAY_MS = 86_400_000;

export function toAvro(schema: unknown, payload: unknown): unknown {
  return convert(schema as AvroNode, payload, 'toAvro', new Map());
}

export function fromAvro(schema: unknown, value: unknown): unknown {
  return convert(schema as AvroNode, value, 'fromAvro', new Map());
}

function convert(node: AvroNode, value: unknown, direction: Direction, named: Map<string, AvroNode>): unknown {
  if (Array.isArray(node)) {
    // ['null', T]: the only unions the generator writes (optional fields).
    if (value === null || value === undefined) return direction === 'toAvro' ? null : undefined;
    const inner = node.find((branch) => branch !== 'null');
    return inner === undefined ? value : convert(inner, value, direction, named);
  }
  if (typeof node === 'string') {
    const defined = named.get(node);
    if (defined !== undefined) return convert(defined, value, direction, named);
    return node === 'bytes' ? bytes(value, direction) : value;
  }
  const type = node.type;
  if (type === 'record' && typeof node.name === 'string') {
    named.set(node.name, node);
    return record(node.fields as { name: string; type: AvroNode }[], value, direction, named);
  }
  if (type === 'enum' && typeof node.name === 'string') named.set(node.name, node);
  if (type === 'array' && Array.isArray(value)) return value.map((item: unknown) => convert(node.items as AvroNode, item, direction, named));
  if (type === 'map' && isObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, convert(node.values as AvroNode, item, direction, named)]));
  }
  switch (node.logicalType) {
    case 'decimal':
      return decimal(value, Number(node.scale), direction);
    case 'date':
      return date(value, direction);
    case 'timestamp-millis':
      return timestamp(value, direction);
    default:
      return typeof type === 'string' && type !== 'record' && type !== 'enum' && type !== 'array' && type !== 'map'
        ? convert(type, value, direction, named)
        : value;
  }
}

function record(fields: { name: string; type: AvroNode }[], value: unknown, direction: Direction, named: Map<string, AvroNode>): unknown {
  if (!isObject(value)) return value;
  const result: Record<string, unknown> = {};
  for (const field of fields) {
    const converted = convert(field.type, value[field.name], direction, named);
    if (converted !== undefined) result[field.name] = converted;
  }
  if (direction === 'toAvro') {
    // Unknown properties stay, for avsc to report.
    for (const key of Object.keys(value)) if (!fields.some((field) => field.name === key)) result[key] = value[key];
  }
  return result;
}

function bytes(value: unknown, direction: Direction): unknown {
  if (direction === 'toAvro') return typeof value === 'string' ? Buffer.from(value, 'base64') : value;
  return Buffer.isBuffer(value) ? value.toString('base64') : value;
}

function decimal(value: unknown, scale: number, direction: Direction): unknown {
  if (direction === 'toAvro') {
    if (typeof value !== 'string' || !/^-?\d+(\.\d+)?$/.test(value)) return value;
    const [whole = '', fraction = ''] = value.replace('-', '').split('.');
    const unscaled = BigInt(whole + fraction.padEnd(scale, '0').slice(0, scale));
    return twosComplement(value.startsWith('-') ? -unscaled : unscaled);
  }
  if (!Buffer.isBuffer(value)) return value;
  let unscaled = value.length === 0 ? 0n : BigInt(`0x${value.toString('hex')}`);
  if (value.length > 0 && (value[0] ?? 0) >= 0x80) unscaled -= 1n << BigInt(value.length * 8);
  const digits = (unscaled < 0n ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return unscaled < 0n ? `-${text}` : text;
}

/** The shortest big-endian two's-complement bytes of an integer (Avro's decimal). */
function twosComplement(value: bigint): Buffer {
  let length = 1;
  while (value < -(1n << BigInt(length * 8 - 1)) || value >= 1n << BigInt(length * 8 - 1)) length++;
  const unsigned = value < 0n ? (1n << BigInt(length * 8)) + value : value;
  return Buffer.from(unsigned.toString(16).padStart(length * 2, '0'), 'hex');
}

function date(value: unknown, direction: Direction): unknown {
  if (direction === 'toAvro') {
    if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value)) return value;
    return Math.round(Date.parse(`${value}T00:00:00.000Z`) / DAY_MS);
  }
  return typeof value === 'number' ? new Date(value * DAY_MS).toISOString().slice(0, 10) : value;
}

function timestamp(value: unknown, direction: Direction): unknown {
  if (direction === 'toAvro') return typeof value === 'string' && !Number.isNaN(Date.parse(value)) ? Date.parse(value) : value;
  return typeof value === 'number' ? new Date(value).toISOString() : value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
