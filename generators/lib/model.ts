/**
 * The eventing model: everything the generator knows about a service, kept in `.yo-rc.json`
 * under the generator's namespace. Generators validate input, change the model and re-render.
 */
import validateNpmPackageName from 'validate-npm-package-name';
import { splitFieldList } from './field-list.js';
import { kebabCase, pascalCase } from './names.js';
import { validateDatabase, type DatabaseKind } from './database.js';

export const GENERATOR_NAMESPACE = 'generator-kafka-eventing';
export const MODEL_VERSION = 1;

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export const SCHEMA_FORMATS = ['json', 'avro'] as const;
export type SchemaFormat = (typeof SCHEMA_FORMATS)[number];

export const FIELD_TYPES = ['string', 'int', 'number', 'boolean', 'datetime', 'uuid'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const COMPATIBILITY_LEVELS = [
  'BACKWARD',
  'BACKWARD_TRANSITIVE',
  'FORWARD',
  'FORWARD_TRANSITIVE',
  'FULL',
  'FULL_TRANSITIVE',
  'NONE',
] as const;
export type CompatibilityLevel = (typeof COMPATIBILITY_LEVELS)[number];

export interface EnvironmentSettings {
  brokers: string[];
  schemaRegistryUrl: string;
}

export interface ServiceModel {
  name: string;
  description: string;
  port: number;
  schemaFormat: SchemaFormat;
  compatibility: CompatibilityLevel;
  environments: Record<EnvironmentName, EnvironmentSettings>;
  /**
   * The Avro namespace of every event's record: `events` for services made since events became
   * shareable between services (a record's full name is then `events.<EventName>`, whoever declares it).
   * Absent in older models: their records keep the namespace they were registered with, `<service>.events`.
   */
  avroNamespace?: string;
  /** The service's own database (`--database postgres`); absent without one. */
  database?: DatabaseKind;
}

/** The Avro namespace of new services: the same in every service, so publisher and subscriber agree on `events.<EventName>`. */
export const DEFAULT_AVRO_NAMESPACE = 'events';

export interface FieldModel {
  name: string;
  type: FieldType;
  optional: boolean;
  array: boolean;
}

export interface EventModel {
  name: string;
  description: string;
  topic: string;
  key: string | null;
  external: boolean;
  fields: FieldModel[];
}

export interface SubscriptionModel {
  name: string;
  event: string;
  groupId: string;
  /** Set when a renamed subscription kept its edited handler: the name its file and class were made for. */
  handlerName?: string;
}

export interface EventingModel {
  modelVersion: number;
  service: ServiceModel;
  events: EventModel[];
  subscriptions: SubscriptionModel[];
  /** What the generator last rendered into each file it owns (a hash), to tell user edits apart. */
  renderedFiles?: Record<string, string>;
}

/** An error caused by what the user gave us: reported as one clear line, never with a stack. */
export class UserInputError extends Error {
  override name = 'UserInputError';
}

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]*$/;
const FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TOPIC = /^[A-Za-z0-9._-]{1,249}$/;
const HOST_PORT = /^[A-Za-z0-9.-]+:\d{1,5}$/;

export function validateServiceName(name: unknown): string {
  if (typeof name !== 'string' || name.trim() === '') {
    throw new UserInputError('Service name is empty: give a name such as "orders".');
  }
  if (/\s/.test(name)) {
    throw new UserInputError(`Service name "${name}" contains spaces: use a name such as "${kebabCase(name)}".`);
  }
  const verdict = validateNpmPackageName(name);
  if (!verdict.validForNewPackages) {
    const reasons = [...(verdict.errors ?? []), ...(verdict.warnings ?? [])].join('; ');
    throw new UserInputError(`Service name "${name}" is not a valid npm package name: ${reasons}.`);
  }
  return name;
}

export function validatePort(value: unknown): number {
  const text = String(value ?? '').trim();
  if (!/^\d+$/.test(text)) {
    throw new UserInputError(`HTTP port "${String(value)}" is not a number: give a whole number from 1 to 65535.`);
  }
  const port = Number(text);
  if (port < 1 || port > 65535) {
    throw new UserInputError(`HTTP port ${port} is out of range: give a whole number from 1 to 65535.`);
  }
  return port;
}

