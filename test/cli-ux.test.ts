/**
 * The real `yo` CLI as a new user meets it: the README's first command as printed (with the install),
 * then the next command it prints; options that are checked; --help; a subgenerator run from a
 * folder inside the service; what the output says.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { appSettings } from '../generators/app/command.js';
import { eventSettings } from '../generators/event/command.js';
import { subscriptionSettings } from '../generators/subscription/command.js';
import { typeSettings } from '../generators/type/command.js';
import { changedFiles, readJson, readModel, removeTmpDirs, snapshotFiles } from './support/generate.js';
import { assertCleanFailure, runYo, runYoOnTerminal, sandboxEnv, yoSandbox } from './support/yo.js';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

/** Runs a shell command line (as printed by the generator) until /health/live answers, then stops it. */
async function serveUntilLive(commandLine: string, cwd: string, env: NodeJS.ProcessEnv, port: number): Promise<number> {
  const child = spawn('sh', ['-c', commandLine], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  try {
    const deadline = Date.now() + 40_000;
    while (Date.now() < deadline) {
      if (child.exitCode !== null) break;
      try {
        const response = await fetch(`http://127.0.0.1:${port}/health/live`);
        return response.status;
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 300));
      }
    }
    throw new Error(`"${commandLine}" did not serve /health/live within 40 s:\n${output}`);
  } finally {
    if (child.pid !== undefined && child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
  }
}

