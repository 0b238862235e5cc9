/**
 * `:subscription --name <Name> --remove` and `--name <Name> --rename <NewName> [--group <id>]`:
 * checks the options and plans the model change before anything is written; for a rename, moves
 * the config keys (values kept) and the handler file when it is unedited.
 *
 * A renamed subscription whose handler you edited keeps that file and its class, now registered
 * under the new name (the model records the handler's name): your code keeps running, nothing to
 * change by hand. An unedited handler follows the new name.
 */
import type Generator from 'yeoman-generator';
import dependencyVersions from '../lib/dependency-versions.js';
import { findSubscription, removeSubscription, renameSubscription } from '../lib/lifecycle.js';
import { UserInputError, validateEventName, type EventingModel } from '../lib/model.js';
import { emptyRetired, handlerState, renameConfigEntries, retireHandler, type Retired } from '../lib/retire.js';
import { optionValue } from '../lib/settings.js';
import { buildView } from '../lib/view.js';
import { subscriptionSettings } from './command.js';

export type SubscriptionChange =
  | { kind: 'removed'; name: string; model: EventingModel }
  | {
      kind: 'renamed';
      from: string;
      to: string;
      topic: string;
      groupBefore: string;
      groupAfter: string;
      /** renamed: the unedited handler follows the new name; kept: the edited (or already kept) one stays. */
      handler: 'renamed' | 'kept' | 'missing';
      handlerPath: string;
      handlerClass: string;
      model: EventingModel;
      /** The model before, with the subscription already renamed: the base the config merge compares with. */
      previousRenamed: EventingModel;
    };

/** The change --remove or --rename asks for, or undefined when neither is given (adding a subscription). */
export function planSubscriptionChange(generator: Generator, model: EventingModel): SubscriptionChange | undefined {
  const remove = Boolean(optionValue(generator, 'remove'));
  const rename = optionValue(generator, 'rename');
  if (!remove && rename === undefined) return undefined;
  const command = remove ? '--remove' : '--rename';
  if (remove && rename !== undefined) throw new UserInputError('--remove and --rename cannot go together: give one of them.');
  const rawName = optionValue(generator, 'name');
  if (rawName === undefined) {
    throw new UserInputError(
      `${command} needs the subscription: yo kafka-eventing:subscription --name <Name> ${remove ? '--remove' : '--rename <NewName>'}.`,
    );
  }
  const refused = ['event', ...(remove ? ['group'] : [])].filter((option) => optionValue(generator, option) !== undefined);
  if (refused.length > 0) {
    throw new UserInputError(`${command} cannot go with ${refused.map((option) => `--${option}`).join(', ')}.`);
  }
  const name = validateEventName(rawName);
  if (remove) return { kind: 'removed', name, model: removeSubscription(model, name) };

  const to = validateEventName(rename);
  const subscription = findSubscription(model, name);
  const rawGroup = optionValue(generator, 'group');
  const groupId = rawGroup === undefined ? undefined : subscriptionSettings(model).groupId.parse(rawGroup, {});
  const view = buildView(model, dependencyVersions);
  const subscriptionView = view.subscriptions.find((candidate) => candidate.name === name);
  if (!subscriptionView) throw new Error(`subscription ${name} has no view`);
  const state = handlerState(generator, view, subscriptionView);
  const keepHandler = state === 'edited' || subscription.handlerName !== undefined;
  const renamedModel = renameSubscription(model, { from: name, to, ...(groupId ? { groupId } : {}), keepHandler });
  const after = buildView(renamedModel, dependencyVersions).subscriptions.find((candidate) => candidate.name === to);
  if (!after) throw new Error(`subscription ${to} has no view`);
  if (!keepHandler && after.handlerPath !== subscriptionView.handlerPath && generator.fs.exists(generator.destinationPath(after.handlerPath))) {
    throw new UserInputError(`${after.handlerPath} exists already and is not ${name}'s handler: move it away, or choose another name for --rename.`);
  }
  return {
    kind: 'renamed',
    from: name,
    to,
    topic: subscriptionView.eventView.topic,
    groupBefore: subscription.groupId,
    groupAfter: groupId ?? subscription.groupId,
    handler: keepHandler ? 'kept' : state === 'missing' ? 'missing' : 'renamed',
    handlerPath: after.handlerPath,
    handlerClass: after.handlerClass,
    model: renamedModel,
    previousRenamed: renameSubscription(model, { from: name, to, keepHandler }),
  };
}

/** Before the render: the config keys move to the new name (values kept); an unedited handler goes (the render creates the new one). */
export function renameFiles(generator: Generator, previous: EventingModel, change: Extract<SubscriptionChange, { kind: 'renamed' }>): Retired {
  const retired = emptyRetired();
  renameConfigEntries(generator, 'subscriptions', change.from, change.to, retired);
  if (change.handler === 'renamed') {
    const view = buildView(previous, dependencyVersions);
    const old = view.subscriptions.find((candidate) => candidate.name === change.from);
    if (old) retireHandler(generator, view, old, retired);
  }
  return retired;
}

export function renameMessages(change: Extract<SubscriptionChange, { kind: 'renamed' }>): string[] {
  const lines = [`Subscription ${change.from} is now ${change.to}: registration and config keys subscriptions.${change.to} (your values kept).`];
  if (change.handler === 'renamed') {
    lines.push(`Its handler (you had not edited it) is now ${change.handlerPath}, class ${change.handlerClass}.`);
  } else if (change.handler === 'kept') {
    lines.push(
      `Its handler ${change.handlerPath} (class ${change.handlerClass}) keeps its file and class, as you edited it; it is now registered for ${change.to}. Nothing to change.`,
    );
  }
  if (change.groupAfter === change.groupBefore) {
    lines.push(
      `Consumer group stays ${change.groupBefore}: the worker goes on from the offsets committed for it. A new group (--group) ` +
        `has none and reads ${change.topic} from the start again (kafka.consumer.fromBeginning), handling its events a second time.`,
    );
  } else {
    lines.push(
      `Consumer group is now ${change.groupAfter} (was ${change.groupBefore}): it has no committed offsets, so the worker reads ` +
        `${change.topic} from the start again (kafka.consumer.fromBeginning) and handles events the old group already handled. ` +
        `Dead letters now go to ${change.groupAfter}.dead-letter; those on ${change.groupBefore}.dead-letter stay there.`,
    );
  }
  return lines;
}
