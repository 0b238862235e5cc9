/**
 * The one schema of the model in `.yo-rc.json` (a JSON Schema, checked with Ajv), and the check of what a
 * schema cannot say (field types, record types, keys, subscriptions' events); every error names the
 * broken path, as `events.OrderPlaced.fields[2].type: …`.
 */
import { Ajv, type ErrorObject } from 'ajv';
import { parseType } from '../types/type-spec.js';
import { COMPATIBILITY_LEVELS, ENVIRONMENTS, SCHEMA_FORMATS, UserInputError, type EventingModel } from './types.js';

const NAMED = { type: 'string', minLength: 1 };
const FIELD = {
  type: 'object',
  required: ['name', 'type', 'optional', 'array'],
  properties: { name: NAMED, type: NAMED, optional: { type: 'boolean' }, array: { type: 'boolean' } },
  additionalProperties: false,
};
const FIELDS = { type: 'array', items: FIELD };
const ENVIRONMENT = {
  type: 'object',
  required: ['brokers', 'schemaRegistryUrl'],
  properties: { brokers: { type: 'array', minItems: 1, items: NAMED }, schemaRegistryUrl: NAMED },
};

export const MODEL_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'generator-kafka-eventing model',
  type: 'object',
  required: ['modelVersion', 'service', 'events', 'subscriptions'],
  properties: {
    modelVersion: { type: 'integer' },
    service: {
      type: 'object',
      required: ['name', 'port', 'schemaFormat', 'compatibility', 'environments'],
      properties: {
        name: NAMED,
        description: { type: 'string' },
        port: { type: 'integer' },
        schemaFormat: { enum: [...SCHEMA_FORMATS] },
        compatibility: { enum: [...COMPATIBILITY_LEVELS] },
        environments: { type: 'object', required: [...ENVIRONMENTS], properties: Object.fromEntries(ENVIRONMENTS.map((env) => [env, ENVIRONMENT])) },
        avroNamespace: NAMED,
        database: { type: 'string' },
      },
    },
    events: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'topic', 'key', 'external', 'fields'],
        properties: {
          name: NAMED,
          description: { type: 'string' },
          topic: NAMED,
          key: { type: ['string', 'null'] },
          external: { type: 'boolean' },
          fields: FIELDS,
        },
      },
    },
    subscriptions: {
      type: 'array',
      items: {
        type: 'object',
        required: ['name', 'event', 'groupId'],
        properties: { name: NAMED, event: NAMED, groupId: NAMED, handlerName: NAMED },
      },
    },
    types: {
      type: 'array',
      items: { type: 'object', required: ['name', 'fields'], properties: { name: NAMED, description: { type: 'string' }, fields: FIELDS } },
    },
    renderedFiles: { type: 'object', additionalProperties: { type: 'string' } },
  },
};

const validate = new Ajv({ allErrors: false }).compile(MODEL_SCHEMA);

/** `/events/0/fields/2/type` → `events.OrderPlaced.fields[2].type`: list items by their name where they have one. */
function readablePath(section: unknown, pointer: string): string {
  let node: unknown = section;
  let path = '';
  for (const segment of pointer.split('/').slice(1)) {
    const index = /^\d+$/.test(segment) ? Number(segment) : undefined;
    const next: unknown = Array.isArray(node) ? node[index ?? -1] : (node as Record<string, unknown> | undefined)?.[segment];
    const name = (next as { name?: unknown } | undefined)?.name;
    const topLevel = path === 'events' || path === 'subscriptions' || path === 'types';
    if (index !== undefined) path += topLevel && typeof name === 'string' ? `.${name}` : `[${index}]`;
    else path += path === '' ? segment : `.${segment}`;
    node = next;
  }
  return path;
}

function describe(section: unknown, error: ErrorObject): string {
  const params = error.params as { missingProperty?: string; additionalProperty?: string; allowedValues?: unknown[] };
  const path = readablePath(section, error.instancePath) || '(model)';
  if (params.missingProperty) return `${path}: "${params.missingProperty}" is missing`;
  if (params.additionalProperty) return `${path}: unknown property "${params.additionalProperty}"`;
  if (params.allowedValues) return `${path}: must be one of ${params.allowedValues.map(String).join(', ')}`;
  return `${path}: ${error.message ?? 'is invalid'}`;
}

/** Checks the model's shape and its field types; throws one UserInputError naming the broken path. */
export function checkModelShape(section: unknown, fileLabel: string): asserts section is EventingModel {
  if (!validate(section)) {
    const [first] = validate.errors ?? [];
    throw new UserInputError(`${fileLabel} is not a valid model: ${first ? describe(section, first) : 'it does not match the model schema'}.`);
  }
  const model = section as unknown as EventingModel;
  const records = (model.types ?? []).map((record) => record.name);
  const lists: [string, { name: string; fields: EventingModel['events'][number]['fields'] }[]][] = [
    ['types', model.types ?? []],
    ['events', model.events],
  ];
  for (const [list, owners] of lists) {
    for (const owner of owners) {
      owner.fields.forEach((field, index) => {
        try {
          parseType(field.type, records, field.name);
        } catch (error) {
          const reason = error instanceof UserInputError ? error.message.replace(/^Field "[^"]*":? ?/, '').replace(/^has /, '') : String(error);
          throw new UserInputError(`${fileLabel} is not a valid model: ${list}.${owner.name}.fields[${index}].type: ${reason}`);
        }
      });
    }
  }
}