export function parseBrokers(value: unknown, label = 'Kafka bootstrap servers'): string[] {
  const list = Array.isArray(value) ? value.map(String) : String(value ?? '').split(',');
  const brokers = list.map((entry) => entry.trim()).filter((entry) => entry !== '');
  if (brokers.length === 0) {
    throw new UserInputError(`${label} are empty: give host:port pairs separated by commas, e.g. "localhost:9092".`);
  }
  for (const broker of brokers) {
    const port = Number(broker.split(':').pop());
    if (!HOST_PORT.test(broker) || port < 1 || port > 65535) {
      throw new UserInputError(`${label}: "${broker}" is not host:port (e.g. "localhost:9092").`);
    }
  }
  return brokers;
}

export function validateRegistryUrl(value: unknown, label = 'Schema registry URL'): string {
  const text = String(value ?? '').trim();
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UserInputError(`${label} "${text}" is not a URL (e.g. "http://localhost:8081").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new UserInputError(`${label} "${text}" must start with http:// or https://.`);
  }
  if (url.username || url.password) {
    throw new UserInputError(
      `${label} "${text}" contains credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD instead.`,
    );
  }
  return text.replace(/\/+$/, '');
}

export function validateSchemaFormat(value: unknown): SchemaFormat {
  const format = String(value ?? '').trim().toLowerCase();
  if (!(SCHEMA_FORMATS as readonly string[]).includes(format)) {
    throw new UserInputError(`Unknown schema format "${String(value)}": choose one of ${SCHEMA_FORMATS.join(', ')}.`);
  }
  return format as SchemaFormat;
}

export function validateCompatibility(value: unknown): CompatibilityLevel {
  const level = String(value ?? '').trim().toUpperCase();
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
    throw new UserInputError(
      `Unknown compatibility "${String(value)}": choose one of ${COMPATIBILITY_LEVELS.join(', ')}.`,
    );
  }
  return level as CompatibilityLevel;
}

/** Names the generated code declares or imports next to an event's type (events/index.ts, handlers, the container). */
export const GENERATED_IDENTIFIERS: readonly string[] = [
  'Cradle',
  'EventBus',
  'EventContext',
  'EventDefinition',
  'EventHandler',
  'EventName',
  'Events',
  'HandlerClass',
  'Logger',
  'MessageContext',
  'PublishedEventName',
  'PublishedEvents',
  'Services',
  'SubscriptionDefinition',
];

/**
 * JavaScript's and Node's built-in objects and TypeScript's built-in types: an event type of one of
 * these names would hide it in the modules that import the event (e.g. `Promise<void>` in a handler).
 * A fixed list, so that whether a name is accepted does not depend on the Node version.
 */
export const BUILT_IN_NAMES: readonly string[] = [
  ...['Object', 'Function', 'Array', 'Number', 'Boolean', 'String', 'Symbol', 'BigInt', 'Date', 'RegExp', 'Math', 'JSON', 'Intl', 'Reflect', 'Proxy'],
  ...['Error', 'AggregateError', 'EvalError', 'RangeError', 'ReferenceError', 'SyntaxError', 'TypeError', 'URIError'],
  ...['Promise', 'Map', 'Set', 'WeakMap', 'WeakSet', 'WeakRef', 'FinalizationRegistry', 'Iterator', 'Atomics', 'Infinity', 'NaN'],
  ...['ArrayBuffer', 'SharedArrayBuffer', 'DataView', 'Int8Array', 'Uint8Array', 'Uint8ClampedArray', 'Int16Array', 'Uint16Array'],
  ...['Int32Array', 'Uint32Array', 'Float32Array', 'Float64Array', 'BigInt64Array', 'BigUint64Array'],
  ...['Buffer', 'URL', 'URLSearchParams', 'AbortController', 'AbortSignal', 'TextEncoder', 'TextDecoder', 'Event', 'EventTarget'],
  ...['Headers', 'Request', 'Response', 'FormData', 'Blob', 'NodeJS'],
  ...['Record', 'Partial', 'Required', 'Readonly', 'Pick', 'Omit', 'Exclude', 'Extract', 'NonNullable', 'Parameters', 'ReturnType'],
  ...['InstanceType', 'Awaited', 'PromiseLike', 'ArrayLike', 'ReadonlyArray', 'Iterable', 'PropertyKey', 'ThisType'],
];

