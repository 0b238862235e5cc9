/**
 * The model's lifecycle: `:event <Name> --remove`, `:subscription --name <Name> --remove`,
 * `:subscription --name <Name> --rename <NewName> [--group]` and `yo kafka-eventing --list`. Each
 * removes exactly the files and config entries that belonged to what it removes, never a file the
 * user edited (listed instead); a re-run afterwards changes no file; bad input changes nothing.
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
  ORDER_FIELDS,
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
import { linkDependencies, npm } from './support/service.js';

const ENVS = ['development', 'test', 'production'] as const;
const CONFIGS = ENVS.map((env) => `config/${env}.json`);

const removeEvent = (dir: string, name: string, options: Record<string, unknown> = {}) =>
  runGenerator('event', dir, { args: [name], options: { remove: true, ...options } });
const removeSubscription = (dir: string, name: string, options: Record<string, unknown> = {}) =>
  runGenerator('subscription', dir, { options: { name, remove: true, ...options } });
const renameSubscription = (dir: string, name: string, rename: string, options: Record<string, unknown> = {}) =>
  runGenerator('subscription', dir, { options: { name, rename, ...options } });

/** `yo kafka-eventing --yes` in the service changes no file. */
async function assertRerunChangesNothing(service: string): Promise<void> {
  const before = snapshotFiles(service);
  const run = await runGenerator('app', service, { options: { yes: true, skipInstall: true } });
  assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], 'a re-run changes no file');
  assert.match(run.logged().join('\n'), /^No file changed\.$/m);
}

function said(run: Run): string {
  return run.logged().join('\n');
}

/** The `{ name, event, handler }` entries of `src/subscriptions/index.ts`. */
function registrations(service: string): string[] {
  return [...readText(service, 'src/subscriptions/index.ts').matchAll(/\{ name: '(\w+)', event: '(\w+)', handler: (\w+) \}/g)].map(
    ([, name, event, handler]) => `${name}:${event}:${handler}`,
  );
}

