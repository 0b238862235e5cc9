/**
 * `yo kafka-eventing:event <Name>`: adds an event to the model (fields, key, topic) and re-renders
 * its type, schema, producer registration and config entries.
 */
import { EventingGenerator } from '../lib/base-generator.js';
import { addEvent, type EventingModel } from '../lib/model.js';
import { declareOptions, resolveSettings } from '../lib/settings.js';
import { eventSettings, type EventAnswers } from './command.js';

export default class EventGenerator extends EventingGenerator {
  private model?: EventingModel;

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    this.argument('name', { type: String, required: false, description: 'Event name, e.g. OrderPlaced' });
    declareOptions(this, eventSettings('<service>'));
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      const model = this._readModel();
      const settings = eventSettings(model.service.name);
      const preset: Partial<EventAnswers> = {};
      const positional = (this.options as Record<string, unknown>).name;
      if (positional !== undefined) preset.name = settings.name.parse(positional, preset);
      const answers = await resolveSettings(this, settings, preset);
      this.model = addEvent(model, { ...answers });
    });
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model);
  }

  end(): void {
    const event = this.model?.events.at(-1);
    if (!event) return;
    this.log.ok(`Event ${event.name} added on topic ${event.topic}.`);
    if (event.external) {
      this.log(`Subscribe to it with: yo kafka-eventing:subscription --event ${event.name}`);
    } else {
      this.log(`Publish it with: eventBus.publish('${event.name}', { ... })`);
    }
  }
}