export function validateEventName(value: unknown): string {
  const name = String(value ?? '').trim();
  if (!IDENTIFIER.test(name)) {
    throw new UserInputError(
      `Event name "${name}" is not a valid identifier: use letters and digits starting with a letter, e.g. "OrderPlaced".`,
    );
  }
  const pascal = pascalCase(name);
  if (GENERATED_IDENTIFIERS.includes(pascal)) {
    throw new UserInputError(
      `Event name "${pascal}" is taken by the generated code (${GENERATED_IDENTIFIERS.join(', ')}): choose another, e.g. "${pascal}Changed".`,
    );
  }
  if (BUILT_IN_NAMES.includes(pascal)) {
    throw new UserInputError(
      `Event name "${pascal}" is a JavaScript or TypeScript built-in, which an event type of that name would hide: choose another, e.g. "${pascal}Changed".`,
    );
  }
  return pascal;
}

/**
 * Field names that every JavaScript object already has (Object.prototype's members): a payload
 * without such a field would still seem to have it, and `__proto__` sets the prototype instead.
 */
const OBJECT_PROPERTY_NAMES: readonly string[] = [
  '__proto__',
  ...Object.getOwnPropertyNames(Object.prototype).filter((name) => name !== '__proto__').sort(),
];

function checkFieldName(name: string): void {
  if (!FIELD_NAME.test(name)) {
    throw new UserInputError(`Field name "${name}" is not a valid identifier.`);
  }
  if (OBJECT_PROPERTY_NAMES.includes(name)) {
    throw new UserInputError(
      `Field name "${name}" is a property every JavaScript object has (${OBJECT_PROPERTY_NAMES.join(', ')}): ` +
        `choose another, e.g. "${name.replace(/^_+|_+$/g, '') || 'field'}Value".`,
    );
  }
}

export function validateTopic(value: unknown): string {
  const topic = String(value ?? '').trim();
  if (!TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new UserInputError(`Topic "${topic}" is not a valid Kafka topic name (letters, digits, ".", "_", "-").`);
  }
  return topic;
}

/**
 * Parses `"orderId:uuid, total:number, note?:string, tags:string[]"`.
 * A `?` after the name marks the field optional, `[]` after the type makes it an array.
 */
export function parseFields(spec: unknown): FieldModel[] {
  const text = String(spec ?? '').trim();
  if (text === '') {
    throw new UserInputError('An event needs at least one field, e.g. --fields "orderId:uuid, total:number".');
  }
  const fields: FieldModel[] = [];
  for (const part of splitFieldList(text)) {
    const match = /^([^:?\s]+)(\?)?\s*:\s*([A-Za-z][^[\]]*?)(\[\])?$/.exec(part);
    if (!match) {
      throw new UserInputError(`Field "${part}" is not name:type (e.g. "total:number", "note?:string", "tags:string[]").`);
    }
    const [, name = '', optional, type = '', array] = match;
    checkFieldName(name);
    if (!(FIELD_TYPES as readonly string[]).includes(type)) {
      throw new UserInputError(`Field "${name}" has unknown type "${type}": choose one of ${FIELD_TYPES.join(', ')}.`);
    }
    if (fields.some((field) => field.name === name)) {
      throw new UserInputError(`Field "${name}" is given twice.`);
    }
    fields.push({ name, type: type as FieldType, optional: optional === '?', array: array === '[]' });
  }
  return fields;
}

export function formatFields(fields: FieldModel[]): string {
  return fields.map((f) => `${f.name}${f.optional ? '?' : ''}:${f.type}${f.array ? '[]' : ''}`).join(', ');
}

