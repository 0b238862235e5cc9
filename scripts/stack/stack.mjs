#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft), or a three-node cluster, and an Apicurio schema registry on
// 127.0.0.1, without Docker.
//
// Library (plain ESM, node built-ins only; types in stack.d.mts):
//   import { startStack, fetchJars } from './scripts/stack/stack.mjs';
//   const stack = await startStack();   // { brokers, registryUrl, stopBroker(), startBroker(), stop(), ... }
//   const cluster = await startCluster(); // three KRaft nodes: { brokers, registryUrl, nodes: [{ kill(), start() }], stop() }
// CLI:
//   node scripts/stack/stack.mjs fetch                               download jars into the cache only
//   node scripts/stack/stack.mjs up [--cluster] [--exports-file F]   start, print `export ...` lines, run until Ctrl-C / SIGTERM
//   node scripts/stack/stack.mjs run [--cluster] -- CMD [ARGS...]    start, run CMD with KAFKA_BROKERS / SCHEMA_REGISTRY_URL, stop
//
// What is run and why is described in scripts/stack/README.md; versions live in scripts/stack/pom.xml.

import { spawn, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const POM = path.join(HERE, 'pom.xml');
const LOG4J_CONFIG = path.join(HERE, 'log4j2.yaml');
const CCOMPAT_PATH = '/apis/ccompat/v7';
const KAFKA_STARTED_LINE = 'Kafka Server started';
const MIN_JAVA = 17;

function pomProperty(name) {
  const m = fs.readFileSync(POM, 'utf8').match(new RegExp(`<${name.replace(/\./g, '\\.')}>([^<]+)</`));
  if (!m) throw new Error(`stack: property <${name}> not found in ${POM}`);
  return m[1].trim();
}

/** Versions of what the stack runs (read from pom.xml). */
export const versions = Object.freeze({
  kafka: pomProperty('kafka.version'),
  apicurio: pomProperty('apicurio.version'),
});

const envNumber = (name, fallback) => {
  const v = Number(process.env[name]);
  return Number.isFinite(v) && v > 0 ? v : fallback;
};
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const stripAnsi = (s) => s.replace(/\x1b\[[0-9;]*[A-Za-z]/g, '');
const seconds = (since) => `${((Date.now() - since) / 1000).toFixed(1)} s`;

function makeLogger(log) {
  if (typeof log === 'function') return log;
  if (log === true || process.env.KAFKA_EVENTING_STACK_DEBUG) return (m) => process.stderr.write(`stack: ${m}\n`);
  return () => {};
}

// ---------------------------------------------------------------------------------------------------------------
// Downloading (Maven) into the cache
// ---------------------------------------------------------------------------------------------------------------

/** Default cache folder: $KAFKA_EVENTING_STACK_CACHE or ${XDG_CACHE_HOME:-~/.cache}/kafka-eventing-stack */
export function defaultCacheDir() {
  if (process.env.KAFKA_EVENTING_STACK_CACHE) return path.resolve(process.env.KAFKA_EVENTING_STACK_CACHE);
  const base = process.env.XDG_CACHE_HOME || path.join(os.homedir(), '.cache');
  return path.join(base, 'kafka-eventing-stack');
}

function cachePaths(cacheDir) {
  const kafkaLibDir = path.join(cacheDir, 'kafka-libs');
  const registryDir = path.join(cacheDir, `apicurio-registry-${versions.apicurio}`);
  return {
    cacheDir,
    kafkaLibDir,
    registryDir,
    registryJar: path.join(registryDir, `apicurio-registry-app-${versions.apicurio}-runner.jar`),
  };
}

const MARKER = '.complete';
const readMarker = (dir) => {
  try {
    return fs.readFileSync(path.join(dir, MARKER), 'utf8').trim();
  } catch {
    return null;
  }
};
// Kafka's class path is keyed by the whole pom (any dependency change refreshes it).
const kafkaLibsKey = () => createHash('sha256').update(fs.readFileSync(POM)).digest('hex').slice(0, 16);

function kafkaLibsComplete(p) {
  return readMarker(p.kafkaLibDir) === kafkaLibsKey() && fs.existsSync(path.join(p.kafkaLibDir, `kafka_2.13-${versions.kafka}.jar`));
}
function registryComplete(p) {
  return readMarker(p.registryDir) === versions.apicurio && fs.existsSync(p.registryJar);
}

function runCaptured(cmd, args, opts = {}) {
  return new Promise((resolve, reject) => {
    let out = '';
    let child;
    try {
      child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    } catch (err) {
      reject(err);
      return;
    }
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, output: stripAnsi(out) }));
  });
}

/** Move a finished staging folder into place unless another process already put a complete copy there. */
async function install(staging, target, isComplete) {
  if (isComplete()) return; // someone else won the race
  await fsp.rm(target, { recursive: true, force: true });
  try {
    await fsp.rename(staging, target);
  } catch (err) {
    if (!isComplete()) throw err;
  }
}

/**
 * Downloads (idempotently) the Kafka broker's jars and the Apicurio registry into the cache folder, with Maven
 * (`mvn` on PATH, or $MVN). Does nothing when both are already there and complete.
 * @param {{cacheDir?: string, log?: ((msg: string) => void) | boolean}} [options]
 */
