/**
 * Keys land on the same partitions whichever client writes them: a service generated with
 * --kafka-client platformatic (its transport, through the broker) against kafkajs' default partitioner
 * and Confluent's librdkafka client with partitioner murmur2_random (Java's).
 */
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { kafkaClient, readTopic } from './support/kafka.js';
import { renderSmallService } from './support/rendered.js';
import { kafkaStack, type KafkaStack } from './support/stack.js';

const run = promisify(execFile);
const PARTITIONS = 6;
const KEYS = Array.from({ length: 60 }, (_, index) => `order-${index * 7919}`);

/** Writes KEYS to `topic` with librdkafka's murmur2_random partitioner; prints key and partition per delivery. */
const PYTHON = `
import json, sys
from confluent_kafka import Producer
producer = Producer({"bootstrap.servers": sys.argv[1], "partitioner": "murmur2_random"})
placed = {}
for key in json.loads(sys.argv[3]):
    producer.produce(sys.argv[2], key=key, value=b"x", on_delivery=lambda err, msg: placed.__setitem__(msg.key().decode(), msg.partition()))
producer.flush(30)
print(json.dumps(placed))
`;

/** Sends KEYS through the generated service's own transport. */
const SEND = `
import { KafkaTransport } from 'kafka-eventing-runtime/platformatic';
import { createLogger } from './src/logger.ts';
import { loadConfig } from './src/config.ts';
const config = loadConfig();
const transport = new KafkaTransport({ ...config.kafka, brokers: process.env.BROKERS.split(',') }, createLogger(config));
await transport.send(JSON.parse(process.env.KEYS).map((key) => ({ topic: process.env.TOPIC, key, value: Buffer.from('x'), headers: {} })));
await transport.disconnect();
`;

describe('partitioning: the same key, the same partition with every client @kafka', function () {
  this.timeout(300_000);
  let stack: KafkaStack;
  let serviceDir: string;

  before(async () => {
    stack = await kafkaStack();
    serviceDir = await renderSmallService('json', 'partitions-platformatic', 'platformatic');
    const admin = kafkaClient(stack).admin();
    await admin.connect();
    await admin.createTopics({
      topics: ['partitions.platformatic', 'partitions.python'].map((topic) => ({ topic, numPartitions: PARTITIONS })),
      waitForLeaders: true,
    });
    await admin.disconnect();
  });

  it('platformatic (generated transport), kafkajs DefaultPartitioner and librdkafka murmur2_random agree on every key', async () => {
    writeFileSync(path.join(serviceDir, 'send-keys.ts'), SEND);
    await run(process.execPath, ['--disable-warning=ExperimentalWarning', 'send-keys.ts'], {
      cwd: serviceDir,
      env: { ...process.env, NODE_ENV: 'test', BROKERS: stack.brokers, TOPIC: 'partitions.platformatic', KEYS: JSON.stringify(KEYS) },
    });
    const written = await readTopic(stack, 'partitions.platformatic');
    const platformatic = Object.fromEntries(written.map((message) => [String(message.key), message.partition] as const));
    assert.equal(Object.keys(platformatic).length, KEYS.length, 'every key arrived');

    const { Partitioners } = await import('kafkajs');
    const partitioner = Partitioners.DefaultPartitioner();
    const metadata = {
      topic: 't',
      partitionMetadata: Array.from({ length: PARTITIONS }, (_, partitionId) => ({
        partitionId,
        leader: 0,
        partitionErrorCode: 0,
        replicas: [0],
        isr: [0],
      })),
    };
    const kafkajs = Object.fromEntries(KEYS.map((key) => [key, partitioner({ ...metadata, message: { key, value: 'x' } })]));

    const { stdout } = await run('/usr/bin/python3', ['-c', PYTHON, stack.brokers, 'partitions.python', JSON.stringify(KEYS)]);
    const python = JSON.parse(stdout) as Record<string, number>;

    assert.deepEqual(platformatic, kafkajs, 'platformatic = kafkajs');
    assert.deepEqual(platformatic, python, 'platformatic = librdkafka murmur2_random');
    console.log(
      `      ${KEYS.length} keys over ${new Set(Object.values(platformatic)).size} of ${PARTITIONS} partitions, the same with all three clients`,
    );
  });
});
