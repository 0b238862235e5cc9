/**
 * The glue a generated service gets over the runtime package, checked without a broker: rendered with
 * a small model (every field type, an external event, per-message and batch subscriptions) in both
 * schema formats and on both clients, type-checked with the service's strict settings, and its own
 * in-memory tests run. The runtime's own specs run in runtime-package.test.ts.
 */
import assert from 'node:assert/strict';
import { renderSmallService, serviceTests, typecheck } from './support/rendered.js';

const variants = [
  { schemaFormat: 'json', kafkaClient: 'kafkajs' },
  { schemaFormat: 'avro', kafkaClient: 'kafkajs' },
  { schemaFormat: 'json', kafkaClient: 'platformatic' },
] as const;

for (const { schemaFormat, kafkaClient } of variants) {
  describe(`service glue, rendered with a small ${schemaFormat} model, ${kafkaClient} (no broker)`, function () {
    this.timeout(600_000);
    let dir: string;

    before(async () => {
      dir = await renderSmallService(schemaFormat, `shop-${schemaFormat}-${kafkaClient}`, kafkaClient);
    });

    it("passes tsc --noEmit with the service's strict settings", async () => {
      const outcome = await typecheck(dir);
      assert.ok(outcome.ok, `tsc failed:\n${outcome.output}`);
      console.log(`      tsc --noEmit: ${outcome.ms} ms`);
    });

    it('passes its own unit and in-memory tests', async () => {
      const outcome = await serviceTests(dir);
      assert.ok(outcome.ok, `the service's tests failed:\n${outcome.output}`);
      const suites = ['runs the PaymentReceived handler'];
      suites.push(
        'GET /metrics, in-memory transport',
        'counts retries and dead letters of a handler',
        'counts events published and failed',
        'in-memory span exporter',
        'one trace from publish to the',
      );
      suites.push('runs the IndexOrders handler');
      for (const suite of suites) {
        assert.match(outcome.output, new RegExp(suite), `ran ${suite}`);
      }
      assert.match(outcome.output, /\d+ passing/);
      assert.doesNotMatch(outcome.output, /failing|pending/);
      console.log(`      mocha: ${outcome.ms} ms, ${/(\d+) passing/.exec(outcome.output)?.[1]} passing`);
    });
  });
}
