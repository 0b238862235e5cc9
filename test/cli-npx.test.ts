/**
 * `npx generator-kafka-eventing`, the command this package ships (generators/cli.ts), run as the
 * current user (root in a dev container or CI, where `yo` drops to uid 1000 and fails): npx installs
 * the repository as a package into the sandbox's npm cache (`--package=<repo>`, as it would a tarball
 * or the registry's copy), links its bin and runs it. `--offline`: nothing is fetched.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { makeTmpDir, readModel, readText, removeTmpDirs, snapshotFiles } from './support/generate.js';
import { REPO_ROOT } from './support/paths.js';
import { assertCleanFailure, type YoRun } from './support/yo.js';

const NPX = ['npx', '--yes', '--offline', `--package=${REPO_ROOT}`, 'generator-kafka-eventing'];

/** The sandbox's HOME and npm cache, no npm notices, no colors; node first on PATH is the one running the tests. */
function npxEnv(root: string): NodeJS.ProcessEnv {
  const inherited = Object.fromEntries(
    Object.entries(process.env).filter(([key]) => !/^npm_/i.test(key) && key !== 'SUDO_UID' && key !== 'SUDO_GID'),
  );
  const home = path.join(root, 'home');
  return {
    ...inherited,
    HOME: home,
    PATH: `${path.dirname(process.execPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    npm_config_cache: path.join(home, '.npm'),
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
    // The repository is built already (npm test builds first): npx must not run its prepare script, which would
    // rebuild and repack the runtime under the test files running beside this one.
    npm_config_ignore_scripts: 'true',
    FORCE_COLOR: '0',
  };
}

function collect(child: ReturnType<typeof spawn>, onStdout: () => void = () => {}): Promise<YoRun> {
  return new Promise((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      onStdout();
    });
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (status) => {
      // eslint-disable-next-line no-control-regex -- an ANSI escape sequence starts with ESC (\u001b): matching that control character is the point
      const output = `${stdout}\n${stderr}`.replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '').replace(/\r/g, '');
      resolve({ status, stdout, stderr, output });
    });
  });
}

describe('npx generator-kafka-eventing, as the current user', function () {
  this.timeout(180_000);
  let root: string;
  let work: string;
  let service: string;

  /** Without a terminal (stdin ignored), as in CI. */
  function npx(cwd: string, args: string[]): Promise<YoRun> {
    const [command, ...rest] = NPX as [string, ...string[]];
    const child = spawn(command, [...rest, ...args], { cwd, env: npxEnv(root), stdio: ['ignore', 'pipe', 'pipe'], timeout: 150_000 });
    return collect(child);
  }

  /** On a pseudo-terminal (util-linux `script`), pressing Enter whenever the output is quiet: every prompt takes its default. */
  function npxOnTerminal(cwd: string, args: string[]): Promise<YoRun> {
    const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;
    const child = spawn('script', ['-qec', [...NPX, ...args].map(quote).join(' '), '/dev/null'], {
      cwd,
      env: npxEnv(root),
      stdio: ['pipe', 'pipe', 'pipe'],
      timeout: 150_000,
    });
    let idle: NodeJS.Timeout | undefined;
    const pressEnterWhenQuiet = () => {
      clearTimeout(idle);
      idle = setTimeout(() => {
        if (child.exitCode === null) child.stdin.write('\r');
        pressEnterWhenQuiet();
      }, 1500);
    };
    pressEnterWhenQuiet();
    return collect(child, pressEnterWhenQuiet).finally(() => clearTimeout(idle));
  }

  before(function () {
    root = makeTmpDir('kafka-eventing-spec-npx-');
    mkdirSync(path.join(root, 'home'));
    work = path.join(root, 'work');
    mkdirSync(work);
    service = path.join(work, 'orders');
  });
  after(removeTmpDirs);

  it('--help lists the four generators and the options of each', async function () {
    const run = await npx(work, ['--help']);
    assert.equal(run.status, 0, run.output);
    for (const usage of ['[<name>] [options]', 'event [<name>] [options]', 'subscription [options]', 'type [<name>] [options]']) {
      assert.ok(run.stdout.includes(`npx generator-kafka-eventing ${usage}`), `usage "${usage}" in:\n${run.stdout}`);
    }
    for (const name of ['app', 'event', 'subscription', 'type']) assert.match(run.stdout, new RegExp(`^  ${name} +\\S`, 'm'), `${name} is listed`);
    for (const option of [
      '--schema-format',
      '--kafka-client',
      '--fields',
      '--add-fields',
      '--event',
      '--batch',
      '--skip-install',
      '--force',
      '--yes',
    ]) {
      assert.ok(run.stdout.includes(option), `--help shows ${option}`);
    }
    const start = run.stdout.indexOf('== app ==');
    assert.ok(start > 0, "the generators' own help follows the list");
    const generatorsHelp = run.stdout.slice(start);
    assert.doesNotMatch(generatorsHelp, /\byo kafka-eventing/, 'usage and examples speak of this command, not of yo');
    assert.deepEqual(readdirSync(work), [], 'nothing written');

    const event = await npx(work, ['event', '--help']);
    assert.equal(event.status, 0, event.output);
    assert.match(event.stdout, /^ {2}npx generator-kafka-eventing event OrderPlaced --fields/m, 'examples of the event generator');
    assert.doesNotMatch(event.stdout, /--schema-format/, "only the event generator's options");
  });

  it('`orders --yes --skip-install` creates the service, owned by the user who ran it', async function () {
    const run = await npx(work, ['orders', '--yes', '--skip-install']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /Service orders is ready in orders\./);
    assert.deepEqual(readdirSync(work), ['orders']);
    for (const file of ['.yo-rc.json', 'package.json', 'src/main.ts', 'src/events/index.ts', 'config/test.json']) {
      assert.ok(existsSync(path.join(service, file)), `${file} exists`);
    }
    const model = readModel(service);
    assert.equal(model.service.name, 'orders');
    assert.equal(model.service.port, 3000);
    assert.deepEqual(model.events, []);
    assert.equal(statSync(path.join(service, '.yo-rc.json')).uid, process.getuid?.(), 'written as the current user, no privilege drop');
    assert.ok(!existsSync(path.join(service, 'node_modules')), '--skip-install: nothing installed');
  });

  it('the subgenerators run in that service: event, type, subscription', async function () {
    const event = await npx(service, [
      'event',
      'OrderPlaced',
      '--fields',
      'orderId:uuid, total:number',
      '--key',
      'orderId',
      '--yes',
      '--skip-install',
    ]);
    assert.equal(event.status, 0, event.output);
    const type = await npx(service, ['type', 'Money', '--fields', 'amount:number, currency:string', '--yes', '--skip-install']);
    assert.equal(type.status, 0, type.output);
    // Run from a folder inside the service, as yo allows; `kafka-eventing:subscription` is yo's spelling, also taken.
    const subscription = await npx(path.join(service, 'src'), ['kafka-eventing:subscription', '--event', 'OrderPlaced', '--yes', '--skip-install']);
    assert.equal(subscription.status, 0, subscription.output);

    const model = readModel(service);
    const placed = model.events.find((candidate: { name: string }) => candidate.name === 'OrderPlaced');
    assert.ok(placed, 'OrderPlaced is in the model');
    assert.equal(placed.key, 'orderId');
    assert.deepEqual(
      placed.fields.map((field: { name: string }) => field.name),
      ['orderId', 'total'],
    );
    assert.deepEqual(
      (model.types ?? []).map((record: { name: string }) => record.name),
      ['Money'],
    );
    assert.equal(model.subscriptions.length, 1);
    assert.equal(model.subscriptions[0]!.event, 'OrderPlaced');
    assert.match(readText(service, 'src/events/index.ts'), /\bOrderPlaced: \w+Event,/);
    assert.ok(!existsSync(path.join(service, 'src', '.yo-rc.json')), 'the run from src/ worked on the service');
  });

  describe('bad input: exit code 1, one clear message, nothing written', function () {
    async function assertOneMessage(cwd: string, args: string[], message: string, files: () => unknown): Promise<void> {
      const before = files();
      const run = await npx(cwd, args);
      assertCleanFailure(run, message);
      assert.equal(run.status, 1);
      assert.deepEqual(run.stderr.trim().split('\n'), [run.stderr.trim()], `one line on stderr:\n${run.stderr}`);
      assert.doesNotMatch(run.stdout, /\S/, 'nothing on stdout');
      assert.deepEqual(files(), before, 'nothing written');
    }

    it('event: an invalid name', async function () {
      await assertOneMessage(
        service,
        ['event', 'order placed', '--fields', 'id:uuid', '--yes', '--skip-install'],
        'Event name "order placed" is not a valid identifier',
        () => snapshotFiles(service),
      );
    });

    it('app: port 70000', async function () {
      await assertOneMessage(
        work,
        ['payments', '--port', '70000', '--yes', '--skip-install'],
        'HTTP port 70000 is out of range: give a whole number from 1 to 65535.',
        () => readdirSync(work),
      );
    });

    it('event: a mistyped option is named, with the closest one', async function () {
      await assertOneMessage(
        service,
        ['event', 'OrderShipped', '--fields', 'id:uuid', '--topc', 'x', '--yes', '--skip-install'],
        'Unknown option --topc: did you mean --topic?',
        () => snapshotFiles(service),
      );
    });

    it('no terminal and no --yes: says which option to give', async function () {
      await assertOneMessage(
        service,
        ['event', 'OrderShipped', '--fields', 'id:uuid', '--skip-install'],
        'No terminal to ask for "Description": give it as --description, or add --yes',
        () => snapshotFiles(service),
      );
    });
  });

  it('on a terminal it prompts: Enter on every question takes the defaults', async function () {
    const run = await npxOnTerminal(service, ['event', 'OrderCancelled', '--fields', 'orderId:uuid', '--skip-install']);
    assert.equal(run.status, 0, run.output);
    assert.match(run.output, /\? Description/, `a prompt was shown:\n${run.output}`);
    assert.match(run.output, /Event OrderCancelled added/);
    const cancelled = readModel(service).events.find((candidate: { name: string }) => candidate.name === 'OrderCancelled');
    assert.ok(cancelled, 'OrderCancelled is in the model');
    assert.equal(cancelled.topic, 'orders.order-cancelled', 'the default topic');
  });
});
