/**
 * Generating a service into a temporary folder, giving it its dependencies, and running it as a
 * separate process against the test run's broker and registry.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { TestAdapter } from '@yeoman/adapter/testing';
import { createEnv } from 'yeoman-environment';
import { GENERATORS } from './paths.js';

const run = promisify(execFile);

export function tempDir(prefix: string): string {
  return mkdtempSync(path.join(os.tmpdir(), `kafka-eventing-${prefix}-`));
}

/** Runs one generator (app, event or subscription) non-interactively in `cwd`, as `yo` would. */
export async function generate(
  cwd: string,
  generator: keyof typeof GENERATORS,
  args: string[] = [],
  options: Record<string, unknown> = {},
): Promise<void> {
  // A quiet adapter that fails on any question: these runs must need none.
  const env = createEnv({ cwd, adapter: new TestAdapter({ throwOnMissingAnswer: true }) });
  for (const [name, file] of Object.entries(GENERATORS)) env.register(file, { namespace: `kafka-eventing:${name}` });
  const previous = process.cwd();
  process.chdir(cwd);
  try {
    await env.run([`kafka-eventing:${generator}`, ...args], { yes: true, skipInstall: true, force: true, ...options } as never);
  } finally {
    process.chdir(previous);
  }
}

/**
 * Gives a generated service its dependencies without a fresh `npm install` each time: one install
 * per distinct dependency set (kept in ~/.cache), linked into the service's node_modules.
 */
export async function linkDependencies(serviceDir: string): Promise<void> {
  const manifest = JSON.parse(readFileSync(path.join(serviceDir, 'package.json'), 'utf8')) as {
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
  };
  const wanted = { dependencies: manifest.dependencies, devDependencies: manifest.devDependencies };
  // The runtime comes from the service's vendor/ folder (file:vendor/…tgz): its bytes are part of the key.
  const vendored = Object.values(manifest.dependencies)
    .filter((spec) => spec.startsWith('file:'))
    .map((spec) => spec.slice('file:'.length));
  const digest = createHash('sha256').update(JSON.stringify(wanted));
  for (const file of vendored) digest.update(readFileSync(path.join(serviceDir, file)));
  const hash = digest.digest('hex').slice(0, 16);
  const cache = path.join(os.homedir(), '.cache', 'kafka-eventing', `service-deps-${hash}`);
  if (!installed(cache))
    await installOnce(cache, wanted, (staging) => {
      // The vendored runtime, where the file: specifiers point from the staging folder too.
      for (const file of vendored) {
        mkdirSync(path.dirname(path.join(staging, file)), { recursive: true });
        copyFileSync(path.join(serviceDir, file), path.join(staging, file));
      }
    });
  symlinkSync(path.join(cache, 'node_modules'), path.join(serviceDir, 'node_modules'), 'dir');
}

const installed = (cache: string) => existsSync(path.join(cache, 'node_modules', '.installed'));

/**
 * Installs one dependency set into `cache`, once also when test files running at the same time
 * (npm test runs several) ask for it together: the first takes a lock (a folder holding its pid),
 * the others wait for its install rather than replacing the folder under a service that uses it.
 */
