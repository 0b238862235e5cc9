// The raw kafkajs baselines, with the same client settings as the generated service (idempotent producer,
// acks = all, one request in flight; consumer session 30 s, heartbeat 3 s) and the same bytes on the wire:
// each message is built here from the same payload object, with the same Confluent framing (magic byte,
// schema id, JSON) and the same headers as the generated bus writes - but without schema validation, DI
// scopes or anything else.
//
//   node bench/children/raw.mjs <mode> '<json params>'
//   modes: bulk | concurrent | consume | latency | latency-subscribe | latency-publish
import { randomUUID } from 'node:crypto';
import { Kafka, logLevel } from 'kafkajs';
import {
  childArgs,
  eventHeaders,
  frame,
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

const message = (payload, correlationId) => ({ key: null, value: frame(params.schemaId, payload), headers: eventHeaders(correlationId) });

async function publishRun() {
  const { topic, events, batchSize, concurrency } = params;
  const producer = await connectProducer();
  const payloads = makePayloads(events);
  await producer.send({ topic, messages: [message(makePayload(-1), randomUUID())], acks: -1 }); // warm up
  const cpuStart = process.cpuUsage();
  const started = now();
  if (mode === 'bulk') {
    // `send` in batches of `batchSize`, one after the other.
    for (let offset = 0; offset < events; offset += batchSize) {
      const correlationId = randomUUID();
      const messages = payloads.slice(offset, offset + batchSize).map((payload) => message(payload, correlationId));
      await producer.send({ topic, messages, acks: -1 });
    }
  } else {
    // One `send` per event, `concurrency` of them in flight.
    await runConcurrently(events, concurrency, (index) =>
      producer.send({ topic, messages: [message(payloads[index], randomUUID())], acks: -1 }),
    );
  }
  const elapsed = now() - started;
  await producer.disconnect();
  report(throughput(events, elapsed, cpuStart));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  let handled = 0;
  let first = 0;
  let last = 0;
  let cpu;
  const handle = () => {
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
  const consumer = kafka.consumer({ groupId, sessionTimeout: 30000, heartbeatInterval: 3000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    // The kafkajs documentation's eachBatch loop: handle, resolve the offset, heartbeat; auto-commit.
    eachBatchAutoResolve: true,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
      for (const msg of batch.messages) {
        if (!isRunning() || isStale()) break;
        handle(msg);
        resolveOffset(msg.offset);
        await heartbeat();
      }
    },
  });
  await until(() => handled >= events, params.timeoutMs ?? 120_000, `${events} events handled (${handled} so far)`);
  await consumer.disconnect();
  report({ ...throughput(events, last - first), cpuUsPerEvent: (cpu.user + cpu.system) / events, handled });
}

async function latencyRun() {
  const { topic, rate, warmupMs, measureMs } = params;
  const latencies = [];
  const flushes = [];
  let measuredFrom = Infinity;
  let seen = 0;
  const producer = await connectProducer();
  const consumer = kafka.consumer({ groupId: `${topic}.group`, sessionTimeout: 30000, heartbeatInterval: 3000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message: msg }) => {
      const event = JSON.parse(msg.value.subarray(5).toString());
      seen += 1;
      if (event.sentAt >= measuredFrom) latencies.push(now() - event.sentAt);
    },
  });
  const fire = (seq) => {
    const sentAt = now();
    const payload = makePayload(seq, sentAt);
    producer.send({ topic, messages: [message(payload, randomUUID())], acks: -1 }).then(
      () => sentAt >= measuredFrom && flushes.push(now() - sentAt),
      (error) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  for (let seq = 0; seen === 0; seq += 1) {
    fire(seq);
    await sleep(100);
    if (seq > 600) throw new Error('the consumer handled nothing within 60 s');
  }
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  measuredFrom = now();
  const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
  const sendEnd = now();
  await until(() => latencies.length >= sent, 30_000, `${sent} measured events handled (${latencies.length} so far)`);
  await consumer.disconnect();
  await producer.disconnect();
  report({ ...latencySummary(latencies), sent, achievedRate: sent / ((sendEnd - measuredFrom) / 1000), flush: latencySummary(flushes) });
}

// Publisher and subscriber as two processes: the subscriber joins its group first.
async function latencySubscribe() {
  const { topic } = params;
  const latencies = [];
  const consumer = kafka.consumer({ groupId: `${topic}.group`, sessionTimeout: 30000, heartbeatInterval: 3000 });
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ message: msg }) => {
      const event = JSON.parse(msg.value.subarray(5).toString());
      if (event.seq >= MEASURED_FROM_SEQ) latencies.push(wallClock() - event.sentAt);
    },
  });
  signalReady();
  const expected = Number(await readInstruction('expect'));
  await until(() => latencies.length >= expected, 30_000, `${expected} measured events handled (${latencies.length} so far)`);
  await consumer.disconnect();
  report(latencySummary(latencies));
}

async function latencyPublish() {
  const { topic, rate, warmupMs, measureMs } = params;
  const flushes = [];
  const pending = new Set();
  const producer = await connectProducer();
  const fire = (seq) => {
    const sentAt = wallClock();
    const sent = producer.send({ topic, messages: [message(makePayload(seq, sentAt), randomUUID())], acks: -1 }).then(() => {
      if (seq >= MEASURED_FROM_SEQ) flushes.push(wallClock() - sentAt);
    });
    pending.add(sent);
    sent.then(() => pending.delete(sent), (error) => {
      console.error(error);
      process.exit(1);
    });
  };
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  const started = now();
  const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
  const elapsed = now() - started;
  await Promise.all(pending);
  await producer.disconnect();
  report({ sent, achievedRate: sent / (elapsed / 1000), flush: latencySummary(flushes) });
}

switch (mode) {
  case 'bulk':
  case 'concurrent':
    await publishRun();
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
