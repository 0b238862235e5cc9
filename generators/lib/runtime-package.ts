/**
 * The runtime package (kafka-eventing-runtime, packages/runtime in this repository) as a service gets
 * it: the generator carries the packed runtime of its own version (generators/app/runtime/, made by
 * `npm run build`), copies it into the service's vendor/ folder and makes the service depend on that
 * file, so `npm install` needs no registry that holds the runtime. Also what moves a service made by a
 * version that still copied the runtime into src/ onto the package: the runtime files it owned leave
 * (see retire.ts), and the user's files that imported them import the package instead.
 */
import { existsSync, readdirSync, readFileSync, rmdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type Generator from 'yeoman-generator';
import { readIfExists } from './files.js';
import { overwriteWithoutAsking } from './render.js';

const RUNTIME_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), '..', 'app', 'runtime');

export const VENDOR_DIR = 'vendor';

export interface RuntimePackage {
  readonly name: string;
  readonly version: string;
  /** The packed file's name in generators/app/runtime/ and in the service's vendor/. */
  readonly file: string;
}

let cached: RuntimePackage | undefined;

/** The packed runtime this generator carries. */
export function runtimePackage(): RuntimePackage {
  if (cached) return cached;
  const text = readIfExists(path.join(RUNTIME_DIR, 'runtime.json'));
  if (text === undefined) {
    throw new Error(`${RUNTIME_DIR} holds no packed runtime: run "npm run build" in the generator's repository first.`);
  }
  const { name, version, file } = JSON.parse(text) as RuntimePackage;
  cached = { name, version, file };
  return cached;
}

/** The service's dependency on the vendored runtime, as package.json writes it. */
export function runtimeDependency(): Record<string, string> {
  const runtime = runtimePackage();
  return { [runtime.name]: `file:${VENDOR_DIR}/${runtime.file}` };
}

/**
 * Puts the packed runtime into vendor/ (unchanged bytes are not written again) and deletes the
 * runtime files of other versions there. Returns what it created, updated and removed.
 */
export function vendorRuntime(generator: Generator): { created: string[]; updated: string[]; removed: string[] } {
  const runtime = runtimePackage();
  const result = { created: [] as string[], updated: [] as string[], removed: [] as string[] };
  const relative = `${VENDOR_DIR}/${runtime.file}`;
  const target = generator.destinationPath(relative);
  const source = path.join(RUNTIME_DIR, runtime.file);
  const onDisk = existsSync(target) ? readFileSync(target) : undefined;
  if (onDisk === undefined || !onDisk.equals(readFileSync(source))) {
    generator.fs.copy(source, target);
    overwriteWithoutAsking(generator, target);
    result[onDisk === undefined ? 'created' : 'updated'].push(relative);
  }
  const vendor = generator.destinationPath(VENDOR_DIR);
  const others = existsSync(vendor)
    ? readdirSync(vendor).filter((file) => file.startsWith(`${runtime.name}-`) && file.endsWith('.tgz') && file !== runtime.file)
    : [];
  for (const file of others) {
    const other = path.join(vendor, file);
    generator.fs.delete(other);
    overwriteWithoutAsking(generator, other);
    result.removed.push(`${VENDOR_DIR}/${file}`);
  }
  return result;
}

/**
 * Where a module that earlier versions rendered into src/ went: the runtime entry point that exports
 * it now. The typed event bus is the service's own (src/events/index.ts).
 */
function newHomeOf(oldModule: string): string | undefined {
  if (oldModule === 'src/eventing/event-bus.ts') return 'src/events/index.ts';
  if (oldModule.startsWith('src/eventing/kafkajs/')) return 'kafka-eventing-runtime/kafkajs';
  if (oldModule.startsWith('src/eventing/platformatic/')) return 'kafka-eventing-runtime/platformatic';
  if (oldModule.startsWith('src/database/')) return 'kafka-eventing-runtime/postgres';
  if (oldModule === 'src/errors.ts' || oldModule.startsWith('src/eventing/') || oldModule.startsWith('src/observability/'))
    return 'kafka-eventing-runtime';
  return undefined;
}

export interface RewrittenImport {
  readonly file: string;
  readonly from: string;
  readonly to: string;
}

const IMPORT_SPECIFIER = /(\bfrom\s+|\bimport\s+|\bimport\(\s*)(['"])(\.{1,2}\/[^'"]+)\2/g;

/**
 * In the user's TypeScript files (src/ and test/, except those the generator renders), imports of
 * modules the service no longer has because the runtime package holds them now are rewritten to the
 * package (or, for the event bus, to src/events/index.ts). `retired` are the service-relative paths
 * of the runtime files that left the service; `rendered` the files the generator owns now.
 */
export function rewriteRuntimeImports(generator: Generator, retired: readonly string[], rendered: ReadonlySet<string>): RewrittenImport[] {
  const gone = new Set(retired);
  const rewritten: RewrittenImport[] = [];
  for (const file of typeScriptFiles(generator.destinationRoot())) {
    if (rendered.has(file) || gone.has(file)) continue;
    const target = generator.destinationPath(file);
    const text = generator.fs.read(target, { defaults: null }) ?? undefined;
    if (text === undefined) continue;
    const next = text.replace(IMPORT_SPECIFIER, (whole: string, keyword: string, quote: string, specifier: string) => {
      const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier));
      if (!gone.has(resolved)) return whole;
      const home = newHomeOf(resolved);
      if (home === undefined) return whole;
      const to = home.startsWith('src/') ? relativeSpecifier(file, home) : home;
      rewritten.push({ file, from: specifier, to });
      return `${keyword}${quote}${to}${quote}`;
    });
    if (next !== text) {
      generator.fs.write(target, next);
      overwriteWithoutAsking(generator, target);
    }
  }
  return rewritten;
}

function relativeSpecifier(from: string, to: string): string {
  const relative = path.posix.relative(path.posix.dirname(from), to);
  return relative.startsWith('.') ? relative : `./${relative}`;
}

/** The .ts files under src/ and test/ of the service, as service-relative paths. */
function typeScriptFiles(root: string): string[] {
  const files: string[] = [];
  const walk = (relative: string) => {
    const dir = path.join(root, relative);
    if (!existsSync(dir)) return;
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const child = `${relative}/${entry.name}`;
      if (entry.isDirectory()) walk(child);
      else if (entry.name.endsWith('.ts')) files.push(child);
    }
  };
  walk('src');
  walk('test');
  return files;
}

/** After the commit: folders the retired files leave empty go too (an edited file keeps its folder). */
export function removeEmptyFolders(generator: Generator, removed: readonly string[]): void {
  const folders = new Set<string>();
  for (const file of removed) {
    for (let folder = path.posix.dirname(file); folder !== '.'; folder = path.posix.dirname(folder)) folders.add(folder);
  }
  // Deepest first, so that a parent emptied by its children's removal goes too.
  for (const folder of [...folders].sort((a, b) => b.split('/').length - a.split('/').length)) {
    const target = generator.destinationPath(folder);
    try {
      if (readdirSync(target).length === 0) rmdirSync(target);
    } catch {
      // already gone, or not ours to remove
    }
  }
}
