/**
 * The one render step: turns the eventing model into every file the generator owns, creates the
 * files the user owns when they are missing, and merges the configuration files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import ejs from 'ejs';
import type Generator from 'yeoman-generator';
import { ENVIRONMENTS, GENERATOR_NAMESPACE, UserInputError, type EventingModel } from './model.js';
import { readIfExists } from './files.js';
import { buildView, type RenderView, type SubscriptionView } from './view.js';
import { configFiles, mergeJson } from './config-files.js';
import { mergeJsonFile, packageJson } from './json-files.js';
import dependencyVersions from './dependency-versions.js';
import { DATABASE_OWNED, DATABASE_PACKAGES, EVENTING_MIGRATION, databaseConfig } from './database.js';
import { vendorRuntime } from './runtime-package.js';

const TEMPLATES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'app', 'templates');

/** Files rendered on every run; they carry a "generated" header and must not be edited. */
const OWNED_STATIC = [
  'src/main.ts',
  'src/service.ts',
  'src/config.ts',
  'src/logger.ts',
  'src/container.ts',
  'src/message-scopes.ts',
  'src/http/app.ts',
  'src/http/health.ts',
  'src/http/request-scope.ts',
  'src/scripts/replay-dead-letters.ts',
  'src/subscriptions/index.ts',
  'src/events/index.ts',
  'test/eventing.test.ts',
  'test/http.test.ts',
  'test/metrics.test.ts',
  'test/tracing.test.ts',
];

/** Files created once; after that they belong to the user and are never overwritten. */
const USER_OWNED = [
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  '.mocharc.json',
  '.prettierrc.json',
  'eslint.config.js',
  'docker-compose.yml',
  'src/services.ts',
  'src/routes/index.ts',
  'test/health.test.ts',
];

const DOTFILES: Record<string, string> = { gitignore: '.gitignore' };

/** What a run wrote, for the summary at its end. */
export interface RenderReport {
  created: string[];
  updated: string[];
  /** Config keys whose hand-edited value a changed setting replaced, as "file: key". */
  overwritten: string[];
  /** Files of the user that the changed settings would change, left as they are because they were edited. */
  keptUserFiles: string[];
  /** Files deleted because what they belonged to left the model (see retire.ts). */
  removed?: string[];
}

/**
 * Renders `model`. `previous` is the model the service had before this run (undefined for a new
 * service): what it rendered tells a value the user edited from one a changed setting must update.
 */
