/** The subscription generator's settings: each is a command-line option and, unless given, a prompt. */
import { defaultGroupId, optionText, UserInputError, unknownEventMessage, validateEventName, type EventingModel } from '../lib/model.js';
import { BATCH_WITH_DATABASE } from '../lib/database.js';
import type { Settings } from '../lib/settings.js';

export interface SubscriptionAnswers {
  event: string;
  name: string;
  groupId: string;
  batch: boolean;
}

export function subscriptionSettings(model: EventingModel | undefined): Settings<SubscriptionAnswers> {
  const events = model?.events.map((event) => event.name) ?? [];
  return {
    event: {
      option: 'event',
      description: "The event to subscribe to (an event of the model: add another service's with :event --external)",
      message: 'Event to subscribe to',
      choices: () =>
        (model?.events ?? []).map((event) => ({
          name: event.external ? `${event.name} (external: another service publishes it)` : `${event.name} (published by this service)`,
          value: event.name,
        })),
      default: () => (events.length === 1 ? events[0] : undefined),
      parse: (raw) => {
        if (raw === undefined || raw === '') {
          throw new UserInputError("No event given: pass --event <Name> (one of the model's events).");
        }
        const name = validateEventName(raw);
        if (model && !events.includes(name)) throw new UserInputError(unknownEventMessage(model, name));
        return name;
      },
    },
    name: {
      option: 'name',
      description: 'Subscription name (default: the event name); a second subscription to one event needs its own',
      message: 'Subscription name',
      default: (answers) => answers.event,
      parse: validateEventName,
    },
    groupId: {
      option: 'group',
      description: 'Consumer group id (default: <service>.<subscription-name>)',
      message: 'Consumer group id',
      default: (answers) => (model ? defaultGroupId(model.service.name, answers.name ?? '') : undefined),
      parse: (raw) => {
        const group = optionText(raw).trim();
        if (!/^[A-Za-z0-9._-]{1,249}$/.test(group)) {
          throw new UserInputError(`Consumer group "${group}" may only hold letters, digits, ".", "_" and "-".`);
        }
        return group;
      },
    },
    batch: {
      option: 'batch',
      description: 'Batch subscription: the handler receives the events of each fetched batch at once, in one DI scope (default: one event per call)',
      message: 'Handle events in batches (one handler call per fetched batch)?',
      kind: 'confirm',
      default: () => false,
      parse: (raw) => {
        if (raw !== undefined && typeof raw !== 'boolean' && raw !== 'true' && raw !== 'false') {
          throw new UserInputError(`--batch takes no value (or true/false), not "${optionText(raw)}".`);
        }
        const batch = raw === true || raw === 'true';
        if (batch && model?.service.database) throw new UserInputError(BATCH_WITH_DATABASE);
        return batch;
      },
    },
  };
}
