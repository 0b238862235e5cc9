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
import { buildView, type RenderView } from './view.js';
import { configFiles, mergeJson } from './config-files.js';
import dependencyVersions from './dependency-versions.js';
import { DATABASE_OWNED, DATABASE_PACKAGES, EVENTING_MIGRATION, databaseConfig } from './database.js';

const TEMPLATES = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'app', 'templates');

/** Files rendered on every run; they carry a "generated" header and must not be edited. */
const OWNED_STATIC = [
  'src/main.ts',
  'src/service.ts',
  'src/config.ts',
  'src/logger.ts',
  'src/container.ts',
  'src/http/app.ts',
  'src/http/health.ts',
  'src/http/request-scope.ts',
  'src/eventing/codec.ts',
  'src/eventing/consumer-host.ts',
  'src/eventing/dead-letter.ts',
  'src/eventing/event-bus.ts',
  'src/eventing/event-definition.ts',
  'src/eventing/handler.ts',
  'src/eventing/headers.ts',
  'src/eventing/message-processor.ts',
  'src/eventing/retry.ts',
  'src/eventing/producers.ts',
  'src/eventing/transport.ts',
  'src/eventing/kafka/kafka-transport.ts',
  'src/eventing/kafka/batching-sender.ts',
  'src/eventing/memory/memory-transport.ts',
  'src/scripts/replay-dead-letters.ts',
  'src/subscriptions/index.ts',
  'src/events/index.ts',
  'test/eventing.test.ts',
];

/** Files created once; after that they belong to the user and are never overwritten. */
const USER_OWNED = [
  'README.md',
  'tsconfig.json',
  'tsconfig.build.json',
  '.mocharc.json',
  'docker-compose.yml',
  'src/services.ts',
  'src/routes/index.ts',
  'test/health.test.ts',
];

const DOTFILES: Record<string, string> = { gitignore: '.gitignore' };

export function render(generator: Generator, model: EventingModel): void {
  const view = buildView(model, dependencyVersions);
  const owned = new OwnedFiles(generator, model.renderedFiles ?? {});
  const force = Boolean((generator.options as { force?: unknown }).force);

  for (const file of OWNED_STATIC) owned.render(file, template(file), view);
  if (model.service.database) for (const file of DATABASE_OWNED) owned.render(file, template(file), view);
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
  owned.write();
  for (const [source, target] of [...USER_OWNED.map((f) => [f, f] as const), ...Object.entries(DOTFILES)]) {
    createOnce(generator, template(source), target, view);
  }
  const handlerTemplate = template('src/subscriptions/handler.ts');
  for (const subscription of view.subscriptions) {
    createOnce(generator, handlerTemplate, subscription.handlerPath, { ...view, subscription });
  }
  if (model.service.database) createOnce(generator, template(EVENTING_MIGRATION), EVENTING_MIGRATION, view);

  mergeJsonFile(generator, 'package.json', withDatabasePackages(packageJson(view), view));
  const databaseSections = databaseConfig(model, ENVIRONMENTS);
  for (const [file, contents] of Object.entries(configFiles(view, ENVIRONMENTS))) {
    mergeJsonFile(generator, file, databaseSections[file] ? mergeJson(contents, databaseSections[file]) : contents);
  }
  generator.config.set(modelForStorage({ ...model, renderedFiles: owned.hashes() }));
  // The model is ours: a changed .yo-rc.json is not a conflict to ask about.
  const yoRc = generator.destinationPath('.yo-rc.json');
  if (readIfExists(yoRc) !== generator.fs.read(yoRc, { defaults: null })) overwriteWithoutAsking(generator, yoRc);
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
    this.#changes.push({ target, text, stat, overwrite });
  }

  /** Owned files whose content on disk is neither what was last rendered nor what would be rendered now. */
  editedByHand(): string[] {
    return [...this.#edited];
  }

  hashes(): Record<string, string> {
    return Object.fromEntries([...this.#rendered].sort(([a], [b]) => a.localeCompare(b)));
  }

  /** Puts the new and changed files into mem-fs, after the check for hand edits. */
  write(): void {
    for (const { target, text, stat, overwrite } of this.#changes) {
      this.#generator.fs.write(target, text, stat === undefined ? undefined : { stat });
      if (overwrite) overwriteWithoutAsking(this.#generator, target);
    }
  }
}

/** Lets the commit write a file without asking the conflicter (it reports "force"). */
function overwriteWithoutAsking(generator: Generator, target: string): void {
  const store = generator.env.sharedFs as { get(path: string): { conflicter?: string } } | undefined;
  if (store) store.get(target).conflicter = 'force';
}


function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function createOnce(generator: Generator, from: Template, target: string, data: object): void {
  const file = generator.destinationPath(target);
  if (!exists(generator, file)) generator.fs.write(file, from.render(data), { stat: from.stat });
}

/** Whether a file exists in mem-fs or, when mem-fs has not seen it, on disk (without loading it into mem-fs). */
function exists(generator: Generator, file: string): boolean {
  const store = generator.env.sharedFs as { existsInMemory?(path: string): boolean } | undefined;
  return store?.existsInMemory?.(file) ? generator.fs.exists(file) : existsSync(file);
}

/**
 * Adds what is missing; whatever the user changed stays. The file is written only when the merged
 * text differs from what is there: an unchanged package.json is not committed, so Yeoman reports
 * "No change to package.json" and runs no install. Merged files keep every user value, so
 * overwriting one is not a conflict to ask about.
 */
function mergeJsonFile(generator: Generator, file: string, generated: Record<string, unknown>): void {
  const target = generator.destinationPath(file);
  // Read through mem-fs: a package.json Yeoman has seen but that was not committed is how it knows
  // that no install is needed.
  const existingText = generator.fs.read(target, { defaults: null });
  let existing: Record<string, unknown> = {};
  if (existingText !== null) {
    try {
      existing = JSON.parse(existingText) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}): fix it, then run the generator again.`);
    }
  }
  const text = `${JSON.stringify(mergeJson(existing, generated), null, 2)}\n`;
  if (text === existingText) return;
  generator.fs.write(target, text);
  if (existingText !== null) overwriteWithoutAsking(generator, target);
}

function packageJson(view: RenderView): Record<string, unknown> {
  const versions = view.dependencyVersions;
  const pick = (names: string[]) => Object.fromEntries(names.map((name) => [name, versions[name]]));
  return {
    name: view.service.name,
    version: '0.1.0',
    description: view.service.description,
    private: true,
    type: 'module',
    engines: { node: '^22.18.0 || >=24.11.0' },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      start: 'node dist/main.js',
      dev: 'node --watch --disable-warning=ExperimentalWarning src/main.ts',
      test: 'npm run typecheck && NODE_ENV=test mocha',
      'dead-letters:replay': 'node --disable-warning=ExperimentalWarning src/scripts/replay-dead-letters.ts',
    },
    dependencies: pick([
      '@kafkajs/confluent-schema-registry',
      'ajv',
      'ajv-formats',
      'avsc',
      'awilix',
      'config',
      'express',
      'kafkajs',
      'pino',
      'zod',
    ]),
    devDependencies: pick(['@types/express', '@types/mocha', '@types/node', 'mocha', 'typescript']),
  };
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

/** The model as stored: plain data, stable key order, so `.yo-rc.json` is byte-identical on a re-run. */
function modelForStorage(model: EventingModel): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
}

export { GENERATOR_NAMESPACE };
