import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import { errorMessage } from '../errors.ts';
import type { EventDefinition } from './event-definition.ts';
import { EventValidationError, jsonCheck, SchemaValidator } from './schema-validator.ts';

export { EventValidationError, SchemaValidator };

type AnyDefinition = EventDefinition<unknown>;

/** Turns event payloads into message bytes and back. */
export interface EventCodec {
  /** Registers the schemas of the events this service publishes (before anything is sent). */
  prepare(published: readonly { definition: AnyDefinition; topic: string }[]): Promise<void>;
  /** Validates the payload (throws EventValidationError) and encodes it; synchronous: no I/O once prepared. */
  encode(definition: AnyDefinition, topic: string, payload: unknown): Buffer;
  decode(definition: AnyDefinition, value: Buffer): Promise<unknown>;
  /**
   * What decode does, without a promise, when nothing has to be fetched first (the usual message): throws
   * where decode rejects; undefined when decode must be used (a writer schema not fetched yet).
   */
  decodeNow(definition: AnyDefinition, value: Buffer): Decoded | undefined;
  /** Whatever the codec depends on (the schema registry) answers. */
  isReady(): Promise<boolean>;
}

/** A payload decoded without waiting. */
export interface Decoded {
  readonly payload: unknown;
}

export interface RegistrySettings {
  readonly url: string;
  readonly username?: string | undefined;
  readonly password?: string | undefined;
  readonly compatibility: string;
  readonly register: boolean;
}

const FRAME_SIZE = 5;

/** A message that cannot be read at all: not registry-framed, or framed with a schema id the registry does not know. */
export class WireFormatError extends Error {
  override name = 'WireFormatError';
}

/** The schema id of a registry-framed message (magic byte 0, schema id, body); throws WireFormatError when it is not framed. */
function frameSchemaId(value: Buffer): number {
  if (value.length <= FRAME_SIZE || value[0] !== 0) {
    throw new WireFormatError(
      value.length <= FRAME_SIZE
        ? `message is not in the schema registry wire format: ${value.length} bytes, not more than the 5-byte prefix (magic byte 0, schema id)`
        : `message is not in the schema registry wire format: its first byte is ${value[0]}, not the magic byte 0`,
    );
  }
  return value.readInt32BE(1);
}

type AvroResolver = ReturnType<avro.Type['createResolver']>;

/** How a message's writer schema (by id) is read: JSON and Avro bodies here, anything else through the registry client. */
type WriterSchema =
  | { readonly kind: 'json'; readonly text: string; readonly check: (payload: unknown) => string[] }
  | { readonly kind: 'avro'; readonly type: avro.Type; readonly resolvers: Map<string, { reader: avro.Type; resolver: AvroResolver }> }
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
  /** The writer schemas fetched already: a message of a known schema id is read without waiting. */
  readonly #knownWriterSchemas = new Map<number, WriterSchema>();
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
      let id: number;
      try {
        id = this.#settings.register
          ? (await this.#registry.register(schema, { subject })).id
          : await this.#registry.getRegistryIdBySchema(subject, schema);
        if (this.#settings.register) await this.#setCompatibility(subject);
      } catch (error) {
        throw new Error(await this.#prepareFailure(definition, subject, error), { cause: error });
      }
      const prefix = Buffer.alloc(FRAME_SIZE);
      prefix.writeInt32BE(id, 1);
      this.#prefixes.set(topic, prefix);
    }
  }

  /** Says what failed and where: the subject, the registry's URL, and the format the subject holds when it is another. */
  async #prepareFailure(definition: AnyDefinition, subject: string, error: unknown): Promise<string> {
    const format = definition.schemaFormat === 'avro' ? 'AVRO' : 'JSON';
    const action = this.#settings.register ? 'Registering' : 'Looking up';
    const reason = errorMessage(error);
    let message = `${action} the ${format} schema of ${definition.name} under subject ${subject} at the schema registry ${this.#settings.url} failed: ${reason}`;
    const latest = await fetch(`${this.#settings.url}/subjects/${encodeURIComponent(subject)}/versions/latest`, {
      headers: this.#authHeaders(),
      signal: AbortSignal.timeout(5000),
    }).catch(() => undefined);
    if (latest?.ok) {
      const held = (((await latest.json()) as { schemaType?: string }).schemaType ?? 'AVRO').toUpperCase();
      if (held !== format) {
        message += ` (subject ${subject} holds ${held} schemas, this service's are ${format}: give the event another topic, or delete the subject)`;
      }
    }
    return message;
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
    const id = frameSchemaId(value);
    const writer = this.#knownWriterSchemas.get(id) ?? (await this.#writerSchema(id));
    const read = this.#readLocally(definition, value, writer);
    if (read !== undefined) return read.payload;
    const payload = this.#validator.fromWire(definition, await this.#registry.decode(value));
    this.#validator.validate(definition, payload);
    return payload;
  }

  decodeNow(definition: AnyDefinition, value: Buffer): Decoded | undefined {
    const writer = this.#knownWriterSchemas.get(frameSchemaId(value));
    return writer === undefined ? undefined : this.#readLocally(definition, value, writer);
  }

  /**
   * Reads a JSON or Avro body with its writer's schema as ours (what decode promises); undefined when the
   * writer's schema is another format, read through the registry client.
   */
  #readLocally(definition: AnyDefinition, value: Buffer, writer: WriterSchema): Decoded | undefined {
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
      return { payload };
    }
    if (definition.schemaFormat === 'avro' && writer.kind === 'avro') {
      let reading = writer.resolvers.get(definition.name);
      if (!reading) {
        const reader = this.#readerFor(definition, writer.type);
        reading = { reader, resolver: reader.createResolver(writer.type) };
        writer.resolvers.set(definition.name, reading);
      }
      const wire: unknown = reading.reader.fromBuffer(value.subarray(FRAME_SIZE), reading.resolver);
      const payload = this.#validator.fromWire(definition, wire);
      this.#validator.validate(definition, payload);
      return { payload };
    }
    return undefined;
  }

  /**
   * The type that resolves a writer's records into ours. The subject (the topic) already says which
   * event a message is: a record written under another full name (a publisher generated before
   * services shared the `events` namespace names it `<service>.events.<Name>`) is read as ours through an alias.
   */
  #readerFor(definition: AnyDefinition, writer: avro.Type): avro.Type {
    const reader = this.#validator.avroType(definition);
    if (writer.name === undefined || writer.name === reader.name) return reader;
    return avro.Type.forSchema({ ...(definition.schema as Record<string, unknown>), aliases: [writer.name] } as unknown as avro.Schema);
  }

  /** Looks a schema id up in the registry once (an unknown id rejects, and is asked again next time). */
  #writerSchema(id: number): Promise<WriterSchema> {
    let entry = this.#writerSchemas.get(id);
    if (!entry) {
      entry = this.#fetchWriterSchema(id);
      this.#writerSchemas.set(id, entry);
      entry.then(
        (schema) => this.#knownWriterSchemas.set(id, schema),
        () => this.#writerSchemas.delete(id),
      );
    }
    return entry;
  }

  async #fetchWriterSchema(id: number): Promise<WriterSchema> {
    const response = await fetch(`${this.#settings.url}/schemas/ids/${id}`, {
      headers: this.#authHeaders(),
      signal: AbortSignal.timeout(10_000),
    });
    if (response.status === 404) {
      throw new WireFormatError(`message names schema id ${id}, which the schema registry at ${this.#settings.url} does not know (HTTP 404)`);
    }
    if (!response.ok) throw new Error(`schema id ${id}: HTTP ${response.status} from the schema registry at ${this.#settings.url}`);
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
