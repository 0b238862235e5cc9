// <%- generatedHeader %>
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Ajv, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import avro from 'avsc';
import type { EventDefinition } from './event-definition.ts';

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

type AnyDefinition = EventDefinition<never>;

/**
 * Checks payloads against the schema of their event, locally and before anything is sent, and
 * converts between the TypeScript shape and the wire shape (Avro writes absent optional fields as null).
 */
export class SchemaValidator {
  readonly ajv: Ajv;
  readonly #checks = new Map<string, (payload: unknown) => string[]>();
  readonly #avroTypes = new Map<string, avro.Type>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats.default(this.ajv);
  }

  validate(definition: AnyDefinition, payload: unknown): void {
    const problems = this.#checkFor(definition)(payload);
    if (problems.length > 0) throw new EventValidationError(definition.name, problems);
  }

  toWire(definition: AnyDefinition, payload: unknown): unknown {
    if (definition.schemaFormat !== 'avro' || !isRecord(payload)) return payload;
    const wire: Record<string, unknown> = {};
    for (const field of avroFields(definition)) wire[field] = payload[field] ?? null;
    return wire;
  }

  fromWire(definition: AnyDefinition, wire: unknown): unknown {
    if (definition.schemaFormat !== 'avro' || !isRecord(wire)) return wire;
    return Object.fromEntries(Object.entries(wire).filter(([, value]) => value !== null));
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
    const properties = (definition.schema as { properties?: Record<string, unknown> }).properties;
    if (!properties || !isRecord(payload)) return payload;
    return Object.fromEntries(Object.entries(payload).filter(([key]) => Object.hasOwn(properties, key)));
  }

  #checkFor(definition: AnyDefinition): (payload: unknown) => string[] {
    let check = this.#checks.get(definition.name);
    if (!check) {
      check = definition.schemaFormat === 'avro' ? avroCheck(definition) : jsonCheck(this.ajv.compile(definition.schema));
      this.#checks.set(definition.name, check);
    }
    return check;
  }
}

