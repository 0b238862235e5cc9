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
  private previous?: EventingModel;
  protected readonly _examples = [
    'yo kafka-eventing:subscription --event PaymentReceived --yes',
    'yo kafka-eventing:subscription --event OrderPlaced --name AuditOrders --group orders.audit --yes',
  ];

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    declareOptions(this, subscriptionSettings(undefined));
    this._useNearestService();
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      this._checkOptions();
      const model = this._readModel();
      this.previous = model;
      const answers = await resolveSettings(this, subscriptionSettings(model));
      this.model = addSubscription(model, answers);
    });
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model, this.previous);
  }

  end(): void {
    const subscription = this.model?.subscriptions.at(-1);
    if (!subscription) return;
    this._logSummary();
    this.log.ok(`Subscription ${subscription.name} added (group ${subscription.groupId}).`);
    this.log(`Next: fill in src/subscriptions/${kebabCase(subscription.name)}.handler.ts, then npm test.`);
  }
}
