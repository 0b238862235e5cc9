// npm run bench [-- --smoke] [-- --reps 5] [-- --only bulk,concurrent,consume,latency,outbox,scaffold] - see BENCHMARKS.md
//
// Generates a service into a temporary folder, starts one local Kafka broker + schema registry (as the test
// suite does), and measures in one run the generated service's real bus and worker against raw kafkajs and
// the NestJS Kafka transport. Every measurement is a fresh child process writing to / reading from a fresh
// topic; each figure is min / median / max over the repetitions, with its ratio to raw kafkajs of this run.
// Results are printed, and written to .bench-out/ (markdown + JSON).
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { Kafka, logLevel } from 'kafkajs';
import { startStack, versions } from '../scripts/stack/stack.mjs';
import { READY_LINE, RESULT_PREFIX, VALUE_BYTES } from './lib/common.mjs';
import { outboxScenarios, outboxTargets } from './lib/outbox-scenario.mjs';
import { generate, linkDependencies, REPO_ROOT, tempDir } from './lib/service.mjs';

const BENCH_DIR = path.join(REPO_ROOT, 'bench');
const SCENARIOS = ['bulk', 'concurrent', 'consume', 'latency', 'outbox', 'tracing-publish', 'tracing-consume', 'scaffold'];
/** Scenarios run (and reported) as more than one part. */
const PARTS = { outbox: ['outbox', 'outbox-latency'] };

const { values: cli } = parseArgs({
  options: {
    smoke: { type: 'boolean', default: false },
    reps: { type: 'string' },
    events: { type: 'string' },
    only: { type: 'string' },
    contenders: { type: 'string' },
    'keep-service': { type: 'boolean', default: false },
  },
});

const settings = cli.smoke
  ? {
      reps: 1,
      events: 5_000,
      perRequestEvents: 2_000,
      batchSize: 500,
      concurrency: 500,
      rate: 1000,
      floorRate: 250,
      warmupMs: 500,
      measureMs: 2_000,
      scaffold: [1, 3],
    }
  : {
      reps: 3,
      events: 100_000,
      perRequestEvents: 20_000,
      batchSize: 500,
      concurrency: 500,
      rate: 1000,
      floorRate: 250,
      warmupMs: 2_000,
      measureMs: 10_000,
      scaffold: [1, 10, 50],
    };
if (cli.reps) settings.reps = Number(cli.reps);
if (cli.events) settings.events = Number(cli.events);
const only = cli.only ? cli.only.split(',').map((name) => name.trim()) : SCENARIOS;
for (const name of only) if (!SCENARIOS.includes(name)) throw new Error(`--only: unknown scenario ${name} (${SCENARIOS.join(', ')})`);

const runId = Date.now().toString(36);
const log = (line) => process.stderr.write(`[bench] ${line}\n`);

// ---------------------------------------------------------------------------------------------- children

/**
 * Starts a child: `node <script> <mode> '<json params>'`. Its stdout lines starting with `BENCH_READY`
 * resolve `ready`; its `BENCH_RESULT` line is the result. `tell(line)` writes a line to its stdin.
 */
