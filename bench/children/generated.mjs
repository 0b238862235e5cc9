// The generated service's side of the bench. run.mjs copies this file (with ../lib/common.mjs) into
// <service>/bench/ and runs it there, with cwd = the service folder and NODE_ENV=test, in a fresh process
// per repetition. It starts the service through its own startService() and drives its real bus and worker.
//
//   node bench/generated.mjs <mode> '<json params>'
//   modes: bulk | concurrent | consume | latency | latency-subscribe | latency-publish
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { asValue } from 'awilix';
import {
  childArgs,
  consumeMeter,
  latencyPublisher,
  latencySubscriber,
  makePayload,
  makePayloads,
  measurePublish,
  oneProcessLatency,
  report,
  runConcurrently,
  runMode,
} from './common.mjs';

const { mode, params } = childArgs();
const serviceModule = (file) => import(pathToFileURL(path.join(process.cwd(), 'src', file)).href);
// The runtime package as the service itself resolves it (its node_modules).
const runtimeModule = () => import(pathToFileURL(createRequire(path.join(process.cwd(), 'package.json')).resolve('kafka-eventing-runtime')).href);
// Tracing on: as the service's src/main.ts starts then (Node 22 restarts itself on AsyncContextFrame, unless
// a flag says otherwise: the `hooks` contenders run with --no-experimental-async-context-frame).
if (params.tracing) (await runtimeModule()).restartOnAsyncContextFrame();
const { loadConfig } = await serviceModule('config.ts');
const { startService } = await serviceModule('service.ts');

// The bench's payload.handler.ts calls this hook, when set, for every event it handles.
let onEvent = () => {};
globalThis.__benchHandler = (event, context) => onEvent(event, context);

/**
 * With `params.tracing`, the service traces through an in-process span exporter that counts the spans it is
 * given and drops them (what tracing costs the service itself, without an exporter's own I/O); see tracingOverrides.
 */
const countingExporter = {
  spans: 0,
  export(spans, done) {
    this.spans += spans.length;
    done({ code: 0 });
  },
  shutdown: () => Promise.resolve(),
  forceFlush: () => Promise.resolve(),
};
const withSpans = (result) => (params.tracing ? { ...result, spansExported: countingExporter.spans } : result);

/**
 * The service reads `consumeTopic` with its per-message subscription (Payload), or with its batch one
 * (PayloadBatch) when `batch`; the other one reads a topic of its own that nobody writes to.
 */
async function start({ publishTopic, consumeTopic, groupId, batch = false }) {
  const idle = `${consumeTopic}.idle`;
  const reading = { topic: consumeTopic, groupId, deadLetterTopic: `${consumeTopic}.dead-letter` };
  const notReading = { topic: idle, groupId: `${groupId}.idle`, deadLetterTopic: `${idle}.dead-letter` };
  const config = loadConfig(
    merge(params.config ?? {}, {
      service: { port: 0 },
      log: { level: 'silent' },
      kafka: { brokers: params.brokers.split(','), createTopics: true },
      schemaRegistry: { url: params.registryUrl },
      events: { Payload: { topic: publishTopic } },
      subscriptions: { Payload: batch ? notReading : reading, PayloadBatch: batch ? reading : notReading },
    }),
  );
  return startService(config, tracingOverrides());
}

/**
 * `params.tracing`: true gives each span to the counting exporter as it ends (SimpleSpanProcessor, as the
 * service's tests do); 'batched' hands them over in batches (BatchSpanProcessor, as the OTLP exporter is run).
 */
function tracingOverrides() {
  if (params.tracing === 'batched') return { spanProcessor: new BatchSpanProcessor(countingExporter) };
  return params.tracing ? { spanExporter: countingExporter } : {};
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
  const work = async () => {
    if (batchSize > 1) {
      // Bulk: each unit of work publishes `batchSize` events then flushes, one unit after the other.
      for (let offset = 0; offset < events; offset += batchSize) {
        await unitOfWork(service.container, payloads.slice(offset, offset + batchSize));
      }
    } else {
      // Concurrency: `concurrency` units of work in flight, each publishing one event and flushing.
      await runConcurrently(events, concurrency, (index) => unitOfWork(service.container, [payloads[index]]));
    }
  };
  report(withSpans(await measurePublish(events, work, () => service.stop())));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  const meter = consumeMeter(events);
  onEvent = meter.onEvent;
  const service = await start({ publishTopic: `${topic}.out`, consumeTopic: topic, groupId, batch: params.batch === true });
  await meter.untilAll(params.timeoutMs ?? 120_000);
  await service.stop(); // commits what finished
  report(withSpans(meter.result()));
}

async function latencyRun() {
  const { topic } = params;
  const latency = oneProcessLatency();
  onEvent = latency.onEvent;
  const service = await start({ publishTopic: topic, consumeTopic: topic, groupId: `${topic}.group` });
  const send = (payload) => unitOfWork(service.container, [payload]);
  report(await latency.run(params, { send, stop: () => service.stop(), handledBy: 'worker' }));
}

// Publisher and subscriber as two processes (two services): the subscriber joins its group first.
async function latencySubscribe() {
  const { topic } = params;
  const subscriber = latencySubscriber();
  onEvent = subscriber.onEvent;
  const service = await start({ publishTopic: `${topic}.out`, consumeTopic: topic, groupId: `${topic}.group` });
  report(await subscriber.run(() => service.stop()));
}

async function latencyPublish() {
  const { topic } = params;
  const service = await start({ publishTopic: topic, consumeTopic: `${topic}.idle`, groupId: `${topic}.idle` });
  const send = (payload) => unitOfWork(service.container, [payload]);
  report(await latencyPublisher(params, { send, stop: () => service.stop() }));
}

await runMode(mode, {
  bulk: () => publishRun(1, params.batchSize),
  concurrent: () => publishRun(params.concurrency, 1),
  consume: consumeRun,
  latency: latencyRun,
  'latency-subscribe': latencySubscribe,
  'latency-publish': latencyPublish,
});