export function render(generator: Generator, model: EventingModel, previous?: EventingModel): RenderReport {
  const view = buildView(model, dependencyVersions);
  const before = previous ? buildView(previous, dependencyVersions) : undefined;
  const owned = new OwnedFiles(generator, model.renderedFiles ?? {});
  const force = Boolean((generator.options as { force?: unknown }).force);
  const report: RenderReport = { created: [], updated: [], overwritten: [], keptUserFiles: [] };

  for (const file of OWNED_STATIC) owned.render(file, template(file), view);
  if (model.service.database) for (const file of DATABASE_OWNED) owned.render(file, template(file), view);
  if (view.records.length > 0) owned.render('src/events/records.ts', template('src/events/records.ts'), view);
  const eventTemplate = template('src/events/event.ts');
  for (const event of view.events) {
    owned.render(event.modulePath, eventTemplate, { ...view, event });
    owned.add(event.schemaPath, event.schemaFileText);
  }
  const edited = owned.editedByHand();
  if (edited.length > 0 && !force) {
    throw new UserInputError(
      `${edited.join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited by hand, but the generator owns ${edited.length === 1 ? 'it' : 'them'} ` +
        'and would change them now. Move your change into a file of yours (handlers, routes, src/services.ts), ' +
        'or run again with --force to overwrite the edit.',
    );
  }
  owned.write(report);
  const vendored = vendorRuntime(generator);
  report.created.push(...vendored.created);
  report.updated.push(...vendored.updated);
  if (vendored.removed.length > 0) report.removed = [...(report.removed ?? []), ...vendored.removed];
  for (const [source, target] of [...USER_OWNED.map((f) => [f, f] as const), ...Object.entries(DOTFILES)]) {
    userFile(generator, template(source), target, view, before, report);
  }
  const handlerTemplate = template('src/subscriptions/handler.ts');
  for (const subscription of view.subscriptions) {
    userFile(generator, handlerTemplate, subscription.handlerPath, { ...view, subscription }, undefined, report);
  }
  if (model.service.database) userFile(generator, template(EVENTING_MIGRATION), EVENTING_MIGRATION, view, undefined, report);

  const previousConfig = before && previous ? generatedConfig(before, previous) : undefined;
  const merges: [string, Record<string, unknown>, Record<string, unknown> | undefined][] = [
    ['package.json', withDatabasePackages(packageJson(view), view), before ? withDatabasePackages(packageJson(before), before) : undefined],
    ...Object.entries(generatedConfig(view, model)).map(
      ([file, contents]) => [file, contents, previousConfig?.[file]] as [string, Record<string, unknown>, Record<string, unknown> | undefined],
    ),
  ];
  for (const [file, generated, base] of merges) {
    const result = mergeJsonFile(generator, file, generated, base, overwriteWithoutAsking);
    if (result.written) report[result.written].push(file);
    report.overwritten.push(...result.overwritten.map((key) => `${file}: ${key}`));
  }
  // An unchanged model is not stored again: Yeoman would list .yo-rc.json as "force" on a run that changed nothing.
  const stored = modelForStorage({ ...model, renderedFiles: owned.hashes() });
  if (JSON.stringify(stored) !== JSON.stringify(generator.config.getAll())) generator.config.set(stored);
  // The model is ours: a changed .yo-rc.json is not a conflict to ask about.
  const yoRc = generator.destinationPath('.yo-rc.json');
  const yoRcOnDisk = readIfExists(yoRc);
  if (yoRcOnDisk !== undefined && yoRcOnDisk !== generator.fs.read(yoRc, { defaults: null })) overwriteWithoutAsking(generator, yoRc);
  return report;
}

/**
 * An ejs template of templates/, read and compiled once per process. Rendering is the same as
 * mem-fs-editor's copyTpl (ejs with the template's path as `filename`), and a file written from it
 * gets the template's file mode, as copyTpl gives it.
 */
interface Template {
  render(data: object): string;
  readonly stat: Stats;
}

const compiledTemplates = new Map<string, Template>();

function template(name: string): Template {
  const file = path.join(TEMPLATES, name);
  let compiled = compiledTemplates.get(file);
  if (compiled === undefined) {
    const renderIt = ejs.compile(readFileSync(file, 'utf8'), { filename: file });
    compiled = { render: (data) => renderIt(data), stat: statSync(file) };
    compiledTemplates.set(file, compiled);
  }
  return compiled;
}

interface Change {
  file: string;
  isNew: boolean;
  target: string;
  text: string;
  stat: Stats | undefined;
  overwrite: boolean;
}

/**
 * Files the generator owns, with the hash of what it last rendered (kept in the model). A file whose
 * rendering equals what is on disk is left alone: it never enters Yeoman's commit pipeline (no
 * conflicter, no .yo-resolve lookup, no rewrite). When a changed file on disk still has the recorded
 * hash, the user never edited it, and the new rendering replaces it without a question. When it
 * differs, the user changed a generated file: the run stops with a clear message before anything is
 * written (with --force the edit is overwritten).
 */
class OwnedFiles {
  readonly #generator: Generator;
  readonly #previous: Readonly<Record<string, string>>;
  readonly #rendered = new Map<string, string>();
  readonly #changes: Change[] = [];
  readonly #edited: string[] = [];

  constructor(generator: Generator, previous: Readonly<Record<string, string>>) {
    this.#generator = generator;
    this.#previous = previous;
  }

  render(file: string, from: Template, data: object): void {
    this.add(file, from.render(data), from.stat);
  }

  add(file: string, text: string, stat?: Stats): void {
    this.#rendered.set(file, hash(text));
    const target = this.#generator.destinationPath(file);
    const onDisk = readIfExists(target);
    if (onDisk === text) return;
    let overwrite = false;
    if (onDisk !== undefined) {
      const recorded = this.#previous[file];
      if (hash(onDisk) === recorded) overwrite = true;
      else if (recorded !== undefined) this.#edited.push(file);
      // No recorded hash (a folder the generator did not fill): the conflicter asks, as for any file.
    }
    this.#changes.push({ file, isNew: onDisk === undefined, target, text, stat, overwrite });
  }

