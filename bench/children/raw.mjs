// The raw kafkajs baselines, with the same client settings as the generated service (idempotent producer,
// acks = all, one request in flight; consumer session 30 s, heartbeat 3 s) and the same bytes on the wire:
// each message is built here from the same payload object, with the same Confluent framing (magic byte,
// schema id, JSON) and the same headers as the generated bus writes - but without schema validation, DI
// scopes or anything else.
//
//   node bench/children/raw.mjs <mode> '<json params>'
//   modes: bulk | concurrent | consume | latency | latency-subscribe | latency-publish
//   bulk with `tracing: true`: the same sends with an OpenTelemetry span per message, as the service writes it
//   (a PRODUCER span with the messaging attributes, its traceparent in the headers, ended at the ack), to an
//   in-process exporter that counts and drops: what the SDK costs a client that does nothing else.
import { randomUUID } from 'node:crypto';
import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import { SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { Kafka, logLevel } from 'kafkajs';
import {
  childArgs,
  consumeMeter,
  eventHeaders,
  frame,
  latencyPublisher,
  latencySubscriber,
  makePayload,
  makePayloads,
  measurePublish,
  oneProcessLatency,
  report,
  runConcurrently,
  runMode,
} from '../lib/common.mjs';

const { mode, params } = childArgs();
const kafka = new Kafka({
  clientId: 'bench-raw',
  brokers: params.brokers.split(','),
  connectionTimeout: 3000,
  requestTimeout: 30000,
  logLevel: logLevel.WARN,
});

async function connectProducer() {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5 } });
  await producer.connect();
  return producer;
}

/** A consumer of `topic` in group `groupId`, connected and subscribed from the beginning; the caller runs it. */
async function connectConsumer(topic, groupId) {
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30000, heartbeatInterval: 3000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  return consumer;
}

/** An `eachMessage` consumer of `topic` that decodes each event (the framed JSON) and gives it to `handle`. */
async function consumeEachMessage(topic, handle) {
  const consumer = await connectConsumer(topic, `${topic}.group`);
  await consumer.run({
    eachMessage: async ({ message: msg }) => {
      handle(JSON.parse(msg.value.subarray(5).toString()));
    },
  });
  return consumer;
}

const message = (payload, correlationId) => ({ key: null, value: frame(params.schemaId, payload), headers: eventHeaders(correlationId) });

/** With `params.tracing`: a tracer provider registered as the service registers its own, exporting to a counter. */
const spansExported = { count: 0 };
const tracer = params.tracing ? startTracing() : undefined;
function startTracing() {
  const exporter = {
    export(spans, done) {
      spansExported.count += spans.length;
      done({ code: 0 });
    },
    shutdown: () => Promise.resolve(),
    forceFlush: () => Promise.resolve(),
  };
  const provider = new NodeTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  provider.register();
  return provider.getTracer('bench-raw');
}

/** A message in its PRODUCER span (pushed to `spans`), its traceparent in its headers. */
function tracedMessage(topic, payload, correlationId, spans) {
  const built = message(payload, correlationId);
  const attributes = {
    'messaging.system': 'kafka',
    'messaging.operation.name': 'send',
    'messaging.operation.type': 'send',
    'messaging.destination.name': topic,
    'messaging.message.id': built.headers['event-id'],
  };
  const parent = context.active();
  const span = tracer.startSpan(`send ${topic}`, { kind: SpanKind.PRODUCER, attributes }, parent);
  propagation.inject(trace.setSpan(parent, span), built.headers);
  spans.push(span);
  return built;
}

/** One `send` of one event; resolves when it is acknowledged. */
const sendOne = (producer, topic, payload) => producer.send({ topic, messages: [message(payload, randomUUID())], acks: -1 });

async function publishRun() {
  const { topic, events, batchSize, concurrency } = params;
  const producer = await connectProducer();
  const payloads = makePayloads(events);
  await sendOne(producer, topic, makePayload(-1)); // warm up
  const work = async () => {
    if (mode === 'bulk') {
      // `send` in batches of `batchSize`, one after the other.
      for (let offset = 0; offset < events; offset += batchSize) {
        const correlationId = randomUUID();
        const batch = payloads.slice(offset, offset + batchSize);
        if (tracer) {
          const spans = [];
          const messages = batch.map((payload) => tracedMessage(topic, payload, correlationId, spans));
          await producer.send({ topic, messages, acks: -1 });
          for (const span of spans) span.end();
        } else {
          await producer.send({ topic, messages: batch.map((payload) => message(payload, correlationId)), acks: -1 });
        }
      }
    } else {
      // One `send` per event, `concurrency` of them in flight.
      await runConcurrently(events, concurrency, (index) => sendOne(producer, topic, payloads[index]));
    }
  };
  const result = await measurePublish(events, work, () => producer.disconnect());
  report(tracer ? { ...result, spansExported: spansExported.count } : result);
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  const meter = consumeMeter(events);
  const consumer = await connectConsumer(topic, groupId);
  await consumer.run({
    // The kafkajs documentation's eachBatch loop: handle, resolve the offset, heartbeat; auto-commit.
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const msg of batch.messages) {
        if (!isRunning() || isStale()) break;
        meter.onEvent(msg);
        resolveOffset(msg.offset);
        await heartbeat();
      }
    },
  });
  await meter.untilAll(params.timeoutMs ?? 120_000);
  await consumer.disconnect();
  report(meter.result());
}

async function latencyRun() {
  const { topic } = params;
  const latency = oneProcessLatency();
  const producer = await connectProducer();
  const consumer = await consumeEachMessage(topic, latency.onEvent);
  const stop = async () => {
    await consumer.disconnect();
    await producer.disconnect();
  };
  report(await latency.run(params, { send: (payload) => sendOne(producer, topic, payload), stop, handledBy: 'consumer' }));
}

// Publisher and subscriber as two processes: the subscriber joins its group first.
async function latencySubscribe() {
  const subscriber = latencySubscriber();
  const consumer = await consumeEachMessage(params.topic, subscriber.onEvent);
  report(await subscriber.run(() => consumer.disconnect()));
}

async function latencyPublish() {
  const { topic } = params;
  const producer = await connectProducer();
  report(await latencyPublisher(params, { send: (payload) => sendOne(producer, topic, payload), stop: () => producer.disconnect() }));
}

await runMode(mode, {
  bulk: publishRun,
  concurrent: publishRun,
  consume: consumeRun,
  latency: latencyRun,
  'latency-subscribe': latencySubscribe,
  'latency-publish': latencyPublish,
});
