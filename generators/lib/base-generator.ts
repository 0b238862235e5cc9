/** What the three generators share: reading the model, failing cleanly, rendering. */
import { readFileSync, existsSync } from 'node:fs';
import Generator from 'yeoman-generator';
import { parseModelFile, UserInputError, type EventingModel } from './model.js';
import { render } from './render.js';

export abstract class EventingGenerator extends Generator {
  /** Reads and checks the model of the service in the destination folder. */
  protected _readModel(): EventingModel {
    const file = this.destinationPath('.yo-rc.json');
    return parseModelFile(existsSync(file) ? readFileSync(file, 'utf8') : undefined);
  }

  /** Runs a step; input errors become one clear message and a failed run, before anything is written. */
  protected async _guard<T>(step: () => T | Promise<T>): Promise<T> {
    try {
      return await step();
    } catch (error) {
      if (error instanceof UserInputError) {
        // Yeoman prints the message of the error that ends the run; keep it free of a stack trace.
        error.stack = `${error.name}: ${error.message}`;
      }
      throw error;
    }
  }

  protected _renderModel(model: EventingModel): void {
    render(this, model);
  }
}