function jsonCheck(validate: ValidateFunction): (payload: unknown) => string[] {
  return (payload) => {
    if (validate(payload)) return [];
    return (validate.errors ?? []).map((error) => {
      const extra = error.params as { additionalProperty?: string; missingProperty?: string };
      const field = extra.missingProperty ?? extra.additionalProperty ?? error.instancePath.replace(/^\//, '').replace(/\//g, '.');
      return `${field || '(event)'} ${error.message ?? 'is invalid'}`;
    });
  };
}

function avroCheck(definition: AnyDefinition): (payload: unknown) => string[] {
  const type = avro.Type.forSchema(definition.schema as avro.Schema);
  const fields = avroFields(definition);
  return (payload) => {
    if (!isRecord(payload)) return ['(event) must be an object'];
    const problems: string[] = Object.keys(payload)
      .filter((key) => !fields.includes(key))
      .map((key) => `${key} is not a field of the event`);
    const wire: Record<string, unknown> = {};
    for (const field of fields) wire[field] = payload[field] ?? null;
    type.isValid(wire, {
      errorHook: (path: string[], value: unknown) => {
        problems.push(`${path.join('.') || '(event)'} has an invalid value ${JSON.stringify(value)}`);
      },
    });
    return problems;
  };
}

function avroFields(definition: AnyDefinition): string[] {
  const fields = (definition.schema as { fields?: { name: string }[] }).fields ?? [];
  return fields.map((field) => field.name);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Turns event payloads into message bytes and back. */
export interface EventCodec {
  /** Registers the schemas of the events this service publishes (before anything is sent). */
  prepare(published: readonly { definition: AnyDefinition; topic: string }[]): Promise<void>;
  /** Validates the payload (throws EventValidationError) and encodes it; synchronous: no I/O once prepared. */
  encode(definition: AnyDefinition, topic: string, payload: unknown): Buffer;
  decode(definition: AnyDefinition, value: Buffer): Promise<unknown>;
  /** Whatever the codec depends on (the schema registry) answers. */
  isReady(): Promise<boolean>;
}

export interface RegistrySettings {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly compatibility: string;
  readonly register: boolean;
}

const FRAME_SIZE = 5;

type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** How a message's writer schema (by id) is read: JSON and Avro bodies here, anything else through the registry client. */
type WriterSchema =
  | { readonly kind: 'json'; readonly text: string; readonly check: (payload: unknown) => string[] }
  | { readonly kind: 'avro'; readonly type: avro.Type; readonly resolvers: Map<string, AvroResolver> }
  | { readonly kind: 'other' };

/**
 * The Confluent wire format through a schema registry: magic byte 0, the schema id, then the body.
 * Encoding is local and synchronous once the schemas are registered: validation against the event's
 * schema, then the body (JSON text or Avro binary) behind the 5-byte prefix of the schema id registered
 * for the topic. Decoding fetches each writer schema id from the registry once (unknown ids fail):
 * JSON bodies are validated against the writer's schema when it differs from the local one, keep only
 * the fields the local schema knows, and are validated against it; Avro bodies are read through a
 * resolver from the writer's schema to the local one (cached per schema id).
 */
export class RegistryCodec implements EventCodec {
  readonly #registry: SchemaRegistry;
  readonly #validator: SchemaValidator;
  readonly #settings: RegistrySettings;
  /** Per topic: magic byte + schema id, the prefix of every message encoded for it. */
  readonly #prefixes = new Map<string, Buffer>();
  readonly #writerSchemas = new Map<number, Promise<WriterSchema>>();
  readonly #localTexts = new Map<string, string>();

  constructor(settings: RegistrySettings, validator: SchemaValidator) {
    this.#settings = settings;
    this.#validator = validator;
    const auth = settings.username ? { username: settings.username, password: settings.password ?? '' } : undefined;
    this.#registry = new SchemaRegistry({ host: settings.url, ...(auth ? { auth } : {}) }, { [SchemaType.JSON]: { ajvInstance: validator.ajv } });
  }

  async prepare(published: readonly { definition: AnyDefinition; topic: string }[]): Promise<void> {
    for (const { definition, topic } of published) {
      const subject = `${topic}-value`;
      const text = JSON.stringify(definition.schema);
      const schema =
        definition.schemaFormat === 'avro' ? { type: SchemaType.AVRO as const, schema: text } : { type: SchemaType.JSON as const, schema: text };
      const { id } = this.#settings.register
        ? await this.#registry.register(schema, { subject })
        : { id: await this.#registry.getRegistryIdBySchema(subject, schema) };
      if (this.#settings.register) await this.#setCompatibility(subject);
      const prefix = Buffer.alloc(FRAME_SIZE);
      prefix.writeInt32BE(id, 1);
      this.#prefixes.set(topic, prefix);
    }
  }

  encode(definition: AnyDefinition, topic: string, payload: unknown): Buffer {
    this.#validator.validate(definition, payload);
    const prefix = this.#prefixes.get(topic);
    if (prefix === undefined) throw new Error(`No schema registered for topic ${topic}: was ${definition.name} prepared?`);
    const body = this.#validator.serialize(definition, payload);
    if (typeof body !== 'string') return Buffer.concat([prefix, body]);
    const length = Buffer.byteLength(body);
    const value = Buffer.allocUnsafe(FRAME_SIZE + length);
    prefix.copy(value, 0);
    value.write(body, FRAME_SIZE, length, 'utf8');
    return value;
  }

  /**
   * Reads a message with the schema it was written with, then as this service's version of the event:
   * fields a newer writer added are left out (JSON) or resolved away (Avro), so consumers need not be
   * deployed before the publisher of an event's new optional fields. What remains must match our schema.
   */
  async decode(definition: AnyDefinition, value: Buffer): Promise<unknown> {
    if (value.length > FRAME_SIZE && value[0] === 0) {
      const writer = await this.#writerSchema(value.readInt32BE(1));
      if (definition.schemaFormat === 'json' && writer.kind === 'json') {
        let payload: unknown = JSON.parse(value.toString('utf8', FRAME_SIZE));
        // Written with a schema other than ours (another version): it must match that one too.
        if (writer.text !== this.#localText(definition)) {
          const problems = writer.check(payload);
          if (problems.length > 0)
            throw new EventValidationError(
              definition.name,
              problems.map((problem) => `${problem} (writer's schema)`),
            );
          payload = this.#validator.knownFieldsOnly(definition, payload);
        }
        this.#validator.validate(definition, payload);
        return payload;
      }
      if (definition.schemaFormat === 'avro' && writer.kind === 'avro') {
        const reader = this.#validator.avroType(definition);
        let resolver = writer.resolvers.get(definition.name);
        if (!resolver) {
          resolver = reader.createResolver(writer.type);
          writer.resolvers.set(definition.name, resolver);
        }
        const payload = this.#validator.fromWire(definition, reader.fromBuffer(value.subarray(FRAME_SIZE), resolver));
        this.#validator.validate(definition, payload);
        return payload;
      }
    }
    const payload = this.#validator.fromWire(definition, await this.#registry.decode(value));
    this.#validator.validate(definition, payload);
    return payload;
  }

  /** Looks a schema id up in the registry once (an unknown id rejects, and is asked again next time). */
  #writerSchema(id: number): Promise<WriterSchema> {
    let entry = this.#writerSchemas.get(id);
    if (!entry) {
      entry = this.#fetchWriterSchema(id);
      this.#writerSchemas.set(id, entry);
      entry.catch(() => this.#writerSchemas.delete(id));
    }
    return entry;
  }

  async #fetchWriterSchema(id: number): Promise<WriterSchema> {
    const response = await fetch(`${this.#settings.url}/schemas/ids/${id}`, {
      headers: this.#authHeaders(),
      signal: AbortSignal.timeout(10_000),
    });
    if (!response.ok) throw new Error(`schema id ${id}: HTTP ${response.status} from the schema registry`);
    const found = (await response.json()) as { schema: string; schemaType?: string };
    const schemaType = (found.schemaType ?? 'AVRO').toUpperCase();
    if (schemaType === 'AVRO') {
      return { kind: 'avro', type: avro.Type.forSchema(JSON.parse(found.schema) as avro.Schema), resolvers: new Map() };
    }
    if (schemaType !== 'JSON') return { kind: 'other' };
    const schema = JSON.parse(found.schema) as Record<string, unknown>;
    let check: ((payload: unknown) => string[]) | undefined;
    // Compiled only if a message actually needs it (a writer's schema that differs from ours).
    return { kind: 'json', text: JSON.stringify(schema), check: (payload) => (check ??= jsonCheck(this.#validator.ajv.compile(schema)))(payload) };
  }

  #localText(definition: AnyDefinition): string {
    let text = this.#localTexts.get(definition.name);
    if (text === undefined) {
      text = JSON.stringify(definition.schema);
      this.#localTexts.set(definition.name, text);
    }
    return text;
  }

  /** Reachable = the registry answers its subjects list. */
  async isReady(): Promise<boolean> {
    const response = await fetch(`${this.#settings.url}/subjects`, {
      headers: this.#authHeaders(),
      signal: AbortSignal.timeout(2000),
    }).catch(() => undefined);
    return response?.ok ?? false;
  }

  async #setCompatibility(subject: string): Promise<void> {
    const response = await fetch(`${this.#settings.url}/config/${encodeURIComponent(subject)}`, {
      method: 'PUT',
      headers: { 'content-type': 'application/vnd.schemaregistry.v1+json', ...this.#authHeaders() },
      body: JSON.stringify({ compatibility: this.#settings.compatibility }),
    });
    if (!response.ok) {
      throw new Error(`Setting ${this.#settings.compatibility} compatibility on ${subject} failed: HTTP ${response.status}`);
    }
  }

  #authHeaders(): Record<string, string> {
    if (!this.#settings.username) return {};
    const token = Buffer.from(`${this.#settings.username}:${this.#settings.password ?? ''}`).toString('base64');
    return { authorization: `Basic ${token}` };
  }
}

/** For the in-memory transport: the same validation, JSON bytes, no registry. */
export class LocalCodec implements EventCodec {
  readonly #validator: SchemaValidator;

  constructor(validator: SchemaValidator) {
    this.#validator = validator;
  }

  async prepare(): Promise<void> {}

  async isReady(): Promise<boolean> {
    return true;
  }

  encode(definition: AnyDefinition, _topic: string, payload: unknown): Buffer {
    this.#validator.validate(definition, payload);
    return Buffer.from(JSON.stringify(this.#validator.toWire(definition, payload)));
  }

  async decode(definition: AnyDefinition, value: Buffer): Promise<unknown> {
    const payload = this.#validator.fromWire(definition, JSON.parse(value.toString('utf8')));
    this.#validator.validate(definition, payload);
    return payload;
  }
}
