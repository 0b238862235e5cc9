/**
 * Taking things out of the model again: removing an event or a subscription, renaming a
 * subscription. Pure model changes with one clear message for bad input; the files and config
 * entries that belonged to them are handled by retire.ts.
 */
import { UserInputError, unknownEventMessage, type EventingModel, type SubscriptionModel } from './model.js';

export function removeEvent(model: EventingModel, name: string): EventingModel {
  if (!model.events.some((event) => event.name === name)) throw new UserInputError(unknownEventMessage(model, name));
  const users = model.subscriptions.filter((subscription) => subscription.event === name).map((subscription) => subscription.name);
  if (users.length > 0) {
    throw new UserInputError(
      `Event "${name}" is used by subscription${users.length === 1 ? '' : 's'} ${users.join(', ')}: remove ` +
        `${users.length === 1 ? 'it' : 'them'} first (${users.map((user) => `yo kafka-eventing:subscription --name ${user} --remove`).join('; ')}).`,
    );
  }
  return { ...model, events: model.events.filter((event) => event.name !== name) };
}

export function findSubscription(model: EventingModel, name: string): SubscriptionModel {
  const subscription = model.subscriptions.find((candidate) => candidate.name === name);
  if (subscription) return subscription;
  const known = model.subscriptions.map((candidate) => candidate.name);
  throw new UserInputError(
    `Subscription "${name}" is not in this service's model` +
      (known.length > 0 ? ` (known: ${known.join(', ')}).` : ' (it has no subscriptions).') +
      ' See them with: yo kafka-eventing --list',
  );
}

export function removeSubscription(model: EventingModel, name: string): EventingModel {
  findSubscription(model, name);
  return { ...model, subscriptions: model.subscriptions.filter((subscription) => subscription.name !== name) };
}

export interface Rename {
  from: string;
  to: string;
  /** The new consumer group, when one was given. */
  groupId?: string;
  /** Keep the handler file and class of the old name (the user edited it): the model records it. */
  keepHandler: boolean;
}

/** The name a subscription's handler file and class are made from. */
export function handlerBaseName(subscription: SubscriptionModel): string {
  return subscription.handlerName ?? subscription.name;
}

/**
 * A new subscription name whose handler file and class another subscription still uses (it kept
 * them when renamed) would make two registrations of one class: refused.
 */
export function assertHandlerFree(model: EventingModel, name: string, except?: SubscriptionModel): void {
  const user = model.subscriptions.find((other) => other !== except && other.handlerName === name);
  if (user) {
    throw new UserInputError(
      `Subscription ${user.name} kept the handler of the name "${name}" (${name}Handler) when it was renamed: choose another name.`,
    );
  }
}

export function renameSubscription(model: EventingModel, rename: Rename): EventingModel {
  const subscription = findSubscription(model, rename.from);
  assertHandlerFree(model, rename.to, subscription);
  if (rename.to === rename.from) {
    throw new UserInputError(`Subscription "${rename.from}" already has that name: give --rename another one.`);
  }
  if (model.subscriptions.some((other) => other.name === rename.to)) {
    throw new UserInputError(`Subscription "${rename.to}" already exists: choose another name for --rename.`);
  }
  const groupId = rename.groupId ?? subscription.groupId;
  if (model.subscriptions.some((other) => other !== subscription && other.groupId === groupId)) {
    throw new UserInputError(`Consumer group "${groupId}" is already used by another subscription.`);
  }
  const renamed: SubscriptionModel = { name: rename.to, event: subscription.event, groupId, ...(subscription.batch ? { batch: true } : {}) };
  const handler = handlerBaseName(subscription);
  if (rename.keepHandler || subscription.handlerName !== undefined) {
    if (handler !== rename.to) renamed.handlerName = handler;
  }
  return { ...model, subscriptions: model.subscriptions.map((other) => (other === subscription ? renamed : other)) };
}
