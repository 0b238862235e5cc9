// Generating a service non-interactively, and giving it its dependencies - the approach of
// test/support/service.ts (same dependency cache), copied so that the bench does not depend on test code.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { TestAdapter } from '@yeoman/adapter/testing';
import { createEnv } from 'yeoman-environment';

const run = promisify(execFile);

export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const GENERATORS = {
  app: path.join(REPO_ROOT, 'generators', 'app', 'index.js'),
  event: path.join(REPO_ROOT, 'generators', 'event', 'index.js'),
  subscription: path.join(REPO_ROOT, 'generators', 'subscription', 'index.js'),
};

export function tempDir(prefix) {
  return mkdtempSync(path.join(os.tmpdir(), `kafka-eventing-bench-${prefix}-`));
}

/** Runs one generator (app, event or subscription) in `cwd` as `yo` would, without any question or install. */
export async function generate(cwd, generator, args = [], options = {}) {
  const env = createEnv({ cwd, adapter: new TestAdapter({ throwOnMissingAnswer: true }) });
  for (const [name, file] of Object.entries(GENERATORS)) env.register(file, { namespace: `kafka-eventing:${name}` });
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    await env.run([`kafka-eventing:${generator}`, ...args], { yes: true, skipInstall: true, force: true, ...options });
  } finally {
    process.chdir(previous);
  }
}

/** One `npm install` per distinct dependency set (kept in ~/.cache/kafka-eventing), linked into node_modules. */
export async function linkDependencies(serviceDir) {
  const manifest = JSON.parse(readFileSync(path.join(serviceDir, 'package.json'), 'utf8'));
  const wanted = { dependencies: manifest.dependencies, devDependencies: manifest.devDependencies };
  const hash = createHash('sha256').update(JSON.stringify(wanted)).digest('hex').slice(0, 16);
  const cache = path.join(os.homedir(), '.cache', 'kafka-eventing', `service-deps-${hash}`);
  if (!existsSync(path.join(cache, 'node_modules', '.installed'))) {
    const staging = `${cache}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'service-deps', private: true, ...wanted }, null, 2));
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: staging, maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(path.join(staging, 'node_modules', '.installed'), new Date().toISOString());
    rmSync(cache, { recursive: true, force: true });
    renameSync(staging, cache);
  }
  symlinkSync(path.join(cache, 'node_modules'), path.join(serviceDir, 'node_modules'), 'dir');
}
