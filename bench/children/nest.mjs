// The NestJS Kafka transport (@nestjs/microservices 12, on kafkajs 2.2.4), with the same client settings:
// ClientKafka in producerOnlyMode with an idempotent producer and acks = all; a ServerKafka microservice
// with one @EventPattern handler. Payloads are the same objects; NestJS serializes them itself (JSON).
// The decorators are applied by hand (this is plain JavaScript): the same calls TypeScript would emit.
//
//   node bench/children/nest.mjs <mode> '<json params>'
//   modes: bulk-emit | bulk-emit-batch | concurrent | consume
import 'reflect-metadata';
import { Controller, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { ClientKafka, EventPattern, Transport } from '@nestjs/microservices';
import { logLevel } from 'kafkajs';
import { lastValueFrom } from 'rxjs';
import { childArgs, makePayload, makePayloads, now, report, runConcurrently, throughput, until } from '../lib/common.mjs';

const { mode, params } = childArgs();
const client = { clientId: 'bench-nest', brokers: params.brokers.split(','), connectionTimeout: 3000, requestTimeout: 30000, logLevel: logLevel.WARN };

async function publishRun() {
  const { topic, events, batchSize, concurrency } = params;
  const kafka = new ClientKafka({
    client,
    producer: { idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5 } },
    send: { acks: -1 },
    producerOnlyMode: true,
  });
  await kafka.connect();
  const payloads = makePayloads(events);
  await lastValueFrom(kafka.emit(topic, makePayload(-1))); // warm up
  const cpuStart = process.cpuUsage();
  const started = now();
  if (mode === 'bulk-emit-batch') {
    // NestJS's own batch API: one kafkajs send per call.
    for (let offset = 0; offset < events; offset += batchSize) {
      await lastValueFrom(kafka.emitBatch(topic, { messages: payloads.slice(offset, offset + batchSize) }));
    }
  } else {
    // emit per event (one kafkajs send each), `concurrency` in flight.
    await runConcurrently(events, concurrency, (index) => lastValueFrom(kafka.emit(topic, payloads[index])));
  }
  const elapsed = now() - started;
  await kafka.close();
  report(throughput(events, elapsed, cpuStart));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  let handled = 0;
  let first = 0;
  let last = 0;
  let cpu;

  class BenchController {
    async handle() {
      handled += 1;
      if (handled === 1) {
        first = now();
        cpu = process.cpuUsage();
      }
      if (handled === events) {
        last = now();
        cpu = process.cpuUsage(cpu);
      }
    }
  }
  EventPattern(topic)(BenchController.prototype, 'handle', Object.getOwnPropertyDescriptor(BenchController.prototype, 'handle'));
  Controller()(BenchController);
  class BenchModule {}
  Module({ controllers: [BenchController] })(BenchModule);

  const app = await NestFactory.createMicroservice(BenchModule, {
    logger: false,
    transport: Transport.KAFKA,
    options: {
      client,
      consumer: { groupId, sessionTimeout: 30000, heartbeatInterval: 3000 },
      subscribe: { fromBeginning: true },
      postfixId: '',
    },
  });
  await app.listen();
  await until(() => handled >= events, params.timeoutMs ?? 180_000, `${events} events handled (${handled} so far)`);
  await app.close();
  report({ ...throughput(events, last - first), cpuUsPerEvent: (cpu.user + cpu.system) / events, handled });
}

switch (mode) {
  case 'bulk-emit':
  case 'bulk-emit-batch':
  case 'concurrent':
    await publishRun();
    break;
  case 'consume':
    await consumeRun();
    break;
  default:
    throw new Error(`unknown mode ${mode}`);
}
process.exit(0);
