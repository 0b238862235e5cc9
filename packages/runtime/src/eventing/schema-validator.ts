import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import avro from 'avsc';
import { fromAvro, toAvro } from './avro-values.ts';
import type { EventDefinition } from './event-definition.ts';

type AnyDefinition = EventDefinition<unknown>;

/** A payload that does not match its event's schema; the message names the offending fields. */
export class EventValidationError extends Error {
  override name = 'EventValidationError';
  readonly eventType: string;
  readonly problems: readonly string[];

  constructor(eventType: string, problems: readonly string[]) {
    super(`${eventType} does not match its schema: ${problems.join('; ')}`);
    this.eventType = eventType;
    this.problems = problems;
  }
}

/**
 * Checks payloads against the schema of their event, locally and before anything is sent, and
 * converts between the TypeScript shape and the wire shape (Avro writes absent optional fields as null).
 */
export class SchemaValidator {
  readonly ajv: Ajv;
  readonly #checks = new Map<string, (payload: unknown) => string[]>();
  readonly #avroTypes = new Map<string, avro.Type>();
  readonly #formatChecks = new Map<string, (value: unknown) => boolean>();

  constructor() {
    // strict: false lets schemas carry keywords Ajv does not know, but also turns strictNumbers off:
    // NaN and ±Infinity would then pass as number and integer (and be written as null).
    this.ajv = new Ajv({ allErrors: true, strict: false, strictNumbers: true });
    addFormats.default(this.ajv);
  }

  validate(definition: AnyDefinition, payload: unknown): void {
    const problems = this.#checkFor(definition)(payload);
    if (problems.length > 0) throw new EventValidationError(definition.name, problems);
  }

  toWire(definition: AnyDefinition, payload: unknown): unknown {
    if (definition.schemaFormat !== 'avro' || !isRecord(payload)) return payload;
    return toAvro(definition.schema, payload);
  }

  fromWire(definition: AnyDefinition, wire: unknown): unknown {
    if (definition.schemaFormat !== 'avro' || !isRecord(wire)) return wire;
    return fromAvro(definition.schema, wire);
  }

  /** The body of the message: JSON text, or Avro binary (of a payload already validated). */
  serialize(definition: AnyDefinition, payload: unknown): Buffer | string {
    const wire = this.toWire(definition, payload);
    if (definition.schemaFormat !== 'avro') return JSON.stringify(wire);
    return this.avroType(definition).toBuffer(wire);
  }

  /** The Avro type of an Avro event's schema (built once). */
  avroType(definition: AnyDefinition): avro.Type {
    let type = this.#avroTypes.get(definition.name);
    if (!type) {
      type = avro.Type.forSchema(definition.schema as avro.Schema);
      this.#avroTypes.set(definition.name, type);
    }
    return type;
  }

  /**
   * A JSON payload with only the properties the event's schema knows: what a tolerant reader keeps of an
   * event written with a newer schema (as Avro's schema resolution does).
   */
  knownFieldsOnly(definition: AnyDefinition, payload: unknown): unknown {
    return knownOnly(definition.schema, payload);
  }

  /** The same string formats as JSON Schema services check (Ajv's uuid and date-time), for Avro events. */
  readonly #formatCheck = (format: string): ((value: unknown) => boolean) => {
    let check = this.#formatChecks.get(format);
    if (!check) {
      check = this.ajv.compile({ type: 'string', format });
      this.#formatChecks.set(format, check);
    }
    return check;
  };

  #checkFor(definition: AnyDefinition): (payload: unknown) => string[] {
    let check = this.#checks.get(definition.name);
    if (!check) {
      if (definition.schemaFormat !== 'avro') check = jsonCheck(this.ajv.compile(definition.schema));
      else {
        const avroChecks = avroCheck(definition, this.#formatCheck);
        // Records, enums, maps, decimals, dates, timestamps, bytes: the payload's JSON Schema first, as a JSON service checks it.
        const payloadCheck = definition.payloadSchema ? jsonCheck(this.ajv.compile(definition.payloadSchema)) : undefined;
        check = payloadCheck ? (payload) => firstProblems(payloadCheck(payload), () => avroChecks(payload)) : avroChecks;
      }
      this.#checks.set(definition.name, check);
    }
    return check;
  }
}

