/** The type generator's settings: each is a command-line option and, unless given, a prompt. */
import { optionText, parseFields, validateRecordName, type EventingModel, type FieldModel } from '../lib/model.js';
import type { Settings } from '../lib/settings.js';
import { TYPE_FORMS } from '../lib/types/type-spec.js';

export interface TypeAnswers {
  name: string;
  description: string;
  fields: FieldModel[];
}

/** `model` is the service's (undefined while only declaring the options): its record types are the ones fields may use. */
export function typeSettings(model: EventingModel | undefined): Settings<TypeAnswers> {
  const known = (model?.types ?? []).map((record) => record.name);
  return {
    name: {
      option: 'name',
      description: 'Record type name in PascalCase, e.g. Address; also the positional argument',
      message: 'Record type name (e.g. Address)',
      parse: (raw) => (model ? validateRecordName(raw, model) : optionText(raw)),
    },
    description: {
      option: 'description',
      description: 'What the record holds, in one line (used in the type docs)',
      message: 'Description',
      default: (answers) => `${answers.name ?? 'The record'}.`,
      parse: (raw) => optionText(raw).trim(),
    },
    fields: {
      option: 'fields',
      description: `Fields as name:type, comma separated; types ${TYPE_FORMS}; name? = optional, type[] = array`,
      message: 'Fields (e.g. street:string, city:string, zip?:string)',
      // The record's own name is known too, so that a record naming itself is refused as recursive.
      parse: (raw, answers) => parseFields(raw, answers.name ? [...known, answers.name] : known),
    },
  };
}
