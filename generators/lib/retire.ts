/**
 * The files and config entries of an event or subscription leaving the model. A file the generator
 * owns is deleted only while it still has the hash of its last rendering (model.renderedFiles); a
 * handler (the user's) only while it is still byte-identical to what the generator created. Edited
 * files stay and are listed for the user to delete. Config entries that belonged to it are removed
 * (or renamed, keeping their values) in every environment's config file.
 */
import { readdirSync } from 'node:fs';
import path from 'node:path';
import type Generator from 'yeoman-generator';
import { readIfExists } from './files.js';
import dependencyVersions from './dependency-versions.js';
import { ENVIRONMENTS, UserInputError, type EventingModel } from './model.js';
import { handlerText, hash, overwriteWithoutAsking, type RenderReport } from './render.js';
import { buildView, type RenderView, type SubscriptionView } from './view.js';

type Json = Record<string, unknown>;

/** What retiring changed, for the summary at the end of the run. */
export interface Retired {
  /** Files deleted. */
  removed: string[];
  /** Files that belonged to it but were edited by hand: left for the user to delete or change. */
  leftForUser: string[];
  /** Config files whose entries were removed or renamed. */
  config: string[];
}

export function emptyRetired(): Retired {
  return { removed: [], leftForUser: [], config: [] };
}

/** Deletes a file the generator owns when nobody edited it since its last rendering. */
export function retireOwnedFile(generator: Generator, file: string, recordedHash: string | undefined, retired: Retired): void {
  const onDisk = readIfExists(generator.destinationPath(file));
  if (onDisk === undefined) return;
  if (recordedHash !== undefined && hash(onDisk) === recordedHash) {
    deleteFile(generator, file);
    retired.removed.push(file);
  } else {
    retired.leftForUser.push(file);
  }
}

/**
 * Files the previous run owned that this run no longer renders (a service made by an earlier version,
 * whose runtime lived in src/; the other Kafka client's files): each deleted while unedited, else listed.
 */
export function retireUnrendered(
  generator: Generator,
  previous: Readonly<Record<string, string>>,
  rendered: Readonly<Record<string, string>>,
): Retired {
  const retired = emptyRetired();
  for (const [file, recordedHash] of Object.entries(previous)) {
    if (!(file in rendered)) retireOwnedFile(generator, file, recordedHash, retired);
  }
  return retired;
}

/** An event leaving the model (`previous` still holds it): its module, its schema file, its config entries. */
export function retireEvent(generator: Generator, previous: EventingModel, name: string): Retired {
  const retired = emptyRetired();
  const event = buildView(previous, dependencyVersions).events.find((candidate) => candidate.name === name);
  if (!event) return retired;
  for (const file of [event.modulePath, event.schemaPath]) retireOwnedFile(generator, file, previous.renderedFiles?.[file], retired);
  removeConfigEntries(generator, 'events', name, retired);
  return retired;
}

/** A subscription leaving the model (`previous` still holds it): its handler if unedited, its config entries. */
export function retireSubscription(generator: Generator, previous: EventingModel, name: string): Retired {
  const retired = emptyRetired();
  const view = buildView(previous, dependencyVersions);
  const subscription = view.subscriptions.find((candidate) => candidate.name === name);
  if (!subscription) return retired;
  retireHandler(generator, view, subscription, retired);
  removeConfigEntries(generator, 'subscriptions', name, retired);
  return retired;
}

export type HandlerState = 'missing' | 'unedited' | 'edited';

/** Whether a subscription's handler is still what the generator created. */
export function handlerState(generator: Generator, view: RenderView, subscription: SubscriptionView): HandlerState {
  const onDisk = readIfExists(generator.destinationPath(subscription.handlerPath));
  if (onDisk === undefined) return 'missing';
  return onDisk === handlerText(view, subscription) ? 'unedited' : 'edited';
}

