/**
 * `yo kafka-eventing:subscription --name <Name> --remove` and `--name <Name> --rename <NewName>
 * [--group]`: registration, config entries (renamed with their values), the handler only while
 * unedited; a re-run afterwards changes no file; bad input changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import {
  assertUserError,
  changedFiles,
  copyService,
  editJson,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
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

describe("the model's lifecycle: :subscription --remove and --rename", function () {
  /** OrderPlaced and OrderShipped published, PaymentReceived external; subscriptions PaymentReceived and Audit (to OrderPlaced). */
  let base: string;
  before(async function () {
    base = await createLifecycleService();
  });
  after(removeTmpDirs);

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
      assert.deepEqual(
        changedFiles(untouched, snapshotFiles(service)),
        [
          '.yo-rc.json',
          ...CONFIGS,
          'src/subscriptions/index.ts',
          'src/subscriptions/payment-received.handler.ts',
          'test/eventing.test.ts',
          'test/metrics.test.ts',
          'test/tracing.test.ts',
        ].sort(),
      );
      assert.ok(!existsSync(path.join(service, 'src/subscriptions/payment-received.handler.ts')));
      assert.deepEqual(registrations(service), ['Audit:OrderPlaced:AuditHandler']);
      for (const config of CONFIGS) assert.deepEqual(Object.keys(readJson(service, config).subscriptions), ['Audit'], config);
      assert.deepEqual(
        readModel(service).subscriptions.map((s: { name: string }) => s.name),
        ['Audit'],
      );
      assert.ok(
        readModel(service).events.some((event: { name: string }) => event.name === 'PaymentReceived'),
        'the event stays',
      );
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
      editJson(dir, 'config/test.json', (json) => (json.subscriptions.Audit!.concurrency = 8));
      const removal = await removeSubscription(dir, 'Audit');
      assert.equal(readText(dir, 'src/subscriptions/audit.handler.ts'), handler);
      assert.match(said(removal), /Not removed, as you edited it: src\/subscriptions\/audit\.handler\.ts\./);
      for (const config of CONFIGS) assert.equal(readJson(dir, config).subscriptions.Audit, undefined, config);
      assert.deepEqual(registrations(dir), ['PaymentReceived:PaymentReceived:PaymentReceivedHandler']);
      await assertRerunChangesNothing(dir);
    });

    describe('bad input: one clear error, exit 1, no file changed', function () {
      const cases: { title: string; options: Record<string, unknown>; mentions: string[] }[] = [
        {
          title: 'a subscription that does not exist',
          options: { name: 'Nope', remove: true },
          mentions: ['"Nope"', "not in this service's model", 'PaymentReceived, Audit', '--list'],
        },
        { title: 'no --name', options: { remove: true }, mentions: ['--remove needs the subscription', '--name <Name> --remove'] },
        { title: '--event with it', options: { name: 'Audit', remove: true, event: 'OrderPlaced' }, mentions: ['--remove cannot go with --event'] },
        { title: '--group with it', options: { name: 'Audit', remove: true, group: 'x' }, mentions: ['--remove cannot go with --group'] },
        {
          title: '--remove and --rename',
          options: { name: 'Audit', remove: true, rename: 'Other' },
          mentions: ['--remove and --rename cannot go together'],
        },
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
      editJson(service, 'config/test.json', (json) => (json.subscriptions.PaymentReceived!.concurrency = 4));
      untouched = snapshotFiles(service);
      run = await renameSubscription(service, 'PaymentReceived', 'SettlePayments');
    });

    it('an unedited handler follows the name: file and class', function () {
      assert.deepEqual(
        changedFiles(untouched, snapshotFiles(service)),
        [
          '.yo-rc.json',
          ...CONFIGS,
          'src/subscriptions/index.ts',
          'src/subscriptions/payment-received.handler.ts',
          'src/subscriptions/settle-payments.handler.ts',
          'test/eventing.test.ts',
          'test/metrics.test.ts',
          'test/tracing.test.ts',
        ].sort(),
      );
      assert.ok(!existsSync(path.join(service, 'src/subscriptions/payment-received.handler.ts')));
      assert.match(
        readText(service, 'src/subscriptions/settle-payments.handler.ts'),
        /export class SettlePaymentsHandler implements EventHandler<PaymentReceived>/,
      );
      assert.deepEqual(registrations(service), ['SettlePayments:PaymentReceived:SettlePaymentsHandler', 'Audit:OrderPlaced:AuditHandler']);
    });

    it('config keys are renamed in place with your values; the consumer group stays, and the run says why', function () {
      for (const config of CONFIGS) {
        const subscriptions = readJson(service, config).subscriptions;
        assert.deepEqual(Object.keys(subscriptions), ['SettlePayments', 'Audit'], config);
        assert.equal(subscriptions.SettlePayments!.groupId, 'orders.payment-received', config);
        assert.equal(subscriptions.SettlePayments!.deadLetterTopic, 'orders.payment-received.dead-letter', config);
      }
      assert.equal(readJson(service, 'config/test.json').subscriptions.SettlePayments!.concurrency, 4, 'your value is kept');
      assert.deepEqual(readModel(service).subscriptions[0], { name: 'SettlePayments', event: 'PaymentReceived', groupId: 'orders.payment-received' });
      assert.match(
        said(run),
        /Consumer group stays orders\.payment-received: the worker goes on from the offsets committed for it\. A new group \(--group\) has none and reads payments\.received from the start again/,
      );
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
      assert.match(
        said(rename),
        /Its handler src\/subscriptions\/audit\.handler\.ts \(class AuditHandler\) keeps its file and class, as you edited it/,
      );
      await assertRerunChangesNothing(dir);
      // Its old name is taken while the handler is: a new subscription or another rename to it is refused.
      const before = snapshotFiles(dir);
      assertUserError(
        await runFailing('subscription', dir, { options: { event: 'OrderPlaced', name: 'Audit', yes: true } }),
        'OrderAudit kept the handler',
        '"Audit"',
      );
      assertUserError(
        await runFailing('subscription', dir, { options: { name: 'PaymentReceived', rename: 'Audit' } }),
        'OrderAudit kept the handler',
      );
      assert.deepEqual(changedFiles(before, snapshotFiles(dir)), []);
      // Renamed back, the handler's name and the subscription's are one again.
      await renameSubscription(dir, 'OrderAudit', 'Audit');
      assert.deepEqual(readModel(dir).subscriptions[1], { name: 'Audit', event: 'OrderPlaced', groupId: 'orders.audit' });
      assert.equal(readText(dir, 'src/subscriptions/audit.handler.ts'), handler);
    });

    it('--group gives it a new consumer group and dead-letter topic; the run says the topic is read again', async function () {
      const dir = copyService(base);
      editJson(dir, 'config/production.json', (json) => (json.subscriptions.Audit!.retry.attempts = 9));
      const rename = await renameSubscription(dir, 'Audit', 'OrderAudit', { group: 'orders.order-audit', yes: true });
      for (const config of CONFIGS) {
        const entry = readJson(dir, config).subscriptions.OrderAudit!;
        assert.equal(entry.groupId, 'orders.order-audit', config);
        assert.equal(entry.deadLetterTopic, 'orders.order-audit.dead-letter', config);
      }
      assert.equal(readJson(dir, 'config/production.json').subscriptions.OrderAudit!.retry.attempts, 9, 'your value is kept');
      assert.equal(readModel(dir).subscriptions[1]!.groupId, 'orders.order-audit');
      assert.match(
        said(rename),
        /Consumer group is now orders\.order-audit \(was orders\.audit\): it has no committed offsets, so the worker reads orders\.order-placed from the start again/,
      );
      await assertRerunChangesNothing(dir);
    });

    describe('bad input: one clear error, exit 1, no file changed', function () {
      const cases: { title: string; options: Record<string, unknown>; mentions: string[]; setup?: (dir: string) => void }[] = [
        {
          title: 'to the name of another subscription',
          options: { name: 'Audit', rename: 'PaymentReceived' },
          mentions: ['"PaymentReceived" already exists', '--rename'],
        },
        { title: 'to its own name', options: { name: 'Audit', rename: 'Audit' }, mentions: ['"Audit" already has that name'] },
        {
          title: 'a subscription that does not exist',
          options: { name: 'Nope', rename: 'Other' },
          mentions: ['"Nope"', "not in this service's model"],
        },
        { title: 'an invalid new name', options: { name: 'Audit', rename: 'order audit' }, mentions: ['"order audit"', 'identifier'] },
        {
          title: 'a group another subscription uses',
          options: { name: 'Audit', rename: 'OrderAudit', group: 'orders.payment-received' },
          mentions: ['"orders.payment-received" is already used'],
        },
        { title: 'an invalid group', options: { name: 'Audit', rename: 'OrderAudit', group: 'a/b' }, mentions: ['"a/b"'] },
        { title: 'no --name', options: { rename: 'Other' }, mentions: ['--rename needs the subscription'] },
        {
          title: '--event with it',
          options: { name: 'Audit', rename: 'Other', event: 'OrderShipped' },
          mentions: ['--rename cannot go with --event'],
        },
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
});
