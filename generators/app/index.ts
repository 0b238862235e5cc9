/**
 * `yo kafka-eventing [name]`: scaffolds an Express 5 + TypeScript service wired for Kafka.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { EventingGenerator } from '../lib/base-generator.js';
import {
  createModel,
  parseBrokers,
  parseModelFile,
  UserInputError,
  validateRegistryUrl,
  type EventingModel,
} from '../lib/model.js';
import { declareOptions, resolveSettings } from '../lib/settings.js';
import { chooseDatabase } from '../lib/database.js';
import { appSettings, appSettingsFor, ENVIRONMENTS, type AppAnswers } from './command.js';

export default class AppGenerator extends EventingGenerator {
  private model?: EventingModel;

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
  }

  async prompting(): Promise<void> {
    await this._guard(async () => {
      const options = this.options as Record<string, unknown>;
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
      const database = chooseDatabase(previous?.service.database ?? current?.database, answers.database);
      this.model = {
        ...createModel({
          name: answers.name,
          description: answers.description,
          port: answers.port,
          schemaFormat: answers.schemaFormat,
          compatibility: answers.compatibility,
          environments: Object.fromEntries(
            ENVIRONMENTS.map((env) => [
              env,
              { brokers: answers[`${env}Brokers`], schemaRegistryUrl: answers[`${env}RegistryUrl`] },
            ]),
          ) as EventingModel['service']['environments'],
          ...(database ? { database } : {}),
        }),
        events: previous?.events ?? [],
        subscriptions: previous?.subscriptions ?? [],
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
      return;
    }
    const target = path.resolve(here, String(options.directory ?? name.replace(/^@[^/]+\//, '')));
    const entries = existsSync(target) ? readdirSync(target) : [];
    const isService = entries.includes('.yo-rc.json');
    if (entries.length > 0 && !isService && !options.force) {
      throw new UserInputError(
        `Folder ${target} exists and is not empty: choose another name or --directory, or pass --force.`,
      );
    }
    this.destinationRoot(target);
  }

  /** The service this run updates, when its folder is known before asking anything. */
  #serviceToUpdate(name: string | undefined, options: Record<string, unknown>): EventingModel | undefined {
    const here = this.destinationRoot();
    let folder: string | undefined;
    if (options.directory !== undefined) folder = path.resolve(here, String(options.directory));
    else if (existsSync(path.join(here, '.yo-rc.json'))) folder = here;
    else if (name !== undefined) folder = path.resolve(here, name.replace(/^@[^/]+\//, ''));
    const file = folder === undefined ? undefined : path.join(folder, '.yo-rc.json');
    if (file === undefined || !existsSync(file)) return undefined;
    return parseModelFile(readFileSync(file, 'utf8'), path.relative(here, file) || '.yo-rc.json');
  }

  #existingModel(): EventingModel | undefined {
    return existsSync(this.destinationPath('.yo-rc.json')) ? this._readModel() : undefined;
  }

  writing(): void {
    if (!this.model) throw new Error('prompting did not produce a model');
    this._renderModel(this.model);
  }

  end(): void {
    const root = this.destinationRoot();
    const relative = path.relative(process.cwd(), root);
    const shown = relative === '' ? '.' : relative.startsWith('..') ? root : relative;
    this.log.ok(`Service ${this.model?.service.name} is ready in ${shown}.`);
    this.log(
      `Next: ${shown === '.' ? '' : `cd ${shown} && `}npm run dev (needs Kafka and a schema registry, or EVENTING_TRANSPORT=memory; see README.md)`,
    );
    this.log('Add events with "yo kafka-eventing:event <Name>" and subscriptions with "yo kafka-eventing:subscription".');
  }
}
