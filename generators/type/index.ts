/**
 * `yo kafka-eventing:type <Name> --fields "..."`: declares a record type of the service, which events'
 * fields (and other record types) then use by name: `lines:OrderLine[]`, `shipping?:Address`. With
 * `--add-fields` it evolves a record type: new optional fields (or enum symbols appended), and every
 * event that uses it gets a new schema version.
 */
import { EventingGenerator } from '../lib/base-generator.js';
import {
  addRecordFields,
  addRecordType,
  eventsUsing,
  formatFields,
  optionText,
  parseFields,
  recordNames,
  UserInputError,
  type EventingModel,
} from '../lib/model.js';
import { declareOptions, optionValue, resolveSettings } from '../lib/settings.js';
import { typeSettings, type TypeAnswers } from './command.js';

export default class TypeGenerator extends EventingGenerator {
  private model?: EventingModel;
  private previous?: EventingModel;
  private change?: { kind: 'added' | 'evolved'; name: string; fields: string[] };
  protected readonly _examples = [
    'yo kafka-eventing:type Address --fields "street:string, city:string, zip?:string" --yes',
    'yo kafka-eventing:type OrderLine --fields "sku:string, quantity:int, price:decimal(10,2)" --yes',
    'yo kafka-eventing:type Address --add-fields "country?:string"',
  ];

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    this.argument('name', { type: String, required: false, description: 'Record type name, e.g. Address' });
    declareOptions(this, typeSettings(undefined));
    this.option('add-fields', {
      type: String,
      description: 'Evolve an existing record type: add optional fields; every event using it gets a new schema version',
    });
    this._useNearestService();
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      this._checkOptions();
      const model = this._readModel();
      this.previous = model;
      const settings = typeSettings(model);
      const preset: Partial<TypeAnswers> = {};
      const positional = optionValue(this, 'name');
      const addFields = optionValue(this, 'add-fields');
      if (addFields !== undefined) {
        const name = positional === undefined ? undefined : optionText(positional);
        if (name === undefined) {
          throw new UserInputError('--add-fields needs the record type to change: yo kafka-eventing:type <Name> --add-fields "note?:string".');
        }
        for (const option of ['fields', 'description']) {
          if (optionValue(this, option) !== undefined)
            throw new UserInputError(`--add-fields changes only the fields of ${name}; --${option} cannot change with it.`);
        }
        const before = new Set((model.types ?? []).find((record) => record.name === name)?.fields.map((field) => formatFields([field])) ?? []);
        this.model = addRecordFields(model, name, parseFields(addFields, [...recordNames(model), name]));
        const after = (this.model.types ?? []).find((record) => record.name === name)?.fields ?? [];
        this.change = { kind: 'evolved', name, fields: after.filter((field) => !before.has(formatFields([field]))).map((field) => field.name) };
        return;
      }
      if (positional !== undefined) preset.name = settings.name.parse(positional, preset);
      if (preset.name !== undefined && recordNames(model).includes(preset.name)) {
        throw new UserInputError(
          `Record type "${preset.name}" already exists: add fields to it with yo kafka-eventing:type ${preset.name} --add-fields "note?:string".`,
        );
      }
      const answers = await resolveSettings(this, settings, preset);
      this.model = addRecordType(model, answers);
      this.change = { kind: 'added', name: answers.name, fields: answers.fields.map((field) => field.name) };
    });
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model, this.previous);
  }

  end(): void {
    if (!this.change || !this.model) return;
    this._logSummary();
    const { name, kind, fields } = this.change;
    if (kind === 'added') {
      this.log.ok(`Record type ${name} added (src/events/records.ts).`);
      this.log(`Use it in an event: yo kafka-eventing:event OrderPlaced --fields "id:uuid, item:${name}, others?:${name}[]"`);
      return;
    }
    if (fields.length === 0) {
      this.log.ok(`Record type ${name} already has these fields: nothing changed.`);
      return;
    }
    const using = eventsUsing(this.model, name);
    this.log.ok(`Record type ${name}: added or widened ${fields.join(', ')}.`);
    this.log(
      using.length > 0
        ? `New schema versions for ${using.join(', ')} (${this.model.service.compatibility} compatibility); readers on the old ones still read them.`
        : 'No event uses it yet.',
    );
  }
}
