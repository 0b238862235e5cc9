/** The record types a rendering can look up, and the parsed type of a field. */
import type { FieldModel, RecordTypeModel } from '../model/types.js';
import { parseType, type TypeSpec } from './type-spec.js';

export interface RecordLookup {
  readonly names: readonly string[];
  get(name: string): RecordTypeModel;
}

export function recordLookup(types: readonly RecordTypeModel[] = []): RecordLookup {
  const byName = new Map(types.map((record) => [record.name, record]));
  return {
    names: types.map((record) => record.name),
    get(name) {
      const record = byName.get(name);
      if (!record) throw new Error(`unknown record type ${name}`);
      return record;
    },
  };
}

export function specOf(field: FieldModel, records: RecordLookup): TypeSpec {
  return parseType(field.type, records.names, field.name);
}

/** Whether a field list uses any type beyond the first six scalars (records, enums, maps, decimals, dates, bytes, timestamps). */
export function usesRichTypes(fields: readonly FieldModel[]): boolean {
  return fields.some((field) => !['string', 'int', 'number', 'boolean', 'datetime', 'uuid'].includes(field.type));
}
