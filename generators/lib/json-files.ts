/**
 * The JSON files the generator merges rather than owns: package.json and the node-config files.
 * Keys the generator adds appear, values the user changed stay, values a changed setting feeds
 * are updated (see mergeJson).
 */
import type Generator from 'yeoman-generator';
import { mergeJson } from './config-files.js';
import { CLIENT_ENGINES, CLIENT_PACKAGES, kafkaClientOf } from './kafka-client.js';
import { runtimeDependency } from './runtime-package.js';
import type { RenderView } from './view.js';

type Json = Record<string, unknown>;

export interface MergeResult {
  /** How the file was written, or undefined when it stays as it is. */
  written: 'created' | 'updated' | undefined;
  /** Keys whose hand-edited value a changed setting replaced, e.g. "service.port". */
  overwritten: string[];
}

/**
 * The file is written only when the merged text differs from what is there: an unchanged
 * package.json is not committed, so Yeoman reports "No change to package.json" and runs no
 * install. Merging is not a conflict to ask about, so an existing file is overwritten without asking.
 */
export function mergeJsonFile(
  generator: Generator,
  file: string,
  generated: Json,
  base: Json | undefined,
  overwriteWithoutAsking: (generator: Generator, target: string) => void,
): MergeResult {
  const target = generator.destinationPath(file);
  // Read through mem-fs: a package.json Yeoman has seen but that was not committed is how it knows
  // that no install is needed.
  const existingText = generator.fs.read(target, { defaults: null });
  let existing: Json = {};
  if (existingText !== null) {
    try {
      existing = JSON.parse(existingText) as Json;
    } catch (error) {
      throw new Error(`${file} is not valid JSON (${(error as Error).message}): fix it, then run the generator again.`, { cause: error });
    }
  }
  const { merged, overwritten } = mergeJson(existing, generated, base);
  if (file === 'package.json' && base !== undefined) dropRetiredDependencies(merged, generated, base);
  const text = `${JSON.stringify(merged, null, 2)}\n`;
  if (text === existingText) return { written: undefined, overwritten: [] };
  generator.fs.write(target, text);
  if (existingText !== null) overwriteWithoutAsking(generator, target);
  return { written: existingText === null ? 'created' : 'updated', overwritten };
}

/**
 * A dependency the previous model rendered and the current one does not (the other Kafka client after
 * --kafka-client switched) leaves package.json, unless its version was edited by hand.
 */
function dropRetiredDependencies(merged: Json, generated: Json, base: Json): void {
  for (const section of ['dependencies', 'devDependencies']) {
    const now = merged[section] as Record<string, unknown> | undefined;
    const wanted = (generated[section] ?? {}) as Record<string, unknown>;
    const before = (base[section] ?? {}) as Record<string, unknown>;
    if (!now) continue;
    for (const [name, version] of Object.entries(before)) {
      if (!(name in wanted) && now[name] === version) delete now[name];
    }
  }
}

export function packageJson(view: RenderView): Json {
  const versions = view.dependencyVersions;
  const pick = (names: string[]) => Object.fromEntries(names.sort().map((name) => [name, versions[name]]));
  const client = kafkaClientOf(view.service);
  return {
    name: view.service.name,
    version: '0.1.0',
    description: view.service.description,
    private: true,
    type: 'module',
    engines: { node: CLIENT_ENGINES[client] },
    scripts: {
      build: 'tsc -p tsconfig.build.json',
      typecheck: 'tsc -p tsconfig.json --noEmit',
      start: 'node dist/main.js',
      dev: 'node --watch --disable-warning=ExperimentalWarning src/main.ts',
      test: 'npm run typecheck && NODE_ENV=test mocha',
      lint: 'eslint .',
      format: 'prettier --write src test eslint.config.js',
      'format:check': 'prettier --check src test eslint.config.js',
      'dead-letters:replay': 'node --disable-warning=ExperimentalWarning src/scripts/replay-dead-letters.ts',
    },
    dependencies: sortedKeys({
      ...pick(['@opentelemetry/api', '@opentelemetry/sdk-trace-base', 'awilix', 'config', 'express', CLIENT_PACKAGES[client], 'pino', 'zod']),
      ...runtimeDependency(),
    }),
    devDependencies: pick([
      '@eslint/js',
      '@types/express',
      '@types/mocha',
      '@types/node',
      'eslint',
      'mocha',
      'prettier',
      'typescript',
      'typescript-eslint',
    ]),
  };
}

function sortedKeys(entries: Record<string, string | undefined>): Record<string, string | undefined> {
  return Object.fromEntries(Object.entries(entries).sort(([a], [b]) => a.localeCompare(b)));
}
