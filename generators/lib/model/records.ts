/**
 * Record types of the model: declared once per service, used by events' fields and by other records
 * (never by themselves, directly or through others), evolved by adding optional fields.
 */
import { parseType, recordsOf } from '../types/type-spec.js';
import { evolveFields } from './evolution.js';
import { UserInputError, type EventingModel, type FieldModel, type RecordTypeModel } from './types.js';
import { validateEventName } from './validation.js';

export function recordTypes(model: EventingModel): RecordTypeModel[] {
  return model.types ?? [];
}

export function recordNames(model: EventingModel): string[] {
  return recordTypes(model).map((record) => record.name);
}

/** A record type's name: a type name as an event's (PascalCase, not a built-in), and no event of the same name. */
export function validateRecordName(value: unknown, model: EventingModel): string {
  const name = validateEventName(value).replace(/^Event name/, 'Record type name');
  if (model.events.some((event) => event.name === name)) {
    throw new UserInputError(`"${name}" is already the name of an event: a record type needs a name of its own, e.g. "${name}Details".`);
  }
  return name;
}

export function addRecordType(model: EventingModel, record: RecordTypeModel): EventingModel {
  if (recordNames(model).includes(record.name)) {
    throw new UserInputError(
      `Record type "${record.name}" already exists: add fields to it with yo kafka-eventing:type ${record.name} --add-fields "note?:string".`,
    );
  }
  const evolved = { ...model, types: [...recordTypes(model), record] };
  checkRecordGraph(evolved);
  return evolved;
}

/** Adds optional fields to a record type; every event that uses it gets a new schema version. */
export function addRecordFields(model: EventingModel, name: string, added: readonly FieldModel[]): EventingModel {
  const record = recordTypes(model).find((candidate) => candidate.name === name);
  if (!record) throw new UserInputError(unknownRecordMessage(model, name));
  const fields = evolveFields(model, `record type ${name}`, record.fields, added);
  if (fields === record.fields) return model;
  const evolved = { ...model, types: recordTypes(model).map((candidate) => (candidate === record ? { ...record, fields } : candidate)) };
  checkRecordGraph(evolved);
  return evolved;
}

export function unknownRecordMessage(model: EventingModel, name: string): string {
  const known = recordNames(model);
  return (
    `Record type "${name}" is not in this service's model` +
    (known.length > 0 ? ` (known: ${known.join(', ')})` : ' (it has no record types yet)') +
    `. Declare it first: yo kafka-eventing:type ${name} --fields "street:string, city:string".`
  );
}

/** The events whose schema contains a record type, directly or through other records. */
export function eventsUsing(model: EventingModel, name: string): string[] {
  return model.events.filter((event) => reachableRecords(model, event.fields).has(name)).map((event) => event.name);
}

export function reachableRecords(model: EventingModel, fields: readonly FieldModel[]): Set<string> {
  const seen = new Set<string>();
  const visit = (list: readonly FieldModel[]) => {
    for (const name of list.flatMap((field) => recordsOf(parseType(field.type, recordNames(model), field.name)))) {
      if (seen.has(name)) continue;
      seen.add(name);
      visit(recordTypes(model).find((record) => record.name === name)?.fields ?? []);
    }
  };
  visit(fields);
  return seen;
}

/** Refuses a record that contains itself, naming the cycle (`Node.next → Node`). */
export function checkRecordGraph(model: EventingModel): void {
  const names = recordNames(model);
  const byName = new Map(recordTypes(model).map((record) => [record.name, record]));
  for (const start of names) {
    const visited = new Set<string>();
    const walk = (name: string, trail: string[]): void => {
      visited.add(name);
      for (const field of byName.get(name)?.fields ?? []) {
        for (const used of recordsOf(parseType(field.type, names, field.name))) {
          const step = [...trail, `${name}.${field.name}`];
          if (used === start) {
            throw new UserInputError(
              `Record type "${start}" is recursive (${[...step, start].join(' → ')}): a record cannot contain itself, directly or through other records. ` +
                'Refer to the other one by its id instead (e.g. "parentId?:uuid").',
            );
          }
          if (!visited.has(used)) walk(used, step);
        }
      }
    };
    walk(start, []);
  }
}
