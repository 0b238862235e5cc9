#!/usr/bin/env node
/**
 * `npx generator-kafka-eventing [generator] [args] [options]`: runs this package's generators through
 * yeoman-environment, as `yo kafka-eventing[:generator]` does, without a global `yo`. Unlike yo, it
 * runs as the user who starts it: yo, started as root, drops to uid 1000 (or SUDO_UID) and then cannot
 * write where root's work is (a dev container, a CI job).
 *
 *   npx generator-kafka-eventing orders --yes                          = yo kafka-eventing orders --yes
 *   npx generator-kafka-eventing event OrderPlaced --fields "id:uuid"  = yo kafka-eventing:event OrderPlaced --fields "id:uuid"
 *   npx generator-kafka-eventing --help                                the generators and the options of each
 *
 * The words after the generator's name go to the generator as they are: it parses them with the
 * options it declares (their types, aliases, `--no-` forms), as it does for yo. The environment's own
 * options (`--skip-install`, ...) are passed to the environment as well, in camelCase, as yo passes them.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createEnv } from 'yeoman-environment';

/** The generator's name as a first word (also `kafka-eventing:event` or `:event`, as yo spells it) → its folder. */
const GENERATORS = ['app', 'event', 'subscription', 'type'] as const;
type GeneratorName = (typeof GENERATORS)[number];
const NAMESPACE = 'kafka-eventing';
const COMMAND = 'npx generator-kafka-eventing';
const SUMMARIES: Record<GeneratorName, string> = {
  app: 'a new service, or change the settings of the service you are in (the default: no generator named)',
  event: 'add, evolve (--add-fields) or remove (--remove) an event of the service',
  subscription: 'subscribe the service to an event (or --remove, --rename a subscription)',
  type: 'add a record type that event fields can use',
};
/** Options the environment reads itself (yo hands them over camelCased); `--no-x` turns one off. */
const ENVIRONMENT_OPTIONS = ['skip-install', 'force-install', 'skip-cache', 'ask-answered', 'local-config-only'];

const packageRoot = fileURLToPath(new URL('..', import.meta.url));

function camelCase(option: string): string {
  return option.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

/** `event`, `:event`, `kafka-eventing:event`, `kafka-eventing` → the generator; undefined when the word is not one. */
function generatorNamed(word: string | undefined): GeneratorName | undefined {
  if (word === undefined) return undefined;
  if (word === NAMESPACE) return 'app';
  const name = word.startsWith(`${NAMESPACE}:`) ? word.slice(NAMESPACE.length + 1) : word.startsWith(':') ? word.slice(1) : word;
  return (GENERATORS as readonly string[]).includes(name) ? (name as GeneratorName) : undefined;
}

/** The options the environment needs to see, from the words given (the last of `--x` / `--no-x` wins). */
function environmentOptions(words: readonly string[]): Record<string, boolean> {
  const options: Record<string, boolean> = {};
  for (const word of words) {
    if (word === '--') break;
    for (const option of ENVIRONMENT_OPTIONS) {
      if (word === `--${option}`) options[camelCase(option)] = true;
      else if (word === `--no-${option}`) options[camelCase(option)] = false;
    }
  }
  return options;
}

function wantsHelp(words: readonly string[]): boolean {
  const end = words.indexOf('--');
  return (end === -1 ? words : words.slice(0, end)).some((word) => word === '--help' || word === '-h');
}

/** The generators' help speaks of `yo kafka-eventing:<generator>`: show this command instead. */
function asThisCommand(text: string): string {
  return text
    .replace(/\byo kafka-eventing:app\b/g, COMMAND)
    .replace(/\byo kafka-eventing:(\w+)/g, `${COMMAND} $1`)
    .replace(/\byo kafka-eventing\b/g, COMMAND);
}

function createEnvironment() {
  const env = createEnv();
  for (const name of GENERATORS) {
    env.register(fileURLToPath(new URL(`./${name}/index.js`, import.meta.url)), {
      namespace: `${NAMESPACE}:${name}`,
      packagePath: packageRoot,
    });
  }
  return env;
}

type Environment = ReturnType<typeof createEnvironment>;

async function generatorHelp(env: Environment, name: GeneratorName): Promise<string> {
  const generator = (await env.create(`${NAMESPACE}:${name}`, { generatorArgs: [], generatorOptions: { help: true } })) as unknown as {
    help(): string;
  };
  return asThisCommand(generator.help()).trimEnd();
}

async function printOverview(env: Environment): Promise<void> {
  const out = [
    `Usage: ${COMMAND} [generator] [arguments] [options]`,
    '',
    `Runs the generators of generator-kafka-eventing as "yo kafka-eventing[:generator]" does, as the`,
    'current user (also as root). Without a generator named, it runs app.',
    '',
    'Generators:',
    ...GENERATORS.map((name) => `  ${name.padEnd(14)}${SUMMARIES[name]}`),
    '',
    `"${COMMAND} <generator> --help" shows one generator's options. All of them:`,
  ];
  for (const name of GENERATORS) {
    out.push('', `== ${name} ==`, '', await generatorHelp(env, name));
  }
  console.log(out.join('\n'));
}

async function main(argv: string[]): Promise<void> {
  const named = generatorNamed(argv[0]);
  const generator: GeneratorName = named ?? 'app';
  const words = named ? argv.slice(1) : argv;

  if (!named && argv[0] === '--version' && argv.length === 1) {
    const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
    console.log(pkg.version);
    return;
  }

  const env = createEnvironment();
  if (wantsHelp(words)) {
    if (named) console.log(await generatorHelp(env, generator));
    else await printOverview(env);
    return;
  }
  await env.run([`${NAMESPACE}:${generator}`, ...words], environmentOptions(words));
}

try {
  await main(process.argv.slice(2));
} catch (error) {
  // As yo: the message alone (a UserInputError says what to change), the stack only with --debug.
  const debug = process.argv.includes('--debug');
  const text = error instanceof Error ? (debug ? (error.stack ?? error.message) : error.message) : String(error);
  console.error(text);
  process.exitCode = 1;
}
