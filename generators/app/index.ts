/**
 * `yo kafka-eventing [name]`: scaffolds an Express 5 + TypeScript service wired for Kafka.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EventingGenerator } from '../lib/base-generator.js';
import { readIfExists } from '../lib/files.js';
import {
  createModel,
  DEFAULT_AVRO_NAMESPACE,
  GENERATOR_NAMESPACE,
  optionText,
  parseBrokers,
  parseModelFile,
  UserInputError,
  validateRegistryUrl,
  type EventingModel,
} from '../lib/model.js';
import { describeModel } from '../lib/model-listing.js';
import { declareOptions, optionValue, resolveSettings } from '../lib/settings.js';
import { BATCH_WITH_DATABASE, chooseDatabase } from '../lib/database.js';
import { addToReport, describeRetired, retireUnrendered, type Retired } from '../lib/retire.js';
import { removeEmptyFolders, rewriteRuntimeImports, type RewrittenImport } from '../lib/runtime-package.js';
import { appSettings, appSettingsFor, ENVIRONMENTS, type AppAnswers } from './command.js';

export default class AppGenerator extends EventingGenerator {
  private model?: EventingModel;
  private previous?: EventingModel;
  /** With --list: the model to print; nothing is written. */
  private listed?: EventingModel;
  /** Owned files this run no longer renders (an earlier version's runtime files, the other Kafka client's). */
  private retiredFiles?: Retired;
  /** Imports in the user's files of runtime modules that left src/, now of the runtime package. */
  private rewrittenImports: RewrittenImport[] = [];
  protected readonly _examples = [
    'yo kafka-eventing orders --yes                      # ./orders with the defaults, dependencies installed',
    'yo kafka-eventing --port 4000 --production-brokers kafka.prod:9093 --yes   # inside a service: change settings',
  ];

  constructor(args: string[], options: EventingGenerator['options']) {
    super(args, options);
    this.argument('name', { type: String, required: false, description: 'Service name, e.g. "orders"' });
    declareOptions(this, appSettings);
    this.option('brokers', { type: String, description: 'Kafka bootstrap servers for every environment' });
    this.option('registry-url', { type: String, description: 'Schema registry URL for every environment' });
    this.option('directory', {
      type: String,
      description: 'Folder to create the service in (default: ./<name>)',
    });
    this.option('list', {
      type: Boolean,
      description:
        'Print the model of the service (events: fields, key, topic, subject, published or external; subscriptions: event, group, dead-letter topic) and change nothing',
    });
    if ((this.options as { directory?: unknown }).directory === undefined) this.#useEnclosingService();
  }

  /**
   * Run from a folder inside a generated service (e.g. its src/), the app generator updates that
   * service, as the subgenerators do. Only a .yo-rc.json holding this generator's model counts here:
   * another generator's (say in the home folder) must not become the target of a new service.
   */
  #useEnclosingService(): void {
    const here = this.destinationRoot();
    if (existsSync(path.join(here, '.yo-rc.json'))) return;
    for (let dir = path.dirname(here); dir !== path.dirname(dir); dir = path.dirname(dir)) {
      const text = readIfExists(path.join(dir, '.yo-rc.json'));
      if (text === undefined) continue;
      if (text.includes(`"${GENERATOR_NAMESPACE}"`)) this.destinationRoot(dir);
      return;
    }
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      this._checkOptions();
      const options = this.options as Record<string, unknown>;
      if (options.list) {
        this.listed = this.#modelToList(options);
        return;
      }
      const preset: Partial<AppAnswers> = {};
      const positional = options.name;
      if (positional !== undefined) preset.name = appSettings.name.parse(positional, preset);
      if (options.brokers !== undefined) {
        const brokers = parseBrokers(options.brokers);
        for (const env of ENVIRONMENTS) {
          if (options[`${env}Brokers`] === undefined) preset[`${env}Brokers`] = brokers;
        }
      }
      if (options.registryUrl !== undefined) {
        const url = validateRegistryUrl(options.registryUrl);
        for (const env of ENVIRONMENTS) {
          if (options[`${env}RegistryUrl`] === undefined) preset[`${env}RegistryUrl`] = url;
        }
      }
      const current = this.#serviceToUpdate(preset.name, options)?.service;
      const answers = await resolveSettings(this, appSettingsFor(current), preset);
      this.#chooseDestination(answers.name, options);
      const previous = this.#existingModel();
      if (previous) assertFormatChange(previous, answers.schemaFormat);
      this.previous = previous;
      const database = chooseDatabase(previous?.service.database ?? current?.database, answers.database);
      const hasBatchSubscription = previous?.subscriptions.some((subscription) => subscription.batch === true) ?? false;
      if (database && hasBatchSubscription) throw new UserInputError(BATCH_WITH_DATABASE);
      this.model = {
        ...createModel({
          name: answers.name,
          description: answers.description,
          port: answers.port,
          schemaFormat: answers.schemaFormat,
          compatibility: answers.compatibility,
          environments: Object.fromEntries(
            ENVIRONMENTS.map((env) => [env, { brokers: answers[`${env}Brokers`], schemaRegistryUrl: answers[`${env}RegistryUrl`] }]),
          ) as EventingModel['service']['environments'],
          // Kept as it is in a service made before (its schemas are registered under it).
          avroNamespace: previous ? previous.service.avroNamespace : DEFAULT_AVRO_NAMESPACE,
          ...(database ? { database } : {}),
          kafkaClient: answers.kafkaClient,
        }),
        events: previous?.events ?? [],
        subscriptions: previous?.subscriptions ?? [],
        ...(previous?.types ? { types: previous.types } : {}),
        ...(previous?.renderedFiles ? { renderedFiles: previous.renderedFiles } : {}),
      };
    });
  }

  /**
   * The service goes into ./<name> (or --directory). Run inside a generated service, the app
   * generator updates that service in place. A non-empty folder that is not one needs --force.
   */
  #chooseDestination(name: string, options: Record<string, unknown>): void {
    const here = this.destinationRoot();
    if (options.directory === undefined && existsSync(path.join(here, '.yo-rc.json'))) {
      this._readModel();
      this.env.cwd = here; // a changed package.json is installed here, also when run from a folder inside
      return;
    }
    const target = path.resolve(here, options.directory === undefined ? name.replace(/^@[^/]+\//, '') : optionText(options.directory));
    const entries = existsSync(target) ? readdirSync(target) : [];
    const isService = entries.includes('.yo-rc.json');
    if (entries.length > 0 && !isService && !options.force) {
      throw new UserInputError(`Folder ${target} exists and is not empty: choose another name or --directory, or pass --force.`);
    }
    this.destinationRoot(target);
    // Yeoman runs the package manager install in the environment's folder: make it the service's.
    this.env.cwd = target;
    const envOptions = (this.env as unknown as { options: { nodePackageManager?: string } }).options;
    envOptions.nodePackageManager ??= 'npm'; // the service's README and scripts speak npm
  }

  /** The service this run updates, when its folder is known before asking anything. */
  #serviceToUpdate(name: string | undefined, options: Record<string, unknown>): EventingModel | undefined {
    const here = this.destinationRoot();
    let folder: string | undefined;
    if (options.directory !== undefined) folder = path.resolve(here, optionText(options.directory));
    else if (existsSync(path.join(here, '.yo-rc.json'))) folder = here;
    else if (name !== undefined) folder = path.resolve(here, name.replace(/^@[^/]+\//, ''));
    const file = folder === undefined ? undefined : path.join(folder, '.yo-rc.json');
    if (file === undefined || !existsSync(file)) return undefined;
    return parseModelFile(readFileSync(file, 'utf8'), path.relative(here, file) || '.yo-rc.json');
  }

  /** --list reads the model of the service here (or in --directory); settings cannot go with it. */
  #modelToList(options: Record<string, unknown>): EventingModel {
    const given = [...Object.values(appSettings).map((setting) => setting.option), 'brokers', 'registry-url'].filter(
      (option) => optionValue(this, option) !== undefined,
    );
    if (given.length > 0) {
      throw new UserInputError(`--list only prints the model; ${given.map((option) => `--${option}`).join(', ')} cannot go with it.`);
    }
    const folder = options.directory === undefined ? this.destinationRoot() : path.resolve(this.destinationRoot(), optionText(options.directory));
    return parseModelFile(readIfExists(path.join(folder, '.yo-rc.json')));
  }

  #existingModel(): EventingModel | undefined {
    return existsSync(this.destinationPath('.yo-rc.json')) ? this._readModel() : undefined;
  }

  writing(): void {
    if (this.listed) return;
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model, this.previous);
    if (!this.previous) return;
    const rendered = (this.config.get('renderedFiles') ?? {}) as Record<string, string>;
    this.retiredFiles = retireUnrendered(this, this.previous.renderedFiles ?? {}, rendered);
    addToReport(this._report, this.retiredFiles);
    this.rewrittenImports = rewriteRuntimeImports(this, this.retiredFiles.removed, new Set(Object.keys(rendered)));
    for (const file of new Set(this.rewrittenImports.map((rewrite) => rewrite.file))) {
      if (this._report && !this._report.updated.includes(file)) this._report.updated.push(file);
    }
  }

  end(): void {
    if (this.listed) {
      for (const line of describeModel(this.listed)) this.log(line);
      return;
    }
    const root = this.destinationRoot();
    const relative = path.relative(process.cwd(), root);
    const shown = relative === '' ? '.' : relative.startsWith('..') ? root : relative;
    if (this.retiredFiles) removeEmptyFolders(this, this.retiredFiles.removed);
    this._logSummary();
    for (const line of this.retiredFiles ? describeRetired(this.retiredFiles) : []) this.log(line);
    for (const { file, from, to } of this.rewrittenImports) this.log(`Rewrote an import in ${file}: ${from} is now ${to} (the runtime package).`);
    this.log.ok(`Service ${this.model?.service.name} is ready in ${shown}.`);
    const install = this.options.skipInstall ? 'npm install && ' : '';
    this.log(
      `Next: ${shown === '.' ? '' : `cd ${shown} && `}${install}npm run dev (needs Kafka and a schema registry, or EVENTING_TRANSPORT=memory; see README.md)`,
    );
    this.log('Add events with "yo kafka-eventing:event <Name>" and subscriptions with "yo kafka-eventing:subscription".');
  }
}

/**
 * A service's registry subjects hold schemas of one format: switching format once it has events
 * would register schemas the subjects (and the other services' consumers) cannot take.
 */
function assertFormatChange(previous: EventingModel, format: EventingModel['service']['schemaFormat']): void {
  const current = previous.service.schemaFormat;
  if (format === current || previous.events.length === 0) return;
  const names = previous.events.map((event) => event.name).join(', ');
  throw new UserInputError(
    `--schema-format ${format} refused: this service has events (${names}) whose registry subjects hold ${current} schemas, ` +
      `and a subject cannot change its format (consumers and the registry's compatibility check expect ${current}). ` +
      `Keep --schema-format ${current}, or put ${format} events in a new service.`,
  );
}
