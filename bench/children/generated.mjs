// The generated service's side of the bench. run.mjs copies this file (with ../lib/common.mjs) into
// <service>/bench/ and runs it there, with cwd = the service folder and NODE_ENV=test, in a fresh process
// per repetition. It starts the service through its own startService() and drives its real bus and worker.
//
//   node bench/generated.mjs <mode> '<json params>'
//   modes: bulk | concurrent | consume | latency | latency-subscribe | latency-publish
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { asValue } from 'awilix';
import {
  childArgs,
  latencySummary,
  makePayload,
  MEASURED_FROM_SEQ,
  makePayloads,
  now,
  readInstruction,
  report,
  runConcurrently,
  signalReady,
  sleep,
  steadyRate,
  throughput,
  until,
  wallClock,
} from './common.mjs';

const { mode, params } = childArgs();
const serviceModule = (file) => import(pathToFileURL(path.join(process.cwd(), 'src', file)).href);
const { loadConfig } = await serviceModule('config.ts');
const { startService } = await serviceModule('service.ts');

// The bench's payload.handler.ts calls this hook, when set, for every event it handles.
let onEvent = () => {};
globalThis.__benchHandler = (event, context) => onEvent(event, context);

async function start({ publishTopic, consumeTopic, groupId }) {
  const config = loadConfig(merge(params.config ?? {}, {
    service: { port: 0 },
    log: { level: 'silent' },
    kafka: { brokers: params.brokers.split(','), createTopics: true },
    schemaRegistry: { url: params.registryUrl },
    events: { Payload: { topic: publishTopic } },
    subscriptions: { Payload: { topic: consumeTopic, groupId, deadLetterTopic: `${consumeTopic}.dead-letter` } },
  }));
  return startService(config);
}

/** Extra config overrides (`params.config`, for experiments) under the bench's own. */
function merge(base, extra) {
  const out = { ...base };
  for (const [key, value] of Object.entries(extra)) {
    const current = out[key];
    out[key] = current && typeof current === 'object' && value && typeof value === 'object' && !Array.isArray(value) ? merge(current, value) : value;
  }
  return out;
}

/** One unit of work, as an HTTP request or a handled message runs it: a DI scope with its own bus. */
async function unitOfWork(container, payloads) {
  const scope = container.createScope();
  scope.register({ messageContext: asValue({ correlationId: randomUUID(), causationId: null }) });
  try {
    const bus = scope.cradle.eventBus;
    for (const payload of payloads) bus.publish('Payload', payload);
    await bus.flushAll();
  } finally {
    await scope.dispose();
  }
}

async function publishRun(concurrency, batchSize) {
  const { topic, events } = params;
  // The worker of the service's one subscription reads a topic of its own that nobody writes to.
  const service = await start({ publishTopic: topic, consumeTopic: `${topic}.idle`, groupId: `${topic}.idle` });
  const payloads = makePayloads(events);
  await unitOfWork(service.container, [makePayload(-1)]); // warm the connection and code paths
  const cpuStart = process.cpuUsage();
  const started = now();
  if (batchSize > 1) {
    // Bulk: each unit of work publishes `batchSize` events then flushes, one unit after the other.
    for (let offset = 0; offset < events; offset += batchSize) {
      await unitOfWork(service.container, payloads.slice(offset, offset + batchSize));
    }
  } else {
    // Concurrency: `concurrency` units of work in flight, each publishing one event and flushing.
    await runConcurrently(events, concurrency, (index) => unitOfWork(service.container, [payloads[index]]));
  }
  const elapsed = now() - started;
  await service.stop();
  report(throughput(events, elapsed, cpuStart));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  let handled = 0;
  let first = 0;
  let last = 0;
  let cpu;
  onEvent = () => {
    handled += 1;
    if (handled === 1) {
      first = now();
      cpu = process.cpuUsage();
    }
    if (handled === events) {
      last = now();
      cpu = process.cpuUsage(cpu);
    }
  };
  const service = await start({ publishTopic: `${topic}.out`, consumeTopic: topic, groupId });
  await until(() => handled >= events, params.timeoutMs ?? 120_000, `${events} events handled (${handled} so far)`);
  await service.stop(); // commits what finished
  // From the first event handled to the last: group join and the first fetch are left out, as for the others.
  report({ ...throughput(events, last - first), cpuUsPerEvent: (cpu.user + cpu.system) / events, handled });
}

async function latencyRun() {
  const { topic, rate, warmupMs, measureMs } = params;
  const latencies = [];
  const flushes = [];
  let measuredFrom = Infinity;
  let seen = 0;
  onEvent = (event) => {
    seen += 1;
    if (event.sentAt >= measuredFrom) latencies.push(now() - event.sentAt);
  };
  const service = await start({ publishTopic: topic, consumeTopic: topic, groupId: `${topic}.group` });
  const fire = (seq) => {
    const sentAt = now();
    const payload = makePayload(seq, sentAt);
    unitOfWork(service.container, [payload]).then(
      () => sentAt >= measuredFrom && flushes.push(now() - sentAt),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  // Until the worker has joined its group and handles events, probe every 100 ms.
  for (let seq = 0; seen === 0; seq += 1) {
    fire(seq);
    await sleep(100);
    if (seq > 600) throw new Error('the worker handled nothing within 60 s');
  }
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  measuredFrom = now();
  const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
  const sendEnd = now();
  await until(() => latencies.length >= sent, 30_000, `${sent} measured events handled (${latencies.length} so far)`);
  await service.stop();
  report({
    ...latencySummary(latencies),
    sent,
    achievedRate: sent / ((sendEnd - measuredFrom) / 1000),
    flush: latencySummary(flushes),
  });
}

// Publisher and subscriber as two processes (two services): the subscriber joins its group first.
async function latencySubscribe() {
  const { topic } = params;
  const latencies = [];
  onEvent = (event) => {
    if (event.seq >= MEASURED_FROM_SEQ) latencies.push(wallClock() - event.sentAt);
  };
  const service = await start({ publishTopic: `${topic}.out`, consumeTopic: topic, groupId: `${topic}.group` });
  signalReady();
  const expected = Number(await readInstruction('expect'));
  await until(() => latencies.length >= expected, 30_000, `${expected} measured events handled (${latencies.length} so far)`);
  await service.stop();
  report(latencySummary(latencies));
}

async function latencyPublish() {
  const { topic, rate, warmupMs, measureMs } = params;
  const flushes = [];
  const pending = new Set();
  const service = await start({ publishTopic: topic, consumeTopic: `${topic}.idle`, groupId: `${topic}.idle` });
  const fire = (seq) => {
    const sentAt = wallClock();
    const flushed = unitOfWork(service.container, [makePayload(seq, sentAt)]).then(() => {
      if (seq >= MEASURED_FROM_SEQ) flushes.push(wallClock() - sentAt);
    });
    pending.add(flushed);
    flushed.then(() => pending.delete(flushed), (error) => {
      console.error(error);
      process.exit(1);
    });
  };
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  const started = now();
  const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
  const elapsed = now() - started;
  await Promise.all(pending);
  await service.stop();
  report({ sent, achievedRate: sent / (elapsed / 1000), flush: latencySummary(flushes) });
}

switch (mode) {
  case 'bulk':
    await publishRun(1, params.batchSize);
    break;
  case 'concurrent':
    await publishRun(params.concurrency, 1);
    break;
  case 'consume':
    await consumeRun();
    break;
  case 'latency':
    await latencyRun();
    break;
  case 'latency-subscribe':
    await latencySubscribe();
    break;
  case 'latency-publish':
    await latencyPublish();
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
