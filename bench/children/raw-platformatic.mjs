// The raw @platformatic/kafka baselines: the same bytes and headers as the raw kafkajs runs (raw.mjs) and the
// settings the generated service gives this client (idempotent producer, acks = all; consumer session 30 s,
// heartbeat 3 s, from the beginning, maxBytesPerPartition 1 MiB) - without schema validation, DI scopes or
// anything else.
//
//   node bench/children/raw-platformatic.mjs <mode> '<json params>'
//   modes: bulk | concurrent | consume
import { randomUUID } from 'node:crypto';
import { Consumer, Producer, ProduceAcks, stringSerializer } from '@platformatic/kafka';
import {
  childArgs,
  consumeMeter,
  eventHeaders,
  frame,
  makePayload,
  makePayloads,
  measurePublish,
  report,
  runConcurrently,
  runMode,
} from '../lib/common.mjs';

const { mode, params } = childArgs();
const base = {
  clientId: 'bench-raw-platformatic',
  bootstrapBrokers: params.brokers.split(','),
  connectTimeout: 3000,
  requestTimeout: 30000,
  retries: 5,
};

// Header names and values as strings, as with kafkajs (the client's string serializer turns them into bytes).
const serializers = { headerKey: stringSerializer, headerValue: stringSerializer };
const message = (topic, payload, correlationId) => ({ topic, value: frame(params.schemaId, payload), headers: eventHeaders(correlationId) });

async function publishRun() {
  const { topic, events, batchSize, concurrency } = params;
  const producer = new Producer({ ...base, serializers, idempotent: true, acks: ProduceAcks.ALL, autocreateTopics: false });
  const payloads = makePayloads(events);
  const sendOne = (payload) => producer.send({ messages: [message(topic, payload, randomUUID())] });
  await sendOne(makePayload(-1)); // warm up (connects)
  const work = async () => {
    if (mode === 'bulk') {
      for (let offset = 0; offset < events; offset += batchSize) {
        const correlationId = randomUUID();
        await producer.send({ messages: payloads.slice(offset, offset + batchSize).map((payload) => message(topic, payload, correlationId)) });
      }
    } else {
      await runConcurrently(events, concurrency, (index) => sendOne(payloads[index]));
    }
  };
  report(await measurePublish(events, work, () => producer.close()));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  const meter = consumeMeter(events);
  const consumer = new Consumer({
    ...base,
    groupId,
    sessionTimeout: 30000,
    heartbeatInterval: 3000,
    maxBytesPerPartition: 1024 * 1024,
    highWaterMark: 1024,
  });
  // The client's own default: offsets committed by the stream (autocommit), the fastest it offers.
  const stream = await consumer.consume({ topics: [topic], mode: 'earliest', fallbackMode: 'earliest', autocommit: true });
  stream.on('data', (msg) => meter.onEvent(msg));
  await meter.untilAll(params.timeoutMs ?? 120_000);
  await stream.close();
  await consumer.close();
  report(meter.result());
}

await runMode(mode, { bulk: publishRun, concurrent: publishRun, consume: consumeRun });
