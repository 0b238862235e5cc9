/**
 * One declaration per setting: its command-line option, its prompt and how its value is checked.
 * Every prompt is also an option; `--yes` takes the default of whatever was not given.
 */
import Generator from 'yeoman-generator';
import { UserInputError } from './model.js';

export interface Setting<Answers, Value> {
  /** Option name on the command line, e.g. `registry-url`. */
  option: string;
  description: string;
  /** The prompt; a setting without one is an option only. */
  message?: string;
  kind?: 'input' | 'select' | 'confirm' | 'checkbox';
  /** The values a select prompt offers: a value, or a value with the text shown for it. */
  choices?: (answers: Partial<Answers>) => readonly (string | Choice)[];
  default?: (answers: Partial<Answers>) => string | boolean | undefined;
  /** Turns raw input into the value, throwing UserInputError with a clear message. */
  parse: (raw: unknown, answers: Partial<Answers>) => Value;
  /** Whether to ask at all (e.g. only when another answer says so). */
  when?: (answers: Partial<Answers>) => boolean;
}

export interface Choice {
  name: string;
  value: string;
}

export type Settings<Answers> = { [K in keyof Answers]: Setting<Answers, Answers[K]> };

export function declareOptions<Answers>(generator: Generator, settings: Settings<Answers>): void {
  for (const setting of Object.values<Setting<Answers, unknown>>(settings)) {
    generator.option(setting.option, {
      type: setting.kind === 'confirm' ? Boolean : String,
      description: setting.description,
    });
  }
  generator.option('yes', {
    type: Boolean,
    alias: 'y',
    description: 'Ask nothing: take the default for every setting not given as an option',
  });
}

/** A command-line option's value, given as `--kebab-name` or (programmatically) as camelCase. */
export function optionValue(generator: Generator, option: string): unknown {
  const options = generator.options as Record<string, unknown>;
  const camel = option.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
  return options[option] ?? options[camel];
}

/**
 * Resolves every setting: from its option when given, else from a prompt (interactive), else its
 * default (`--yes`). Each value is checked as it comes, so bad input stops the run before any write.
 */
export async function resolveSettings<Answers>(generator: Generator, settings: Settings<Answers>, preset: Partial<Answers> = {}): Promise<Answers> {
  const answers: Partial<Answers> = { ...preset };
  const yes = Boolean(optionValue(generator, 'yes'));
  for (const [key, setting] of Object.entries(settings) as [keyof Answers & string, Setting<Answers, unknown>][]) {
    if (key in preset) continue;
    if (setting.when && !setting.when(answers)) continue;
    const given = optionValue(generator, setting.option);
    let raw: unknown;
    if (given !== undefined) {
      raw = given;
    } else if (yes || !setting.message) {
      raw = setting.default?.(answers);
    } else {
      raw = await ask(generator, setting, answers);
    }
    answers[key] = setting.parse(raw, answers) as Answers[typeof key];
  }
  return answers as Answers;
}

/**
 * Without a terminal (CI, scripts, a pipe) nobody can answer: say which option is missing instead of
 * letting the prompt wait on, or fail at, the end of its input.
 */
function assertCanAsk(generator: Generator, setting: { option: string; message?: string; description: string }): void {
  const adapter = generator.env.adapter as { actualAdapter?: { stdin?: { isTTY?: boolean } }; stdin?: { isTTY?: boolean } };
  const stdin = adapter.actualAdapter?.stdin ?? adapter.stdin;
  if (stdin && !stdin.isTTY) {
    throw new UserInputError(
      `No terminal to ask for "${setting.message ?? setting.description}": give it as --${setting.option}, ` +
        'or add --yes to take the default of every setting not given.',
    );
  }
}

async function ask<Answers>(generator: Generator, setting: Setting<Answers, unknown>, answers: Partial<Answers>) {
  assertCanAsk(generator, setting);
  const choices = setting.choices?.(answers);
  const question = {
    type: setting.kind ?? (choices ? 'select' : 'input'),
    name: 'value',
    message: setting.message ?? setting.description,
    default: setting.default?.(answers),
    ...(choices ? { choices: [...choices] } : {}),
    validate: (input: unknown) => {
      if (setting.kind === 'confirm' || choices) return true;
      try {
        setting.parse(input, answers);
        return true;
      } catch (error) {
        return error instanceof UserInputError ? error.message : String(error);
      }
    },
  };
  const result = await generator.prompt<{ value: unknown }>([question] as never);
  return result.value;
}
