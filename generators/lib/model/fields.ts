/** The field list of an event: `name?:type[]`, parsed and written back, and the key among them. */
import { splitFieldList } from '../field-list.js';
import { FIELD_TYPES, UserInputError, type FieldModel, type FieldType } from './types.js';
import { checkFieldName } from './validation.js';

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
