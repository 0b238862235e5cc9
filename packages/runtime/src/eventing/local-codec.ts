import type { Decoded, EventCodec } from './codec.ts';
import type { EventDefinition } from './event-definition.ts';
import type { SchemaValidator } from './schema-validator.ts';

type AnyDefinition = EventDefinition<unknown>;

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
    return Buffer.from(JSON.stringify(payload));
  }

  async decode(definition: AnyDefinition, value: Buffer): Promise<unknown> {
    return this.decodeNow(definition, value).payload;
  }

  decodeNow(definition: AnyDefinition, value: Buffer): Decoded {
    const payload: unknown = JSON.parse(value.toString('utf8'));
    this.#validator.validate(definition, payload);
    return { payload };
  }
}
