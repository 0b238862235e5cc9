/** The field list of an event: `name?:type[]`, parsed and written back, and the key among them. */
import { splitFieldList } from '../field-list.js';
import { formatType, parseType, TYPE_FORMS } from '../types/type-spec.js';
import { optionText, UserInputError, type FieldModel } from './types.js';
import { checkFieldName } from './validation.js';

/**
 * Parses `"orderId:uuid, total:number, note?:string, tags:string[], lines:OrderLine[]"`.
 * A `?` after the name marks the field optional, `[]` after the type makes it an array; `records`
 * are the record types the fields may use (the service's `types`).
 */
export function parseFields(spec: unknown, records: readonly string[] = []): FieldModel[] {
  const text = optionText(spec).trim();
  if (text === '') {
    throw new UserInputError('An event needs at least one field, e.g. --fields "orderId:uuid, total:number".');
  }
  const fields: FieldModel[] = [];
  for (const part of splitFieldList(text)) {
    const match = /^([^:?\s]+)(\?)?\s*:\s*([A-Za-z][^[\]]*?)(\[\])?$/.exec(part);
    if (!match) {
      throw new UserInputError(`Field "${part}" is not name:type (e.g. "total:number", "note?:string", "tags:string[]"; types: ${TYPE_FORMS}).`);
    }
    const [, name = '', optional, typeText = '', array] = match;
    checkFieldName(name);
    const type = formatType(parseType(typeText, records, name));
    if (fields.some((field) => field.name === name)) {
      throw new UserInputError(`Field "${name}" is given twice.`);
    }
    fields.push({ name, type, optional: optional === '?', array: array === '[]' });
  }
  return fields;
}

export function formatFields(fields: FieldModel[]): string {
  return fields.map((f) => `${f.name}${f.optional ? '?' : ''}:${f.type}${f.array ? '[]' : ''}`).join(', ');
}

export function validateKey(key: unknown, fields: FieldModel[]): string | null {
  if (key === undefined || key === null || optionText(key).trim() === '') {
    return null;
  }
  const name = optionText(key).trim();
  const field = fields.find((candidate) => candidate.name === name);
  if (!field) {
    throw new UserInputError(`Key "${name}" is not a field of the event: choose one of ${fields.map((f) => f.name).join(', ')}.`);
  }
  if (field.optional || field.array) {
    throw new UserInputError(`Key "${name}" must be a required, single-valued field.`);
  }
  if (!KEY_TYPES.includes(field.type) && !field.type.startsWith('enum(') && !field.type.startsWith('decimal(')) {
    throw new UserInputError(`Key "${name}" is of type ${field.type}: a key must be a scalar (e.g. uuid, string, int), an enum or a decimal.`);
  }
  return name;
}

/** Types whose value has one natural text form, the message key. */
const KEY_TYPES: readonly string[] = ['string', 'int', 'number', 'boolean', 'datetime', 'uuid', 'date', 'timestamp'];