describe('the model\'s lifecycle: remove, rename, list', function () {
  /** OrderPlaced and OrderShipped published, PaymentReceived external; subscriptions PaymentReceived and Audit (to OrderPlaced). */
  let base: string;
  before(async function () {
    base = await createService();
    await addEvent(base, 'OrderPlaced', { fields: ORDER_FIELDS, key: 'orderId' });
    await addEvent(base, 'OrderShipped', { fields: 'orderId:uuid, shippedAt:datetime' });
    await addEvent(base, 'PaymentReceived', { fields: 'orderId:uuid, amount:number', external: true, topic: 'payments.received' });
    await addSubscription(base, 'PaymentReceived');
    await addSubscription(base, 'OrderPlaced', { name: 'Audit', group: 'orders.audit' });
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
      assert.deepEqual(changedFiles(untouched, snapshotFiles(service)), [
        '.yo-rc.json',
        ...CONFIGS,
        'schemas/orders.order-shipped-value.schema.json',
        'src/events/index.ts',
        'src/events/order-shipped.event.ts',
        'test/eventing.test.ts',
      ].sort());
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
      assert.deepEqual(model.events.map((event: { name: string }) => event.name), ['OrderPlaced', 'PaymentReceived']);
      assert.ok(!Object.keys(model.renderedFiles).some((file) => file.includes('order-shipped')), 'no hash of a removed file');
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
      await removeEvent(avro, 'OrderShipped');
      assert.ok(!existsSync(path.join(avro, 'schemas/avro-orders.order-shipped-value.avsc')));
      assert.ok(!existsSync(path.join(avro, 'src/events/order-shipped.event.ts')));
      await assertRerunChangesNothing(avro);
    });

    it('a config entry you edited goes too (it belonged to the event)', async function () {
      const dir = copyService(base);
      editJson(dir, 'config/production.json', (json) => (json.events.OrderShipped.producer = { acks: 1 }));
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
        { title: 'an event that does not exist', args: ['OrderCancelled'], mentions: ['"OrderCancelled"', 'not in this service\'s model', 'OrderPlaced, OrderShipped, PaymentReceived'] },
        { title: 'an event a subscription uses', args: ['OrderPlaced'], mentions: ['"OrderPlaced"', 'used by subscription Audit', 'yo kafka-eventing:subscription --name Audit --remove'] },
        { title: 'no event name', args: [], mentions: ['--remove needs the event'] },
        { title: 'other settings with it', args: ['OrderShipped'], options: { topic: 'x', addFields: 'a?:string' }, mentions: ['--remove takes only', '--topic', '--add-fields'] },
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

  describe('yo kafka-eventing:subscription --name <Name> --remove', function () {
    let service: string;
    let untouched: Record<string, string>;
    let run: Run;
    before(async function () {
      service = copyService(base);
      untouched = snapshotFiles(service);
      run = await removeSubscription(service, 'PaymentReceived');
    });

    it('removes its registration, its config entries and its unedited handler; nothing else changes', function () {
      assert.deepEqual(changedFiles(untouched, snapshotFiles(service)), [
        '.yo-rc.json',
        ...CONFIGS,
        'src/subscriptions/index.ts',
        'src/subscriptions/payment-received.handler.ts',
        'test/eventing.test.ts',
      ].sort());
      assert.ok(!existsSync(path.join(service, 'src/subscriptions/payment-received.handler.ts')));
      assert.deepEqual(registrations(service), ['Audit:OrderPlaced:AuditHandler']);
      for (const config of CONFIGS) assert.deepEqual(Object.keys(readJson(service, config).subscriptions), ['Audit'], config);
      assert.deepEqual(readModel(service).subscriptions.map((s: { name: string }) => s.name), ['Audit']);
      assert.ok(readModel(service).events.some((event: { name: string }) => event.name === 'PaymentReceived'), 'the event stays');
    });

    it('says so; --remove is shown in --help', function () {
      assert.match(said(run), /Removed src\/subscriptions\/payment-received\.handler\.ts\./);
      assert.match(said(run), /Subscription PaymentReceived removed from the model\./);
      assert.match((run.result.generator as unknown as { help(): string }).help(), /--remove\s+# Remove the subscription/);
    });

    it('a re-run afterwards changes no file; then its event can be removed', async function () {
      const dir = copyService(service);
      await assertRerunChangesNothing(dir);
      await removeEvent(dir, 'PaymentReceived');
      assert.ok(!existsSync(path.join(dir, 'schemas/payments.received-value.schema.json')));
    });

    it('an edited handler stays and is listed; its config entries go, edited or not', async function () {
      const dir = copyService(base);
      const handler = `${readText(dir, 'src/subscriptions/audit.handler.ts')}// my code\n`;
      writeText(dir, 'src/subscriptions/audit.handler.ts', handler);
      editJson(dir, 'config/test.json', (json) => (json.subscriptions.Audit.concurrency = 8));
      const removal = await removeSubscription(dir, 'Audit');
      assert.equal(readText(dir, 'src/subscriptions/audit.handler.ts'), handler);
      assert.match(said(removal), /Not removed, as you edited it: src\/subscriptions\/audit\.handler\.ts\./);
      for (const config of CONFIGS) assert.equal(readJson(dir, config).subscriptions.Audit, undefined, config);
      assert.deepEqual(registrations(dir), ['PaymentReceived:PaymentReceived:PaymentReceivedHandler']);
      await assertRerunChangesNothing(dir);
    });

    describe('bad input: one clear error, exit 1, no file changed', function () {
      const cases: { title: string; options: Record<string, unknown>; mentions: string[] }[] = [
        { title: 'a subscription that does not exist', options: { name: 'Nope', remove: true }, mentions: ['"Nope"', 'not in this service\'s model', 'PaymentReceived, Audit', '--list'] },
        { title: 'no --name', options: { remove: true }, mentions: ['--remove needs the subscription', '--name <Name> --remove'] },
        { title: '--event with it', options: { name: 'Audit', remove: true, event: 'OrderPlaced' }, mentions: ['--remove cannot go with --event'] },
        { title: '--group with it', options: { name: 'Audit', remove: true, group: 'x' }, mentions: ['--remove cannot go with --group'] },
        { title: '--remove and --rename', options: { name: 'Audit', remove: true, rename: 'Other' }, mentions: ['--remove and --rename cannot go together'] },
      ];
      for (const { title, options, mentions } of cases) {
        it(title, async function () {
          const dir = copyService(base);
          const before = snapshotFiles(dir);
          assertUserError(await runFailing('subscription', dir, { options }), ...mentions);
          assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
        });
      }
    });
  });

  describe('yo kafka-eventing:subscription --name <Name> --rename <NewName>', function () {
    let service: string;
    let untouched: Record<string, string>;
    let run: Run;
    before(async function () {
      service = copyService(base);
      editJson(service, 'config/test.json', (json) => (json.subscriptions.PaymentReceived.concurrency = 4));
      untouched = snapshotFiles(service);
      run = await renameSubscription(service, 'PaymentReceived', 'SettlePayments');
    });

    it('an unedited handler follows the name: file and class', function () {
      assert.deepEqual(changedFiles(untouched, snapshotFiles(service)), [
        '.yo-rc.json',
        ...CONFIGS,
        'src/subscriptions/index.ts',
        'src/subscriptions/payment-received.handler.ts',
        'src/subscriptions/settle-payments.handler.ts',
        'test/eventing.test.ts',
      ].sort());
      assert.ok(!existsSync(path.join(service, 'src/subscriptions/payment-received.handler.ts')));
      assert.match(readText(service, 'src/subscriptions/settle-payments.handler.ts'), /export class SettlePaymentsHandler implements EventHandler<PaymentReceived>/);
      assert.deepEqual(registrations(service), ['SettlePayments:PaymentReceived:SettlePaymentsHandler', 'Audit:OrderPlaced:AuditHandler']);
    });

    it('config keys are renamed in place with your values; the consumer group stays, and the run says why', function () {
      for (const config of CONFIGS) {
        const subscriptions = readJson(service, config).subscriptions;
        assert.deepEqual(Object.keys(subscriptions), ['SettlePayments', 'Audit'], config);
        assert.equal(subscriptions.SettlePayments.groupId, 'orders.payment-received', config);
        assert.equal(subscriptions.SettlePayments.deadLetterTopic, 'orders.payment-received.dead-letter', config);
      }
      assert.equal(readJson(service, 'config/test.json').subscriptions.SettlePayments.concurrency, 4, 'your value is kept');
      assert.deepEqual(readModel(service).subscriptions[0], { name: 'SettlePayments', event: 'PaymentReceived', groupId: 'orders.payment-received' });
      assert.match(said(run), /Consumer group stays orders\.payment-received: the worker goes on from the offsets committed for it\. A new group \(--group\) has none and reads payments\.received from the start again/);
      assert.match((run.result.generator as unknown as { help(): string }).help(), /--rename\s+# Rename the subscription/);
    });

    it('a re-run afterwards changes no file', async function () {
      await assertRerunChangesNothing(copyService(service));
    });

    it('an edited handler keeps its file and class, registered under the new name', async function () {
      const dir = copyService(base);
      const handler = `${readText(dir, 'src/subscriptions/audit.handler.ts')}// my code\n`;
      writeText(dir, 'src/subscriptions/audit.handler.ts', handler);
      const rename = await renameSubscription(dir, 'Audit', 'OrderAudit');
      assert.equal(readText(dir, 'src/subscriptions/audit.handler.ts'), handler);
      assert.ok(!existsSync(path.join(dir, 'src/subscriptions/order-audit.handler.ts')), 'no second handler');
      assert.deepEqual(registrations(dir), ['PaymentReceived:PaymentReceived:PaymentReceivedHandler', 'OrderAudit:OrderPlaced:AuditHandler']);
      assert.deepEqual(readModel(dir).subscriptions[1], { name: 'OrderAudit', event: 'OrderPlaced', groupId: 'orders.audit', handlerName: 'Audit' });
      assert.match(said(rename), /Its handler src\/subscriptions\/audit\.handler\.ts \(class AuditHandler\) keeps its file and class, as you edited it/);
      await assertRerunChangesNothing(dir);
      // Renamed back, the handler's name and the subscription's are one again.
      await renameSubscription(dir, 'OrderAudit', 'Audit');
      assert.deepEqual(readModel(dir).subscriptions[1], { name: 'Audit', event: 'OrderPlaced', groupId: 'orders.audit' });
      assert.equal(readText(dir, 'src/subscriptions/audit.handler.ts'), handler);
    });

    it('--group gives it a new consumer group and dead-letter topic; the run says the topic is read again', async function () {
      const dir = copyService(base);
      editJson(dir, 'config/production.json', (json) => (json.subscriptions.Audit.retry.attempts = 9));
      const rename = await renameSubscription(dir, 'Audit', 'OrderAudit', { group: 'orders.order-audit' });
      for (const config of CONFIGS) {
        const entry = readJson(dir, config).subscriptions.OrderAudit;
        assert.equal(entry.groupId, 'orders.order-audit', config);
        assert.equal(entry.deadLetterTopic, 'orders.order-audit.dead-letter', config);
      }
      assert.equal(readJson(dir, 'config/production.json').subscriptions.OrderAudit.retry.attempts, 9, 'your value is kept');
      assert.equal(readModel(dir).subscriptions[1].groupId, 'orders.order-audit');
      assert.match(said(rename), /Consumer group is now orders\.order-audit \(was orders\.audit\): it has no committed offsets, so the worker reads orders\.order-placed from the start again/);
      await assertRerunChangesNothing(dir);
    });

    describe('bad input: one clear error, exit 1, no file changed', function () {
      const cases: { title: string; options: Record<string, unknown>; mentions: string[]; setup?: (dir: string) => void }[] = [
        { title: 'to the name of another subscription', options: { name: 'Audit', rename: 'PaymentReceived' }, mentions: ['"PaymentReceived" already exists', '--rename'] },
        { title: 'to its own name', options: { name: 'Audit', rename: 'Audit' }, mentions: ['"Audit" already has that name'] },
        { title: 'a subscription that does not exist', options: { name: 'Nope', rename: 'Other' }, mentions: ['"Nope"', 'not in this service\'s model'] },
        { title: 'an invalid new name', options: { name: 'Audit', rename: 'order audit' }, mentions: ['"order audit"', 'identifier'] },
        { title: 'a group another subscription uses', options: { name: 'Audit', rename: 'OrderAudit', group: 'orders.payment-received' }, mentions: ['"orders.payment-received" is already used'] },
        { title: 'an invalid group', options: { name: 'Audit', rename: 'OrderAudit', group: 'a/b' }, mentions: ['"a/b"'] },
        { title: 'no --name', options: { rename: 'Other' }, mentions: ['--rename needs the subscription'] },
        { title: '--event with it', options: { name: 'Audit', rename: 'Other', event: 'OrderShipped' }, mentions: ['--rename cannot go with --event'] },
        {
          title: 'a new handler file that exists already',
          options: { name: 'Audit', rename: 'OrderAudit' },
          mentions: ['src/subscriptions/order-audit.handler.ts exists already'],
          setup: (dir) => writeText(dir, 'src/subscriptions/order-audit.handler.ts', 'export {};\n'),
        },
      ];
      for (const { title, options, mentions, setup } of cases) {
        it(title, async function () {
          const dir = copyService(base);
          setup?.(dir);
          const before = snapshotFiles(dir);
          assertUserError(await runFailing('subscription', dir, { options }), ...mentions);
          assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
        });
      }
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
