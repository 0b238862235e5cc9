/**
 * `yo kafka-eventing:subscription`: subscribes the service to an event of the model, rendering its
 * consumer worker registration and config entries, and creating its handler once.
 */
import { EventingGenerator } from '../lib/base-generator.js';
import { addSubscription, type EventingModel } from '../lib/model.js';
import { kebabCase } from '../lib/names.js';
import { declareOptions, resolveSettings } from '../lib/settings.js';
import { subscriptionSettings } from './command.js';

export default class SubscriptionGenerator extends EventingGenerator {
  private model?: EventingModel;

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    declareOptions(this, subscriptionSettings(undefined));
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      const model = this._readModel();
      const answers = await resolveSettings(this, subscriptionSettings(model));
      this.model = addSubscription(model, answers);
    });
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model);
  }

  end(): void {
    const subscription = this.model?.subscriptions.at(-1);
    if (!subscription) return;
    this.log.ok(`Subscription ${subscription.name} added (group ${subscription.groupId}).`);
    this.log(`Fill in src/subscriptions/${kebabCase(subscription.name)}.handler.ts`);
  }
}
