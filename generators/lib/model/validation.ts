/** Checks of single settings and names, each throwing UserInputError with one clear message. */
import validateNpmPackageName from 'validate-npm-package-name';
import { kebabCase, pascalCase } from '../names.js';
import { COMPATIBILITY_LEVELS, optionText, SCHEMA_FORMATS, UserInputError, type CompatibilityLevel, type SchemaFormat } from './types.js';

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
  const text = optionText(value).trim();
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
  const list = Array.isArray(value) ? value.map(optionText) : optionText(value).split(',');
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
  const text = optionText(value).trim();
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
    throw new UserInputError(`${label} "${text}" contains credentials: set SCHEMA_REGISTRY_USERNAME and SCHEMA_REGISTRY_PASSWORD instead.`);
  }
  return text.replace(/\/+$/, '');
}

export function validateSchemaFormat(value: unknown): SchemaFormat {
  const format = optionText(value).trim().toLowerCase();
  if (!(SCHEMA_FORMATS as readonly string[]).includes(format)) {
    throw new UserInputError(`Unknown schema format "${String(value)}": choose one of ${SCHEMA_FORMATS.join(', ')}.`);
  }
  return format as SchemaFormat;
}

export function validateCompatibility(value: unknown): CompatibilityLevel {
  const level = optionText(value).trim().toUpperCase();
  if (!(COMPATIBILITY_LEVELS as readonly string[]).includes(level)) {
    throw new UserInputError(`Unknown compatibility "${String(value)}": choose one of ${COMPATIBILITY_LEVELS.join(', ')}.`);
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
  const name = optionText(value).trim();
  if (!IDENTIFIER.test(name)) {
    throw new UserInputError(`Event name "${name}" is not a valid identifier: use letters and digits starting with a letter, e.g. "OrderPlaced".`);
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
  ...Object.getOwnPropertyNames(Object.prototype)
    .filter((name) => name !== '__proto__')
    .sort(),
];

export function checkFieldName(name: string): void {
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
  const topic = optionText(value).trim();
  if (!TOPIC.test(topic) || topic === '.' || topic === '..') {
    throw new UserInputError(`Topic "${topic}" is not a valid Kafka topic name (letters, digits, ".", "_", "-").`);
  }
  return topic;
}

const AVRO_NAMESPACE = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export function validateAvroNamespace(value: unknown): string {
  const namespace = optionText(value).trim();
  if (!AVRO_NAMESPACE.test(namespace)) {
    throw new UserInputError(`Avro namespace "${namespace}" is not dot-separated names of letters, digits and "_" (e.g. "events").`);
  }
  return namespace;
}
