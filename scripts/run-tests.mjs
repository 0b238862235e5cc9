#!/usr/bin/env node
// `npm test`: runs the compiled test files (test/**/*.test.js) several at a time, each in a mocha process of its own,
// against one Kafka broker + schema registry started here once for the whole run, and prints the time per file.
//
//   node scripts/run-tests.mjs [--jobs N] [FILE...]     (default: every test/**/*.test.js; TEST_JOBS=N also sets N)
//
// - The single stack (scripts/stack/stack.mjs startStack; or KAFKA_BROKERS + SCHEMA_REGISTRY_URL when both are set)
//   is started in the background at once and stopped at the end, also on failure, Ctrl-C or SIGTERM. Files tagged
//   @kafka get its addresses in KAFKA_BROKERS / SCHEMA_REGISTRY_URL; files that stop and start the broker
//   (`.stopBroker(` in them or in what they import from test/) must not do that to the broker others use: they get
//   none, so test/support/stack.ts starts one of their own (and their mocha's global teardown stops it).
// - Files that start three-node clusters run one at a time, as do the files on PostgreSQL (a few services with
//   their connection pools each fill most of the server's 100 connections).
// - Longest files first (EXPECTED_SECONDS), so that the long ones do not end up last, alone.
// - Each file's output is printed in one piece when it ends; progress lines go to stderr meanwhile.
// - Exit status 1 when any file failed (or could not run: a stack that does not start is a failure, never a skip).
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startStack } from './stack/stack.mjs';

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const MOCHA = path.join(REPO, 'node_modules', 'mocha', 'bin', 'mocha.js');
const DEFAULT_JOBS = 3;

// Seconds per file, from a serial run of this tree on a 2-core machine shared with other work (2026-12-07); only the order
// matters. A file missing here counts as 150 s when tagged @kafka, else 30 s.
const EXPECTED_SECONDS = {
  'e2e-database': 656,
  'e2e-cluster': 561,
  'lint-format': 333,
  'e2e-reliability': 329,
  'e2e-database-delivery': 196,
  'cli-ux': 179,
  'e2e-database-load': 178,
  'e2e-topics': 115,
  'e2e-app': 97,
  'e2e-batch': 96,
  'e2e-eventing': 92,
  'e2e-peers': 86,
  'e2e-readiness': 83,
  'stack-cluster': 77,
  cli: 61,
  names: 60,
  'runtime-package': 60,
  'transport-contract': 60,
  runtime: 54,
  'cli-npx': 49,
  upgrade: 35,
  'e2e-types': 32,
  wiring: 30,
  'event-remove': 23,
  'e2e-observability': 23,
  'readme-examples': 20,
  'e2e-tracing': 14,
  'repository-style': 60,
};

// Services started by a file listen on ports from TEST_PORT_BASE (test/support/service.ts): one block per running
// file, below the ephemeral port range.
const PORT_BASE = 20000;
const PORT_BLOCK = 1000;

const LIMITS = { cluster: 1, postgres: 1 };

// ---------------------------------------------------------------------------------------------------------------

const log = (line) => process.stderr.write(`[test] ${new Date().toISOString().slice(11, 19)} ${line}\n`);
const secondsSince = (t) => (Date.now() - t) / 1000;
const fmt = (s) => `${s.toFixed(1).padStart(7)} s`;

function parseArgs(argv) {
  let jobs = Number(process.env.TEST_JOBS) || DEFAULT_JOBS;
  let list = false;
  const files = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--jobs' || arg === '-j') jobs = Number(argv[++i]);
    else if (arg.startsWith('--jobs=')) jobs = Number(arg.slice('--jobs='.length));
    else if (arg === '--list') list = true;
    else if (arg.startsWith('-')) throw new Error(`run-tests: unknown option ${arg}`);
    else files.push(path.resolve(arg));
  }
  if (!Number.isInteger(jobs) || jobs < 1) throw new Error('run-tests: --jobs takes a positive integer');
  return { jobs, list, files };
}