describe('the yo CLI as a new user meets it', function () {
  this.timeout(240_000);
  let root: string;
  let work: string;
  let service: string;
  const yo = (cwd: string, args: string[], timeout?: number) => runYo(root, cwd, args, timeout);

  before(function () {
    ({ root, work } = yoSandbox('kafka-eventing-spec-ux-'));
    service = path.join(work, 'orders');
  });
  after(removeTmpDirs);

  it("the README's first command, `yo kafka-eventing orders --yes`, installs the dependencies; the next command it prints then works", async function () {
    const run = await yo(work, ['kafka-eventing', 'orders', '--yes'], 200_000);
    assert.equal(run.status, 0, run.output);
    assert.doesNotMatch(run.output, /No change to package\.json was detected/);
    assert.match(run.output, /Running npm install/);
    assert.ok(existsSync(path.join(service, 'node_modules', 'config', 'package.json')), 'the service has its dependencies');
    assert.ok(!existsSync(path.join(work, 'node_modules')) && !existsSync(path.join(work, 'package-lock.json')), 'nothing installed beside it');
    assert.match(run.output, /^Wrote \d+ new and 0 changed files\.$/m, 'a summary of what was written');

    const next = /^Next: (cd orders && npm run dev) \(/m.exec(run.output)?.[1];
    assert.ok(next, `the run prints the next step; it printed:\n${run.output}`);
    const port = await freePort();
    const env = { ...sandboxEnv(root), EVENTING_TRANSPORT: 'memory', PORT: String(port) };
    assert.equal(await serveUntilLive(next, work, env, port), 200, `${next} serves /health/live`);

    const test = spawnSync('npm', ['test'], { cwd: service, env: sandboxEnv(root), encoding: 'utf8', timeout: 120_000 });
    assert.equal(test.status, 0, `npm test in the service:\n${test.stdout}\n${test.stderr}`);
  });

  it('`yo kafka-eventing payments --kafka-client platformatic --yes` installs @platformatic/kafka (not kafkajs); the service passes npm test', async function () {
    const run = await yo(work, ['kafka-eventing', 'payments', '--kafka-client', 'platformatic', '--yes'], 200_000);
    assert.equal(run.status, 0, run.output);
    const payments = path.join(work, 'payments');
    assert.equal(readModel(payments).service.kafkaClient, 'platformatic');
    assert.ok(existsSync(path.join(payments, 'node_modules', '@platformatic', 'kafka', 'package.json')), '@platformatic/kafka is installed');
    assert.equal(readJson(payments, 'package.json').dependencies.kafkajs, undefined, 'kafkajs is not a dependency');
    const test = spawnSync('npm', ['test'], { cwd: payments, env: sandboxEnv(root), encoding: 'utf8', timeout: 120_000 });
    assert.equal(test.status, 0, `npm test in the service:\n${test.stdout}\n${test.stderr}`);
  });

  describe('options are checked: exit code 1, one clear message, nothing written', function () {
    const cases: { args: string[]; message: string }[] = [
      {
        args: ['kafka-eventing:event', 'Custom', '--fields', 'id:uuid', '--topc', 'custom.topic', '--yes'],
        message: 'Unknown option --topc: did you mean --topic?',
      },
      {
        args: ['kafka-eventing:event', 'Paid', '--fields', 'id:uuid', '--extrenal', '--yes'],
        message: 'Unknown option --extrenal: did you mean --external?',
      },
      { args: ['kafka-eventing', '--prot', '4000', '--yes'], message: 'Unknown option --prot: did you mean --port?' },
      { args: ['kafka-eventing:subscription', '--evnt', 'OrderPlaced', '--yes'], message: 'Unknown option --evnt: did you mean --event?' },
      { args: ['kafka-eventing:event', 'DryThing', '--fields', 'id:uuid', '--dry-run', '--yes'], message: '--dry-run is not supported' },
      { args: ['kafka-eventing:event', 'OrderCancelled', '--remove'], message: 'Event "OrderCancelled" is not in this service\'s model' },
      {
        args: ['kafka-eventing:subscription', '--name', 'Nope', '--rename', 'Other', '--yes'],
        message: 'Subscription "Nope" is not in this service\'s model',
      },
      { args: ['kafka-eventing', '--list', '--port', '4000'], message: '--list only prints the model; --port cannot go with it.' },
      {
        args: ['kafka-eventing', '--kafka-client', 'rdkafka', '--yes'],
        message: 'Kafka client "rdkafka" is not supported: choose one of kafkajs, platformatic',
      },
    ];
    for (const { args, message } of cases) {
      it(args.filter((arg) => arg.startsWith('--') && arg !== '--yes' && arg !== '--fields').join(' '), async function () {
        const before = snapshotFiles(service, ['node_modules']);
        const run = await yo(service, [...args, '--skip-install']);
        assertCleanFailure(run, message);
        assert.deepEqual(changedFiles(before, snapshotFiles(service, ['node_modules'])), []);
      });
    }
  });

  it('--help of each generator lists every option (also --force), the allowed values and two examples', async function () {
    const declared: Record<string, string[]> = {
      'kafka-eventing': [...Object.values(appSettings).map((s) => s.option), 'brokers', 'registry-url', 'directory', 'list'],
      'kafka-eventing:event': [...Object.values(eventSettings('orders')).map((s) => s.option), 'add-fields', 'remove'],
      'kafka-eventing:subscription': [...Object.values(subscriptionSettings(undefined)).map((s) => s.option), 'remove', 'rename'],
      'kafka-eventing:type': [...Object.values(typeSettings(undefined)).map((s) => s.option), 'add-fields'],
    };
    const helps: Record<string, string> = {};
    for (const [generator, options] of Object.entries(declared)) {
      const run = await yo(work, [generator, '--help']);
      helps[generator] = run.stdout;
      assert.equal(run.status, 0, run.output);
      for (const option of [...options, 'yes', 'force', 'skip-install']) {
        assert.match(run.stdout, new RegExp(`--${option}\\b`), `${generator} --help shows --${option}`);
      }
      const examples = /^Examples:\n((?: {2}yo .+\n){2})/m.exec(run.stdout);
      assert.ok(examples, `${generator} --help ends with two examples:\n${run.stdout}`);
      for (const line of examples[1]!.trim().split('\n'))
        assert.ok(line.trim().startsWith(`yo ${generator} `) || line.trim().startsWith(`yo ${generator}\t`), line);
    }
    assert.match(
      helps['kafka-eventing'] ?? '',
      /BACKWARD \| BACKWARD_TRANSITIVE \| FORWARD \| FORWARD_TRANSITIVE \| FULL \| FULL_TRANSITIVE \| NONE/,
    );
    assert.match(helps['kafka-eventing'] ?? '', /json \| avro/);
    assert.match(helps['kafka-eventing:event'] ?? '', /string, int, number, boolean, datetime, uuid/);
    assert.match(helps['kafka-eventing:type'] ?? '', /decimal\(precision,scale\), enum\(a\|b\|c\), map<type>/);
  });

  it('a subgenerator run from a folder inside the service (src/) works on that service', async function () {
    const run = await yo(path.join(service, 'src'), [
      'kafka-eventing:event',
      'OrderPlaced',
      '--fields',
      'orderId:uuid, total:number',
      '--key',
      'orderId',
      '--yes',
      '--skip-install',
    ]);
    assert.equal(run.status, 0, run.output);
    assert.deepEqual(
      readModel(service).events.map((event: { name: string }) => event.name),
      ['OrderPlaced'],
    );
    assert.ok(existsSync(path.join(service, 'src', 'events', 'order-placed.event.ts')));
    assert.ok(
      !existsSync(path.join(service, 'src', 'src')) && !existsSync(path.join(service, 'src', '.yo-rc.json')),
      'nothing written under src/ as a root',
    );
    assert.match(run.output, /^Wrote 2 new and \d+ changed files \(changed: .*src\/events\/index\.ts/m, 'the summary names what changed');
    assert.match(run.output, /Publish it with: eventBus\.publish\('OrderPlaced'/, 'and the next step');

    const subscription = await yo(path.join(service, 'src', 'events'), [
      'kafka-eventing:subscription',
      '--event',
      'OrderPlaced',
      '--yes',
      '--skip-install',
    ]);
    assert.equal(subscription.status, 0, subscription.output);
    assert.ok(readJson(service, 'config/test.json').subscriptions.OrderPlaced);
    assert.match(subscription.output, /^Next: fill in src\/subscriptions\/order-placed\.handler\.ts/m);
  });

  it("on a terminal: select prompts without inquirer's deprecation warning, the key chosen from the fields, external events marked", async function () {
    const event = await runYoOnTerminal(root, service, [
      'kafka-eventing:event',
      'PaymentReceived',
      '--external',
      '--fields',
      'paymentId:uuid, note?:string, tags:string[]',
      '--skip-install',
    ]);
    assert.equal(event.status, 0, event.output);
    assert.doesNotMatch(event.output, /deprecated/i);
    assert.match(event.output, /Message key field[\s\S]*\(none: no key, no order per key\)[\s\S]*paymentId/, 'the key is chosen from the fields');
    assert.doesNotMatch(
      event.output.split('Message key field')[1]?.split('Topic')[0] ?? '',
      /note|tags/,
      'optional and array fields are not offered as key',
    );

    const subscription = await runYoOnTerminal(root, service, ['kafka-eventing:subscription', '--name', 'SecondLook', '--skip-install']);
    assert.equal(subscription.status, 0, subscription.output);
    assert.doesNotMatch(subscription.output, /deprecated/i);
    assert.match(subscription.output, /OrderPlaced \(published by this service\)/);
    assert.match(subscription.output, /PaymentReceived \(external: another service publishes it\)/);
  });

  it('a run that changes nothing lists no file (no "force" lines) and says so', async function () {
    const before = snapshotFiles(service, ['node_modules']);
    const run = await yo(service, ['kafka-eventing', '--yes', '--skip-install']);
    assert.equal(run.status, 0, run.output);
    assert.doesNotMatch(run.output, /^\s*(?:create|force|identical|conflict) +\S/m, 'no file is listed');
    assert.match(run.output, /^No file changed\.$/m);
    assert.deepEqual(changedFiles(before, snapshotFiles(service, ['node_modules'])), []);
  });

  it('the lifecycle commands as the README prints them: --list, --rename, --remove; refused while a subscription uses the event', async function () {
    const step = async (args: string[]) => {
      const run = await yo(service, [...args, '--skip-install']);
      assert.equal(run.status, 0, `${args.join(' ')}:\n${run.output}`);
      return run;
    };
    await step(['kafka-eventing:subscription', '--event', 'OrderPlaced', '--name', 'Later', '--yes']);
    const renamed = await step(['kafka-eventing:subscription', '--name', 'Later', '--rename', 'Afterwards']);
    assert.match(renamed.output, /Consumer group stays orders\.later/);
    assert.ok(existsSync(path.join(service, 'src', 'subscriptions', 'afterwards.handler.ts')));
    assert.ok(!existsSync(path.join(service, 'src', 'subscriptions', 'later.handler.ts')));

    const list = await step(['kafka-eventing', '--list']);
    assert.match(
      list.output,
      /^ {2}OrderPlaced {2}published by this service\n {4}topic orders\.order-placed, subject orders\.order-placed-value, key orderId$/m,
    );
    assert.match(list.output, /^ {2}Afterwards {2}to OrderPlaced\n {4}group orders\.later, dead-letter topic orders\.later\.dead-letter$/m);

    const refused = await yo(service, ['kafka-eventing:event', 'OrderPlaced', '--remove', '--skip-install']);
    assertCleanFailure(refused, 'Event "OrderPlaced" is used by subscriptions');
    assert.match(refused.output, /Afterwards/);

    const removed = await step(['kafka-eventing:subscription', '--name', 'Afterwards', '--remove']);
    assert.match(removed.output, /Removed src\/subscriptions\/afterwards\.handler\.ts\./);
    assert.ok(!('Afterwards' in readJson(service, 'config/development.json').subscriptions));

    const before = snapshotFiles(service, ['node_modules']);
    const again = await step(['kafka-eventing', '--yes']);
    assert.match(again.output, /^No file changed\.$/m);
    assert.deepEqual(changedFiles(before, snapshotFiles(service, ['node_modules'])), []);
  });
});
