/** What the three generators share: reading the model, failing cleanly, rendering. */
import { existsSync } from 'node:fs';
import path from 'node:path';
import Generator, { type Storage, type StorageOptions } from 'yeoman-generator';
import { readIfExists } from './files.js';
import { parseModelFile, UserInputError, type EventingModel } from './model.js';
import { checkOptions, type DeclaredOption } from './options-check.js';
import { render, type RenderReport } from './render.js';

/** The line Yeoman logs before the error that ends a run; ours says what went wrong by itself. */
const YEOMAN_ERROR_PREFIX = /^An error occured while running /;

export abstract class EventingGenerator extends Generator {
  /** What the run wrote, for the summary at its end. */
  protected _report?: RenderReport;
  /** Two command lines shown at the end of --help. */
  protected abstract readonly _examples: readonly string[];

  constructor(args: string[], options: Generator['options']) {
    super(args, options);
    this.option('force', {
      type: Boolean,
      description: 'Overwrite files the generator owns even when they were edited by hand (and, for a new service, use a non-empty folder)',
    });
    const log = this.log;
    if (log) {
      const error = (...parts: Parameters<typeof log.error>) => (YEOMAN_ERROR_PREFIX.test(String(parts[0])) ? log : log.error(...parts));
      const filtered = new Proxy(log, { get: (target, key) => (key === 'error' ? error : (Reflect.get(target, key) as unknown)) });
      Object.defineProperty(this, 'log', { value: filtered, configurable: true, writable: true });
    }
  }

  /** --help: Yeoman's usage and options, then examples. */
  override help(): string {
    return `${super.help()}\nExamples:\n${this._examples.map((line) => `  ${line}`).join('\n')}\n`;
  }

  /** Refuses options no generator declares (a typo must not fall back to a default silently). */
  protected _checkOptions(): void {
    const self = this as unknown as { _options: Record<string, DeclaredOption>; _arguments: { name: string }[] };
    const declared = [...Object.values(self._options), ...self._arguments.map((argument) => ({ name: argument.name }))];
    checkOptions(this.options, declared);
  }

  /** Run from a folder inside a service (e.g. src/), work on that service: the nearest .yo-rc.json upwards. */
  protected _useNearestService(): void {
    let dir = this.destinationRoot();
    for (;;) {
      if (existsSync(path.join(dir, '.yo-rc.json'))) {
        if (dir !== this.destinationRoot()) this.destinationRoot(dir);
        return;
      }
      const parent = path.dirname(dir);
      if (parent === dir) return;
      dir = parent;
    }
  }
  /**
   * yeoman-generator reads `.yo-rc.json` already while constructing the generator: a file that is
   * not JSON must end the run with the model's clear message as well, not with a stack trace.
   */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the signature of yeoman-generator's _getStorage, overridden
  override _getStorage<StoredType extends Record<any, any> = Record<any, any>>(
    rootName?: string | StorageOptions,
    options?: StorageOptions,
  ): Storage<StoredType> {
    const file = this.destinationPath('.yo-rc.json');
    const text = readIfExists(file);
    if (text !== undefined && !isJson(text)) {
      try {
        parseModelFile(text); // throws the clear "is not valid JSON" message
      } catch (error) {
        throw withoutStack(error);
      }
    }
    return super._getStorage<StoredType>(rootName, options);
  }

  /** Reads and checks the model of the service in the destination folder. */
  protected _readModel(): EventingModel {
    const file = this.destinationPath('.yo-rc.json');
    return parseModelFile(readIfExists(file));
  }

  /** Runs a step; input errors become one clear message and a failed run, before anything is written. */
  protected async _guard<T>(step: () => T | Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      throw withoutStack(error);
    }
  }

  protected _renderModel(model: EventingModel, previous?: EventingModel): void {
    try {
      this._report = render(this, model, previous);
    } catch (error) {
      throw withoutStack(error); // e.g. an edited owned file: one clear message, as for bad options
    }
  }

  /** The summary at the end of a run: what was written, and config values a setting replaced. */
  protected _logSummary(): void {
    const report = this._report;
    if (!report) return;
    const { created, updated, overwritten, keptUserFiles, removed = [] } = report;
    if (created.length === 0 && updated.length === 0 && removed.length === 0) {
      this.log('No file changed.');
    } else {
      this.log(
        `Wrote ${created.length} new and ${updated.length} changed file${created.length + updated.length === 1 ? '' : 's'}` +
          (updated.length > 0 && updated.length <= 8 ? ` (changed: ${updated.join(', ')})` : '') +
          '.' +
          (removed.length > 0 ? ` Removed ${removed.join(', ')}.` : ''),
      );
    }
    for (const key of overwritten) this.log(`Overwrote your value of ${key} with the setting given.`);
    if (keptUserFiles.length > 0) {
      this.log(
        `Not updated, as you edited ${keptUserFiles.length === 1 ? 'it' : 'them'}: ${keptUserFiles.join(', ')} (they may mention the old settings).`,
      );
    }
  }
}

/** Yeoman prints the message of the error that ends the run; keep an input error free of a stack trace. */
function withoutStack(error: unknown): unknown {
  if (error instanceof UserInputError) error.stack = `${error.name}: ${error.message}`;
  return error;
}

function isJson(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}
