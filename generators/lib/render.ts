/**
 * The one render step: turns the eventing model into every file the generator owns, creates the
 * files the user owns when they are missing, and merges the configuration files.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Generator from 'yeoman-generator';
import { ENVIRONMENTS, GENERATOR_NAMESPACE, UserInputError, type EventingModel } from './model.js';
import { buildView, type RenderView } from './view.js';
import { configFiles, mergeJson } from './config-files.js';
import dependencyVersions from './dependency-versions.js';

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
  const template = (name: string) => path.join(TEMPLATES, name);
  const owned = new OwnedFiles(generator, model.renderedFiles ?? {});
  const force = Boolean((generator.options as { force?: unknown }).force);

  for (const file of OWNED_STATIC) {
    owned.write(file, () => generator.fs.copyTpl(template(file), generator.destinationPath(file), view));
  }
  for (const event of view.events) {
    owned.write(event.modulePath, () =>
      generator.fs.copyTpl(template('src/events/event.ts'), generator.destinationPath(event.modulePath), { ...view, event }),
    );
    owned.write(event.schemaPath, () => generator.fs.write(generator.destinationPath(event.schemaPath), event.schemaFileText));
  }
  const edited = owned.editedByHand();
  if (edited.length > 0 && !force) {
    throw new UserInputError(
      `${edited.join(', ')} ${edited.length === 1 ? 'was' : 'were'} edited by hand, but the generator owns ${edited.length === 1 ? 'it' : 'them'} ` +
        'and would change them now. Move your change into a file of yours (handlers, routes, src/services.ts), ' +
        'or run again with --force to overwrite the edit.',
    );
  }
  for (const [source, target] of [...USER_OWNED.map((f) => [f, f] as const), ...Object.entries(DOTFILES)]) {
    createOnce(generator, template(source), target, view);
  }
  for (const subscription of view.subscriptions) {
    createOnce(generator, template('src/subscriptions/handler.ts'), subscription.handlerPath, { ...view, subscription });
  }

  mergeJsonFile(generator, 'package.json', packageJson(view));
  const merged = ['package.json'];
  for (const [file, contents] of Object.entries(configFiles(view, ENVIRONMENTS))) {
    mergeJsonFile(generator, file, contents);
    merged.push(file);
  }
  generator.config.set(modelForStorage({ ...model, renderedFiles: owned.hashes() }));
  // Merged files keep every user value, and the model is ours: neither is a conflict to ask about.
  for (const file of [...merged, '.yo-rc.json']) owned.overwriteWithoutAsking(file);
  owned.markUntouched();
}

/**
 * Files the generator owns, with the hash of what it last rendered (kept in the model). When a
 * file on disk still has that hash, the user never edited it, and the new rendering replaces it
 * without a question. When it differs, the user changed a generated file: the run stops with a clear
 * message before anything is written (with --force the edit is overwritten).
 */
class OwnedFiles {
  readonly #generator: Generator;
  readonly #previous: Readonly<Record<string, string>>;
  readonly #rendered = new Map<string, string>();
  readonly #untouched: string[] = [];
  readonly #edited: string[] = [];

  constructor(generator: Generator, previous: Readonly<Record<string, string>>) {
    this.#generator = generator;
    this.#previous = previous;
  }

  write(file: string, writeIt: () => void): void {
    const target = this.#generator.destinationPath(file);
    const onDisk = existsSync(target) ? readFileSync(target, 'utf8') : undefined;
    writeIt();
    const rendered = hash(this.#generator.fs.read(target) ?? '');
    this.#rendered.set(file, rendered);
    if (onDisk === undefined) return;
    const recorded = this.#previous[file];
    if (hash(onDisk) === recorded) this.#untouched.push(file);
    else if (recorded !== undefined && hash(onDisk) !== rendered) this.#edited.push(file);
  }

  /** Owned files whose content on disk is neither what was last rendered nor what would be rendered now. */
  editedByHand(): string[] {
    return [...this.#edited];
  }

  hashes(): Record<string, string> {
    return Object.fromEntries([...this.#rendered].sort(([a], [b]) => a.localeCompare(b)));
  }

  markUntouched(): void {
    for (const file of this.#untouched) this.overwriteWithoutAsking(file);
  }

  overwriteWithoutAsking(file: string): void {
    const store = this.#generator.env.sharedFs as { existsInMemory?(path: string): boolean; get(path: string): { conflicter?: string } } | undefined;
    const target = this.#generator.destinationPath(file);
    if (!store || (store.existsInMemory && !store.existsInMemory(target))) return;
    // An unchanged file stays "identical": forcing it would rewrite it, and a rewritten package.json
    // makes Yeoman run the package manager install on every run.
    if (existsSync(target) && readFileSync(target, 'utf8') === this.#generator.fs.read(target)) return;
    store.get(target).conflicter = 'force';
  }
}

function hash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 16);
}

function createOnce(generator: Generator, source: string, target: string, data: object): void {
  if (!generator.fs.exists(generator.destinationPath(target))) {
    generator.fs.copyTpl(source, generator.destinationPath(target), data);
  }
}

/** Adds what is missing; whatever the user changed stays. */
function mergeJsonFile(generator: Generator, file: string, generated: Record<string, unknown>): void {
  const target = generator.destinationPath(file);
  const existingText = generator.fs.exists(target) ? generator.fs.read(target) : undefined;
  let existing: Record<string, unknown> = {};
  if (existingText !== undefined && existingText !== null) {
    try {
      existing = JSON.parse(existingText) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}): fix it, then run the generator again.`);
    }
  }
  generator.fs.write(target, `${JSON.stringify(mergeJson(existing, generated), null, 2)}\n`);
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

/** The model as stored: plain data, stable key order, so `.yo-rc.json` is byte-identical on a re-run. */
function modelForStorage(model: EventingModel): Record<string, unknown> {
  return JSON.parse(JSON.stringify(model)) as Record<string, unknown>;
}

export { GENERATOR_NAMESPACE };
