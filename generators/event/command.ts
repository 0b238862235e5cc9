/** The event generator's settings: each is a command-line option and, unless given, a prompt. */
import { defaultTopic, formatFields, optionText, parseFields, validateEventName, validateKey, validateTopic, type FieldModel } from '../lib/model.js';
import type { Settings } from '../lib/settings.js';
import { TYPE_FORMS } from '../lib/types/type-spec.js';

export interface EventAnswers {
  name: string;
  description: string;
  external: boolean;
  fields: FieldModel[];
  key: string | null;
  topic: string;
}

export function eventSettings(serviceName: string, records: readonly string[] = []): Settings<EventAnswers> {
  return {
    name: {
      option: 'name',
      description: 'Event name in PascalCase, e.g. OrderPlaced; also the positional argument',
      message: 'Event name (e.g. OrderPlaced)',
      parse: validateEventName,
    },
    description: {
      option: 'description',
      description: 'What happened, in one line (used in the type and schema docs)',
      message: 'Description',
      default: (answers) => `${answers.name ?? 'The event'} happened.`,
      parse: (raw) => optionText(raw).trim(),
    },
    external: {
      option: 'external',
      description: 'Another service publishes this event: no producer, only what a subscriber needs',
      message: 'Is it published by another service?',
      kind: 'confirm',
      default: () => false,
      parse: (raw) => raw === true || raw === 'true',
    },
    fields: {
      option: 'fields',
      description: `Fields as name:type, comma separated; types ${TYPE_FORMS}; name? = optional, type[] = array`,
      message: 'Fields (e.g. orderId:uuid, total:number, note?:string, tags:string[])',
      parse: (raw) => parseFields(raw, records),
    },
    key: {
      option: 'key',
      description: 'Field whose value is the message key (keeps the order per key); none by default',
      message: 'Message key field',
      // Only required, single-valued fields can be the key.
      choices: (answers) => [
        { name: '(none: no key, no order per key)', value: '' },
        ...(answers.fields ?? []).filter((field) => !field.optional && !field.array).map((field) => field.name),
      ],
      default: () => '',
      parse: (raw, answers) => validateKey(raw, answers.fields ?? []),
    },
    topic: {
      option: 'topic',
      description: `Kafka topic (default: ${serviceName}.<event-name>, or <event-name> for --external)`,
      message: 'Topic',
      default: (answers) => defaultTopic(serviceName, answers.name ?? '', answers.external ?? false),
      parse: validateTopic,
    },
  };
}

export { formatFields };
