/** Changes to the model: a new service, events, fields and subscriptions, with their defaults. */
import { kebabCase } from '../names.js';
import { evolveFields } from './evolution.js';
import {
  MODEL_VERSION,
  UserInputError,
  type EventingModel,
  type EventModel,
  type FieldModel,
  type ServiceModel,
  type SubscriptionModel,
} from './types.js';

export function defaultTopic(serviceName: string, eventName: string, external: boolean): string {
  return external ? kebabCase(eventName) : `${namePrefix(serviceName)}.${kebabCase(eventName)}`;
}

export function defaultGroupId(serviceName: string, subscriptionName: string): string {
  return `${namePrefix(serviceName)}.${kebabCase(subscriptionName)}`;
}

/** The service name as the start of topic and group names, which allow no "@" or "/": "@acme/orders" → "acme.orders". */
function namePrefix(serviceName: string): string {
  return serviceName.replace(/^@/, '').replace(/\//g, '.');
}

export function createModel(service: ServiceModel): EventingModel {
  return { modelVersion: MODEL_VERSION, service, events: [], subscriptions: [] };
}

export function addEvent(model: EventingModel, event: EventModel): EventingModel {
  if (model.events.some((existing) => existing.name === event.name)) {
    throw new UserInputError(existingEventMessage(event.name));
  }
  if ((model.types ?? []).some((record) => record.name === event.name)) {
    throw new UserInputError(`"${event.name}" is already the name of a record type: an event needs a name of its own, e.g. "${event.name}Changed".`);
  }
  if (model.events.some((existing) => existing.topic === event.topic)) {
    throw new UserInputError(`Topic "${event.topic}" is already used by another event: choose one with --topic.`);
  }
  return { ...model, events: [...model.events, event] };
}

export function existingEventMessage(eventName: string): string {
  return (
    `Event "${eventName}" already exists in this service's model (.yo-rc.json). ` +
    `To add fields to it: yo kafka-eventing:event ${eventName} --add-fields "note?:string".`
  );
}

/**
 * Evolves an event: adds fields to it, so that its schema gets a new version that the registry
 * accepts under the service's compatibility level (the rules: evolution.ts).
 */
export function addEventFields(model: EventingModel, eventName: string, added: readonly FieldModel[]): EventingModel {
  const event = model.events.find((candidate) => candidate.name === eventName);
  if (!event) throw new UserInputError(unknownEventMessage(model, eventName));
  const fields = evolveFields(model, eventName, event.fields, added);
  if (fields === event.fields) return model;
  const evolved = { ...event, fields };
  return { ...model, events: model.events.map((candidate) => (candidate === event ? evolved : candidate)) };
}

export function addSubscription(model: EventingModel, subscription: SubscriptionModel): EventingModel {
  if (!model.events.some((event) => event.name === subscription.event)) {
    throw new UserInputError(unknownEventMessage(model, subscription.event));
  }
  if (model.subscriptions.some((existing) => existing.name === subscription.name)) {
    throw new UserInputError(`Subscription "${subscription.name}" already exists: give another one with --name to subscribe again.`);
  }
  if (model.subscriptions.some((existing) => existing.groupId === subscription.groupId)) {
    throw new UserInputError(`Consumer group "${subscription.groupId}" is already used by another subscription.`);
  }
  return { ...model, subscriptions: [...model.subscriptions, subscription] };
}

export function unknownEventMessage(model: EventingModel, eventName: string): string {
  const known = model.events.map((event) => event.name);
  return (
    `Event "${eventName}" is not in this service's model` +
    (known.length > 0 ? ` (known: ${known.join(', ')})` : ' (it has no events yet)') +
    `. Add it first: yo kafka-eventing:event ${eventName} --fields "..." ` +
    `(with --external --topic <topic> when another service publishes it).`
  );
}
