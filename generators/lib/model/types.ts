/** The model's types and constants: what `.yo-rc.json` holds under the generator's namespace. */
import type { DatabaseKind } from '../database.js';
import type { KafkaClient } from '../kafka-client.js';

export const GENERATOR_NAMESPACE = 'generator-kafka-eventing';
export const MODEL_VERSION = 1;

export const ENVIRONMENTS = ['development', 'test', 'production'] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];

export const SCHEMA_FORMATS = ['json', 'avro'] as const;
export type SchemaFormat = (typeof SCHEMA_FORMATS)[number];

/** The scalar field types of the first models; lib/types/type-spec.ts has every type a field can have. */
export const FIELD_TYPES = ['string', 'int', 'number', 'boolean', 'datetime', 'uuid'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];

export const COMPATIBILITY_LEVELS = ['BACKWARD', 'BACKWARD_TRANSITIVE', 'FORWARD', 'FORWARD_TRANSITIVE', 'FULL', 'FULL_TRANSITIVE', 'NONE'] as const;
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
  /** The Kafka client of the generated service (`--kafka-client`); absent in models made before the choice: kafkajs. */
  kafkaClient?: KafkaClient;
}

/** The Avro namespace of new services: the same in every service, so publisher and subscriber agree on `events.<EventName>`. */
export const DEFAULT_AVRO_NAMESPACE = 'events';

export interface FieldModel {
  name: string;
  /** The type's text, normalized: a scalar, `decimal(10,2)`, `enum(a|b)`, `map<int>` or a record type's name. */
  type: string;
  optional: boolean;
  array: boolean;
}

/** A record type, declared once per service (`yo kafka-eventing:type`) and used by events' fields and other records. */
export interface RecordTypeModel {
  name: string;
  description: string;
  fields: FieldModel[];
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
  /** A batch subscription (`--batch`): its handler gets each fetched batch at once. Absent for a per-message one. */
  batch?: true;
  /** Set when a renamed subscription kept its edited handler: the name its file and class were made for. */
  handlerName?: string;
}

export interface EventingModel {
  modelVersion: number;
  service: ServiceModel;
  events: EventModel[];
  subscriptions: SubscriptionModel[];
  /** Record types the events' fields use; absent while there are none. */
  types?: RecordTypeModel[];
  /** What the generator last rendered into each file it owns (a hash), to tell user edits apart. */
  renderedFiles?: Record<string, string>;
}

/** An error caused by what the user gave us: reported as one clear line, never with a stack. */
export class UserInputError extends Error {
  override name = 'UserInputError';
}

/**
 * An option's or answer's value as text: the command line and prompts give strings, numbers or
 * booleans (anything else is shown as JSON, so that a message names what was given).
 */
export function optionText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  return JSON.stringify(value) ?? '';
}
