/** What the three generators share: reading the model, failing cleanly, rendering. */
import Generator, { type Storage, type StorageOptions } from 'yeoman-generator';
import { readIfExists } from './files.js';
import { parseModelFile, UserInputError, type EventingModel } from './model.js';
import { render } from './render.js';

export abstract class EventingGenerator extends Generator {
  /**
   * yeoman-generator reads `.yo-rc.json` already while constructing the generator: a file that is
   * not JSON must end the run with the model's clear message as well, not with a stack trace.
   */
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

  protected _renderModel(model: EventingModel): void {
    render(this, model);
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
