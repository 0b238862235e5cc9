/** The real `yo` CLI, with no terminal (stdin ignored), on the generators of this repository (see support/yo.ts). */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { changedFiles, readJson, readModel, readText, removeTmpDirs, snapshotFiles, writeText } from './support/generate.js';
import { assertCleanFailure, runYo, yoSandbox, type YoRun } from './support/yo.js';

describe('the yo CLI, without a terminal', function () {
  this.timeout(60_000);
  let root: string;
  let work: string;
  let service: string;

  function yo(cwd: string, args: string[]): Promise<YoRun> {
    return runYo(root, cwd, args);
  }

  /** Every event of the model is registered in src/events/index.ts and configured: model and files agree. */
  function assertModelRendered(): void {
    const events = readModel(service).events.map((event: { name: string }) => event.name);
    assert.ok(events.includes('OrderPlaced'));
    for (const name of events) {
      assert.match(readText(service, 'src/events/index.ts'), new RegExp(`\\b${name}: \\w+Event,`), `${name} is registered`);
      assert.ok(readJson(service, 'config/test.json').events[name], `${name} is configured`);
    }
  }

  before(function () {
    ({ root, work } = yoSandbox('kafka-eventing-spec-cli-'));
    service = path.join(work, 'orders');
  });
  after(removeTmpDirs);

  it('(a) yo kafka-eventing orders --yes --skip-install creates the service', async function () {
    const run = await yo(work, ['kafka-eventing', 'orders', '--yes', '--skip-install']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /create orders[/\\]src[/\\]main\.ts/);
    assert.match(run.output, /Service orders is ready in orders\./);
    assert.equal(readModel(service).service.name, 'orders');
    assert.deepEqual(readdirSync(work), ['orders']);
  });

  it('(b) running it again inside the service changes nothing: no file created or changed, no conflict', async function () {
    const before = snapshotFiles(service);
    for (const args of [['kafka-eventing', 'orders'], ['kafka-eventing']]) {
      const run = await yo(service, [...args, '--yes', '--skip-install']);
      assert.equal(run.status, 0, run.output);
      // Unchanged files are not written, so Yeoman lists none of them, not even the model (.yo-rc.json).
      assert.doesNotMatch(run.output, /^\s*(?:create|force|identical|skip) +\S/m, 'no file is listed');
      assert.match(run.output, /^No file changed\.$/m, 'the summary says so');
      assert.doesNotMatch(run.output, /conflict/);
      assert.match(run.output, /No change to package\.json was detected/, 'so no package manager install either');
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], `${args.join(' ')} changed no file`);
    }
  });

  it('(c) an edited owned file that would re-render differently stops the run: one clear message, nothing written', async function () {
    await yo(service, ['kafka-eventing:event', 'OrderPlaced', '--fields', 'orderId:uuid, total:number', '--yes', '--skip-install']);
    const edited = `${readText(service, 'src/events/index.ts')}// my change\n`;
    writeText(service, 'src/events/index.ts', edited);
    const before = snapshotFiles(service);

    const run = await yo(service, ['kafka-eventing:event', 'Another', '--fields', 'id:uuid', '--yes', '--skip-install']);
    assertCleanFailure(run, 'src/events/index.ts was edited by hand');
    assert.match(run.stderr, /--force/);
    assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], 'nothing written');
    assert.equal(readText(service, 'src/events/index.ts'), edited, 'the edit is kept');
  });

  it('(c) then `yo kafka-eventing --yes --force` overwrites the edit and renders the whole model again', async function () {
    const run = await yo(service, ['kafka-eventing', '--yes', '--force', '--skip-install']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /force src[/\\]events[/\\]index\.ts/);
    assert.doesNotMatch(readText(service, 'src/events/index.ts'), /my change/);
    assertModelRendered();
  });

  describe('(d) bad input: exit code 1, one clear message, no stack trace, nothing written', function () {
    it('app: port 70000', async function () {
      const run = await yo(work, ['kafka-eventing', 'payments', '--port', '70000', '--yes', '--skip-install']);
      assertCleanFailure(run, 'HTTP port 70000 is out of range: give a whole number from 1 to 65535.');
      assert.deepEqual(readdirSync(work), ['orders']);
    });

    it('app: no --yes and no terminal to answer the first prompt', async function () {
      const empty = path.join(work, 'empty');
      mkdirSync(empty);
      const run = await yo(empty, ['kafka-eventing', '--skip-install']);
      assertCleanFailure(run, 'No terminal to ask for "Service name": give it as --name, or add --yes');
      assert.deepEqual(readdirSync(empty), []);
    });

    it('event: no --yes, a setting not given and no terminal to ask: names the missing option', async function () {
      const before = snapshotFiles(service);
      const run = await yo(service, ['kafka-eventing:event', 'OrderShipped', '--fields', 'orderId:uuid', '--skip-install']);
      assertCleanFailure(run, 'No terminal to ask for');
      assert.match(run.stderr, /give it as --[a-z-]+, or add --yes/);
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
    });

    const serviceCases: { title: string; args: string[]; message: string }[] = [
      {
        title: 'event: invalid name',
        args: ['kafka-eventing:event', 'order placed', '--fields', 'id:uuid', '--yes'],
        message: 'Event name "order placed" is not a valid identifier',
      },
      {
        title: 'subscription: unknown event',
        args: ['kafka-eventing:subscription', '--event', 'InvoiceSent', '--yes'],
        message: 'Event "InvoiceSent" is not in this service\'s model',
      },
    ];
    for (const { title, args, message } of serviceCases) {
      it(title, async function () {
        const before = snapshotFiles(service);
        const run = await yo(service, [...args, '--skip-install']);
        assertCleanFailure(run, message);
        assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
      });
    }

    it('event: outside a generated service', async function () {
      const run = await yo(work, ['kafka-eventing:event', 'OrderShipped', '--fields', 'id:uuid', '--yes']);
      assertCleanFailure(run, 'No .yo-rc.json here');
      assert.deepEqual(readdirSync(work).sort(), ['empty', 'orders']);
    });

    it('subscription: .yo-rc.json that is not valid JSON', async function () {
      appendFileSync(path.join(service, '.yo-rc.json'), '}');
      const before = snapshotFiles(service);
      const run = await yo(service, ['kafka-eventing:subscription', '--event', 'OrderPlaced', '--yes']);
      assertCleanFailure(run, '.yo-rc.json is not valid JSON');
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
    });
  });
});
