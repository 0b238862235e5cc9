#!/usr/bin/env node
// A real single-node Apache Kafka broker (KRaft) and an Apicurio schema registry on 127.0.0.1, without Docker.
//
// Library (plain ESM, node built-ins only; types in stack.d.mts):
//   import { startStack, fetchJars } from './scripts/stack/stack.mjs';
//   const stack = await startStack();   // { brokers, registryUrl, stopBroker(), startBroker(), stop(), ... }
// CLI:
//   node scripts/stack/stack.mjs fetch                     download jars into the cache only
//   node scripts/stack/stack.mjs up [--exports-file FILE]  start, print `export ...` lines, run until Ctrl-C / SIGTERM
//   node scripts/stack/stack.mjs run -- CMD [ARGS...]      start, run CMD with KAFKA_BROKERS / SCHEMA_REGISTRY_URL, stop
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
      '-q', '-B', '-Dstyle.color=never', '-f', POM, ...goals,
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
        throw new Error(`stack: Maven ('${mvn}') was not found on PATH; it is needed to download Kafka and the registry (Debian: apt-get install -y maven)`);
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
  const java = explicit || process.env.KAFKA_EVENTING_STACK_JAVA || (process.env.JAVA_HOME ? path.join(process.env.JAVA_HOME, 'bin', 'java') : 'java');
  const r = spawnSync(java, ['-version'], { encoding: 'utf8' });
  if (r.error) throw new Error(`stack: cannot run Java ('${java}'): ${r.error.message}. Java ${MIN_JAVA}+ is needed (Debian: apt-get install -y openjdk-17-jdk-headless)`);
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
    const timedOut = await Promise.race([
      this.exitPromise.then(() => false),
      new Promise((r) => (timer = setTimeout(() => r(true), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (timedOut && this.running) this.child.kill('SIGKILL');
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
// The stack
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

  const t0 = Date.now();
  const jars = await fetchJars({ cacheDir: options.cacheDir, log });
  const java = resolveJava(options.java);
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await startLocalStack(options, { log, jars, java });
      log(`stack up in ${seconds(t0)} (temporary folder ${handle.tempDir})`);
      return handle;
    } catch (err) {
      // A free port can be taken by someone else between our probe and java's bind: try again with new ones.
      if (err && err.portClash && attempt < 3) {
        log(`a port was taken meanwhile (${err.message.split('\n')[0]}); retrying with other ports`);
        continue;
      }
      throw err;
    }
  }
}

/** One attempt at starting the local stack (see startStack). */
async function startLocalStack(options, { log, jars, java }) {
  const readyTimeoutMs = options.readyTimeoutMs ?? envNumber('KAFKA_EVENTING_STACK_TIMEOUT_MS', 90_000);
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const [brokerPort, controllerPort, registryPort] = await freePorts(3);
  const tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafka-eventing-stack-'));
  const dataDir = path.join(tempDir, 'kafka-data');
  const serverProperties = path.join(tempDir, 'server.properties');
  fs.writeFileSync(
    serverProperties,
    [
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
      `listeners=PLAINTEXT://127.0.0.1:${brokerPort},CONTROLLER://127.0.0.1:${controllerPort}`,
      `advertised.listeners=PLAINTEXT://127.0.0.1:${brokerPort}`,
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
      `log.dirs=${dataDir}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      '',
    ].join('\n'),
  );

  const classPath = path.join(jars.kafkaLibDir, '*'); // expanded by the java launcher
  const logFiles = {
    format: path.join(tempDir, 'kafka-format.log'),
    kafka: path.join(tempDir, 'kafka.log'),
    registry: path.join(tempDir, 'registry.log'),
  };
  // C1 only: both JVMs start ~30 % faster on 2 cores (measured 7-9 s instead of 10-15 s for the pair);
  // peak throughput does not matter for tests. options.jvmArgs come last, so they can override it.
  const extraJvm = ['-XX:TieredStopAtLevel=1', ...(options.jvmArgs ?? [])];
  const kafkaJvm = [...extraJvm, '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classPath];
  const formatter = new JavaProcess(
    'kafka storage format',
    java,
    ['-Xmx256m', ...kafkaJvm, 'kafka.tools.StorageTool', 'format', '-t', kafkaClusterId(), '-c', serverProperties, '--ignore-formatted'],
    { cwd: tempDir, logFile: logFiles.format, tempDir },
  );
  const broker = new JavaProcess('Kafka broker', java, [`-Xmx${options.brokerHeap ?? '512m'}`, ...kafkaJvm, 'kafka.Kafka', serverProperties], {
    cwd: tempDir,
    logFile: logFiles.kafka,
    tempDir,
  });
  const registry = new JavaProcess(
    'schema registry',
    java,
    [
      `-Xmx${options.registryHeap ?? '384m'}`,
      ...extraJvm,
      '-Djava.awt.headless=true',
      '-Dquarkus.http.host=127.0.0.1',
      `-Dquarkus.http.port=${registryPort}`,
      '-jar',
      jars.registryJar,
    ],
    { cwd: tempDir, logFile: logFiles.registry, tempDir },
  );

  const brokers = `127.0.0.1:${brokerPort}`;
  const registryBaseUrl = `http://127.0.0.1:${registryPort}`;
  const registryUrl = `${registryBaseUrl}${CCOMPAT_PATH}`;
  let stopped = false;
  let brokerOp = Promise.resolve();

  const stack = {
    killSync() {
      formatter.killSync();
      broker.killSync();
      registry.killSync();
      try {
        fs.rmSync(tempDir, { recursive: true, force: true });
      } catch {
        /* the watchdogs remove it as well */
      }
    },
  };
  liveStacks.add(stack);
  installHandlers(options.handleSignals !== false);

  let startupFailed = false; // set when one of the two fails to start, so that waiting for the other stops too
  const failure = (proc, message) => {
    const err = new Error(`stack: the ${proc.name} ${message}. Last lines of its log (${path.basename(proc.logFile)}):\n${proc.tail()}`);
    err.portClash = /BindException|Address already in use|seems to be in use by another process/.test(proc.logSinceStart());
    return err;
  };
  const waitFor = async (proc, what, check) => {
    const start = Date.now();
    for (;;) {
      if (!proc.running) throw failure(proc, `${proc.exitDescription()} before ${what}`);
      if (startupFailed) throw new Error('stack: start-up abandoned');
      if (await check()) return;
      if (Date.now() - start > readyTimeoutMs) throw failure(proc, `did not become ready (${what}) within ${readyTimeoutMs / 1000} s`);
      await sleep(200);
    }
  };
  const waitBrokerReady = async () => {
    const t = Date.now();
    await waitFor(broker, `'${KAFKA_STARTED_LINE}' and an answer to ApiVersions on ${brokers}`, async () =>
      broker.logSinceStart().includes(KAFKA_STARTED_LINE) && (await kafkaApiVersionsOk(brokerPort)),
    );
    log(`Kafka ${versions.kafka} ready on ${brokers} (${seconds(t)})`);
  };
  const startBrokerProcess = async () => {
    broker.start();
    await waitBrokerReady();
  };

  const startKafka = async () => {
    formatter.start();
    await formatter.exitPromise;
    if (formatter.exit?.code !== 0) throw failure(formatter, `failed (${formatter.exitDescription()})`);
    await startBrokerProcess();
  };
  const startRegistry = async () => {
    const t = Date.now();
    registry.start();
    await waitFor(registry, `GET ${registryUrl}/subjects answering 200`, async () => (await httpStatus(`${registryUrl}/subjects`)) === 200);
    log(`Apicurio Registry ${versions.apicurio} ready on ${registryUrl} (${seconds(t)})`);
  };

  const stopAll = async () => {
    await Promise.all([formatter.stop(stopTimeoutMs), broker.stop(stopTimeoutMs), registry.stop(stopTimeoutMs)]);
    await fsp.rm(tempDir, { recursive: true, force: true });
    forget(stack);
  };

  const failFast = (promise) =>
    promise.catch((err) => {
      startupFailed = true;
      throw err;
    });
  const results = await Promise.allSettled([failFast(startKafka()), failFast(startRegistry())]);
  const failed = results.filter((r) => r.status === 'rejected').map((r) => r.reason);
  if (failed.length) {
    stopped = true;
    await stopAll().catch(() => {});
    const real = failed.filter((e) => e.message !== 'stack: start-up abandoned');
    const err = real.length === 1 ? real[0] : new Error(real.map((e) => e.message).join('\n\n'));
    err.portClash = real.some((e) => e.portClash);
    throw err;
  }

  const serial = (fn) => {
    const run = brokerOp.then(fn, fn);
    brokerOp = run.catch(() => {});
    return run;
  };

  return {
    external: false,
    brokers,
    registryUrl,
    registryBaseUrl,
    env: { KAFKA_BROKERS: brokers, SCHEMA_REGISTRY_URL: registryUrl },
    tempDir,
    ports: { broker: brokerPort, controller: controllerPort, registry: registryPort },
    logFiles: { kafka: logFiles.kafka, registry: logFiles.registry },
    stopBroker: () =>
      serial(async () => {
        if (stopped) throw new Error('stack: stopBroker() after stop()');
        const t = Date.now();
        await broker.stop(stopTimeoutMs);
        log(`Kafka broker stopped (${broker.exitDescription()}, ${seconds(t)})`);
      }),
    startBroker: () =>
      serial(async () => {
        if (stopped) throw new Error('stack: startBroker() after stop()');
        if (broker.running) return;
        await startBrokerProcess();
      }),
    stop: () =>
      serial(async () => {
        if (stopped) return;
        stopped = true;
        const t = Date.now();
        await stopAll();
        log(`stack stopped (${seconds(t)})`);
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// A cluster of several brokers (no registry)
// ---------------------------------------------------------------------------------------------------------------

/**
 * Starts a Kafka cluster of `options.brokers` nodes (default 2) on free ports of 127.0.0.1, without a registry and
 * regardless of KAFKA_BROKERS: node 1 is broker and the only controller, the others are brokers only, so any of them
 * can be stopped while the cluster keeps its controller. For tests of what a client sees with brokers down (a
 * partition without a leader, an in-sync replica set below min.insync.replicas), which one broker cannot show.
 * @param {import('./stack.d.mts').ClusterOptions} [options]
 * @returns {Promise<import('./stack.d.mts').ClusterHandle>}
 */
export async function startKafkaCluster(options = {}) {
  const log = makeLogger(options.log);
  const t0 = Date.now();
  const jars = await fetchJars({ cacheDir: options.cacheDir, log });
  const java = resolveJava(options.java);
  for (let attempt = 1; ; attempt++) {
    try {
      const handle = await startLocalCluster(options, { log, jars, java });
      log(`cluster of ${handle.nodes.length} brokers up in ${seconds(t0)} (temporary folder ${handle.tempDir})`);
      return handle;
    } catch (err) {
      if (err && err.portClash && attempt < 3) {
        log(`a port was taken meanwhile (${err.message.split('\n')[0]}); retrying with other ports`);
        continue;
      }
      throw err;
    }
  }
}

/** One attempt at starting the cluster (see startKafkaCluster). */
async function startLocalCluster(options, { log, jars, java }) {
  const count = options.brokers ?? 2;
  if (!Number.isInteger(count) || count < 2) throw new Error(`stack: a cluster needs at least 2 brokers, not ${count}`);
  const readyTimeoutMs = options.readyTimeoutMs ?? envNumber('KAFKA_EVENTING_STACK_TIMEOUT_MS', 90_000);
  const stopTimeoutMs = options.stopTimeoutMs ?? 20_000;
  const [controllerPort, ...brokerPorts] = await freePorts(count + 1);
  const tempDir = await fsp.mkdtemp(path.join(os.tmpdir(), 'kafka-eventing-cluster-'));
  const clusterId = kafkaClusterId();
  const classPath = path.join(jars.kafkaLibDir, '*');
  const kafkaJvm = ['-XX:TieredStopAtLevel=1', ...(options.jvmArgs ?? []), '-Djava.awt.headless=true', `-Dlog4j2.configurationFile=${LOG4J_CONFIG}`, '-cp', classPath];

  const nodes = brokerPorts.map((port, index) => {
    const nodeId = index + 1;
    const controller = nodeId === 1;
    const serverProperties = path.join(tempDir, `server-${nodeId}.properties`);
    fs.writeFileSync(
      serverProperties,
      [
        `process.roles=${controller ? 'broker,controller' : 'broker'}`,
        `node.id=${nodeId}`,
        `controller.quorum.voters=1@127.0.0.1:${controllerPort}`,
        `listeners=PLAINTEXT://127.0.0.1:${port}${controller ? `,CONTROLLER://127.0.0.1:${controllerPort}` : ''}`,
        `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
        'controller.listener.names=CONTROLLER',
        'inter.broker.listener.name=PLAINTEXT',
        'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        `log.dirs=${path.join(tempDir, `kafka-data-${nodeId}`)}`,
        'num.partitions=3',
        'offsets.topic.replication.factor=1',
        'transaction.state.log.replication.factor=1',
        'transaction.state.log.min.isr=1',
        'share.coordinator.state.topic.replication.factor=1',
        'share.coordinator.state.topic.min.isr=1',
        'group.initial.rebalance.delay.ms=0',
        '',
      ].join('\n'),
    );
    const logFile = path.join(tempDir, `kafka-${nodeId}.log`);
    return {
      nodeId,
      port,
      address: `127.0.0.1:${port}`,
      logFile,
      formatter: new JavaProcess(
        `kafka storage format (node ${nodeId})`,
        java,
        ['-Xmx256m', ...kafkaJvm, 'kafka.tools.StorageTool', 'format', '-t', clusterId, '-c', serverProperties, '--ignore-formatted'],
        { cwd: tempDir, logFile: path.join(tempDir, `kafka-format-${nodeId}.log`), tempDir },
      ),
      broker: new JavaProcess(`Kafka broker ${nodeId}`, java, [`-Xmx${options.brokerHeap ?? '512m'}`, ...kafkaJvm, 'kafka.Kafka', serverProperties], {
        cwd: tempDir,
        logFile,
        tempDir,
      }),
    };
  });

  const cluster = {
    killSync() {
      for (const node of nodes) {
        node.formatter.killSync();
        node.broker.killSync();
      }
      try {
        fs.rmSync(tempDir, { recursive: true, force: true });
      } catch {
        /* the watchdogs remove it as well */
      }
    },
  };
  liveStacks.add(cluster);
  installHandlers(options.handleSignals !== false);

  const failure = (proc, message) => {
    const err = new Error(`stack: the ${proc.name} ${message}. Last lines of its log (${path.basename(proc.logFile)}):\n${proc.tail()}`);
    err.portClash = /BindException|Address already in use|seems to be in use by another process/.test(proc.logSinceStart());
    return err;
  };
  const startNode = async (node) => {
    const t = Date.now();
    node.broker.start();
    for (;;) {
      if (!node.broker.running) throw failure(node.broker, `${node.broker.exitDescription()} before it was ready`);
      if (node.broker.logSinceStart().includes(KAFKA_STARTED_LINE) && (await kafkaApiVersionsOk(node.port))) break;
      if (Date.now() - t > readyTimeoutMs) throw failure(node.broker, `did not become ready within ${readyTimeoutMs / 1000} s`);
      await sleep(200);
    }
    log(`Kafka broker ${node.nodeId} ready on ${node.address} (${seconds(t)})`);
  };
  const stopAll = async () => {
    await Promise.all(nodes.flatMap((node) => [node.formatter.stop(stopTimeoutMs), node.broker.stop(stopTimeoutMs)]));
    await fsp.rm(tempDir, { recursive: true, force: true });
    forget(cluster);
  };

  try {
    await Promise.all(
      nodes.map(async (node) => {
        node.formatter.start();
        await node.formatter.exitPromise;
        if (node.formatter.exit?.code !== 0) throw failure(node.formatter, `failed (${node.formatter.exitDescription()})`);
      }),
    );
    await startNode(nodes[0]); // the controller first: the other brokers register with it
    await Promise.all(nodes.slice(1).map(startNode));
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }

  let stopped = false;
  let op = Promise.resolve();
  const serial = (fn) => {
    const run = op.then(fn, fn);
    op = run.catch(() => {});
    return run;
  };
  const nodeOf = (nodeId) => {
    const node = nodes.find((n) => n.nodeId === nodeId);
    if (!node) throw new Error(`stack: the cluster has no node ${nodeId} (it has ${nodes.map((n) => n.nodeId).join(', ')})`);
    return node;
  };
  return {
    brokers: nodes.map((node) => node.address).join(','),
    nodes: nodes.map(({ nodeId, address }) => ({ nodeId, address })),
    tempDir,
    logFiles: Object.fromEntries(nodes.map((node) => [node.nodeId, node.logFile])),
    stopBroker: (nodeId) =>
      serial(async () => {
        if (stopped) throw new Error('stack: stopBroker() after stop()');
        const node = nodeOf(nodeId);
        const t = Date.now();
        await node.broker.stop(stopTimeoutMs);
        log(`Kafka broker ${nodeId} stopped (${node.broker.exitDescription()}, ${seconds(t)})`);
      }),
    startBroker: (nodeId) =>
      serial(async () => {
        if (stopped) throw new Error('stack: startBroker() after stop()');
        const node = nodeOf(nodeId);
        if (!node.broker.running) await startNode(node);
      }),
    stop: () =>
      serial(async () => {
        if (stopped) return;
        stopped = true;
        const t = Date.now();
        await stopAll();
        log(`cluster stopped (${seconds(t)})`);
      }),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// CLI
// ---------------------------------------------------------------------------------------------------------------

const USAGE = `usage: node scripts/stack/stack.mjs <command>
  fetch                        download Kafka ${versions.kafka} and Apicurio Registry ${versions.apicurio} into the cache, then exit
  up [--exports-file FILE]     start a broker and a registry on 127.0.0.1, print 'export KAFKA_BROKERS=...' and
                               'export SCHEMA_REGISTRY_URL=...' (also written to FILE), run until Ctrl-C or SIGTERM
  run -- CMD [ARGS...]         start them, run CMD with KAFKA_BROKERS and SCHEMA_REGISTRY_URL set, stop them,
                               exit with CMD's exit code (an already set pair of those variables is used as is)
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
    for (let i = 0; i < rest.length; i++) {
      if (rest[i] === '--exports-file' && rest[i + 1]) envFile = path.resolve(rest[++i]);
      else if (rest[i].startsWith('--exports-file=')) envFile = path.resolve(rest[i].slice('--exports-file='.length));
      else throw new Error(`stack: unknown argument for up: ${rest[i]}\n${USAGE}`);
    }
    const signalled = new Promise((resolve) => (onSignalWhenReady = resolve)); // later signals: no effect
    const stack = await startStack({ log, handleSignals: false, useEnv: false });
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

  // run
  const cmd = rest[0] === '--' ? rest.slice(1) : rest;
  if (cmd.length === 0) throw new Error(`stack: run needs a command\n${USAGE}`);
  const stack = await startStack({ log, handleSignals: false });
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
