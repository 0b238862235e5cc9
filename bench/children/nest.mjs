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
import { childArgs, consumeMeter, makePayload, makePayloads, measurePublish, report, runConcurrently, runMode } from '../lib/common.mjs';

const { mode, params } = childArgs();
const client = {
  clientId: 'bench-nest',
  brokers: params.brokers.split(','),
  connectionTimeout: 3000,
  requestTimeout: 30000,
  logLevel: logLevel.WARN,
};

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
  const work = async () => {
    if (mode === 'bulk-emit-batch') {
      // NestJS's own batch API: one kafkajs send per call.
      for (let offset = 0; offset < events; offset += batchSize) {
        await lastValueFrom(kafka.emitBatch(topic, { messages: payloads.slice(offset, offset + batchSize) }));
      }
    } else {
      // emit per event (one kafkajs send each), `concurrency` in flight.
      await runConcurrently(events, concurrency, (index) => lastValueFrom(kafka.emit(topic, payloads[index])));
    }
  };
  report(await measurePublish(events, work, () => kafka.close()));
}

async function consumeRun() {
  const { topic, events, groupId } = params;
  const meter = consumeMeter(events);

  class BenchController {
    async handle() {
      meter.onEvent();
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
  await meter.untilAll(params.timeoutMs ?? 180_000);
  await app.close();
  report(meter.result());
}

await runMode(mode, {
  'bulk-emit': publishRun,
  'bulk-emit-batch': publishRun,
  concurrent: publishRun,
  consume: consumeRun,
});
