#!/usr/bin/env node
// Minimal reproduction of kafkajs 2.2.4 resolving sends whose messages never reached the topic
// (tulios/kafkajs#1303), with no code of this project in the path: raw kafkajs against a three-node
// KRaft cluster (scripts/stack/stack.mjs startCluster), an idempotent producer with acks -1, while the
// brokers are restarted one after the other (SIGTERM, restart, back in the ISR). kcat reads the topic
// afterwards and the acknowledged ids missing from it are counted.
//
//   node scripts/repro/kafkajs-lost-acks.mjs [spanning|per-partition] [rounds]
//
// spanning:      each send carries messages for all 6 partitions (so for all three brokers), as the
//                generated service's batching sender did before issue 23.
// per-partition: the same messages, partitions chosen first with kafkajs' own DefaultPartitioner, one
//                send per partition (what the generated kafkajs producer pool does now).
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startCluster } from '../stack/stack.mjs';

const require = createRequire(path.join(path.dirname(fileURLToPath(import.meta.url)), '..', '..', 'package.json'));
const { Kafka, Partitioners, logLevel } = require('kafkajs');

const mode = process.argv[2] ?? 'spanning';
const rounds = Number(process.argv[3] ?? 1);
if (!['spanning', 'per-partition'].includes(mode)) throw new Error(`mode: spanning or per-partition, not ${mode}`);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

const cluster = await startCluster({ log: (line) => process.stderr.write(`[cluster] ${line}\n`) });
try {
  const kafka = new Kafka({ clientId: 'repro', brokers: cluster.brokers.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topic = `repro-${mode}`;
  await admin.createTopics({ topics: [{ topic, numPartitions: 6, replicationFactor: 3 }], waitForLeaders: true });
  const inSync = async () => {
    for (;;) {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] }).catch(() => ({ topics: [] }));
      if (topics[0]?.partitions.every((p) => p.leader >= 0 && p.isr.length === 3)) return;
      await sleep(250);
    }
  };
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, createPartitioner: Partitioners.DefaultPartitioner });
  await producer.connect();
  const partitioner = Partitioners.DefaultPartitioner();
  const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
  const partitionMetadata = topics[0].partitions;

  const acked = new Set();
  let failed = 0;
  let sends = 0;
  let running = true;
  const send = async (messages) => {
    if (mode === 'spanning') return producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages }] });
    const byPartition = new Map();
    for (const message of messages) {
      const partition = partitioner({ topic, partitionMetadata, message });
      byPartition.set(partition, [...(byPartition.get(partition) ?? []), { ...message, partition }]);
    }
    return Promise.all([...byPartition.values()].map((list) => producer.sendBatch({ acks: -1, topicMessages: [{ topic, messages: list }] })));
  };
  const writer = async () => {
    while (running) {
      const messages = Array.from({ length: 30 }, (_, i) => ({ key: `k${(sends * 30 + i) % 60}`, value: randomUUID() }));
      sends += 1;
      try {
        await send(messages);
        for (const { value } of messages) acked.add(value);
      } catch {
        failed += 1;
      }
    }
  };
  const writers = Array.from({ length: 4 }, writer);
  await sleep(2000);
  for (let round = 1; round <= rounds; round++) {
    for (const node of cluster.nodes) {
      await node.stop();
      await node.start();
      await inSync();
      await sleep(1000);
    }
  }
  running = false;
  await Promise.all(writers);
  await producer.disconnect();
  await admin.disconnect();
  const onTopic = new Set(
    execFileSync('kcat', ['-C', '-b', cluster.brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-f', '%s\n'], { maxBuffer: 1 << 28 })
      .toString()
      .split('\n')
      .filter(Boolean),
  );
  const lost = [...acked].filter((id) => !onTopic.has(id)).length;
  console.log(
    `${mode}: ${sends} sends (${failed} failed), ${acked.size} messages acknowledged, ${onTopic.size} distinct on the topic, ${lost} acknowledged but not on the topic`,
  );
  process.exitCode = lost > 0 ? 1 : 0;
} finally {
  await cluster.stop();
}