export async function fetchJars(options = {}) {
  const log = makeLogger(options.log);
  const p = cachePaths(path.resolve(options.cacheDir ?? defaultCacheDir()));
  const needKafka = !kafkaLibsComplete(p);
  const needRegistry = !registryComplete(p);
  if (!needKafka && !needRegistry) return { ...p, downloaded: false };

  await fsp.mkdir(p.cacheDir, { recursive: true });
  // Leftovers of an interrupted download (another process's that is still running is younger than this).
  for (const name of fs.readdirSync(p.cacheDir).filter((n) => n.startsWith('.staging-'))) {
    const dir = path.join(p.cacheDir, name);
    try {
      if (Date.now() - fs.statSync(dir).mtimeMs > 60 * 60 * 1000) await fsp.rm(dir, { recursive: true, force: true });
    } catch {
      /* gone meanwhile */
    }
  }
  const staging = await fsp.mkdtemp(path.join(p.cacheDir, '.staging-'));
  try {
    const stagedLibs = path.join(staging, 'kafka-libs');
    const stagedRegistry = path.join(staging, 'registry');
    const goals = [];
    if (needKafka) goals.push('dependency:copy-dependencies@kafka-libs');
    if (needRegistry) goals.push('dependency:unpack@registry');
    const mvn = process.env.MVN || 'mvn';
    const args = [
      '-q',
      '-B',
      '-Dstyle.color=never',
      '-f',
      POM,
      ...goals,
      `-Dstack.kafkaLibDir=${stagedLibs}`,
      `-Dstack.registryDir=${stagedRegistry}`,
      `-Dstack.markersDir=${path.join(staging, 'markers')}`,
    ];
    const what = [needKafka && `Kafka ${versions.kafka} jars`, needRegistry && `Apicurio Registry ${versions.apicurio}`]
      .filter(Boolean)
      .join(' and ');
    log(`downloading ${what} with Maven into ${p.cacheDir} ...`);
    const t0 = Date.now();
    let res;
    try {
      res = await runCaptured(mvn, args, { cwd: staging });
    } catch (err) {
      if (err.code === 'ENOENT') {
        throw new Error(
          `stack: Maven ('${mvn}') was not found on PATH; it is needed to download Kafka and the registry (Debian: apt-get install -y maven)`,
        );
      }
      throw err;
    }
    if (res.code !== 0) {
      throw new Error(`stack: '${mvn} ${args.join(' ')}' failed (exit ${res.code ?? res.signal}):\n${res.output.split('\n').slice(-40).join('\n')}`);
    }

    if (needKafka) {
      const jars = fs.readdirSync(stagedLibs).filter((f) => f.endsWith('.jar'));
      // Kafka's own slf4j-api 1.7.x finds no SLF4J 2 provider; the pom excludes it, make sure.
      for (const j of jars.filter((f) => /^slf4j-api-1\./.test(f))) fs.rmSync(path.join(stagedLibs, j));
      for (const must of [`kafka_2.13-${versions.kafka}.jar`, 'slf4j-api-2.0.17.jar', 'log4j-slf4j2-impl-', 'jackson-dataformat-yaml-']) {
        if (!jars.some((f) => f.startsWith(must))) throw new Error(`stack: Maven finished but ${must}* is missing in ${stagedLibs}`);
      }
      fs.writeFileSync(path.join(stagedLibs, MARKER), `${kafkaLibsKey()}\n`);
      await install(stagedLibs, p.kafkaLibDir, () => kafkaLibsComplete(p));
    }
    if (needRegistry) {
      if (!fs.existsSync(path.join(stagedRegistry, path.basename(p.registryJar)))) {
        throw new Error(`stack: Maven finished but ${path.basename(p.registryJar)} is missing in ${stagedRegistry}`);
      }
      fs.writeFileSync(path.join(stagedRegistry, MARKER), `${versions.apicurio}\n`);
      await install(stagedRegistry, p.registryDir, () => registryComplete(p));
    }
    log(`downloaded ${what} in ${seconds(t0)}`);
  } finally {
    await fsp.rm(staging, { recursive: true, force: true });
  }
  return { ...p, downloaded: true };
}

// ---------------------------------------------------------------------------------------------------------------
// Java and ports
// ---------------------------------------------------------------------------------------------------------------

function resolveJava(explicit) {
  const java =
    explicit || process.env.KAFKA_EVENTING_STACK_JAVA || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error)
    throw new Error(
      `stack: cannot run Java ('${java}'): ${r.error.message}. Java ${MIN_JAVA}+ is needed (Debian: apt-get install -y openjdk-17-jdk-headless)`,
    );
  const m = `${r.stderr}${r.stdout}`.match(/version "(\d+)(?:\.(\d+))?/);
  const major = m ? (m[1] === '1' ? Number(m[2]) : Number(m[1])) : NaN;
  if (!(major >= MIN_JAVA)) throw new Error(`stack: '${java}' is Java ${m ? major : '(unknown version)'}; Java ${MIN_JAVA}+ is needed`);
  return java;
}

/** Distinct free TCP ports on 127.0.0.1 (all held open until every one is known, so they differ). */
async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      servers.push(srv);
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, '127.0.0.1', resolve);
      });
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(() => r()))));
  }
}

