/**
 * The runtime every generated service gets (generators/app/templates/src), checked without a broker:
 * rendered with a small model in both schema formats, type-checked with the service's strict
 * settings, and its own tests run (unit tests of the batch rounds, the batching sender, commit pacer, codec and retry
 * policy, and the in-memory eventing tests).
 */
import assert from 'node:assert/strict';
import { renderSmallService, serviceTests, typecheck } from './support/rendered.js';

const variants = [
  { schemaFormat: 'json', kafkaClient: 'kafkajs' },
  { schemaFormat: 'avro', kafkaClient: 'kafkajs' },
  { schemaFormat: 'json', kafkaClient: 'platformatic' },
] as const;

for (const { schemaFormat, kafkaClient } of variants) {
  describe(`runtime, rendered with a small ${schemaFormat} model, ${kafkaClient} (no broker)`, function () {
    this.timeout(600_000);
    let dir: string;

    before(async () => {
      dir = await renderSmallService(schemaFormat, `shop-${schemaFormat}-${kafkaClient}`, kafkaClient);
    });

    it('passes tsc --noEmit with the service\'s strict settings', async () => {
      const outcome = await typecheck(dir);
      assert.ok(outcome.ok, `tsc failed:\n${outcome.output}`);
      console.log(`      tsc --noEmit: ${outcome.ms} ms`);
    });

    it('passes its own unit and in-memory tests', async () => {
      const outcome = await serviceTests(dir);
      assert.ok(outcome.ok, `the service's tests failed:\n${outcome.output}`);
      const suites = ['batch rounds', 'BatchingSender', 'CommitPacer', 'retry policy', `codec, ${schemaFormat} schema`, 'runs the PaymentReceived handler'];
      suites.push('GET /metrics, in-memory transport', 'counts retries and dead letters of a handler', 'counts events published and failed', 'in-memory span exporter', 'one trace from publish to the');
      suites.push('runs the IndexOrders handler');
      if (kafkaClient === 'platformatic') {
        suites.push('PartitionLanes', 'hands a message whose handling failed over again', 'with a batch listener', 'bounds a batch by MAX_BATCH_MESSAGES');
      }
      for (const suite of suites) {
        assert.match(outcome.output, new RegExp(suite), `ran ${suite}`);
      }
      assert.match(outcome.output, /\d+ passing/);
      assert.doesNotMatch(outcome.output, /failing|pending/);
      console.log(`      mocha: ${outcome.ms} ms, ${/(\d+) passing/.exec(outcome.output)?.[1]} passing`);
    });
  });
}
