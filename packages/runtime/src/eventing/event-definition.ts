export type SchemaFormat = 'json' | 'avro';

/** Everything the eventing code needs to know about one event type. */
export interface EventDefinition<Payload> {
  /** Event type name, also sent in the `event-type` header. */
  readonly name: string;
  /** Published by another service: this one only consumes it. */
  readonly external: boolean;
  readonly schemaFormat: SchemaFormat;
  /** JSON Schema or Avro schema, the same that is registered under `<topic>-value`. */
  readonly schema: Readonly<Record<string, unknown>>;
  /**
   * String formats of fields (`uuid`, `date-time`), by field name (also for arrays of them): checked by
   * the validator for Avro events, whose schemas cannot say it (JSON Schemas carry their formats).
   */
  readonly formats?: Readonly<Record<string, 'uuid' | 'date-time'>>;
  /**
   * Avro events with record, enum, map, decimal, date, timestamp or bytes fields: the JSON Schema of the
   * payload as TypeScript sees it, checked before the payload becomes an Avro value (as JSON events are checked).
   */
  readonly payloadSchema?: Readonly<Record<string, unknown>>;
  /**
   * Message key (ordering per key), or null for no key; given only a payload its schema accepted. A method
   * (its parameter is bivariant), so that the definition of any event is an `EventDefinition<unknown>`.
   */
  keyOf(payload: Payload): string | null;
}

/**
 * The service's events as the runtime sees them (rendered in the service's src/events/index.ts): the
 * definition of every event by name, and the names of those this service publishes.
 */
export interface EventCatalog {
  readonly definitions: Readonly<Record<string, EventDefinition<unknown>>>;
  readonly published: readonly string[];
}