/** A Kafka cluster id: 16 random bytes, URL-safe base64 without padding, not starting with '-' (as Uuid.randomUuid). */
function kafkaClusterId() {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

/**
 * Sends a Kafka ApiVersions (v0) request and resolves true if the broker answers it without an error code.
 * Any failure resolves false.
 */
function kafkaApiVersionsOk(port, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const clientId = Buffer.from('kafka-eventing-stack');
    const body = Buffer.alloc(2 + 2 + 4 + 2 + clientId.length);
    let o = 0;
    o = body.writeInt16BE(18, o); // api_key ApiVersions
    o = body.writeInt16BE(0, o); // api_version 0
    o = body.writeInt32BE(4242, o); // correlation_id
    o = body.writeInt16BE(clientId.length, o);
    clientId.copy(body, o);
    const size = Buffer.alloc(4);
    size.writeInt32BE(body.length);

    let buf = Buffer.alloc(0);
    let done = false;
    const finish = (ok) => {
      if (done) return;
      done = true;
      sock.destroy();
      resolve(ok);
    };
    const sock = net.connect({ host: '127.0.0.1', port });
    sock.setTimeout(timeoutMs, () => finish(false));
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
    sock.on('connect', () => sock.write(Buffer.concat([size, body])));
    sock.on('data', (d) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 10) return;
      // response: int32 size, int32 correlation_id, int16 error_code, ...
      finish(buf.readInt32BE(4) === 4242 && buf.readInt16BE(8) === 0);
    });
  });
}

function httpStatus(url, timeoutMs = 2000) {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(0));
  });
}

// ---------------------------------------------------------------------------------------------------------------
// Child processes
// ---------------------------------------------------------------------------------------------------------------

// Watches one java child from outside: if our node process disappears without stopping it (SIGKILL, crash), the
// watchdog's parent changes; it then stops java (TERM, KILL after 10 s) and removes the stack's temporary folder.
// It ends by itself as soon as java is gone. Arguments: $1 node pid, $2 java pid, $3 temporary folder.
const WATCHDOG = `
parent() { if [ -r /proc/$$/stat ]; then read -r _ _ _ p _ < /proc/$$/stat; echo "$p"; else ps -o ppid= -p $$ | tr -d ' '; fi; }
alive() { kill -0 "$1" 2>/dev/null || return 1; [ ! -r "/proc/$1/stat" ] || [ "$(sed 's/.*) \\(.\\).*/\\1/' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
while alive "$2"; do
  if [ "$(parent)" != "$1" ]; then
    kill -TERM "$2" 2>/dev/null; i=0
    while alive "$2" && [ $i -lt 10 ]; do sleep 1; i=$((i+1)); done
    kill -KILL "$2" 2>/dev/null; sleep 1; rm -rf "$3"; exit 0
  fi
  sleep 1
done`;

class JavaProcess {
  constructor(name, java, args, { cwd, logFile, tempDir }) {
    Object.assign(this, { name, java, args, cwd, logFile, tempDir });
    this.child = null;
    this.watchdog = null;
    this.exitPromise = Promise.resolve();
    this.logOffset = 0;
  }

  get running() {
    return this.child !== null && this.child.exitCode === null && this.child.signalCode === null;
  }

  start() {
    const fd = fs.openSync(this.logFile, 'a');
    try {
      this.logOffset = fs.fstatSync(fd).size;
      // Not detached: Ctrl-C in a terminal reaches java as well; our exit/signal handlers kill it otherwise.
      const child = spawn(this.java, this.args, { cwd: this.cwd, stdio: ['ignore', fd, fd], detached: false });
      this.child = child;
      this.exitPromise = new Promise((resolve) => {
        child.once('exit', (code, signal) => {
          this.exit = { code, signal };
          if (this.watchdog && this.watchdog.exitCode === null) this.watchdog.kill('SIGKILL');
          resolve();
        });
        child.once('error', (err) => {
          this.exit = { code: null, signal: null, error: err };
          resolve();
        });
      });
      if (process.platform !== 'win32' && child.pid) {
        this.watchdog = spawn('/bin/sh', ['-c', WATCHDOG, 'kafka-eventing-stack-watchdog', String(process.pid), String(child.pid), this.tempDir], {
          stdio: 'ignore',
          detached: false,
        });
        this.watchdog.on('error', () => {});
        this.watchdog.unref();
      }
    } finally {
      fs.closeSync(fd);
    }
  }

  exitDescription() {
    if (!this.exit) return 'still running';
    if (this.exit.error) return `failed to start: ${this.exit.error.message}`;
    return this.exit.signal ? `killed by ${this.exit.signal}` : `exited with code ${this.exit.code}`;
  }

  /** The log written since the last start(). */
  logSinceStart() {
    try {
      const all = fs.readFileSync(this.logFile);
      return all.subarray(Math.min(this.logOffset, all.length)).toString('utf8');
    } catch {
      return '';
    }
  }

  tail(lines = 40) {
    const text = this.logSinceStart().trimEnd();
    return text ? text.split('\n').slice(-lines).join('\n') : '(empty)';
  }

