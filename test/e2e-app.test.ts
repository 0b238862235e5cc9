/**
 * End to end, as a new user would: generate a service, install its dependencies, type-check and
 * build it, run its own tests, start it against the real broker and registry, stop it with SIGTERM.
 */
import assert from 'node:assert/strict';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { kafkaStack, type KafkaStack } from './support/stack.js';
import { generate, npm, startServiceProcess, tempDir } from './support/service.js';

for (const kafkaClient of ['kafkajs', 'platformatic'] as const)
  describe(`generated service, end to end, ${kafkaClient} @kafka`, function () {
    this.timeout(600_000);
    let stack: KafkaStack;
    let serviceDir: string;

    before(async () => {
      stack = await kafkaStack();
      const workspace = tempDir(`app-${kafkaClient}`);
      await generate(workspace, 'app', ['orders'], { kafkaClient });
      serviceDir = path.join(workspace, 'orders');
    });

    it('installs, passes tsc in strict mode, builds and passes its own tests', async () => {
      await npm(serviceDir, 'install', '--no-audit', '--no-fund', '--prefer-offline');
      await npm(serviceDir, 'run', 'typecheck');
      await npm(serviceDir, 'run', 'build');
      assert.ok(existsSync(path.join(serviceDir, 'dist', 'main.js')));
      const { stdout } = await npm(serviceDir, 'test');
      assert.match(stdout, /\d+ passing/);
      assert.doesNotMatch(stdout, /failing/);
    });

    it('starts against the real broker and registry, is ready, and exits 0 within 10 s of SIGTERM', async () => {
      const service = await startServiceProcess(serviceDir, {
        KAFKA_BROKERS: stack.brokers,
        SCHEMA_REGISTRY_URL: stack.registryUrl,
      });
      const live = await fetch(`http://127.0.0.1:${service.port}/health/live`);
      assert.equal(live.status, 200);
      const ready = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
      assert.equal(ready.status, 200);
      assert.deepEqual(((await ready.json()) as { checks: unknown }).checks, { started: true, broker: true, writable: true, schemaRegistry: true });

      const signalled = Date.now();
      service.signal('SIGTERM');
      const code = await service.exited;
      const took = Date.now() - signalled;
      assert.equal(code, 0, service.output().slice(-2000));
      assert.ok(took < 10_000, `took ${took} ms to exit`);
      assert.match(service.output(), /"msg":"service stopped"/);
      const errors = service
        .output()
        .split('\n')
        .filter((line) => line.includes('"level":50'));
      assert.deepEqual(errors, [], 'a normal start and stop logs no error (kafkajs retries are warnings)');
      assert.doesNotMatch(service.output(), /Limiting retries for the idempotent producer/, 'at debug: LOG_LEVEL is info');
    });

    it('is not ready when the broker is unreachable (readiness really checks it)', async () => {
      const service = startServiceProcess(
        serviceDir,
        {
          KAFKA_BROKERS: '127.0.0.1:1',
          SCHEMA_REGISTRY_URL: stack.registryUrl,
        },
        { readyTimeoutMs: 5000 },
      );
      await assert.rejects(service, /did not become ready/);
    });

    it('still passes tsc in strict mode and its own tests after a sequence of subgenerator runs', async () => {
      await generate(serviceDir, 'event', ['EverythingOptional'], {
        fields: 'label?:string, count?:int, ratio?:number, enabled?:boolean, at?:datetime, ref?:uuid, names?:string[]',
      });
      await generate(serviceDir, 'event', ['InventoryReserved'], {
        fields: 'sku:string, quantities:int[], reservedAt:datetime',
        key: 'sku',
        external: true,
        topic: 'inventory.reserved',
      });
      await generate(serviceDir, 'subscription', [], { event: 'InventoryReserved' });
      await generate(serviceDir, 'subscription', [], { event: 'EverythingOptional' });
      await generate(serviceDir, 'subscription', [], { event: 'EverythingOptional', name: 'EverythingOptionalAudit' });
      await generate(serviceDir, 'event', ['InventoryReserved'], { addFields: 'warehouse?:string, lots?:uuid[]' });
      await generate(serviceDir, 'event', ['EverythingOptional'], { addFields: 'note?:string' });
      const { stdout } = await npm(serviceDir, 'test');
      assert.match(stdout, /EverythingOptional/);
      assert.match(stdout, /runs the EverythingOptionalAudit handler/);
      assert.doesNotMatch(stdout, /failing/);
      await npm(serviceDir, 'run', 'build');
    });

    it("the README's route example compiles for the event it names, publishes, and a body that is not JSON is answered 415 (malformed JSON 400)", async () => {
      const readme = readFileSync(path.join(serviceDir, 'README.md'), 'utf8');
      const section = readme.slice(readme.indexOf('## Publishing from a route'));
      const command = /`(yo kafka-eventing:event OrderPlaced [^`]+)`/.exec(section)?.[1];
      const example = /```ts\n([\s\S]*?)```/.exec(section)?.[1];
      assert.ok(command && example, 'the section names the event command and shows the route file');
      assert.equal(command, 'yo kafka-eventing:event OrderPlaced --fields "orderId:uuid, total:number" --key orderId --yes');
      await generate(serviceDir, 'event', ['OrderPlaced'], { fields: 'orderId:uuid, total:number', key: 'orderId' });
      writeFileSync(path.join(serviceDir, 'src/routes/index.ts'), example);
      await npm(serviceDir, 'run', 'typecheck');
      await npm(serviceDir, 'run', 'build');
      const service = await startServiceProcess(serviceDir, { KAFKA_BROKERS: stack.brokers, SCHEMA_REGISTRY_URL: stack.registryUrl });
      try {
        const post = (body: string, type: string) =>
          fetch(`http://127.0.0.1:${service.port}/orders`, { method: 'POST', headers: { 'content-type': type }, body });
        const created = await post(JSON.stringify({ total: 12.5 }), 'application/json');
        assert.equal(created.status, 201, await created.clone().text());
        const text = await post('total=12.5', 'application/x-www-form-urlencoded');
        assert.equal(text.status, 415, await text.clone().text());
        assert.match(((await text.json()) as { error: string }).error, /must be JSON/);
        const plain = await post('12.5', 'text/plain');
        assert.equal(plain.status, 415);
        const malformed = await post('{"total": 12.5', 'application/json');
        assert.equal(malformed.status, 400);
        const notANumber = await post(JSON.stringify({ total: 'abc' }), 'application/json');
        assert.equal(notANumber.status, 422, 'Number("abc") is NaN: refused, not published as null');
        const errors = service
          .output()
          .split('\n')
          .filter((line) => line.includes('"level":50'));
        assert.deepEqual(errors, [], 'none of these is a server error');
      } finally {
        service.signal('SIGTERM');
        await service.exited;
      }
    });
  });