async function installOnce(cache: string, wanted: Record<string, unknown>, prepare: (staging: string) => void): Promise<void> {
  const lock = `${cache}.lock`;
  mkdirSync(path.dirname(cache), { recursive: true });
  for (;;) {
    if (installed(cache)) return;
    try {
      mkdirSync(lock);
      writeFileSync(path.join(lock, 'pid'), String(process.pid));
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    if (lockHolderGone(lock)) rmSync(lock, { recursive: true, force: true });
    else await sleep(1000);
  }
  try {
    if (installed(cache)) return;
    const staging = `${cache}.${process.pid}`;
    rmSync(staging, { recursive: true, force: true });
    mkdirSync(staging, { recursive: true });
    writeFileSync(path.join(staging, 'package.json'), JSON.stringify({ name: 'service-deps', private: true, ...wanted }, null, 2));
    prepare(staging);
    await run('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline'], { cwd: staging, maxBuffer: 64 * 1024 * 1024 });
    writeFileSync(path.join(staging, 'node_modules', '.installed'), new Date().toISOString());
    rmSync(cache, { recursive: true, force: true });
    renameSync(staging, cache);
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/** The lock's process has ended (killed mid-install); a lock just made, without its pid yet, is not stale. */
function lockHolderGone(lock: string): boolean {
  let pid: number;
  try {
    pid = Number(readFileSync(path.join(lock, 'pid'), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return false;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'ESRCH';
  }
}

export async function npm(serviceDir: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  try {
    return await run('npm', args, { cwd: serviceDir, maxBuffer: 64 * 1024 * 1024, env: { ...process.env, CI: 'true' } });
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    throw new Error(`npm ${args.join(' ')} failed in ${serviceDir}:\n${failure.stdout ?? ''}\n${failure.stderr ?? ''}`, { cause: error });
  }
}

export interface ServiceProcess {
  readonly port: number;
  readonly child: ChildProcess;
  /** stdout and stderr so far (JSON log lines). */
  output(): string;
  /** Resolves with the exit code (or signal name) once the process ended. */
  readonly exited: Promise<number | string>;
  signal(signal: NodeJS.Signals): void;
}

// Ports for the services, below Linux's ephemeral range (32768-60999, where the stack's and clients'
// ports come from). npm test runs several test files at once and gives each running file a block of
// its own (TEST_PORT_BASE); without it, the block follows the pid. A port in use is skipped.
let nextPort = Number(process.env.TEST_PORT_BASE) || 20000 + (process.pid % 5000);

/** The next port from nextPort on that nothing listens on (checked as the service listens: every address). */
async function freeServicePort(): Promise<number> {
  for (;;) {
    const port = nextPort++;
    const free = await new Promise<boolean>((resolve) => {
      const probe = net.createServer();
      probe.once('error', () => resolve(false));
      probe.listen(port, () => probe.close(() => resolve(true)));
    });
    if (free) return port;
  }
}

/**
 * Starts a generated service as its own process: `node dist/main.js` when built, else
 * `node src/main.ts`; waits until `/health/ready` answers 200.
 */
export async function startServiceProcess(
  serviceDir: string,
  env: Record<string, string>,
  { readyTimeoutMs = 60000, entry }: { readyTimeoutMs?: number; entry?: string } = {},
): Promise<ServiceProcess> {
  const port = await freeServicePort();
  const main = entry ?? (existsSync(path.join(serviceDir, 'dist', 'main.js')) ? 'dist/main.js' : 'src/main.ts');
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', main], {
    cwd: serviceDir,
    env: { ...process.env, NODE_ENV: 'test', LOG_LEVEL: 'info', PORT: String(port), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | string>((resolve) => child.once('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const service: ServiceProcess = {
    port,
    child,
    output: () => output,
    exited,
    signal: (signal) => void child.kill(signal),
  };
  const deadline = Date.now() + readyTimeoutMs;
  let ended = false;
  void exited.then(() => (ended = true));
  while (Date.now() < deadline && !ended) {
    const status = await fetch(`http://127.0.0.1:${port}/health/ready`)
      .then((response) => response.status)
      .catch(() => 0);
    if (status === 200) return service;
    await sleep(200);
  }
  child.kill('SIGKILL');
  throw new Error(`service in ${serviceDir} did not become ready${ended ? ' (it exited)' : ''}:\n${output.slice(-4000)}`);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls until `check` returns a value other than undefined, or fails after `timeoutMs`. */
export async function eventually<T>(check: () => T | undefined | Promise<T | undefined>, timeoutMs: number, what: string): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(100);
  }
}

/** Lines of a JSON-lines file written by a recording handler. */
/**
 * Reads a JSON-lines record file that a running service may be appending to. A read can overlap
 * an append and see its line only in part, so the text after the last newline is left for the
 * next read; every complete line must parse.
 */
export function readRecords<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  const text = readFileSync(file, 'utf8');
  return text
    .slice(0, text.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as T);
}
