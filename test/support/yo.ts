/**
 * Runs the real `yo` CLI, with no terminal (stdin ignored), on the generators of this repository.
 *
 * yo finds generators by looking for `generator-*` packages in the node_modules folders above the
 * working folder (and in the global ones): a temporary folder holding
 * `node_modules/generator-kafka-eventing -> <repo>` makes them findable without `npm link`.
 * Run as root, yo's root-check drops to SUDO_UID/SUDO_GID (default uid 1000): the temporary folder
 * is then given to uid/gid 1000 and SUDO_UID/SUDO_GID are set to match.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { lchownSync, mkdirSync, readdirSync, realpathSync, symlinkSync } from 'node:fs';
import path from 'node:path';
import { REPO_ROOT } from './paths.js';
import { makeTmpDir } from './generate.js';

const YO_CLI = realpathSync(path.join(REPO_ROOT, 'node_modules', '.bin', 'yo'));
export const AS_ROOT = process.getuid?.() === 0;
export const USER_ID = 1000;

export interface YoRun {
  status: number | null;
  stdout: string;
  stderr: string;
  /** stdout and stderr together, without colors. */
  output: string;
}

export function chownTree(target: string): void {
  lchownSync(target, USER_ID, USER_ID);
  for (const entry of readdirSync(target, { withFileTypes: true })) {
    const child = path.join(target, entry.name);
    if (entry.isDirectory()) chownTree(child);
    else lchownSync(child, USER_ID, USER_ID);
  }
}

/** A temporary root where yo finds the generators; `work` is an empty folder in it to run yo from. */
export function yoSandbox(prefix: string): { root: string; work: string } {
  const root = makeTmpDir(prefix);
  mkdirSync(path.join(root, 'node_modules'));
  symlinkSync(REPO_ROOT, path.join(root, 'node_modules', 'generator-kafka-eventing'), 'dir');
  mkdirSync(path.join(root, 'home'));
  const work = path.join(root, 'work');
  mkdirSync(work);
  return { root, work };
}

/** The environment yo's children (npm, the service) run with: the sandbox's HOME, no colors. */
export function sandboxEnv(root: string): NodeJS.ProcessEnv {
  // Run under npm (npm test, npx), the test inherits npm's settings, e.g. a cache folder the sandbox's user cannot write.
  const inherited = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key)));
  const home = path.join(root, 'home');
  const env: NodeJS.ProcessEnv = { ...inherited, HOME: home, npm_config_cache: path.join(home, '.npm'), NO_UPDATE_NOTIFIER: '1', FORCE_COLOR: '0' };
  if (AS_ROOT) Object.assign(env, { SUDO_UID: String(USER_ID), SUDO_GID: String(USER_ID) });
  return env;
}

export function runYo(root: string, cwd: string, args: string[], timeout = 50_000): Promise<YoRun> {
  if (AS_ROOT) chownTree(root);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [YO_CLI, ...args], { cwd, env: sandboxEnv(root), stdio: ['ignore', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      // eslint-disable-next-line no-control-regex -- an ANSI escape sequence starts with ESC (\u001b): matching that control character is the point
      const output = `${stdout}\n${stderr}`.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '');
      resolve({ status, stdout, stderr, output });
    });
  });
}

/**
 * Failed with a non-zero exit, the message on stderr, no stack trace anywhere, and not with
 * Yeoman's "An error occured while running …" line before it.
 */
export function assertCleanFailure(run: YoRun, message: string): void {
  assert.notEqual(run.status, 0, `non-zero exit; output:\n${run.output}`);
  assert.ok(run.stderr.includes(message), `stderr shows ${JSON.stringify(message)}; it was:\n${run.stderr}`);
  assert.doesNotMatch(run.output, /^\s+at /m, 'no stack trace');
  assert.doesNotMatch(run.output, /An error occured while running/, 'no Yeoman prefix before our message');
}

/**
 * Runs yo on a terminal (util-linux `script` gives it a pseudo-terminal) and presses Enter whenever
 * the output has been quiet for a while: every prompt takes its default. Returns what the terminal showed.
 */
export function runYoOnTerminal(root: string, cwd: string, args: string[], timeout = 60_000): Promise<YoRun> {
  if (AS_ROOT) chownTree(root);
  const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
  const commandLine = [process.execPath, YO_CLI, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', commandLine, '/dev/null'], { cwd, env: sandboxEnv(root), stdio: ['pipe', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    let idle: NodeJS.Timeout | undefined;
    const pressEnterWhenQuiet = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (child.exitCode === null) child.stdin.write('\r');
        pressEnterWhenQuiet();
      }, 1500);
    };
    pressEnterWhenQuiet();
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      pressEnterWhenQuiet();
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(idle);
      // eslint-disable-next-line no-control-regex -- an ANSI escape sequence starts with ESC (\u001b): matching that control character is the point
      const output = `${stdout}\n${stderr}`.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      resolve({ status, stdout, stderr, output });
    });
  });
}
