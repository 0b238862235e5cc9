/**
 * `yo kafka-eventing:event <Name> --remove` and `yo kafka-eventing --list`: the removal takes out
 * exactly the files and config entries of the event, never a file the user edited (listed
 * instead); a re-run afterwards changes no file; bad input changes nothing; the service still
 * type-checks and passes its own tests after removals and renames.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  addEvent,
  addSubscription,
  assertUserError,
  changedFiles,
  copyService,
  createService,
  editJson,
  makeTmpDir,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
  writeText,
  type Run,
} from './support/generate.js';
import {
  assertRerunChangesNothing,
  CONFIGS,
  createLifecycleService,
  registrations,
  removeEvent,
  removeSubscription,
  renameSubscription,
  said,
} from './support/lifecycle.js';
import { linkDependencies, npm } from './support/service.js';

describe("the model's lifecycle: :event --remove, --list, the service afterwards", function () {
  /** OrderPlaced and OrderShipped published, PaymentReceived external; subscriptions PaymentReceived and Audit (to OrderPlaced). */
  let base: string;
  before(async function () {
    base = await createLifecycleService();
  });
  after(removeTmpDirs);

  describe('yo kafka-eventing:event <Name> --remove', function () {
    let service: string;
    let untouched: Record<string, string>;
    let run: Run;
    before(async function () {
      service = copyService(base);
      untouched = snapshotFiles(service);
      run = await removeEvent(service, 'OrderShipped');
    });

    it('removes its module, its schema, its registration and its config entries; nothing else changes', function () {
      assert.deepEqual(
        changedFiles(untouched, snapshotFiles(service)),
        [
          '.yo-rc.json',
          ...CONFIGS,
          'schemas/orders.order-shipped-value.schema.json',
          'src/events/index.ts',
          'src/events/order-shipped.event.ts',
          'test/eventing.test.ts',
          'test/metrics.test.ts',
          'test/tracing.test.ts',
        ].sort(),
      );
      assert.ok(!existsSync(path.join(service, 'src/events/order-shipped.event.ts')));
      assert.ok(!existsSync(path.join(service, 'schemas/orders.order-shipped-value.schema.json')));
      assert.doesNotMatch(readText(service, 'src/events/index.ts'), /OrderShipped/);
      assert.doesNotMatch(readText(service, 'test/eventing.test.ts'), /OrderShipped/);
      for (const config of CONFIGS) {
        assert.deepEqual(Object.keys(readJson(service, config).events), ['OrderPlaced', 'PaymentReceived'], config);
      }
    });

    it('takes it out of the model, with the hashes of its files', function () {
      const model = readModel(service);
      assert.deepEqual(
        model.events.map((event: { name: string }) => event.name),
        ['OrderPlaced', 'PaymentReceived'],
      );
      assert.ok(!Object.keys(model.renderedFiles!).some((file) => file.includes('order-shipped')), 'no hash of a removed file');
    });

    it('says what it removed; --remove is shown in --help', function () {
      assert.match(said(run), /Removed src\/events\/order-shipped\.event\.ts, schemas\/orders\.order-shipped-value\.schema\.json\./);
      assert.match(said(run), /Event OrderShipped removed from the model\./);
      const generator = run.result.generator as unknown as { help(): string };
      assert.match(generator.help(), /--remove\s+# Remove the event/);
    });

    it('a re-run afterwards changes no file', async function () {
      await assertRerunChangesNothing(copyService(service));
    });

    it('in an Avro service: its .avsc goes too', async function () {
      const avro = await createService({ 'schema-format': 'avro' }, 'avro-orders');
      await addEvent(avro, 'OrderShipped', { fields: 'orderId:uuid' });
      assert.ok(existsSync(path.join(avro, 'schemas/avro-orders.order-shipped-value.avsc')));
      await removeEvent(avro, 'OrderShipped', { yes: true }); // --yes is accepted (nothing is asked anyway)
      assert.ok(!existsSync(path.join(avro, 'schemas/avro-orders.order-shipped-value.avsc')));
      assert.ok(!existsSync(path.join(avro, 'src/events/order-shipped.event.ts')));
      await assertRerunChangesNothing(avro);
    });

    it('a config entry you edited goes too (it belonged to the event)', async function () {
      const dir = copyService(base);
      editJson(dir, 'config/production.json', (json) => (json.events.OrderShipped!.producer = { acks: 1 }));
      await removeEvent(dir, 'OrderShipped');
      for (const config of CONFIGS) assert.equal(readJson(dir, config).events.OrderShipped, undefined, config);
    });

    it('a generated file you edited stays and is listed for you to delete; the unedited one goes', async function () {
      const dir = copyService(base);
      const edited = `${readText(dir, 'src/events/order-shipped.event.ts')}// my note\n`;
      writeText(dir, 'src/events/order-shipped.event.ts', edited);
      const removal = await removeEvent(dir, 'OrderShipped');
      assert.equal(readText(dir, 'src/events/order-shipped.event.ts'), edited, 'the edited file is left as it is');
      assert.ok(!existsSync(path.join(dir, 'schemas/orders.order-shipped-value.schema.json')));
      assert.match(said(removal), /Not removed, as you edited it: src\/events\/order-shipped\.event\.ts\. .*delete it/);
      await assertRerunChangesNothing(dir);
    });

    it('names your files that still mention it', async function () {
      const dir = copyService(base);
      const routes = readText(dir, 'src/routes/index.ts').replace(/\n$/, "\n// eventBus.publish('OrderShipped', …)\n");
      writeText(dir, 'src/routes/index.ts', routes);
      const removal = await removeEvent(dir, 'OrderShipped');
      assert.match(said(removal), /Still mentioning OrderShipped: src\/routes\/index\.ts\./);
      assert.equal(readText(dir, 'src/routes/index.ts'), routes, 'your file is not changed');
    });

    describe('bad input: one clear error, exit 1, no file changed', function () {
      const cases: { title: string; args: string[]; options?: Record<string, unknown>; mentions: string[] }[] = [
        {
          title: 'an event that does not exist',
          args: ['OrderCancelled'],
          mentions: ['"OrderCancelled"', "not in this service's model", 'OrderPlaced, OrderShipped, PaymentReceived'],
        },
        {
          title: 'an event a subscription uses',
          args: ['OrderPlaced'],
          mentions: ['"OrderPlaced"', 'used by subscription Audit', 'yo kafka-eventing:subscription --name Audit --remove'],
        },
        { title: 'no event name', args: [], mentions: ['--remove needs the event'] },
        {
          title: 'other settings with it',
          args: ['OrderShipped'],
          options: { topic: 'x', addFields: 'a?:string' },
          mentions: ['--remove takes only', '--topic', '--add-fields'],
        },
      ];
      for (const { title, args, options = {}, mentions } of cases) {
        it(title, async function () {
          const dir = copyService(base);
          const before = snapshotFiles(dir);
          const error = await runFailing('event', dir, { args, options: { remove: true, ...options } });
          assertUserError(error, ...mentions);
          assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
        });
      }

      it('an edited generated file it would change (src/events/index.ts) stops the run before anything is removed', async function () {
        const dir = copyService(base);
        writeText(dir, 'src/events/index.ts', `${readText(dir, 'src/events/index.ts')}// mine\n`);
        const before = snapshotFiles(dir);
        const error = await runFailing('event', dir, { args: ['OrderShipped'], options: { remove: true, force: false } }); // yeoman-test passes --force by default
        assertUserError(error, 'src/events/index.ts', 'edited by hand');
        assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
      });
    });
  });

  describe('yo kafka-eventing --list', function () {
    it('prints events (published or external, topic, subject, key, fields) and subscriptions (event, group, dead-letter topic); changes nothing', async function () {
      const dir = copyService(base);
      const before = snapshotFiles(dir);
      const run = await runGenerator('app', dir, { options: { list: true } });
      assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
      const lines = run.logged().join('\n').split('\n');
      const from = lines.findIndex((line) => line.startsWith('Service orders'));
      assert.deepEqual(lines.slice(from, from + 18), [
        'Service orders (JSON Schema schemas with BACKWARD compatibility, port 3000)',
        'Events (3):',
        '  OrderPlaced  published by this service',
        '    topic orders.order-placed, subject orders.order-placed-value, key orderId',
        '    fields orderId:uuid, total:number, quantity:int, placedAt:datetime, note?:string, tags:string[]',
        '  OrderShipped  published by this service',
        '    topic orders.order-shipped, subject orders.order-shipped-value, no key',
        '    fields orderId:uuid, shippedAt:datetime',
        '  PaymentReceived  external: another service publishes it',
        '    topic payments.received, subject payments.received-value, no key',
        '    fields orderId:uuid, amount:number',
        'Subscriptions (2):',
        '  PaymentReceived  to PaymentReceived',
        '    group orders.payment-received, dead-letter topic orders.payment-received.dead-letter',
        '    handler src/subscriptions/payment-received.handler.ts (PaymentReceivedHandler)',
        '  Audit  to OrderPlaced',
        '    group orders.audit, dead-letter topic orders.audit.dead-letter',
        '    handler src/subscriptions/audit.handler.ts (AuditHandler)',
      ]);
      assert.equal(lines.length, from + 18, 'the listing ends the output');
      assert.match((run.result.generator as unknown as { help(): string }).help(), /--list\s+# Print the model of the service/);
    });

    it('from a folder inside the service, or with --directory; a service with no events says how to add one', async function () {
      const fresh = await createService({}, 'empty');
      const run = await runGenerator('app', path.join(fresh, 'src'), { options: { list: true } });
      assert.match(said(run), /^Events: none \(add one with yo kafka-eventing:event <Name>\)$/m);
      assert.match(said(run), /^Subscriptions: none/m);
      assert.ok(!existsSync(path.join(fresh, 'src', '.yo-rc.json')));
      const fromAbove = await runGenerator('app', path.dirname(fresh), { options: { list: true, directory: 'empty' } });
      assert.match(said(fromAbove), /^Service empty \(JSON Schema schemas/m, 'or the service in --directory');
    });

    it('bad input: outside a service, or with settings, is one clear error and writes nothing', async function () {
      const empty = makeTmpDir();
      assertUserError(await runFailing('app', empty, { options: { list: true } }), 'No .yo-rc.json', 'yo kafka-eventing');
      assert.deepEqual(snapshotFiles(empty), {});
      const dir = copyService(base);
      const before = snapshotFiles(dir);
      assertUserError(await runFailing('app', dir, { options: { list: true, port: '4000' } }), '--list only prints the model', '--port');
      assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
    });
  });

  describe('the generated service afterwards', function () {
    this.timeout(600_000);

    it('still type-checks (strict tsc) and passes its own tests, the kept and the renamed handlers registered', async function () {
      const dir = copyService(base);
      writeText(dir, 'src/subscriptions/audit.handler.ts', `${readText(dir, 'src/subscriptions/audit.handler.ts')}// my code\n`);
      writeText(dir, 'src/events/order-shipped.event.ts', `${readText(dir, 'src/events/order-shipped.event.ts')}// my note\n`);
      await removeEvent(dir, 'OrderShipped'); // its edited module stays behind, unused
      await removeSubscription(dir, 'PaymentReceived');
      await removeEvent(dir, 'PaymentReceived');
      await renameSubscription(dir, 'Audit', 'OrderAudit'); // edited: keeps AuditHandler
      await addSubscription(dir, 'OrderPlaced', { name: 'Billing' });
      await renameSubscription(dir, 'Billing', 'Invoicing', { group: 'orders.invoicing' }); // unedited: InvoicingHandler
      assert.deepEqual(registrations(dir), ['OrderAudit:OrderPlaced:AuditHandler', 'Invoicing:OrderPlaced:InvoicingHandler']);
      await linkDependencies(dir);
      const { stdout } = await npm(dir, 'test'); // npm run typecheck (tsc --noEmit, strict), then its mocha tests
      assert.match(stdout, /runs the OrderAudit handler on a OrderPlaced/);
      assert.match(stdout, /runs the Invoicing handler on a OrderPlaced/);
      assert.doesNotMatch(stdout, /OrderShipped|PaymentReceived/);
      assert.doesNotMatch(stdout, /failing/);
    });
  });
});