  /** Owned files whose content on disk is neither what was last rendered nor what would be rendered now. */
  editedByHand(): string[] {
    return [...this.#edited];
  }

  hashes(): Record<string, string> {
    return Object.fromEntries([...this.#rendered].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Puts the new and changed files into mem-fs, after the check for hand edits. */
  write(report: RenderReport): void {
    for (const { file, target, text, stat, overwrite, isNew } of this.#changes) {
      this.#generator.fs.write(target, text, stat === undefined ? undefined : { stat });
      if (overwrite) overwriteWithoutAsking(this.#generator, target);
      report[isNew ? 'created' : 'updated'].push(file);
    }
  }
}

/** Lets the commit write a file without asking the conflicter (it reports "force"). */
export function overwriteWithoutAsking(generator: Generator, target: string): void {
  const store = generator.env.sharedFs as { get(path: string): { conflicter?: string } } | undefined;
  if (store) store.get(target).conflicter = 'force';
}

export function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

/**
 * A file of the user: created when missing. When a changed setting renders it differently and it is
 * still what the previous model rendered (nobody edited it), it follows the setting; an edited one stays.
 */
function userFile(generator: Generator, from: Template, target: string, data: object, before: RenderView | undefined, report: RenderReport): void {
  const file = generator.destinationPath(target);
  if (!exists(generator, file)) {
    generator.fs.write(file, from.render(data), { stat: from.stat });
    report.created.push(target);
    return;
  }
  if (before === undefined) return;
  const text = from.render(data);
  const previousText = from.render(before);
  if (previousText === text) return; // no changed setting feeds this file
  const onDisk = readIfExists(file);
  if (onDisk === previousText) {
    generator.fs.write(file, text);
    overwriteWithoutAsking(generator, file);
    report.updated.push(target);
  } else if (onDisk !== text) {
    report.keptUserFiles.push(target);
  }
}

/** What the generator creates as a subscription's handler: a handler still equal to it was not edited. */
export function handlerText(view: RenderView, subscription: SubscriptionView): string {
  return template('src/subscriptions/handler.ts').render({ ...view, subscription });
}

/** Whether a file exists in mem-fs or, when mem-fs has not seen it, on disk (without loading it into mem-fs). */
function exists(generator: Generator, file: string): boolean {
  const store = generator.env.sharedFs as { existsInMemory?(path: string): boolean } | undefined;
  return store?.existsInMemory?.(file) ? generator.fs.exists(file) : existsSync(file);
}

/** With a database: node-postgres and node-pg-migrate, and `npm run migrate`. */
function withDatabasePackages(manifest: Record<string, unknown>, view: RenderView): Record<string, unknown> {
  if (!view.service.database) return manifest;
  const versions = view.dependencyVersions;
  const add = (section: string, names: string[]): Record<string, string | undefined> => ({
    ...(manifest[section] as Record<string, string>),
    ...Object.fromEntries(names.map((name) => [name, versions[name]])),
  });
  const sorted = (entries: Record<string, string | undefined>) => Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
  return {
    ...manifest,
    scripts: { ...(manifest.scripts as Record<string, string>), migrate: 'node --disable-warning=ExperimentalWarning src/scripts/migrate.ts' },
    dependencies: sorted(add('dependencies', DATABASE_PACKAGES.dependencies)),
    devDependencies: sorted(add('devDependencies', DATABASE_PACKAGES.devDependencies)),
  };
}

/** The config files' generated contents: the eventing entries, and the database section when there is one. */
function generatedConfig(view: RenderView, model: EventingModel): Record<string, Record<string, unknown>> {
  const files: Record<string, Record<string, unknown>> = configFiles(view, ENVIRONMENTS);
  for (const [file, section] of Object.entries(databaseConfig(model, ENVIRONMENTS))) {
    files[file] = files[file] ? mergeJson(files[file], section).merged : section;
  }
  return files;
}

/** The model as stored: plain data, stable key order, so `.yo-rc.json` is byte-identical on a re-run. */
function modelForStorage(model: EventingModel): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
}

export { GENERATOR_NAMESPACE };