/** Deletes a subscription's handler when it is unedited; lists it for the user otherwise. */
export function retireHandler(generator: Generator, view: RenderView, subscription: SubscriptionView, retired: Retired): void {
  const state = handlerState(generator, view, subscription);
  if (state === 'unedited') {
    deleteFile(generator, subscription.handlerPath);
    retired.removed.push(subscription.handlerPath);
  } else if (state === 'edited') {
    retired.leftForUser.push(subscription.handlerPath);
  }
}

function deleteFile(generator: Generator, file: string): void {
  const target = generator.destinationPath(file);
  generator.fs.delete(target);
  overwriteWithoutAsking(generator, target);
}

/** Removes `<section>.<name>` from every environment's config file (whatever values it holds now). */
export function removeConfigEntries(generator: Generator, section: 'events' | 'subscriptions', name: string, retired: Retired): void {
  editConfigSection(generator, section, retired, (entries) => Object.fromEntries(Object.entries(entries).filter(([key]) => key !== name)));
}

/** Renames `<section>.<from>` to `<section>.<to>` in every environment's config file, in place, values kept. */
export function renameConfigEntries(generator: Generator, section: 'subscriptions', from: string, to: string, retired: Retired): void {
  editConfigSection(generator, section, retired, (entries) =>
    Object.fromEntries(Object.entries(entries).map(([key, value]) => [key === from ? to : key, value])),
  );
}

function editConfigSection(generator: Generator, section: string, retired: Retired, edit: (entries: Json) => Json): void {
  for (const environment of ENVIRONMENTS) {
    const file = `config/${environment}.json`;
    const target = generator.destinationPath(file);
    const text = generator.fs.read(target, { defaults: null });
    if (text === null) continue;
    let json: Json;
    try {
      json = JSON.parse(text) as Json;
    } catch (error) {
      throw new UserInputError(`${file} is not valid JSON (${(error as Error).message}): fix it, then run the generator again.`);
    }
    const entries = json[section];
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries)) continue;
    const edited = edit(entries as Json);
    if (JSON.stringify(edited) === JSON.stringify(entries)) continue;
    json[section] = edited;
    generator.fs.write(target, `${JSON.stringify(json, null, 2)}\n`);
    overwriteWithoutAsking(generator, target);
    retired.config.push(file);
  }
}

/**
 * The user's TypeScript files (under src/ and test/, not the generator's own) that still mention
 * `name` as a word: after a removal they may no longer type-check.
 */
export function userFilesMentioning(generator: Generator, name: string, skip: ReadonlySet<string>): string[] {
  const pattern = new RegExp(`\\b${name}\\b`);
  const found: string[] = [];
  const walk = (relative: string): void => {
    let entries;
    try {
      entries = readdirSync(generator.destinationPath(relative), { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts') && !skip.has(child)) {
        const text = readIfExists(path.join(generator.destinationRoot(), child));
        if (text !== undefined && pattern.test(text)) found.push(child);
      }
    }
  };
  for (const root of ['src', 'test']) walk(root);
  return found.sort();
}

/** The lines that tell the user what retiring removed, and what is left for them. */
export function describeRetired(retired: Retired): string[] {
  const lines: string[] = [];
  if (retired.leftForUser.length > 0) {
    lines.push(
      `Not removed, as you edited ${retired.leftForUser.length === 1 ? 'it' : 'them'}: ${retired.leftForUser.join(', ')}. ` +
        `Nothing uses ${retired.leftForUser.length === 1 ? 'it' : 'them'} any more: delete ${retired.leftForUser.length === 1 ? 'it' : 'them'} when you have kept what you need.`,
    );
  }
  return lines;
}

/** Into the run's summary: the deleted files, and config files changed by retiring as changed files. */
export function addToReport(report: RenderReport | undefined, retired: Retired): void {
  if (!report) return;
  report.removed = [...(report.removed ?? []), ...retired.removed];
  for (const file of retired.config) if (!report.updated.includes(file) && !report.created.includes(file)) report.updated.push(file);
}
