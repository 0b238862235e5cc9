/**
 * Refuses command-line options no generator declares: a typo such as `--topc` must not silently
 * fall back to a default. The closest declared option is offered.
 */
import { UserInputError } from './model.js';

/** Keys Yeoman itself (yo, yeoman-environment, yeoman-test) puts into a generator's options. */
const INTERNAL = new Set([
  '_',
  'forwardErrorToEnvironment',
  'env',
  'resolved',
  'namespace',
  'namespaceId',
  '_meta',
  'sharedData',
  'sharedFs',
  'skipInstall',
  'skipCache',
  'skipLocalCache',
  'forceInstall',
  'askAnswered',
  'localConfigOnly',
  'destinationRoot',
  'skipParseOptions',
  'customPriorities',
  'compatibilityMode',
  'initialGenerator',
  'bail',
  'ignoreWhitespace',
  'skipYoResolve',
  'nodePackageManager',
  'insight',
  'color',
  'debug',
  'localOnly',
  'generators',
  'version',
  'help',
  'force',
  'logCwd',
  'showTiming',
]);

export interface DeclaredOption {
  name: string;
  alias?: string;
}

export function camelCase(option: string): string {
  return option.replace(/-([a-z])/g, (_, letter: string) => letter.toUpperCase());
}

function kebabCase(option: string): string {
  return option.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/** Throws for the first given option that is neither declared nor Yeoman's own. */
export function checkOptions(given: Record<string, unknown>, declared: readonly DeclaredOption[]): void {
  if (given.dryRun !== undefined || given['dry-run'] !== undefined) {
    throw new UserInputError(
      '--dry-run is not supported: the generator cannot list its changes without making them. ' +
        'Run it in a git working tree and look at "git status" and "git diff" instead.',
    );
  }
  const known = new Set<string>(INTERNAL);
  for (const option of declared) {
    known.add(option.name).add(camelCase(option.name));
    if (option.alias) known.add(option.alias);
  }
  for (const key of Object.keys(given)) {
    if (known.has(key) || given[key] === undefined) continue;
    const shown = key.length === 1 ? `-${key}` : `--${kebabCase(key)}`;
    const closest = closestOption(
      kebabCase(key),
      declared.map((option) => option.name),
    );
    throw new UserInputError(
      `Unknown option ${shown}` +
        (closest ? `: did you mean --${closest}?` : `: see --help for the options (${[...new Set(declared.map((o) => `--${o.name}`))].join(', ')}).`),
    );
  }
}

/** The declared option nearest to `name` by edit distance, if it is near enough to be a typo. */
export function closestOption(name: string, options: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const option of options) {
    const distance = editDistance(name, option);
    if (distance < bestDistance) {
      best = option;
      bestDistance = distance;
    }
  }
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

function editDistance(a: string, b: string): number {
  let row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const substitution = (row[j - 1] ?? 0) + (a[i - 1] === b[j - 1] ? 0 : 1);
      next[j] = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, substitution);
    }
    row = next;
  }
  return row[b.length] ?? 0;
}