export function validateKey(key: unknown, fields: FieldModel[]): string | null {
  if (key === undefined || key === null || String(key).trim() === '') {
    return null;
  }
  const name = String(key).trim();
  const field = fields.find((candidate) => candidate.name === name);
  if (!field) {
    throw new UserInputError(
      `Key "${name}" is not a field of the event: choose one of ${fields.map((f) => f.name).join(', ')}.`,
    );
  }
  if (field.optional || field.array) {
    throw new UserInputError(`Key "${name}" must be a required, single-valued field.`);
  }
  return name;
}

export function defaultTopic(serviceName: string, eventName: string, external: boolean): string {
  return external ? kebabCase(eventName) : `${namePrefix(serviceName)}.${kebabCase(eventName)}`;
}

export function defaultGroupId(serviceName: string, subscriptionName: string): string {
  return `${namePrefix(serviceName)}.${kebabCase(subscriptionName)}`;
}

/** The service name as the start of topic and group names, which allow no "@" or "/": "@acme/orders" → "acme.orders". */
function namePrefix(serviceName: string): string {
  return serviceName.replace(/^@/, '').replace(/\//g, '.');
}

export function createModel(service: ServiceModel): EventingModel {
  return { modelVersion: MODEL_VERSION, service, events: [], subscriptions: [] };
}

const AVRO_NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function validateAvroNamespace(value: unknown): string {
  const namespace = String(value ?? '').trim();
  if (!AVRO_NAMESPACE.test(namespace)) {
    throw new UserInputError(`Avro namespace "${namespace}" is not dot-separated names of letters, digits and "_" (e.g. "events").`);
  }
  return namespace;
}

export function addEvent(model: EventingModel, event: EventModel): EventingModel {
  if (model.events.some((existing) => existing.name === event.name)) {
    throw new UserInputError(existingEventMessage(event.name));
  }
  if (model.events.some((existing) => existing.topic === event.topic)) {
    throw new UserInputError(`Topic "${event.topic}" is already used by another event: choose one with --topic.`);
  }
  return { ...model, events: [...model.events, event] };
}

export function existingEventMessage(eventName: string): string {
  return (
    `Event "${eventName}" already exists in this service's model (.yo-rc.json). ` +
    `To add fields to it: yo kafka-eventing:event ${eventName} --add-fields "note?:string".`
  );
}

/**
 * Evolves an event: adds fields to it, so that its schema gets a new version that the registry
 * accepts under the service's compatibility level. Only optional fields can be added (events written
 * before do not have them); a field given again with the same type is left as it is, so running the
 * same command twice changes nothing. Renaming, removing or retyping a field is refused: consumers
 * could no longer read what is on the topic.
 */
export function addEventFields(model: EventingModel, eventName: string, added: readonly FieldModel[]): EventingModel {
  const event = model.events.find((candidate) => candidate.name === eventName);
  if (!event) throw new UserInputError(unknownEventMessage(model, eventName));
  const fresh: FieldModel[] = [];
  for (const field of added) {
    const existing = event.fields.find((candidate) => candidate.name === field.name);
    if (existing) {
      if (formatFields([existing]) !== formatFields([field])) {
        throw new UserInputError(
          `Field "${field.name}" of ${eventName} is ${formatFields([existing])}, not ${formatFields([field])}: ` +
            'a field cannot change its type or become required (what is on the topic would no longer match). Add a new field instead.',
        );
      }
      continue;
    }
    if (!field.optional) {
      throw new UserInputError(
        `New field "${field.name}" must be optional (${formatFields([{ ...field, optional: true }])}): ` +
          `${eventName} events written before do not have it, and the new schema must still accept them (${model.service.compatibility} compatibility).`,
      );
    }
    fresh.push(field);
  }
  const level = model.service.compatibility;
  if (fresh.length > 0 && model.service.schemaFormat === 'json' && (level.startsWith('FORWARD') || level.startsWith('FULL'))) {
    throw new UserInputError(
      `This service's JSON schemas are closed (no additional properties) and its compatibility is ${level}: ` +
        `consumers still on the current ${eventName} schema would reject a new field, and the registry refuses it. ` +
        'Publish a new event on a new topic instead, or use BACKWARD compatibility (upgrade consumers first).',
    );
  }
  if (fresh.length === 0) return model;
  const evolved = { ...event, fields: [...event.fields, ...fresh] };
  return { ...model, events: model.events.map((candidate) => (candidate === event ? evolved : candidate)) };
}

export function addSubscription(model: EventingModel, subscription: SubscriptionModel): EventingModel {
  if (!model.events.some((event) => event.name === subscription.event)) {
    throw new UserInputError(unknownEventMessage(model, subscription.event));
  }
  if (model.subscriptions.some((existing) => existing.name === subscription.name)) {
    throw new UserInputError(
      `Subscription "${subscription.name}" already exists: give another one with --name to subscribe again.`,
    );
  }
  if (model.subscriptions.some((existing) => existing.groupId === subscription.groupId)) {
    throw new UserInputError(`Consumer group "${subscription.groupId}" is already used by another subscription.`);
  }
  return { ...model, subscriptions: [...model.subscriptions, subscription] };
}

export function unknownEventMessage(model: EventingModel, eventName: string): string {
  const known = model.events.map((event) => event.name);
  return (
    `Event "${eventName}" is not in this service's model` +
    (known.length > 0 ? ` (known: ${known.join(', ')})` : ' (it has no events yet)') +
    `. Add it first: yo kafka-eventing:event ${eventName} --fields "..." ` +
    `(with --external --topic <topic> when another service publishes it).`
  );
}

/** Reads the model out of the raw `.yo-rc.json` text, with one clear error for anything that is off. */
export function parseModelFile(text: string | undefined, fileLabel = '.yo-rc.json'): EventingModel {
  if (text === undefined) {
    throw new UserInputError(
      `No ${fileLabel} here: run this inside a service made by "yo kafka-eventing" (or create one with it first).`,
    );
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new UserInputError(`${fileLabel} is not valid JSON (${(error as Error).message}): fix or restore it.`);
  }
  const section = isRecord(parsed) ? parsed[GENERATOR_NAMESPACE] : undefined;
  if (!isRecord(section) || !isRecord(section.service)) {
    throw new UserInputError(
      `${fileLabel} has no "${GENERATOR_NAMESPACE}" model: run this inside a service made by "yo kafka-eventing".`,
    );
  }
  if (section.modelVersion !== MODEL_VERSION) {
    throw new UserInputError(
      `${fileLabel} holds model version ${String(section.modelVersion)}, this generator reads version ${MODEL_VERSION}.`,
    );
  }
  return checkModel(section as unknown as EventingModel, fileLabel);
}

function checkModel(model: EventingModel, fileLabel: string): EventingModel {
  const where = (path: string) => `${fileLabel}: ${GENERATOR_NAMESPACE}.${path}`;
  try {
    validateServiceName(model.service.name);
    validatePort(model.service.port);
    validateSchemaFormat(model.service.schemaFormat);
    validateCompatibility(model.service.compatibility);
    if (model.service.avroNamespace !== undefined) validateAvroNamespace(model.service.avroNamespace);
    if (model.service.database !== undefined && validateDatabase(model.service.database) === 'none') {
      throw new UserInputError('"database" is "none": leave it out instead');
    }
    for (const env of ENVIRONMENTS) {
      const settings = model.service.environments?.[env];
      if (!settings) throw new UserInputError(`environment "${env}" is missing`);
      parseBrokers(settings.brokers);
      validateRegistryUrl(settings.schemaRegistryUrl);
    }
    if (!Array.isArray(model.events) || !Array.isArray(model.subscriptions)) {
      throw new UserInputError('"events" and "subscriptions" must be lists');
    }
    for (const event of model.events) {
      validateEventName(event.name);
      validateTopic(event.topic);
      parseFields(formatFields(event.fields));
      validateKey(event.key, event.fields);
    }
    for (const subscription of model.subscriptions) {
      if (!model.events.some((event) => event.name === subscription.event)) {
        throw new UserInputError(`subscription "${subscription.name}" names unknown event "${subscription.event}"`);
      }
      if (subscription.handlerName !== undefined) validateEventName(subscription.handlerName);
    }
  } catch (error) {
    if (error instanceof UserInputError) {
      throw new UserInputError(`${where('')} is not a valid model: ${error.message}`);
    }
    throw new UserInputError(`${where('')} is not a valid model: ${(error as Error).message}`);
  }
  return model;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
