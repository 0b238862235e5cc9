/**
 * `yo kafka-eventing:subscription`: subscribes the service to an event of the model, rendering its
 * consumer worker registration and config entries, and creating its handler once. With
 * `--name <Name> --remove` or `--name <Name> --rename <NewName>` it changes a subscription of the
 * model instead (see lifecycle.ts and retire.ts).
 */
import { EventingGenerator } from '../lib/base-generator.js';
import { addSubscription, type EventingModel } from '../lib/model.js';
import { kebabCase } from '../lib/names.js';
import { assertHandlerFree } from '../lib/lifecycle.js';
import { addToReport, describeRetired, retireSubscription, type Retired } from '../lib/retire.js';
import { declareOptions, resolveSettings } from '../lib/settings.js';
import { subscriptionSettings } from './command.js';
import { planSubscriptionChange, renameFiles, renameMessages, type SubscriptionChange } from './lifecycle.js';

export default class SubscriptionGenerator extends EventingGenerator {
  private model?: EventingModel;
  private previous?: EventingModel;
  private change?: SubscriptionChange;
  private retired?: Retired;
  protected readonly _examples = [
    'yo kafka-eventing:subscription --event PaymentReceived --yes',
    'yo kafka-eventing:subscription --event OrderPlaced --name IndexOrders --batch --yes',
  ];

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    declareOptions(this, subscriptionSettings(undefined));
    this.option('remove', {
      type: Boolean,
      description: 'Remove the subscription given by --name: its worker registration, config entries and handler (unless you edited it)',
    });
    this.option('rename', {
      type: String,
      description:
        'Rename the subscription given by --name (registration, config keys, handler if unedited); its consumer group stays unless --group is given',
    });
    this._useNearestService();
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      this._checkOptions();
      const model = this._readModel();
      this.previous = model;
      const change = planSubscriptionChange(this, model);
      if (change) {
        this.change = change;
        this.model = change.model;
        return;
      }
      const { batch, ...answers } = await resolveSettings(this, subscriptionSettings(model));
      assertHandlerFree(model, answers.name);
      this.model = addSubscription(model, batch ? { ...answers, batch: true } : answers);
    });
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    const change = this.change;
    if (change?.kind === 'renamed' && this.previous) {
      this.retired = renameFiles(this, this.previous, change);
      this._renderModel(this.model, change.previousRenamed);
    } else {
      this._renderModel(this.model, this.previous);
      if (change?.kind === 'removed' && this.previous) this.retired = retireSubscription(this, this.previous, change.name);
    }
    if (this.retired) addToReport(this._report, this.retired);
  }

  end(): void {
    const change = this.change;
    if (change) {
      this._logSummary();
      if (change.kind === 'removed') this.log.ok(`Subscription ${change.name} removed from the model.`);
      else for (const line of renameMessages(change)) this.log(line);
      for (const line of describeRetired(this.retired ?? { removed: [], leftForUser: [], config: [] })) this.log(line);
      return;
    }
    const subscription = this.model?.subscriptions.at(-1);
    if (!subscription) return;
    this._logSummary();
    this.log.ok(`Subscription ${subscription.name} added (group ${subscription.groupId}).`);
    this.log(`Next: fill in src/subscriptions/${kebabCase(subscription.name)}.handler.ts, then npm test.`);
  }
}
