/**
 * The JSON files the specs read from a generated service, typed by their path: `readJson(dir,
 * 'package.json')` is a `PackageJson`, `config/*.json` a `ServiceConfig`, `.yo-rc.json` the
 * generator's model, `schemas/*.avsc` an Avro record, `schemas/*.schema.json` a JSON Schema.
 * Each type names what the specs read (a section a spec reads is declared present: the spec fails
 * if it is not); anything else is `unknown`.
 */
import type { EventingModel } from '../../generators/lib/model.js';

/** Any JSON value. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export interface PackageJson {
  name: string;
  description: string;
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  engines: { node: string };
  [field: string]: unknown;
}

/** An event's entry under `events` in config/*.json. */
export interface EventConfig {
  topic: string;
  producer?: Record<string, unknown>;
  [setting: string]: unknown;
}

/** A subscription's entry under `subscriptions` in config/*.json. */
export interface SubscriptionConfig {
  topic: string;
  groupId: string;
  deadLetterTopic: string;
  concurrency: number;
  retry: { attempts: number; initialDelayMs: number; maxDelayMs: number; multiplier: number };
  [setting: string]: unknown;
}

export interface DatabaseConfig {
  host: string;
  port: number;
  name: string;
  user: string;
  password?: string;
  poolSize: number;
  delivery: string;
  [setting: string]: unknown;
}

/** config/<environment>.json (and custom-environment-variables.json): every environment file holds only some sections. */
export interface ServiceConfig {
  service: { name: string; port: number };
  log: { level: string };
  kafka: { clientId: string; brokers: string[]; [setting: string]: unknown };
  schemaRegistry: { url: string; compatibility: string; [setting: string]: unknown };
  events: Record<string, EventConfig>;
  subscriptions: Record<string, SubscriptionConfig>;
  database?: DatabaseConfig;
  [section: string]: unknown;
}

/** `.yo-rc.json`: the model under the generator's name. */
export interface YoRcJson {
  'generator-kafka-eventing': EventingModel;
  [generator: string]: unknown;
}

/** A field's type in an Avro schema: a type name, a union, or a complex type. */
export type AvroType = string | AvroType[] | AvroComplexType;

export interface AvroComplexType {
  type: AvroType;
  name?: string;
  namespace?: string;
  fields?: AvroField[];
  items?: AvroType;
  values?: AvroType;
  symbols?: string[];
  logicalType?: string;
  [attribute: string]: unknown;
}

export interface AvroField {
  name: string;
  type: AvroType;
  default?: JsonValue;
}

/** schemas/<subject>.avsc: an event's record. */
export interface AvroRecord extends AvroComplexType {
  type: 'record';
  name: string;
  namespace: string;
  fields: AvroField[];
}

/** A schema inside schemas/<subject>.schema.json. */
export interface JsonSchema {
  title?: string;
  type?: string;
  format?: string;
  pattern?: string;
  enum?: string[];
  contentEncoding?: string;
  required?: string[];
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  additionalProperties?: boolean | JsonSchema;
  [keyword: string]: unknown;
}

/** schemas/<subject>.schema.json: an event's object schema. */
export interface JsonSchemaDocument extends JsonSchema {
  title: string;
  type: 'object';
  required: string[];
  properties: Record<string, JsonSchema>;
}

/** The type of the JSON file at `file` (a path relative to the service). */
export type JsonFile<F extends string> = F extends 'package.json'
  ? PackageJson
  : F extends '.yo-rc.json'
    ? YoRcJson
    : F extends `config/${string}.json`
      ? ServiceConfig
      : F extends `schemas/${string}.avsc`
        ? AvroRecord
        : F extends `schemas/${string}.schema.json`
          ? JsonSchemaDocument
          : JsonValue;

/** An Avro type that must be a complex one (a record, array, map, enum or logical type): its attributes. */
export function avroComplex(type: AvroType | undefined): AvroComplexType {
  if (typeof type !== 'object' || type === null || Array.isArray(type)) throw new TypeError(`not a complex Avro type: ${JSON.stringify(type)}`);
  return type;
}
