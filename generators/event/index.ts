/**
 * `yo kafka-eventing:event <Name>`: adds an event to the model (fields, key, topic) and re-renders
 * its type, schema, producer registration and config entries. With `--add-fields` it evolves an
 * event of the model instead: new optional fields, a new schema version. With `--remove` it takes
 * the event out of the model, with its files and config entries.
 */
import { EventingGenerator } from '../lib/base-generator.js';
import {
  addEvent,
  addEventFields,
  existingEventMessage,
  formatFields,
  parseFields,
  recordNames,
  UserInputError,
  type EventingModel,
} from '../lib/model.js';
import { removeEvent } from '../lib/lifecycle.js';
import { addToReport, describeRetired, retireEvent, userFilesMentioning, type Retired } from '../lib/retire.js';
import { declareOptions, optionValue, resolveSettings, type Settings } from '../lib/settings.js';
import { eventSettings, type EventAnswers } from './command.js';

type Change =
  { kind: 'added'; name: string } | { kind: 'evolved'; name: string; fields: string[] } | { kind: 'removed'; name: string; retired?: Retired };

export default class EventGenerator extends EventingGenerator {
  private model?: EventingModel;
  private change?: Change;
  private previous?: EventingModel;
  protected readonly _examples = [
    'yo kafka-eventing:event OrderPlaced --fields "orderId:uuid, total:number, note?:string" --key orderId --yes',
    'yo kafka-eventing:event PaymentReceived --external --topic payments.received --fields "orderId:uuid, amount:number" --yes',
  ];

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    this.argument('name', { type: String, required: false, description: 'Event name, e.g. OrderPlaced' });
    declareOptions(this, eventSettings('<service>'));
    this.option('add-fields', {
      type: String,
      description: 'Evolve an existing event: add optional fields (e.g. "note?:string, giftWrap?:boolean"); its schema gets a new version',
    });
    this.option('remove', {
      type: Boolean,
      description:
        'Remove the event: its type and schema files (unless you edited them), producer registration and config entries; refused while a subscription uses it',
    });
    this._useNearestService();
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      this._checkOptions();
      const model = this._readModel();
      this.previous = model;
      const settings = eventSettings(model.service.name, recordNames(model));
      const preset: Partial<EventAnswers> = {};
      const positional = optionValue(this, 'name');
      if (positional !== undefined) preset.name = settings.name.parse(positional, preset);
      const addFields = optionValue(this, 'add-fields');
      if (optionValue(this, 'remove')) {
        this.#remove(model, settings, preset.name, addFields);
        return;
      }
      if (addFields !== undefined) {
        this.#evolve(model, settings, preset.name, addFields);
        return;
      }
      if (preset.name !== undefined && model.events.some((event) => event.name === preset.name)) {
        throw new UserInputError(existingEventMessage(preset.name)); // before asking anything
      }
      const answers = await resolveSettings(this, settings, preset);
      this.model = addEvent(model, { ...answers });
      this.change = { kind: 'added', name: answers.name };
    });
  }

  #evolve(model: EventingModel, settings: Settings<EventAnswers>, name: string | undefined, spec: unknown): void {
    if (name === undefined) {
      throw new UserInputError('--add-fields needs the event to change: yo kafka-eventing:event <Name> --add-fields "note?:string".');
    }
    const others = Object.values(settings)
      .map((setting) => setting.option)
      .filter((option) => option !== 'name' && optionValue(this, option) !== undefined);
    if (others.length > 0) {
      throw new UserInputError(
        `--add-fields changes only the fields of ${name}; ${others.map((option) => `--${option}`).join(', ')} cannot change with it.`,
      );
    }
    const before = new Set((model.events.find((event) => event.name === name)?.fields ?? []).map((field) => formatFields([field])));
    this.model = addEventFields(model, name, parseFields(spec, recordNames(model)));
    const fields = (this.model.events.find((event) => event.name === name)?.fields ?? []).filter((field) => !before.has(formatFields([field])));
    this.change = { kind: 'evolved', name, fields: fields.map((field) => field.name) };
  }

  #remove(model: EventingModel, settings: Settings<EventAnswers>, name: string | undefined, addFields: unknown): void {
    if (name === undefined) {
      throw new UserInputError('--remove needs the event to remove: yo kafka-eventing:event <Name> --remove.');
    }
    const others = Object.values(settings)
      .map((setting) => setting.option)
      .filter((option) => option !== 'name' && optionValue(this, option) !== undefined);
    if (addFields !== undefined) others.push('add-fields');
    if (others.length > 0) {
      throw new UserInputError(`--remove takes only the event's name; ${others.map((option) => `--${option}`).join(', ')} cannot go with it.`);
    }
    this.model = removeEvent(model, name);
    this.change = { kind: 'removed', name };
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model, this.previous);
    if (this.change?.kind === 'removed' && this.previous) {
      this.change.retired = retireEvent(this, this.previous, this.change.name);
      addToReport(this._report, this.change.retired);
    }
  }

  end(): void {
    if (this.change?.kind === 'removed') {
      this.#endRemoved(this.change.name, this.change.retired);
      return;
    }
    const event = this.model?.events.find((candidate) => candidate.name === this.change?.name);
    if (!event || !this.change) return;
    this._logSummary();
    if (this.change.kind === 'evolved') {
      if (this.change.fields.length === 0) {
        this.log.ok(`Event ${event.name} already has these fields: nothing changed.`);
        return;
      }
      const widened = this.change.fields.filter((name) =>
        this.previous?.events.find((e) => e.name === event.name)?.fields.some((f) => f.name === name),
      );
      this.log.ok(
        widened.length === 0
          ? `Event ${event.name}: added ${this.change.fields.join(', ')} (optional).`
          : `Event ${event.name}: added or widened ${this.change.fields.join(', ')} (enum symbols appended to ${widened.join(', ')}).`,
      );
      this.log(
        event.external
          ? 'Its publisher registers the new schema version; handlers see the new fields once it publishes them.'
          : `The service registers the new schema version of ${event.topic}-value when it starts, and the registry ` +
              `checks it against the earlier ones (${this.model?.service.compatibility} compatibility).`,
      );
      this.log('Workers made by this generator that still have the old schema handle the new events, without the new fields.');
      return;
    }
    this.log.ok(`Event ${event.name} added on topic ${event.topic}.`);
    if (event.external) {
      this.log(`Subscribe to it with: yo kafka-eventing:subscription --event ${event.name}`);
    } else {
      this.log(`Publish it with: eventBus.publish('${event.name}', { ... })`);
    }
  }

  #endRemoved(name: string, retired: Retired | undefined): void {
    this._logSummary();
    this.log.ok(`Event ${name} removed from the model.`);
    for (const line of describeRetired(retired ?? { removed: [], leftForUser: [], config: [] })) this.log(line);
    const owned = new Set([...Object.keys(this.model?.renderedFiles ?? {}), ...(retired?.leftForUser ?? [])]);
    const mentioning = userFilesMentioning(this, name, owned);
    if (mentioning.length > 0) {
      this.log(`Still mentioning ${name}: ${mentioning.join(', ')}. Take it out there (npm run typecheck shows where it no longer compiles).`);
    }
  }
}