function startChild({ script, cwd, mode, params, timeoutMs = 300_000, nodeFlags = [], env = {} }) {
  const child = spawn(process.execPath, ['--disable-warning=ExperimentalWarning', ...nodeFlags, script, mode, JSON.stringify(params)], {
    cwd,
    env: { ...process.env, NODE_ENV: 'test', KAFKAJS_NO_PARTITIONER_WARNING: '1', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  let markReady;
  const ready = new Promise((resolve) => (markReady = resolve));
  child.stdout.on('data', (chunk) => {
    stdout += chunk;
    if (stdout.includes(READY_LINE)) markReady();
  });
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  const result = new Promise((resolve, reject) => {
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      const line = stdout.split('\n').find((entry) => entry.startsWith(RESULT_PREFIX));
      if (code === 0 && line) resolve(JSON.parse(line.slice(RESULT_PREFIX.length)));
      else reject(new Error(`${path.basename(script)} ${mode} failed (${signal ?? `exit ${code}`}):\n${(stderr || stdout).slice(-3000)}`));
    });
  });
  // A child that fails before it is ready must not leave `ready` waiting.
  const readyOrFailed = Promise.race([ready, result.then(() => Promise.reject(new Error(`${mode} ended before it was ready`)))]);
  readyOrFailed.catch(() => {});
  result.catch(() => {});
  return { ready: readyOrFailed, result, tell: (line) => child.stdin.write(`${line}\n`), kill: () => child.kill('SIGKILL') };
}

const runChild = (options) => startChild(options).result;

let stack;
let serviceDir;
let platformaticDir;
let schemaId;
let admin;

const child = {
  raw: (mode, params) => ({ script: path.join(BENCH_DIR, 'children', 'raw.mjs'), cwd: BENCH_DIR, mode, params: common(params) }),
  nest: (mode, params) => ({ script: path.join(BENCH_DIR, 'children', 'nest.mjs'), cwd: BENCH_DIR, mode, params: common(params) }),
  rawPlatformatic: (mode, params) => ({
    script: path.join(BENCH_DIR, 'children', 'raw-platformatic.mjs'),
    cwd: BENCH_DIR,
    mode,
    params: common(params),
  }),
  bus: (mode, params) => ({ script: path.join(serviceDir, 'bench', 'generated.mjs'), cwd: serviceDir, mode, params: common(params) }),
  busPlatformatic: (mode, params) => ({
    script: path.join(platformaticDir, 'bench', 'generated.mjs'),
    cwd: platformaticDir,
    mode,
    params: common(params),
  }),
};
const raw = (mode, params) => runChild(child.raw(mode, params));
const nest = (mode, params) => runChild(child.nest(mode, params));
const rawPlatformatic = (mode, params) => runChild(child.rawPlatformatic(mode, params));
const bus = (mode, params) => runChild(child.bus(mode, params));
const busPlatformatic = (mode, params) => runChild(child.busPlatformatic(mode, params));
/**
 * A traced service started as `npm start` does runs AsyncLocalStorage on AsyncContextFrame (Node 22: src/main.ts
 * restarts itself with --experimental-async-context-frame; Node 24: the default). This flag keeps Node 22 on
 * async_hooks, as a service started from an entry point of your own that does not restart.
 */
const ASYNC_HOOKS = ['--no-experimental-async-context-frame'];
const busOnAsyncHooks = (mode, params) => runChild({ ...child.bus(mode, params), nodeFlags: ASYNC_HOOKS });
/** The SDK's standard sampler settings (read by the service's tracer provider): 10 % of new traces recorded. */
const SAMPLED_10_PERCENT = { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' };
const busSampled = (mode, params) => runChild({ ...child.bus(mode, params), env: SAMPLED_10_PERCENT });
/** How a traced service runs on Node 22 (src/main.ts restarts itself so): given to the raw client's traced contender too. */
const ASYNC_CONTEXT_FRAME =
  process.versions.node.startsWith('22.') || process.versions.node.startsWith('23.') ? ['--experimental-async-context-frame'] : [];
const common = (params) => ({ brokers: stack.brokers, registryUrl: stack.registryUrl, schemaId, ...params });

/**
 * Latency with publisher and subscriber in two processes (as two services would be): the subscriber
 * starts and joins its group, then the publisher runs its warm-up and measured phases, then the
 * subscriber is told how many measured events to wait for.
 */
async function splitLatency(kind, params) {
  const subscriber = startChild(child[kind]('latency-subscribe', params));
  try {
    await subscriber.ready;
    const publisher = await runChild(child[kind]('latency-publish', params));
    subscriber.tell(`expect ${publisher.sent}`);
    return { ...(await subscriber.result), sent: publisher.sent, achievedRate: publisher.achievedRate, flush: publisher.flush };
  } catch (error) {
    subscriber.kill();
    throw error;
  }
}

async function freshTopic(...parts) {
  const topic = ['bench', runId, ...parts].join('.');
  await admin.createTopics({ topics: [{ topic, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
  return topic;
}

// --------------------------------------------------------------------------------------------- scenarios

const publishParams = () => ({ events: settings.events, batchSize: settings.batchSize, concurrency: settings.concurrency });
/**
 * Contenders that make one produce request per event run at a few thousand events/s at best: they get
 * fewer events (their rate is steady after the first hundreds), to keep the whole run within minutes.
 */
const perRequestParams = () => ({ ...publishParams(), events: Math.min(settings.events, settings.perRequestEvents) });
const perRequestNote = () => (settings.perRequestEvents < settings.events ? ` (${fmtInt(settings.perRequestEvents)} events)` : '');

/**
 * Each scenario: contenders measured once per repetition, in an order rotated from one repetition to the
 * next; `baseline` names the raw kafkajs contender the ratios refer to.
 */
const scenarioDefinitions = {
  bulk: {
    title: `1. Bulk publish: ${fmtInt(settings.events)} events of ${VALUE_BYTES} B, acks=all, idempotent`,
    metric: 'throughput',
    baseline: 'raw',
    contenders: [
      {
        id: 'raw',
        label: `raw kafkajs \`send\`, batches of ${settings.batchSize}`,
        run: async (rep) => raw('bulk', { ...publishParams(), topic: await freshTopic('bulk', 'raw', rep) }),
      },
      {
        id: 'bus',
        label: `generated bus: ${settings.batchSize} x \`publish\` + \`flushAll\` per unit of work`,
        run: async (rep) => bus('bulk', { ...publishParams(), topic: await freshTopic('bulk', 'bus', rep) }),
      },
      {
        id: 'bus-platformatic',
        label: `generated bus on @platformatic/kafka (\`--kafka-client platformatic\`): ${settings.batchSize} x \`publish\` + \`flushAll\` per unit of work`,
        run: async (rep) => busPlatformatic('bulk', { ...publishParams(), topic: await freshTopic('bulk', 'bus-platformatic', rep) }),
      },
      {
        id: 'raw-platformatic',
        label: `raw @platformatic/kafka \`send\`, batches of ${settings.batchSize}`,
        run: async (rep) => rawPlatformatic('bulk', { ...publishParams(), topic: await freshTopic('bulk', 'raw-platformatic', rep) }),
      },
      {
        id: 'nest-emit',
        label: `NestJS \`emit\`, ${settings.concurrency} in flight${perRequestNote()}`,
        run: async (rep) => nest('bulk-emit', { ...perRequestParams(), topic: await freshTopic('bulk', 'nest-emit', rep) }),
      },
      {
        id: 'nest-batch',
        label: `NestJS \`emitBatch\`, ${settings.batchSize} per call`,
        run: async (rep) => nest('bulk-emit-batch', { ...publishParams(), topic: await freshTopic('bulk', 'nest-batch', rep) }),
      },
    ],
  },
  concurrent: {
    title: `2. Publish under concurrency: ${settings.concurrency} concurrent units of work, 1 event + flush each, ${fmtInt(settings.events)} in all`,
    metric: 'throughput',
    baseline: 'raw-batched',
    contenders: [
      {
        id: 'raw-batched',
        label: `raw kafkajs \`send\`, batches of ${settings.batchSize} (target baseline)`,
        run: async (rep) => raw('bulk', { ...publishParams(), topic: await freshTopic('conc', 'raw-batched', rep) }),
      },
      {
        id: 'raw',
        label: `raw kafkajs, 1 \`send\` per event, ${settings.concurrency} in flight${perRequestNote()}`,
        run: async (rep) => raw('concurrent', { ...perRequestParams(), topic: await freshTopic('conc', 'raw', rep) }),
      },
      {
        id: 'bus',
        label: `generated bus: ${settings.concurrency} units of work in flight`,
        run: async (rep) => bus('concurrent', { ...publishParams(), topic: await freshTopic('conc', 'bus', rep) }),
      },
      {
        id: 'bus-platformatic',
        label: `generated bus on @platformatic/kafka: ${settings.concurrency} units of work in flight`,
        run: async (rep) => busPlatformatic('concurrent', { ...publishParams(), topic: await freshTopic('conc', 'bus-platformatic', rep) }),
      },
      {
        id: 'raw-platformatic',
        label: `raw @platformatic/kafka, 1 \`send\` per event, ${settings.concurrency} in flight${perRequestNote()}`,
        run: async (rep) => rawPlatformatic('concurrent', { ...perRequestParams(), topic: await freshTopic('conc', 'raw-platformatic', rep) }),
      },
      {
        id: 'nest',
        label: `NestJS \`emit\`, ${settings.concurrency} in flight${perRequestNote()}`,
        run: async (rep) => nest('concurrent', { ...perRequestParams(), topic: await freshTopic('conc', 'nest', rep) }),
      },
    ],
  },
  consume: {
    title: `3. Consume ${fmtInt(settings.events)} events (no-op handler, offsets committed after handling)`,
    metric: 'throughput',
    baseline: 'raw',
    // One topic per repetition, filled through the generated bus; each contender reads it with its own group.
    prepare: async (rep) => {
      const topic = await freshTopic('consume', rep);
      await bus('bulk', { ...publishParams(), topic });
      return { topic };
    },
    contenders: [
      {
        id: 'raw',
        label: 'raw kafkajs `eachBatch` (resolveOffset + heartbeat per message)',
        run: (rep, { topic }) => raw('consume', { topic, events: settings.events, groupId: `${topic}.raw` }),
      },
      {
        id: 'bus',
        label: 'generated worker (decode + validate, DI scope, handler, flush, commit after success)',
        run: (rep, { topic }) => bus('consume', { topic, events: settings.events, groupId: `${topic}.bus` }),
      },
      {
        id: 'bus-platformatic',
        label: 'generated worker on @platformatic/kafka (per message, commit after success)',
        run: (rep, { topic }) => busPlatformatic('consume', { topic, events: settings.events, groupId: `${topic}.bus-platformatic` }),
      },
      {
        id: 'raw-platformatic',
        label: 'raw @platformatic/kafka stream (`consume`, autocommit)',
        run: (rep, { topic }) => rawPlatformatic('consume', { topic, events: settings.events, groupId: `${topic}.raw-platformatic` }),
      },
      {
        id: 'batch',
        label: 'generated batch handler (`--batch`: decode + validate each event, one DI scope per fetched batch, commit after the batch)',
        run: (rep, { topic }) => bus('consume', { topic, events: settings.events, groupId: `${topic}.batch`, batch: true }),
      },
      {
        id: 'batch-platformatic',
        label: 'generated batch handler on @platformatic/kafka (one DI scope per batch of a partition, commit after the batch)',
        run: (rep, { topic }) => busPlatformatic('consume', { topic, events: settings.events, groupId: `${topic}.batch-platformatic`, batch: true }),
      },
      {
        id: 'nest',
        label: 'NestJS `@EventPattern` handler',
        run: (rep, { topic }) => nest('consume', { topic, events: settings.events, groupId: `${topic}.nest` }),
      },
      {
        id: 'bus-c5000',
        label: 'generated worker with `kafka.consumer.commitEveryMessages` 5000 instead of 100 (information)',
        run: (rep, { topic }) =>
          bus('consume', {
            topic,
            events: settings.events,
            groupId: `${topic}.bus-c5000`,
            config: { kafka: { consumer: { commitEveryMessages: 5000 } } },
          }),
      },
    ],
  },
  latency: {
    title: `4. End-to-end latency publish -> handler at ${fmtInt(settings.rate)} events/s for ${settings.measureMs / 1000} s (after ${settings.warmupMs / 1000} s warm-up)`,
    metric: 'latency',
    baseline: 'raw',
    contenders: [
      {
        id: 'raw',
        label: 'raw kafkajs: 1 `send` per event -> `eachMessage` consumer, two processes',
        run: async (rep) => splitLatency('raw', { ...latencyParams(), topic: await freshTopic('latency', 'raw', rep) }),
      },
      {
        id: 'bus',
        label: 'generated: 1 unit of work (publish + flushAll) per event -> generated worker, two processes',
        run: async (rep) => splitLatency('bus', { ...latencyParams(), topic: await freshTopic('latency', 'bus', rep) }),
      },
      {
        id: 'raw-1p',
        label: 'the same raw kafkajs pair in one process',
        run: async (rep) => raw('latency', { ...latencyParams(), topic: await freshTopic('latency', 'raw-1p', rep) }),
      },
      {
        id: 'bus-1p',
        label: 'the same generated pair in one process (one service publishing and handling)',
        run: async (rep) => bus('latency', { ...latencyParams(), topic: await freshTopic('latency', 'bus-1p', rep) }),
      },
      {
        id: 'raw-floor',
        label: `raw kafkajs pair in one process at ${settings.floorRate} events/s (what this machine allows at a rate kafkajs sustains; information)`,
        run: async (rep) => raw('latency', { ...latencyParams(), rate: settings.floorRate, topic: await freshTopic('latency', 'raw-floor', rep) }),
      },
    ],
  },
  'tracing-publish': {
    title: `6. Tracing overhead, publishing: ${settings.concurrency} concurrent units of work, 1 event + flush each, ${fmtInt(settings.events)} in all, tracing off vs on`,
    metric: 'throughput',
    baseline: 'bus',
    contenders: [
      {
        id: 'bus',
        label: 'generated bus, tracing off (baseline of this table)',
        run: async (rep) => bus('concurrent', { ...publishParams(), topic: await freshTopic('trace-pub', 'off', rep) }),
      },
      {
        id: 'bus-traced',
        label: 'generated bus, tracing on: a `send` span per event, to an in-process exporter (Node as `npm start` runs it: AsyncContextFrame)',
        run: async (rep) => bus('concurrent', { ...publishParams(), tracing: true, topic: await freshTopic('trace-pub', 'on', rep) }),
      },
      {
        id: 'bus-traced-batched',
        label: 'the same, spans handed to the exporter in batches (`BatchSpanProcessor`, as the OTLP exporter is run)',
        run: async (rep) => bus('concurrent', { ...publishParams(), tracing: 'batched', topic: await freshTopic('trace-pub', 'on-batched', rep) }),
      },
      {
        id: 'bus-traced-hooks',
        label: 'the same as the first on, Node 22 kept on async_hooks (`--no-experimental-async-context-frame`; information)',
        run: async (rep) =>
          busOnAsyncHooks('concurrent', { ...publishParams(), tracing: true, topic: await freshTopic('trace-pub', 'on-hooks', rep) }),
      },
      {
        id: 'bus-traced-sampled',
        label:
          'the same as the first on, 10 % of traces sampled (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`; information)',
        run: async (rep) => busSampled('concurrent', { ...publishParams(), tracing: true, topic: await freshTopic('trace-pub', 'on-sampled', rep) }),
      },
      {
        id: 'raw-batched',
        label: `raw kafkajs \`send\`, batches of ${settings.batchSize} (information)`,
        run: async (rep) => raw('bulk', { ...publishParams(), topic: await freshTopic('trace-pub', 'raw', rep) }),
      },
      {
        id: 'raw-batched-traced',
        label: `the same raw kafkajs with a \`send\` span per message as the service writes it (attributes, traceparent header, ended at the ack), same exporter and Node flags: what the SDK costs a bare client (information)`,
        run: async (rep) =>
          runChild({
            ...child.raw('bulk', { ...publishParams(), tracing: true, topic: await freshTopic('trace-pub', 'raw-traced', rep) }),
            nodeFlags: ASYNC_CONTEXT_FRAME,
          }),
      },
    ],
  },
  'tracing-consume': {
    title: `7. Tracing overhead, consuming ${fmtInt(settings.events)} events: generated worker, tracing off vs on`,
    metric: 'throughput',
    baseline: 'bus',
    prepare: async (rep) => {
      const topic = await freshTopic('trace-consume', rep);
      await bus('bulk', { ...publishParams(), topic });
      return { topic };
    },
    contenders: [
      {
        id: 'bus',
        label: 'generated worker, tracing off (baseline of this table)',
        run: (rep, { topic }) => bus('consume', { topic, events: settings.events, groupId: `${topic}.off` }),
      },
      {
        id: 'bus-traced',
        label: 'generated worker, tracing on: a `process` span per event, to an in-process exporter (Node as `npm start` runs it: AsyncContextFrame)',
        run: (rep, { topic }) => bus('consume', { topic, events: settings.events, tracing: true, groupId: `${topic}.on` }),
      },
      {
        id: 'bus-traced-batched',
        label: 'the same, spans handed to the exporter in batches (`BatchSpanProcessor`, as the OTLP exporter is run)',
        run: (rep, { topic }) => bus('consume', { topic, events: settings.events, tracing: 'batched', groupId: `${topic}.on-batched` }),
      },
      {
        id: 'bus-traced-hooks',
        label: 'the same as the first on, Node 22 kept on async_hooks (`--no-experimental-async-context-frame`; information)',
        run: (rep, { topic }) => busOnAsyncHooks('consume', { topic, events: settings.events, tracing: true, groupId: `${topic}.on-hooks` }),
      },
      {
        id: 'bus-traced-sampled',
        label:
          'the same as the first on, 10 % of traces sampled (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`; information)',
        run: (rep, { topic }) => busSampled('consume', { topic, events: settings.events, tracing: true, groupId: `${topic}.on-sampled` }),
      },
      {
        id: 'raw',
        label: 'raw kafkajs `eachBatch` (information)',
        run: (rep, { topic }) => raw('consume', { topic, events: settings.events, groupId: `${topic}.raw` }),
      },
    ],
  },
};
const latencyParams = () => ({ rate: settings.rate, warmupMs: settings.warmupMs, measureMs: settings.measureMs });
const { cleanup: cleanupOutbox, ...outboxDefinitions } = outboxScenarios({ settings, runChild, freshTopic, common, fmtInt });
Object.assign(scenarioDefinitions, outboxDefinitions);

async function runScenario(name) {
  const scenario = { ...scenarioDefinitions[name] };
  if (cli.contenders) {
    // For a quick look at some contenders only (the baseline is always kept, for the ratios).
    const wanted = new Set([scenario.baseline, ...cli.contenders.split(',').map((id) => id.trim())]);
    scenario.contenders = scenario.contenders.filter((contender) => wanted.has(contender.id));
  }
  log(scenario.title);
  const results = Object.fromEntries(scenario.contenders.map((contender) => [contender.id, []]));
  for (let rep = 0; rep < settings.reps; rep += 1) {
    const context = scenario.prepare ? await scenario.prepare(rep) : {};
    const order = scenario.contenders.map((_, i) => scenario.contenders[(i + rep) % scenario.contenders.length]);
    for (const contender of order) {
      const result = await contender.run(rep, context);
      results[contender.id][rep] = result;
      log(
        `  rep ${rep + 1}/${settings.reps} ${contender.id}: ${scenario.metric === 'latency' ? `p50 ${fmtMs(result.p50)} p99 ${fmtMs(result.p99)} max ${fmtMs(result.max)} ms` : `${fmtInt(result.eventsPerSecond)} events/s`}`,
      );
    }
  }
  return { name, scenario, results };
}

async function runScaffold() {
  log('5. Generator cost');
  const results = {};
  for (const count of settings.scaffold) {
    results[count] = [];
    for (let rep = 0; rep < settings.reps; rep += 1) {
      const started = performance.now();
      const result = await runChild({
        script: path.join(BENCH_DIR, 'children', 'scaffold.mjs'),
        cwd: BENCH_DIR,
        mode: 'scaffold',
        params: { count },
      });
      result.processMs = performance.now() - started;
      results[count].push(result);
      log(`  rep ${rep + 1}/${settings.reps} ${count} + ${count}: ${fmtMs(result.totalMs)} ms (process ${fmtMs(result.processMs)} ms)`);
    }
  }
  return { name: 'scaffold', results };
}

// ------------------------------------------------------------------------------------------------ output

function fmtInt(value) {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en-US') : 'n/a';
}
function fmtMs(value) {
  return Number.isFinite(value) ? value.toFixed(1) : 'n/a';
}
function fmtRatio(value) {
  return Number.isFinite(value) ? `${value.toFixed(2)}x` : 'n/a';
}
function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
const stats = (values) => ({ min: Math.min(...values), median: median(values), max: Math.max(...values) });

/** Median ratio to the baseline, and the range of the ratios paired repetition by repetition. */
function ratios(values, baseline) {
  const paired = values.map((value, i) => value / baseline[i]);
  return { ofMedians: median(values) / median(baseline), pairedMin: Math.min(...paired), pairedMax: Math.max(...paired) };
}
const fmtRatios = (r) => `**${fmtRatio(r.ofMedians)}** (${fmtRatio(r.pairedMin)}–${fmtRatio(r.pairedMax)})`;

function throughputTable({ scenario, results }) {
  const base = results[scenario.baseline].map((r) => r.eventsPerSecond);
  const lines = [
    `### ${scenario.title}`,
    '',
    '| contender | events/s min / median / max | MB/s (median) | ratio to raw (per-rep range) | CPU µs/event (median) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const contender of scenario.contenders) {
    const values = results[contender.id].map((r) => r.eventsPerSecond);
    const s = stats(values);
    const mb = median(results[contender.id].map((r) => r.mbPerSecond));
    const cpu = median(results[contender.id].map((r) => r.cpuUsPerEvent));
    lines.push(
      `| ${contender.label} | ${fmtInt(s.min)} / **${fmtInt(s.median)}** / ${fmtInt(s.max)} | ${mb.toFixed(1)} | ${fmtRatios(ratios(values, base))} | ${fmtMs(cpu)} |`,
    );
  }
  lines.push(
    '',
    `Ratios: median over median of \`${scenario.baseline}\`; in brackets the range of the ratios within each repetition. CPU: user + system time of the measuring process per event.`,
  );
  return lines.join('\n');
}

function latencyTable({ scenario, results }) {
  const lines = [
    `### ${scenario.title}`,
    '',
    '| contender | p50 ms min / median / max | p99 ms min / median / max | max ms (median) | p99 ratio to raw (per-rep range) | rate achieved | flush/send ack p99 ms |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  const baseP99 = results[scenario.baseline].map((r) => r.p99);
  for (const contender of scenario.contenders) {
    const rs = results[contender.id];
    const p50 = stats(rs.map((r) => r.p50));
    const p99 = stats(rs.map((r) => r.p99));
    lines.push(
      `| ${contender.label} | ${fmtMs(p50.min)} / **${fmtMs(p50.median)}** / ${fmtMs(p50.max)} | ${fmtMs(p99.min)} / **${fmtMs(p99.median)}** / ${fmtMs(p99.max)} | ${fmtMs(median(rs.map((r) => r.max)))} | ${fmtRatios(
        ratios(
          rs.map((r) => r.p99),
          baseP99,
        ),
      )} | ${fmtInt(median(rs.map((r) => r.achievedRate)))}/s | ${fmtMs(median(rs.map((r) => r.flush.p99)))} |`,
    );
  }
  return lines.join('\n');
}

function scaffoldTable({ results }) {
  const lines = [
    '### 5. Generator cost: `app`, then N x (`event` + `subscription`), no install',
    '',
    '| N events + N subscriptions | total ms min / median / max | per (event + subscription) ms | last event + subscription ms | process wall ms (median) |',
    '| --- | --- | --- | --- | --- |',
  ];
  for (const [count, rs] of Object.entries(results)) {
    const total = stats(rs.map((r) => r.totalMs));
    const perPair = median(rs.map((r) => (r.totalMs - r.appMs) / r.count));
    const lastPair = median(rs.map((r) => r.lastEventMs + r.lastSubscriptionMs));
    lines.push(
      `| ${count} + ${count} | ${fmtInt(total.min)} / **${fmtInt(total.median)}** / ${fmtInt(total.max)} | ${fmtInt(perPair)} | ${fmtInt(lastPair)} | ${fmtInt(median(rs.map((r) => r.processMs)))} |`,
    );
  }
  return lines.join('\n');
}

function targets(done) {
  const lines = ['### Targets', '', '| target | measured (ratio of medians) | met |', '| --- | --- | --- |'];
  const eps = (name, id) => done[name]?.results[id]?.map((r) => r.eventsPerSecond) ?? [NaN];
  const check = (label, value, ok) => lines.push(`| ${label} | ${value} | ${ok ? 'yes' : '**no**'} |`);
  if (done.bulk) {
    const r = median(eps('bulk', 'bus')) / median(eps('bulk', 'raw'));
    check('bulk publish via the bus >= 0.95 x raw batched', fmtRatio(r), r >= 0.95);
  }
  if (done.concurrent) {
    const r = median(eps('concurrent', 'bus')) / median(eps('concurrent', 'raw-batched'));
    check('publish under concurrency >= 0.6 x raw batched', fmtRatio(r), r >= 0.6);
  }
  if (done.consume) {
    const r = median(eps('consume', 'bus')) / median(eps('consume', 'raw'));
    check('consume (per-message worker) >= 0.6 x raw eachBatch', fmtRatio(r), r >= 0.6);
    if (done.consume.results.batch) {
      const b = median(eps('consume', 'batch')) / median(eps('consume', 'raw'));
      check('consume (batch handler) >= 0.9 x raw eachBatch', fmtRatio(b), b >= 0.9);
    }
  }
  // Issue 12: the generated service on @platformatic/kafka, as ratios to raw kafkajs of the same run.
  const platformatic = (name, baseline, label, target) => {
    if (!done[name]?.results['bus-platformatic']) return;
    const r = median(eps(name, 'bus-platformatic')) / median(eps(name, baseline));
    check(`${label} >= ${target} x raw kafkajs`, fmtRatio(r), r >= target);
  };
  platformatic('bulk', 'raw', 'platformatic: bulk publish through the bus', 2.0);
  platformatic('concurrent', 'raw-batched', 'platformatic: 500 concurrent units of work (vs raw kafkajs batched)', 1.2);
  platformatic('consume', 'raw', 'platformatic: consume through the per-message worker', 1.0);
  if (done.consume?.results['batch-platformatic']) {
    const r = median(eps('consume', 'batch-platformatic')) / median(eps('consume', 'raw'));
    check('platformatic: batch handler >= 1.5 x raw kafkajs', fmtRatio(r), r >= 1.5);
  }
  if (done.latency?.results.bus && done.latency.results.raw) {
    const busP99 = median(done.latency.results.bus.map((r) => r.p99));
    const rawP99 = median(done.latency.results.raw.map((r) => r.p99));
    check(
      'p99 publish -> handler <= 1.2 x raw p99',
      `${fmtMs(busP99)} ms vs ${fmtMs(rawP99)} ms: ${fmtRatio(busP99 / rawP99)}`,
      busP99 <= 1.2 * rawP99,
    );
    check('p99 publish -> handler <= 20 ms', `${fmtMs(busP99)} ms`, busP99 <= 20);
  }
  outboxTargets(done, { median, check, fmtRatio, fmtMs });
  for (const name of ['tracing-publish', 'tracing-consume']) {
    if (!done[name]) continue;
    const r = median(eps(name, 'bus-traced')) / median(eps(name, 'bus'));
    const spans = median(done[name].results['bus-traced'].map((result) => result.spansExported));
    check(`${name}: tracing on >= 0.85 x tracing off (${fmtInt(spans)} spans exported per run)`, fmtRatio(r), r >= 0.85);
    const cpu = (id) => median(done[name].results[id].map((result) => result.cpuUsPerEvent));
    const cpuRatio = cpu('bus-traced') / cpu('bus');
    check(
      `${name}: tracing on, CPU per event <= 1.15 x tracing off`,
      `${fmtMs(cpu('bus-traced'))} vs ${fmtMs(cpu('bus'))} µs: ${fmtRatio(cpuRatio)}`,
      cpuRatio <= 1.15,
    );
    if (done[name].results['bus-traced-sampled']) {
      const sampled = median(eps(name, 'bus-traced-sampled')) / median(eps(name, 'bus'));
      lines.push(
        `| ${name}: tracing on, 10 % of traces sampled (OTEL_TRACES_SAMPLER; not a target) | ${fmtRatio(sampled)} throughput; ` +
          `CPU ${fmtMs(cpu('bus-traced-sampled'))} vs ${fmtMs(cpu('bus'))} µs: ${fmtRatio(cpu('bus-traced-sampled') / cpu('bus'))} | information |`,
      );
    }
    const rawTraced = done[name].results['raw-batched-traced'];
    if (rawTraced) {
      const rawCpu = cpu('raw-batched-traced') / cpu('raw-batched');
      const rawRatio = median(eps(name, 'raw-batched-traced')) / median(eps(name, 'raw-batched'));
      lines.push(
        `| ${name}: raw kafkajs with a span per message vs without (the SDK's own cost; not a target) | ` +
          `${fmtRatio(rawRatio)} throughput; CPU ${fmtMs(cpu('raw-batched-traced'))} vs ${fmtMs(cpu('raw-batched'))} µs: ` +
          `+${fmtMs(cpu('raw-batched-traced') - cpu('raw-batched'))} µs per event (${fmtRatio(rawCpu)}) | information |`,
      );
    }
    const batchedResults = done[name].results['bus-traced-batched'];
    if (batchedResults) {
      const batched = median(eps(name, 'bus-traced-batched')) / median(eps(name, 'bus'));
      const batchedSpans = median(batchedResults.map((result) => result.spansExported));
      check(
        `${name}: tracing on, spans batched (BatchSpanProcessor), >= 0.85 x tracing off (${fmtInt(batchedSpans)} spans exported per run)`,
        fmtRatio(batched),
        batched >= 0.85,
      );
    }
  }
  if (done.scaffold) {
    const counts = Object.keys(done.scaffold.results).map(Number);
    const largest = Math.max(...counts);
    const total = median(done.scaffold.results[largest].map((r) => r.totalMs));
    check(`${largest} events + ${largest} subscriptions scaffolded in < 10 s`, `${fmtMs(total / 1000)} s`, total < 10_000);
  }
  return lines.join('\n');
}

function machine() {
  const lscpu = (() => {
    try {
      return execFileSync('lscpu', { encoding: 'utf8' });
    } catch {
      return '';
    }
  })();
  const model = /^Model name:\s*(.+)$/m.exec(lscpu)?.[1]?.trim() ?? os.cpus()[0]?.model ?? 'unknown';
  const packageVersion = (dir) => JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  return {
    cpus: os.availableParallelism(),
    model,
    memoryGiB: Math.round(os.totalmem() / 2 ** 30),
    node: process.version,
    kafka: versions.kafka,
    registry: `Apicurio ${versions.apicurio}`,
    kafkajs: packageVersion(path.join(BENCH_DIR, 'node_modules', 'kafkajs')),
    serviceKafkajs: serviceDir ? packageVersion(path.join(serviceDir, 'node_modules', 'kafkajs')) : undefined,
    nestMicroservices: packageVersion(path.join(BENCH_DIR, 'node_modules', '@nestjs', 'microservices')),
  };
}

// -------------------------------------------------------------------------------------------------- main

/**
 * The bench's service, generated as a user would, with `kafkaClient`. Its second subscription, PayloadBatch,
 * is a batch one (`--batch`).
 */
async function prepareService(kafkaClient = 'kafkajs') {
  const workspace = tempDir(`service-${kafkaClient}`);
  await generate(workspace, 'app', ['bench'], { kafkaClient });
  const dir = path.join(workspace, 'bench');
  await generate(dir, 'event', ['Payload'], { fields: 'id:uuid, seq:int, sentAt:number, body:string' });
  await generate(dir, 'subscription', [], { event: 'Payload' });
  await generate(dir, 'subscription', [], { event: 'Payload', name: 'PayloadBatch', batch: true });
  for (const file of ['payload.handler.ts', 'payload-batch.handler.ts']) {
    copyFileSync(path.join(BENCH_DIR, 'service-files', file), path.join(dir, 'src', 'subscriptions', file));
  }
  mkdirSync(path.join(dir, 'bench'));
  copyFileSync(path.join(BENCH_DIR, 'children', 'generated.mjs'), path.join(dir, 'bench', 'generated.mjs'));
  copyFileSync(path.join(BENCH_DIR, 'lib', 'common.mjs'), path.join(dir, 'bench', 'common.mjs'));
  await linkDependencies(dir);
  return { workspace, dir };
}

async function registerRawSchema() {
  const schemaFile = readdirSync(path.join(serviceDir, 'schemas')).find((file) => file.endsWith('.schema.json'));
  const schema = readFileSync(path.join(serviceDir, 'schemas', schemaFile), 'utf8');
  const response = await fetch(`${stack.registryUrl}/subjects/${encodeURIComponent(`bench.${runId}.raw-value`)}/versions`, {
    method: 'POST',
    headers: { 'content-type': 'application/vnd.schemaregistry.v1+json' },
    body: JSON.stringify({ schemaType: 'JSON', schema: JSON.stringify(JSON.parse(schema)) }),
  });
  if (!response.ok) throw new Error(`registering the raw runs' schema failed: HTTP ${response.status} ${await response.text()}`);
  return (await response.json()).id;
}

async function main() {
  const started = Date.now();
  log(`${cli.smoke ? 'smoke' : 'full'} run: ${JSON.stringify(settings)}; scenarios: ${only.join(', ')}`);
  const needsStack = only.some((name) => name !== 'scaffold');
  let workspace;
  let platformaticWorkspace;
  let info;
  const done = {};
  try {
    if (needsStack) {
      const [startedStack, service, platformaticService] = await Promise.all([
        startStack({ log: (line) => log(line) }),
        prepareService('kafkajs'),
        prepareService('platformatic'),
      ]);
      stack = startedStack;
      ({ workspace, dir: serviceDir } = service);
      platformaticWorkspace = platformaticService.workspace;
      platformaticDir = platformaticService.dir;
      admin = new Kafka({ clientId: 'bench-admin', brokers: stack.brokers.split(','), logLevel: logLevel.NOTHING }).admin();
      await admin.connect();
      schemaId = await registerRawSchema();
      log(`stack: ${stack.brokers} ${stack.registryUrl}; service: ${serviceDir}`);
    }
    for (const name of only.flatMap((entry) => PARTS[entry] ?? [entry])) {
      if (name === 'scaffold') done.scaffold = await runScaffold();
      else done[name] = await runScenario(name);
    }
    info = machine();
  } finally {
    await admin?.disconnect().catch(() => {});
    await stack?.stop();
    for (const dir of [workspace, platformaticWorkspace]) if (dir && !cli['keep-service']) rmSync(dir, { recursive: true, force: true });
    if (!cli['keep-service']) cleanupOutbox();
  }

  const sections = [
    `## Results (${new Date().toISOString().slice(0, 10)}, ${cli.smoke ? 'smoke mode' : `${settings.reps} repetitions`})`,
    '',
    `Machine: ${info.cpus} CPUs (${info.model}), ${info.memoryGiB} GiB; Node ${info.node}; Kafka ${info.kafka} (KRaft, single node, 3 partitions per topic), ${info.registry}; ` +
      `kafkajs ${info.kafkajs} (service: ${info.serviceKafkajs ?? 'n/a'}); @nestjs/microservices ${info.nestMicroservices}.`,
    `Command: \`npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}\`; wall time ${Math.round((Date.now() - started) / 1000)} s.`,
  ];
  for (const name of only.flatMap((entry) => PARTS[entry] ?? [entry])) {
    const entry = done[name];
    if (name === 'scaffold') sections.push('', scaffoldTable(entry));
    else if (entry.scenario.metric === 'latency') sections.push('', latencyTable(entry));
    else sections.push('', throughputTable(entry));
  }
  sections.push('', targets(done));
  const markdown = sections.join('\n');
  process.stdout.write(`\n${markdown}\n`);

  const outDir = path.join(REPO_ROOT, '.bench-out');
  mkdirSync(outDir, { recursive: true });
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  writeFileSync(path.join(outDir, `bench-${stamp}.md`), `${markdown}\n`);
  const raw = Object.fromEntries(Object.entries(done).map(([name, entry]) => [name, entry.results]));
  writeFileSync(path.join(outDir, `bench-${stamp}.json`), `${JSON.stringify({ settings, machine: info, results: raw }, null, 2)}\n`);
  log(`written to .bench-out/bench-${stamp}.md and .json`);
}

await main();