export function jsonCheck(validate: ValidateFunction): (payload: unknown) => string[] {
  return (payload) => {
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.params as { additionalProperty?: string; missingProperty?: string };
      const at = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      const property = extra.missingProperty ?? extra.additionalProperty;
      // A nested record's missing or unknown property is named with its path (lines.0.price).
      const field = property === undefined ? at : at === '' ? property : `${at}.${property}`;
      return `${field || '(event)'} ${error.message ?? 'is invalid'}`;
    });
  };
}

/**
 * Avro's own check (types, ints, required fields), plus what a JSON Schema service checks and Avro
 * cannot say: finite numbers (a double may hold NaN and ±Infinity) and the fields' string formats
 * (the event definition's `formats`: uuid, date-time).
 */
function avroCheck(definition: AnyDefinition, formatCheck: (format: string) => (value: unknown) => boolean): (payload: unknown) => string[] {
  const type = avro.Type.forSchema(definition.schema as avro.Schema);
  const fields = avroFields(definition);
  const formats = Object.entries(definition.formats ?? {}).map(([field, format]) => ({ field, format, check: formatCheck(format) }));
  return (payload) => {
    if (!isRecord(payload)) return ['(event) must be an object'];
    const problems: string[] = Object.keys(payload)
      .filter((key) => !fields.includes(key))
      .map((key) => `${key} is not a field of the event`);
    const wire = toAvro(definition.schema, payload) as Record<string, unknown>;
    type.isValid(wire, {
      errorHook: (path: string[], value: unknown) => {
        problems.push(`${path.join('.') || '(event)'} has an invalid value ${JSON.stringify(value)}`);
      },
    });
    for (const field of fields) {
      for (const [index, value] of valuesOf(wire[field])) {
        if (typeof value === 'number' && !Number.isFinite(value)) problems.push(`${field}${index} must be a finite number, not ${String(value)}`);
      }
    }
    for (const { field, format, check } of formats) {
      for (const [index, value] of valuesOf(wire[field])) {
        if (typeof value === 'string' && !check(value)) problems.push(`${field}${index} must match format "${format}"`);
      }
    }
    return problems;
  };
}

/** What a JSON Schema object knows of a value, at every depth (records in lists, maps and other records). */
function knownOnly(schema: unknown, value: unknown): unknown {
  if (!isRecord(schema)) return value;
  if (Array.isArray(value)) return isRecord(schema.items) ? value.map((item: unknown) => knownOnly(schema.items, item)) : value;
  if (!isRecord(value)) return value;
  const properties = schema.properties;
  if (isRecord(properties)) {
    return Object.fromEntries(
      Object.entries(value)
        .filter(([key]) => Object.hasOwn(properties, key))
        .map(([key, item]) => [key, knownOnly(properties[key], item)]),
    );
  }
  const values = schema.additionalProperties;
  return isRecord(values) ? Object.fromEntries(Object.entries(value).map(([key, item]) => [key, knownOnly(values, item)])) : value;
}

/** The problems found first, else those of the next check. */
function firstProblems(found: string[], next: () => string[]): string[] {
  return found.length > 0 ? found : next();
}

/** A field's value, or each item of an array field, with its index as a path suffix (".0"). */
function valuesOf(value: unknown): [string, unknown][] {
  if (Array.isArray(value)) return value.map((item, index) => [`.${index}`, item]);
  return value === null || value === undefined ? [] : [['', value]];
}

function avroFields(definition: AnyDefinition): string[] {
  const fields = (definition.schema as { fields?: { name: string }[] }).fields ?? [];
  return fields.map((field) => field.name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
