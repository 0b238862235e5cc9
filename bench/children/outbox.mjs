// The generated `--database postgres` service's side of the outbox scenario. run.mjs copies this file (with
// ../lib/common.mjs) into <service>/bench/ and runs it there (cwd = the service, NODE_ENV=test), one fresh
// process and database per measurement. It starts the service through its own startService() and runs units
// of work as a route does: a DI scope, one row inserted through the scope's `db`, one event published, then
// `unitOfWork.complete()` (outbox: row + event committed together, the relay sends; direct: commit, then send).
//
//   node bench/outbox.mjs <mode> '<json params>'
//   modes: burst | latency
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { asValue } from 'awilix';
import {
  childArgs,
  latencySummary,
  makePayload,
  makePayloads,
  now,
  report,
  runConcurrently,
  runMode,
  sleep,
  steadyRate,
  throughput,
  until,
} from './common.mjs';

const { mode, params } = childArgs();
const serviceModule = (file) => import(pathToFileURL(path.join(process.cwd(), 'src', file)).href);
const { loadConfig } = await serviceModule('config.ts');
const { startService } = await serviceModule('service.ts');

let onEvent = () => {};
globalThis.__benchHandler = (event) => onEvent(event);

function start({ publishTopic, consumeTopic }) {
  return startService(
    loadConfig({
      service: { port: 0 },
      log: { level: 'silent' },
      kafka: { brokers: params.brokers.split(','), createTopics: true },
      schemaRegistry: { url: params.registryUrl },
      database: { ...params.database, delivery: params.delivery },
      events: { Payload: { topic: publishTopic } },
      subscriptions: { Payload: { topic: consumeTopic, groupId: `${consumeTopic}.group`, deadLetterTopic: `${consumeTopic}.dead-letter` } },
    }),
  );
}

/** One unit of work: a row and an event, committed by the scope's unit of work. */
async function unitOfWork(container, payload) {
  const scope = container.createScope();
  scope.register({ messageContext: asValue({ correlationId: payload.id, causationId: null }) });
  const { db, eventBus, unitOfWork: work } = scope.cradle;
  try {
    await db.query('INSERT INTO bench_rows (id, seq) VALUES ($1, $2)', [payload.id, payload.seq]);
    eventBus.publish('Payload', payload);
    await work.complete();
  } catch (error) {
    await work.abort();
    throw error;
  } finally {
    await scope.dispose();
  }
}

/** What reached the broker: with the outbox, the relay's acknowledged sends. */
const relayed = (service) => service.container.cradle.outboxRelay.sent;

/**
 * `events` units of work, `concurrency` in flight. Events/s is to the broker's acknowledgement: for the outbox
 * until the relay has sent every event (the commits alone are `committedPerSecond`), for direct flush until the
 * last unit of work (which waits for its send) completed.
 */
async function burst() {
  const { topic, events, concurrency } = params;
  const service = await start({ publishTopic: topic, consumeTopic: `${topic}.idle` });
  await unitOfWork(service.container, makePayload(-1)); // warm the connections and code paths
  if (params.delivery === 'outbox') await until(() => relayed(service) >= 1, 30_000, 'the warm-up event relayed');
  const sentBefore = relayed(service);
  const payloads = makePayloads(events);
  const cpuStart = process.cpuUsage();
  const started = now();
  await runConcurrently(events, concurrency, (index) => unitOfWork(service.container, payloads[index]));
  const committedMs = now() - started;
  if (params.delivery === 'outbox') await until(() => relayed(service) - sentBefore >= events, 120_000, `${events} events relayed`);
  const elapsed = now() - started;
  const result = { ...throughput(events, elapsed, cpuStart), committedPerSecond: events / (committedMs / 1000) };
  await service.stop();
  report(result);
}

/**
 * Paced units of work (one row + one event each) at `rate`/s in one service whose subscription handles its own
 * events: latency from the commit (complete() resolved) to the handler. Warm-up, then the measured phase.
 */
async function latency() {
  const { topic, rate, warmupMs, measureMs } = params;
  const committedAt = new Map();
  const handledAt = new Map();
  onEvent = (event) => handledAt.set(event.seq, now());
  const service = await start({ publishTopic: topic, consumeTopic: topic });
  const pending = new Set();
  const fire = (seq) => {
    const payload = makePayload(seq, 0);
    const done = unitOfWork(service.container, payload).then(() => {
      committedAt.set(seq, now());
      pending.delete(done);
    });
    pending.add(done);
  };
  for (let seq = 0; handledAt.size === 0; seq += 1) {
    fire(seq);
    await sleep(100);
    if (seq > 600) throw new Error('the worker handled nothing within 60 s');
  }
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  const measuredFrom = now();
  const sent = await steadyRate(rate, measureMs, fire, 2_000_000);
  const elapsed = now() - measuredFrom;
  await Promise.all(pending);
  const measured = [...committedAt.keys()].filter((seq) => seq >= 2_000_000);
  await until(() => measured.every((seq) => handledAt.has(seq)), 60_000, `${measured.length} measured events handled`);
  const latencies = measured.map((seq) => handledAt.get(seq) - committedAt.get(seq));
  await service.stop();
  // A handler can run before the committing promise's continuation: its latency is then negative (taken as 0).
  report({ ...latencySummary(latencies.map((ms) => Math.max(0, ms))), sent, achievedRate: sent / (elapsed / 1000), flush: { p99: NaN } });
}

await runMode(mode, { burst, latency });
