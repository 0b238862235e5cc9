/**
 * The rules for adding fields to an event or a record type: what the registry accepts as a new
 * schema version under the service's compatibility level.
 */
import { formatFields } from './fields.js';
import { UserInputError, type EventingModel, type FieldModel } from './types.js';

/**
 * The fields after adding `added` to `fields` (the same array when nothing changes). New fields must be
 * optional (data written before does not have them). A field given again with its type is left as it is,
 * so the same command twice changes nothing; an enum given again with symbols appended grows (see below).
 * Renaming, removing or retyping a field is refused: readers could no longer read what is on the topic.
 */
export function evolveFields(model: EventingModel, owner: string, fields: readonly FieldModel[], added: readonly FieldModel[]): FieldModel[] {
  const level = model.service.compatibility;
  const result = [...fields];
  let changed = false;
  for (const field of added) {
    const index = result.findIndex((candidate) => candidate.name === field.name);
    const existing = result[index];
    if (existing) {
      if (formatFields([existing]) === formatFields([field])) continue;
      if (widensEnum(existing, field)) {
        if (!(level.startsWith('BACKWARD') || level === 'NONE')) {
          throw new UserInputError(
            `Field "${field.name}" of ${owner}: adding enum symbols needs BACKWARD compatibility (this service's is ${level}): ` +
              'readers still on the current schema could not read the new symbols. Upgrade the readers first under BACKWARD, or add a new field.',
          );
        }
        result[index] = field;
        changed = true;
        continue;
      }
      throw new UserInputError(
        `Field "${field.name}" of ${owner} is ${formatFields([existing])}, not ${formatFields([field])}: ` +
          'a field cannot change its type or become required (what is on the topic would no longer match); an enum can only get symbols appended. Add a new field instead.',
      );
    }
    if (!field.optional) {
      throw new UserInputError(
        `New field "${field.name}" must be optional (${formatFields([{ ...field, optional: true }])}): ` +
          `${owner} data written before does not have it, and the new schema must still accept it (${level} compatibility).`,
      );
    }
    result.push(field);
    changed = true;
  }
  if (changed && model.service.schemaFormat === 'json' && (level.startsWith('FORWARD') || level.startsWith('FULL'))) {
    throw new UserInputError(
      `This service's JSON schemas are closed (no additional properties) and its compatibility is ${level}: ` +
        `consumers still on the current schema of ${owner} would reject a new field, and the registry refuses it. ` +
        'Publish a new event on a new topic instead, or use BACKWARD compatibility (upgrade consumers first).',
    );
  }
  return changed ? result : (fields as FieldModel[]);
}

/** `enum(a|b)` → `enum(a|b|c)`: the same field, symbols appended in order (readers of the new schema read old data). */
function widensEnum(existing: FieldModel, field: FieldModel): boolean {
  const symbols = (type: string) => /^enum\((.*)\)$/.exec(type)?.[1]?.split('|');
  const before = symbols(existing.type);
  const after = symbols(field.type);
  if (!before || !after || existing.optional !== field.optional || existing.array !== field.array) return false;
  return after.length > before.length && before.every((symbol, index) => after[index] === symbol);
}