  /** SIGTERM, wait for exit, SIGKILL after timeoutMs. */
  async stop(timeoutMs) {
    if (!this.running) return this.exitPromise;
    this.child.kill('SIGTERM');
    let timer;
    const timedOut = await Promise.race([this.exitPromise.then(() => false), new Promise((r) => (timer = setTimeout(() => r(true), timeoutMs)))]);
    clearTimeout(timer);
    if (timedOut && this.running) this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  /** SIGKILL, wait for exit. */
  async kill() {
    if (this.running) this.child.kill('SIGKILL');
    await this.exitPromise;
  }

  killSync() {
    if (this.running) this.child.kill('SIGKILL');
    if (this.watchdog && this.watchdog.exitCode === null) this.watchdog.kill('SIGKILL');
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Cleanup when node goes away
// ---------------------------------------------------------------------------------------------------------------

const liveStacks = new Set(); // stacks whose java children may be running
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'];
let exitHandlerInstalled = false;
let signalHandlersInstalled = false;

function killAllSync() {
  for (const s of liveStacks) s.killSync();
  liveStacks.clear();
}

function onSignal(signal) {
  killAllSync();
  uninstallSignalHandlers();
  // If nobody else listens for this signal, die of it as node would have without us.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installHandlers(handleSignals) {
  if (!exitHandlerInstalled) {
    process.on('exit', killAllSync); // synchronous: SIGKILL the children, remove temporary folders
    exitHandlerInstalled = true;
  }
  if (handleSignals && !signalHandlersInstalled) {
    for (const sig of SIGNALS) process.on(sig, onSignal);
    signalHandlersInstalled = true;
  }
}

function uninstallSignalHandlers() {
  if (!signalHandlersInstalled) return;
  for (const sig of SIGNALS) process.removeListener(sig, onSignal);
  signalHandlersInstalled = false;
}

function forget(stack) {
  liveStacks.delete(stack);
  if (liveStacks.size === 0) uninstallSignalHandlers();
}

// ---------------------------------------------------------------------------------------------------------------
// Start-up plumbing shared by the single-node stack and the cluster
// ---------------------------------------------------------------------------------------------------------------

/** An error about a process that did not start, with the last lines of its log; portClash when a port was taken. */
function processFailure(proc, message) {
  const err = new Error(`stack: the ${proc.name} ${message}. Last lines of its log (${path.basename(proc.logFile)}):\n${proc.tail()}`);
  err.portClash = /BindException|Address already in use|seems to be in use by another process/.test(proc.logSinceStart());
  return err;
}

/** Waits for processes to become ready within a time limit; abandon() ends every wait (a failed start-up, stop()). */
class Readiness {
  constructor(timeoutMs) {
    this.timeoutMs = timeoutMs;
    this.abandonedBecause = null;
  }

  abandon(reason) {
    this.abandonedBecause ??= reason;
  }

  throwIfAbandoned() {
    if (this.abandonedBecause) throw Object.assign(new Error(this.abandonedBecause), { abandoned: true });
  }

  /** Polls check() every 200 ms until it resolves true; rejects when proc exits, on abandon() or on time-out. */
  async waitFor(proc, what, check) {
    const start = Date.now();
    for (;;) {
      if (!proc.running) throw processFailure(proc, `${proc.exitDescription()} before ${what}`);
      this.throwIfAbandoned();
      if (await check()) return;
      if (Date.now() - start > this.timeoutMs) throw processFailure(proc, `did not become ready (${what}) within ${this.timeoutMs / 1000} s`);
      await sleep(200);
    }
  }

  /**
   * Waits for start-up steps that run in parallel. The first failure abandons the others' waits; the result
   * rejects with the real failure(s) (portClash if any of them is one).
   */
  async all(steps) {
    const abandonOthers = (err) => {
      this.abandon('stack: start-up abandoned');
      throw err;
    };
    const results = await Promise.allSettled(steps.map((step) => step.catch(abandonOthers)));
    const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
    if (failed.length === 0) return;
    const real = failed.filter((e) => !e.abandoned);
    if (real.length === 0) throw failed[0];
    const err = real.length === 1 ? real[0] : new Error(real.map((e) => e.message).join('\n\n'));
    err.portClash = real.some((e) => e.portClash);
    throw err;
  }
}

/** Settings of one start (options with their defaults), shared by the stack's and the cluster's processes. */
function startSettings(options, jars, java, log) {
  // C1 only: the JVMs start ~30 % faster on 2 cores (measured 7-9 s instead of 10-15 s for broker + registry);
  // peak throughput does not matter for tests. options.jvmArgs come last, so they can override it.
  const extraJvm = ['-XX:TieredStopAtLevel=1', ...(options.jvmArgs ?? [])];
  const classPath = path.join(jars.kafkaLibDir, '*'); // expanded by the java launcher
  return {
    log,
    java,
    jars,
    extraJvm,
    kafkaJvm: [...extraJvm, '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classPath],
    readiness: new Readiness(options.readyTimeoutMs ?? envNumber('KAFKA_EVENTING_STACK_TIMEOUT_MS', 90_000)),
    stopTimeoutMs: options.stopTimeoutMs ?? 20_000,
    handleSignals: options.handleSignals !== false,
  };
}

/**
 * Downloads (if needed) and checks Java, then runs attempt() with them, again with new ports (up to 3 attempts)
 * when a free port was taken by someone else between our probe and java's bind.
 */
async function startWithRetries(what, options, log, attempt) {
  const t0 = Date.now();
  const jars = await fetchJars({ cacheDir: options.cacheDir, log });
  const java = resolveJava(options.java);
  for (let n = 1; ; n++) {
    try {
      const handle = await attempt(startSettings(options, jars, java, log));
      log(`${what} up in ${seconds(t0)} (temporary folder ${handle.tempDir})`);
      return handle;
    } catch (err) {
      if (err && err.portClash && n < 3) {
        log(`a port was taken meanwhile (${err.message.split('\n')[0]}); retrying with other ports`);
        continue;
      }
      throw err;
    }
  }
}

/**
 * Puts a stack's processes under the exit / signal clean-up, starts it with steps() and waits for all of them;
 * on failure stops everything and rethrows. Resolves to stopAll(): stops the processes, removes the folder.
 */
async function superviseAndStart(processes, tempDir, settings, steps) {
  const entry = {
    killSync() {
      for (const proc of processes) proc.killSync();
      try {
        fs.rmSync(tempDir, { recursive: true, force: true });
      } catch {
        /* the watchdogs remove it as well */
      }
    },
  };
  liveStacks.add(entry);
  installHandlers(settings.handleSignals);
  const stopAll = async () => {
    await Promise.all(processes.map((proc) => proc.stop(settings.stopTimeoutMs)));
    await fsp.rm(tempDir, { recursive: true, force: true });
    forget(entry);
  };
  try {
    await settings.readiness.all(steps());
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
  return stopAll;
}

/** fn => promise: runs the functions given one after the other, each after the previous one has settled. */
function serializer() {
  let last = Promise.resolve();
  return (fn) => {
    const run = last.then(fn, fn);
    last = run.catch(() => {});
    return run;
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Kafka nodes and the registry
// ---------------------------------------------------------------------------------------------------------------

/** Settings of the single-node stack (beyond listeners and storage): every internal topic kept once. */
const SINGLE_NODE_PROPERTIES = Object.freeze({
  'num.partitions': 3,
  'offsets.topic.replication.factor': 1,
  'transaction.state.log.replication.factor': 1,
  'transaction.state.log.min.isr': 1,
  'share.coordinator.state.topic.replication.factor': 1,
  'share.coordinator.state.topic.min.isr': 1,
  'group.initial.rebalance.delay.ms': 0,
});

/**
 * Settings of every node of the three-node cluster: production-shaped durability (why: README.md). Kafka's
 * failure-detection settings (broker.session.timeout.ms, replica.lag.time.max.ms, ...) keep their defaults.
 */
const CLUSTER_PROPERTIES = Object.freeze({
  'num.partitions': 6,
  'default.replication.factor': 3,
  'min.insync.replicas': 2,
  'offsets.topic.replication.factor': 3,
  'transaction.state.log.replication.factor': 3,
  'transaction.state.log.min.isr': 2,
  'share.coordinator.state.topic.replication.factor': 3,
  'share.coordinator.state.topic.min.isr': 2,
  'unclean.leader.election.enable': false,
  'group.initial.rebalance.delay.ms': 0,
  // The log cleaner's dedupe buffer is 128 MB by default: with a 256 MB heap a node died at start with
  // OutOfMemoryError (seen once in five starts on this 2-core machine). 16 MB is plenty for tests.
  'log.cleaner.dedupe.buffer.size': 16 * 1024 * 1024,
});
const CLUSTER_SIZE = 3;

/** The server.properties of a combined broker+controller KRaft node; `properties` come last (they win). */
function serverProperties({ id, brokerPort, controllerPort, voters, dataDir, properties }) {
  return [
    'process.roles=broker,controller',
    `node.id=${id}`,
    `controller.quorum.voters=${voters}`,
    `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${dataDir}`,
    ...Object.entries(properties).map(([key, value]) => `${key}=${value}`),
    '',
  ].join('\n');
}

/** A node's files in the temporary folder: suffix '' for the single node (kafka.log), '-1' ... in a cluster. */
function nodeFiles(tempDir, suffix) {
  return {
    properties: path.join(tempDir, `server${suffix}.properties`),
    dataDir: path.join(tempDir, `kafka-data${suffix}`),
    log: path.join(tempDir, `kafka${suffix}.log`),
    formatLog: path.join(tempDir, `kafka${suffix}-format.log`),
  };
}

/** One combined broker+controller KRaft node: its server.properties, its storage format run and its JVM. */
class KafkaNode {
  /**
   * @param {{id: number, name: string, clusterId: string, brokerPort: number, controllerPort: number,
   *   voters: string, properties: object, heap: string, files: ReturnType<typeof nodeFiles>}} spec
   * @param {ReturnType<typeof startSettings> & {tempDir: string}} settings
   */
  constructor(spec, settings) {
    const { id, name, clusterId, brokerPort, controllerPort, voters, properties, heap, files } = spec;
    Object.assign(this, { id, name, brokerPort, files, settings });
    this.address = `127.0.0.1:${brokerPort}`;
    fs.writeFileSync(files.properties, serverProperties({ id, brokerPort, controllerPort, voters, dataDir: files.dataDir, properties }));
    const { java, kafkaJvm, tempDir } = settings;
    const format = ['kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', files.properties, '--ignore-formatted'];
    this.formatter = new JavaProcess(`${name} storage format`, java, ['-Xmx256m', ...kafkaJvm, ...format], {
      cwd: tempDir,
      logFile: files.formatLog,
      tempDir,
    });
    this.broker = new JavaProcess(name, java, [`-Xmx${heap}`, ...kafkaJvm, 'kafka.Kafka', files.properties], {
      cwd: tempDir,
      logFile: files.log,
      tempDir,
    });
  }

  /** Every process this node may run (for the clean-up). */
  get processes() {
    return [this.formatter, this.broker];
  }

  get running() {
    return this.broker.running;
  }

  /** Formats the storage (kafka.tools.StorageTool), then starts the node and waits until it is ready. */
  async formatAndStart() {
    this.formatter.start();
    await this.formatter.exitPromise;
    if (this.formatter.exit?.code !== 0) throw processFailure(this.formatter, `failed (${this.formatter.exitDescription()})`);
    this.settings.readiness.throwIfAbandoned(); // another process failed meanwhile: do not start a JVM for nothing
    await this.start();
  }

  /** Starts the JVM; ready = 'Kafka Server started' logged since this start and an answer to ApiVersions. */
  async start() {
    const t = Date.now();
    this.broker.start();
    await this.settings.readiness.waitFor(
      this.broker,
      `'${KAFKA_STARTED_LINE}' and an answer to ApiVersions on ${this.address}`,
      async () => this.broker.logSinceStart().includes(KAFKA_STARTED_LINE) && (await kafkaApiVersionsOk(this.brokerPort)),
    );
    this.settings.log(`${this.name} ready on ${this.address} (Kafka ${versions.kafka}, ${seconds(t)})`);
  }

  /** SIGTERM (a controlled shutdown), SIGKILL after stopTimeoutMs. */
  async stop() {
    const t = Date.now();
    await this.broker.stop(this.settings.stopTimeoutMs);
    this.settings.log(`${this.name} stopped (${this.broker.exitDescription()}, ${seconds(t)})`);
  }

  /** SIGKILL (a crash: no controlled shutdown), and wait for the exit. */
  async kill() {
    await this.broker.kill();
    this.settings.log(`${this.name} killed (${this.broker.exitDescription()})`);
  }
}

/** The Apicurio registry (in-memory storage) on one port. */
class Registry {
  constructor(port, heap, settings) {
    const { java, jars, extraJvm, tempDir } = settings;
    this.settings = settings;
    this.baseUrl = `http://127.0.0.1:${port}`;
    this.url = `${this.baseUrl}${CCOMPAT_PATH}`;
    this.logFile = path.join(tempDir, 'registry.log');
    const args = [
      `-Xmx${heap}`,
      ...extraJvm,
      '-Djava.awt.headless=true',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${port}`,
      '-jar',
      jars.registryJar,
    ];
    this.process = new JavaProcess('schema registry', java, args, { cwd: tempDir, logFile: this.logFile, tempDir });
  }

  /** Starts it and waits until GET /subjects answers 200. */
  async start() {
    const t = Date.now();
    this.process.start();
    const subjects = `${this.url}/subjects`;
    await this.settings.readiness.waitFor(this.process, `GET ${subjects} answering 200`, async () => (await httpStatus(subjects)) === 200);
    this.settings.log(`Apicurio Registry ${versions.apicurio} ready on ${this.url} (${seconds(t)})`);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The single-node stack
// ---------------------------------------------------------------------------------------------------------------

function externalHandle(brokers, registryUrl) {
  const notHere = (what) => async () => {
    throw new Error(
      `stack: ${what}() is not available: KAFKA_BROKERS and SCHEMA_REGISTRY_URL point to an externally managed stack ` +
        `(${brokers}, ${registryUrl}); unset them to let startStack() run its own broker`,
    );
  };
  return {
    external: true,
    brokers,
    registryUrl,
    registryBaseUrl: registryUrl.replace(/\/apis\/ccompat\/v7\/?$/, ''),
    env: { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl },
    tempDir: null,
    ports: null,
    logFiles: null,
    stopBroker: notHere('stopBroker'),
    startBroker: notHere('startBroker'),
    async stop() {},
  };
}

/**
 * Starts Kafka (single KRaft node) and the Apicurio registry on free ports of 127.0.0.1, or, when KAFKA_BROKERS and
 * SCHEMA_REGISTRY_URL are both set (and options.useEnv is not false), returns a handle to those without starting
 * anything.
 * @param {import('./stack.d.mts').StackOptions} [options]
 * @returns {Promise<import('./stack.d.mts').StackHandle>}
 */
export async function startStack(options = {}) {
  const log = makeLogger(options.log);
  const env = process.env;
  if (options.useEnv !== false && env.KAFKA_BROKERS && env.SCHEMA_REGISTRY_URL) {
    log(`using KAFKA_BROKERS=${env.KAFKA_BROKERS} SCHEMA_REGISTRY_URL=${env.SCHEMA_REGISTRY_URL} from the environment`);
    return externalHandle(env.KAFKA_BROKERS, env.SCHEMA_REGISTRY_URL);
  }
  if (options.useEnv !== false && (env.KAFKA_BROKERS || env.SCHEMA_REGISTRY_URL)) {
    log('only one of KAFKA_BROKERS / SCHEMA_REGISTRY_URL is set; ignoring it and starting a local stack');
  }
  return startWithRetries('stack', options, log, (settings) => startLocalStack(options, settings));
}

/** One attempt at starting the local stack (see startStack). */
async function startLocalStack(options, startup) {
  const [brokerPort, controllerPort, registryPort] = await freePorts(3);
  const tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafka-eventing-stack-'));
  const settings = { ...startup, tempDir };
  const broker = new KafkaNode(
    {
      id: 1,
      name: 'Kafka broker',
      clusterId: kafkaClusterId(),
      brokerPort,
      controllerPort,
      voters: `1@127.0.0.1:${controllerPort}`,
      properties: SINGLE_NODE_PROPERTIES,
      heap: options.brokerHeap ?? '512m',
      files: nodeFiles(tempDir, ''),
    },
    settings,
  );
  const registry = new Registry(registryPort, options.registryHeap ?? '384m', settings);
  const stopAll = await superviseAndStart([...broker.processes, registry.process], tempDir, settings, () => [
    broker.formatAndStart(),
    registry.start(),
  ]);

  let stopped = false;
  const serial = serializer();
  return {
    external: false,
    brokers: broker.address,
    registryUrl: registry.url,
    registryBaseUrl: registry.baseUrl,
    env: { KAFKA_BROKERS: broker.address, SCHEMA_REGISTRY_URL: registry.url },
    tempDir,
    ports: { broker: brokerPort, controller: controllerPort, registry: registryPort },
    logFiles: { kafka: broker.files.log, registry: registry.logFile },
    stopBroker: () =>
      serial(async () => {
        if (stopped) throw new Error('stack: stopBroker() after stop()');
        await broker.stop();
      }),
    startBroker: () =>
      serial(async () => {
        if (stopped) throw new Error('stack: startBroker() after stop()');
        if (!broker.running) await broker.start();
      }),
    stop: () =>
      serial(async () => {
        if (stopped) return;
        stopped = true;
        const t = Date.now();
        await stopAll();
        settings.log(`stack stopped (${seconds(t)})`);
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// The three-node cluster
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts three combined broker+controller KRaft nodes (replication factor 3, min.insync.replicas 2) and the
 * Apicurio registry on free ports of 127.0.0.1. Always starts its own (no external mode).
 * @param {import('./stack.d.mts').ClusterOptions} [options]
 * @returns {Promise<import('./stack.d.mts').ClusterHandle>}
 */
export async function startCluster(options = {}) {
  const log = makeLogger(options.log);
  return startWithRetries('cluster', options, log, (settings) => startLocalCluster(options, settings));
}

/** One attempt at starting the cluster (see startCluster). */
async function startLocalCluster(options, startup) {
  const ports = await freePorts(2 * CLUSTER_SIZE + 1);
  const registryPort = ports.pop();
  const ids = Array.from({ length: CLUSTER_SIZE }, (_, i) => i + 1);
  const portsOf = (id) => ({ brokerPort: ports[2 * (id - 1)], controllerPort: ports[2 * (id - 1) + 1] });
  const voters = ids.map((id) => `${id}@127.0.0.1:${portsOf(id).controllerPort}`).join(',');
  const tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafka-eventing-cluster-'));
  const settings = { ...startup, tempDir };
  const clusterId = kafkaClusterId(); // one for all: nodes formatted with different ids refuse to talk to each other
  const properties = { ...CLUSTER_PROPERTIES, ...options.brokerProperties };
  const nodes = ids.map(
    (id) =>
      new KafkaNode(
        {
          id,
          name: `Kafka node ${id}`,
          clusterId,
          ...portsOf(id),
          voters,
          properties,
          heap: options.brokerHeap ?? '256m',
          files: nodeFiles(tempDir, `-${id}`),
        },
        settings,
      ),
  );
  const registry = new Registry(registryPort, options.registryHeap ?? '384m', settings);
  const processes = [...nodes.flatMap((node) => node.processes), registry.process];
  const stopAll = await superviseAndStart(processes, tempDir, settings, () => [...nodes.map((node) => node.formatAndStart()), registry.start()]);

  let stopping = null;
  const nodeHandles = nodes.map((node) => clusterNodeHandle(node, () => stopping !== null));
  const brokers = nodes.map((node) => node.address).join(',');
  return {
    external: false,
    brokers,
    registryUrl: registry.url,
    registryBaseUrl: registry.baseUrl,
    env: { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registry.url },
    tempDir,
    logFiles: { kafka: nodes.map((node) => node.files.log), registry: registry.logFile },
    nodes: nodeHandles,
    nodeById(id) {
      const found = nodeHandles.find((node) => node.id === id);
      if (!found) throw new Error(`stack: no node ${id} in the cluster (ids: ${ids.join(', ')})`);
      return found;
    },
    stop() {
      stopping ??= (async () => {
        settings.readiness.abandon('stack: the cluster was stopped'); // ends a node's start() that is waiting
        const t = Date.now();
        // SIGKILL, not a controlled shutdown: the data is deleted anyway, and the last node to go would wait for
        // a controller quorum that has gone (5 s in parallel, stopTimeoutMs when stopped one after the other).
        await Promise.all(nodes.map((node) => node.broker.kill()));
        await stopAll();
        settings.log(`cluster stopped (${seconds(t)})`);
      })();
      return stopping;
    },
  };
}

/** The handle of one cluster node; its operations run one after the other. */
function clusterNodeHandle(node, clusterStopped) {
  const serial = serializer();
  const operation = (what, fn) => () =>
    serial(async () => {
      if (clusterStopped()) throw new Error(`stack: node ${node.id} ${what}() after the cluster's stop()`);
      await fn();
    });
  return {
    id: node.id,
    port: node.brokerPort,
    host: '127.0.0.1',
    address: node.address,
    logFile: node.files.log,
    get running() {
      return node.running;
    },
    kill: operation('kill', () => node.kill()),
    stop: operation('stop', () => node.stop()),
    start: operation('start', async () => {
      if (!node.running) await node.start();
    }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------------------------

const USAGE = `usage: node scripts/stack/stack.mjs <command>
  fetch                        download Kafka ${versions.kafka} and Apicurio Registry ${versions.apicurio} into the cache, then exit
  up [--cluster] [--exports-file FILE]
                               start a broker and a registry on 127.0.0.1, print 'export KAFKA_BROKERS=...' and
                               'export SCHEMA_REGISTRY_URL=...' (also written to FILE), run until Ctrl-C or SIGTERM
  run [--cluster] -- CMD [ARGS...]
                               start them, run CMD with KAFKA_BROKERS and SCHEMA_REGISTRY_URL set, stop them,
                               exit with CMD's exit code (an already set pair of those variables is used as is,
                               except with --cluster)
  --cluster                    three broker+controller nodes (replication factor 3, min.insync.replicas 2) instead
                               of one; KAFKA_BROKERS is then a comma-separated list of the three
environment: KAFKA_EVENTING_STACK_CACHE (cache folder), KAFKA_EVENTING_STACK_TIMEOUT_MS (readiness timeout),
             JAVA_HOME / KAFKA_EVENTING_STACK_JAVA (Java ${MIN_JAVA}+), MVN (Maven command), KAFKA_EVENTING_STACK_DEBUG`;

const signalExitCode = (sig) => 128 + (os.constants.signals[sig] ?? 1);

async function cli(argv) {
  const log = (m) => process.stderr.write(`stack: ${m}\n`);
  const [command, ...rest] = argv;
  if (command === 'fetch') {
    const t = Date.now();
    const r = await fetchJars({ log });
    log(r.downloaded ? `fetched in ${seconds(t)}` : `already in the cache (${seconds(t)})`);
    log(`kafka class path: ${r.kafkaLibDir}`);
    log(`registry:         ${r.registryJar}`);
    return 0;
  }
  if (command !== 'up' && command !== 'run') {
    process.stderr.write(`${USAGE}\n`);
    return command === undefined || command === 'help' || command === '--help' || command === '-h' ? 0 : 2;
  }

  // Signals: while starting, stop at once (kill the children, exit); once up, the command handles them below.
  let ready = false;
  let onSignalWhenReady = () => {};
  const onSignal = (sig) => {
    if (!ready) {
      log(`${sig} while starting: killing the stack`);
      killAllSync();
      process.exit(signalExitCode(sig));
    }
    onSignalWhenReady(sig);
  };
  for (const sig of SIGNALS) process.on(sig, onSignal);

  if (command === 'up') {
    let envFile = null;
    let cluster = false;
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--exports-file' && rest[i + 1]) envFile = path.resolve(rest[++i]);
      else if (rest[i].startsWith('--exports-file=')) envFile = path.resolve(rest[i].slice('--exports-file='.length));
      else if (rest[i] === '--cluster') cluster = true;
      else throw new Error(`stack: unknown argument for up: ${rest[i]}\n${USAGE}`);
    }
    const signalled = new Promise((resolve) => (onSignalWhenReady = resolve)); // later signals: no effect
    const stack = cluster ? await startCluster({ log, handleSignals: false }) : await startStack({ log, handleSignals: false, useEnv: false });
    ready = true;
    const exports = `export KAFKA_BROKERS=${stack.brokers}\nexport SCHEMA_REGISTRY_URL=${stack.registryUrl}\n`;
    if (envFile) fs.writeFileSync(envFile, exports);
    process.stdout.write(exports);
    log('running; Ctrl-C or SIGTERM stops it');
    const keepAlive = setInterval(() => {}, 1 << 30);
    const sig = await signalled;
    log(`${sig}: stopping`);
    await stack.stop();
    clearInterval(keepAlive);
    if (envFile) fs.rmSync(envFile, { force: true });
    return 0;
  }

  // run: options of its own come first; everything after them (or after --) is the command
  const cluster = rest[0] === '--cluster';
  const args = cluster ? rest.slice(1) : rest;
  const cmd = args[0] === '--' ? args.slice(1) : args;
  if (cmd.length === 0) throw new Error(`stack: run needs a command\n${USAGE}`);
  const stack = cluster ? await startCluster({ log, handleSignals: false }) : await startStack({ log, handleSignals: false });
  let child = null;
  const childRunning = () => child !== null && child.exitCode === null && child.signalCode === null;
  onSignalWhenReady = (sig) => {
    if (!childRunning()) return;
    // Ctrl-C in a terminal has reached the child already (same process group); repeat it only if it is ignored.
    if (sig === 'SIGINT') setTimeout(() => childRunning() && child.kill(sig), 500);
    else child.kill(sig);
  };
  ready = true;
  const status = await new Promise((resolve) => {
    child = spawn(cmd[0], cmd.slice(1), { stdio: 'inherit', env: { ...process.env, ...stack.env } });
    child.on('error', (err) => {
      log(`cannot run ${cmd[0]}: ${err.message}`);
      resolve(127);
    });
    child.on('exit', (code, sig) => resolve(code ?? signalExitCode(sig)));
  });
  await stack.stop();
  return status;
}

const realpath = (p) => {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
};
const invokedDirectly = Boolean(process.argv[1]) && realpath(process.argv[1]) === realpath(fileURLToPath(import.meta.url));
if (invokedDirectly) {
  cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
      process.stderr.write(`${err && err.message ? err.message : err}\n`);
      process.exit(1);
    },
  );
}