function findTestFiles(dir) {
  const found = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory() && entry.name !== 'node_modules' && entry.name !== 'fixtures') found.push(...findTestFiles(full));
    else if (entry.isFile() && entry.name.endsWith('.test.js')) found.push(full);
  }
  return found.sort();
}

/** The file's text and that of everything it imports (relatively) from inside test/. */
function sourceWithImports(file, seen = new Set()) {
  if (seen.has(file) || !file.startsWith(path.join(REPO, 'test') + path.sep) || !fs.existsSync(file)) return '';
  seen.add(file);
  const text = fs.readFileSync(file, 'utf8');
  const imported = [...text.matchAll(/(?:from|import)\s*\(?\s*['"](\.{1,2}\/[^'"]+)['"]/g)].map((m) => path.resolve(path.dirname(file), m[1]));
  return [text, ...imported.map((f) => sourceWithImports(f, seen))].join('\n');
}

function describeFile(file) {
  const text = fs.readFileSync(file, 'utf8');
  const name = path.basename(file).replace(/\.test\.js$/, '');
  const all = sourceWithImports(file);
  const kafka = /@kafka\b/.test(text) && /(?<!function )\bkafkaStack\(/.test(all); // the cluster-only files need none
  const ownBroker = /\.stopBroker\(/.test(all);
  const resources = [];
  if (/\bstartKafkaCluster\(|\bstartCluster\(/.test(text)) resources.push('cluster');
  if (/\b(useLedger|createDatabase)\(/.test(text)) resources.push('postgres');
  return {
    file,
    rel: path.relative(REPO, file),
    expected: EXPECTED_SECONDS[name] ?? (kafka ? 150 : 30),
    sharedBroker: kafka && !ownBroker,
    ownBroker: kafka && ownBroker,
    resources,
  };
}

const notesOf = (f) => [f.sharedBroker && 'broker', f.ownBroker && 'own broker', ...f.resources].filter(Boolean).join(', ') || 'no broker';

/** Busy and total jiffies of all CPUs so far (Linux), for the share of the machine the run used. */
function cpuTimes() {
  try {
    const fields = fs.readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0);
    const total = fields.reduce((a, b) => a + b, 0);
    return { busy: total - idle, total };
  } catch {
    return null;
  }
}

/** CPU seconds of a mocha process and the children it waited for, from the /proc/<pid>/stat it wrote at exit. */
function cpuSeconds(statFile) {
  try {
    const text = fs.readFileSync(statFile, 'utf8');
    const fields = text
      .slice(text.lastIndexOf(')') + 2)
      .split(' ')
      .map(Number);
    const [utime, stime, cutime, cstime] = fields.slice(11, 15); // fields 14-17 of proc(5)
    const seconds = (utime + stime + cutime + cstime) / 100; // USER_HZ
    return Number.isFinite(seconds) ? seconds : null;
  } catch {
    return null;
  }
}

// ---------------------------------------------------------------------------------------------------------------

async function main() {
  const { jobs, list, files: given } = parseArgs(process.argv.slice(2));
  const files = (given.length > 0 ? given : findTestFiles(path.join(REPO, 'test'))).map(describeFile);
  if (files.length === 0) throw new Error('run-tests: no test files (run npm run build first)');
  const queue = [...files].sort((a, b) => b.expected - a.expected || a.rel.localeCompare(b.rel));
  if (list) {
    for (const f of queue) process.stdout.write(`${String(f.expected).padStart(5)} s  ${f.rel}  [${notesOf(f)}]\n`);
    return 0;
  }
  const started = Date.now();
  const cpuAtStart = cpuTimes();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kafka-eventing-run-tests-'));

  let aborting = null; // the signal that stops the run
  let wake = () => {}; // the scheduler waits for a file to end (or the stack to be up)

  // The single stack, in the background: files without a broker start meanwhile.
  let stack = null;
  let stackError = null;
  const needsStack = files.some((f) => f.sharedBroker);
  const stackReady = needsStack
    ? startStack({ log: (line) => log(`stack: ${line}`), handleSignals: false }).then(
        (s) => {
          stack = s;
          wake();
        },
        (err) => {
          stackError = err;
          log(`the Kafka broker / schema registry did not start: ${err.message}`);
          wake();
        },
      )
    : Promise.resolve();

  const running = new Map(); // slot -> { file, child, ... }
  const results = [];
  const inUse = { cluster: 0, postgres: 0 };

  const stackPending = () => needsStack && !stack && !stackError;
  const canStart = (f) => f.resources.every((r) => inUse[r] < LIMITS[r]) && !(f.sharedBroker && stackPending());

  function childEnv(f, slot) {
    const env = { ...process.env, TEST_PORT_BASE: String(PORT_BASE + slot * PORT_BLOCK) };
    if (f.ownBroker) {
      delete env.KAFKA_BROKERS;
      delete env.SCHEMA_REGISTRY_URL;
    } else if (f.sharedBroker) {
      Object.assign(env, stack.env);
    }
    return env;
  }

  function launch(f, slot) {
    const t0 = Date.now();
    for (const r of f.resources) inUse[r] += 1;
    const cpuFile = path.join(tmp, `${path.basename(f.file)}.stat`);
    const args = [MOCHA, '--reporter', 'spec', ...(process.stdout.isTTY ? ['--color'] : []), f.file];
    // A process group of its own: at the end (or on Ctrl-C) everything the file started is stopped with it.
    const env = { ...childEnv(f, slot), TEST_CPU_FILE: cpuFile };
    const child = spawn(process.execPath, args, { cwd: REPO, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    const chunks = [];
    child.stdout.on('data', (d) => chunks.push(d));
    child.stderr.on('data', (d) => chunks.push(d));
    const entry = { f, child, t0 };
    running.set(slot, entry);
    const where = f.ownBroker ? ', broker of its own' : f.sharedBroker ? '' : ', no broker';
    log(`start ${f.rel} (${[...running.values()].map((e) => path.basename(e.f.rel, '.test.js')).join(', ')} running${where})`);
    child.on('error', (err) => chunks.push(Buffer.from(`run-tests: cannot run mocha: ${err.message}\n`)));
    // Whatever the file left behind goes with it (and so lets go of the output pipes).
    child.on('exit', () => killGroup(child, 'SIGKILL'));
    child.on('close', (code, signal) => {
      running.delete(slot);
      for (const r of f.resources) inUse[r] -= 1;
      const output = Buffer.concat(chunks).toString('utf8');
      const plain = output.replace(/\x1b\[[0-9;]*m/g, '');
      const count = (word) => Number(plain.match(new RegExp(`^\\s*(\\d+) ${word}\\b`, 'm'))?.[1] ?? 0);
      const cpu = cpuSeconds(cpuFile);
      const status = code ?? signal;
      const r = {
        f,
        seconds: secondsSince(t0),
        ok: code === 0,
        status,
        passing: count('passing'),
        failing: count('failing'),
        pending: count('pending'),
        cpu,
      };
      if (!r.ok && r.failing === 0) r.failing = 1; // crashed, or did not load: count the file itself
      results.push(r);
      const header = `${r.ok ? 'passed' : `FAILED (exit ${status})`}, ${r.seconds.toFixed(1)} s`;
      process.stdout.write(`\n===== ${f.rel}: ${header}\n${output.trimEnd()}\n`);
      log(`end   ${f.rel}: ${header}; ${queue.length} waiting`);
      wake();
    });
  }

  function killGroup(child, sig) {
    if (!child.pid) return;
    try {
      process.kill(-child.pid, sig);
    } catch {
      /* gone */
    }
  }

  const onSignal = (sig) => {
    if (aborting) {
      // A second one: no more waiting.
      for (const { child } of running.values()) killGroup(child, 'SIGKILL');
      process.exit(128 + (os.constants.signals[sig] ?? 1));
    }
    aborting = sig;
    log(`${sig}: stopping the running files and the stack`);
    // SIGTERM to mocha only: test/support's stacks and clusters stop their Java first (stack.mjs), then the
    // rest of the group (services) goes when mocha has gone (on 'exit' above), or after 10 s in any case.
    for (const { child } of running.values()) child.kill('SIGTERM');
    setTimeout(() => {
      for (const { child } of running.values()) killGroup(child, 'SIGKILL');
    }, 10_000).unref();
    wake();
  };
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(sig, onSignal);

  try {
    log(`${files.length} test files, ${jobs} at a time${needsStack ? '; starting the Kafka broker and schema registry' : ''}`);
    for (;;) {
      if (stackError) {
        // Files that need the broker fail without running once it did not start (never a skip).
        for (const f of queue.filter((q) => q.sharedBroker)) {
          queue.splice(queue.indexOf(f), 1);
          results.push({ f, seconds: 0, ok: false, status: 'not run', passing: 0, failing: 1, pending: 0, cpu: null });
          process.stdout.write(`\n===== ${f.rel}: NOT RUN: the Kafka broker / schema registry did not start\n${stackError.message}\n`);
        }
      }
      for (let slot = 0; slot < jobs && !aborting; slot++) {
        if (running.has(slot)) continue;
        const next = queue.findIndex(canStart);
        if (next < 0) break;
        launch(queue.splice(next, 1)[0], slot);
      }
      if (running.size === 0 && (queue.length === 0 || aborting)) break;
      await new Promise((resolve) => (wake = resolve));
    }
  } finally {
    // Interrupted while the stack was still starting: process.exit's handler (stack.mjs) kills what it started.
    if (!aborting || !stackPending()) await stackReady;
    if (stack) await stack.stop().catch((err) => log(`stopping the stack: ${err.message}`));
    fs.rmSync(tmp, { recursive: true, force: true });
  }

  // The report: time per file, slowest first, and the run's totals.
  const wall = secondsSince(started);
  const cpuAtEnd = cpuTimes();
  const busy = cpuAtStart && cpuAtEnd ? (100 * (cpuAtEnd.busy - cpuAtStart.busy)) / Math.max(1, cpuAtEnd.total - cpuAtStart.total) : null;
  const sum = results.reduce((s, r) => s + r.seconds, 0);
  const rows = [...results].sort((a, b) => b.seconds - a.seconds);
  const out = [];
  out.push('');
  out.push(
    `  time per test file, slowest first (${results.length} files, ${jobs} at a time; ${sum.toFixed(0)} s in all; cpu: the file's processes, user+sys):`,
  );
  for (const r of rows) {
    const cpu = r.cpu === null ? '' : `  cpu ${r.cpu.toFixed(0).padStart(4)} s`;
    out.push(`  ${fmt(r.seconds)}${cpu}  ${r.f.rel}${r.ok ? '' : `  FAILED (${r.status})`}  [${notesOf(r.f)}]`);
  }
  const total = (k) => results.reduce((s, r) => s + r[k], 0);
  const failed = results.filter((r) => !r.ok);
  out.push('');
  out.push(`  ${total('passing')} passing, ${total('failing')} failing, ${total('pending')} pending`);
  if (failed.length > 0) out.push(`  failed files: ${failed.map((r) => r.f.rel).join(', ')}`);
  if (aborting) out.push(`  stopped by ${aborting}: ${files.length - results.length} files did not run`);
  out.push(
    `  wall time: ${wall.toFixed(0)} s (${Math.floor(wall / 60)} min ${Math.round(wall % 60)} s)${busy === null ? '' : `, CPUs ${busy.toFixed(0)} % busy (${os.cpus().length} cores)`}`,
  );
  process.stdout.write(`${out.join('\n')}\n`);
  if (aborting) return 128 + (os.constants.signals[aborting] ?? 1);
  return failed.length === 0 && results.length === files.length ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
