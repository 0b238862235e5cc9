/**
 * Upgrading a service made by the previous version, which copied the runtime into src/ as generated
 * files (test/fixtures/previous-version: rendered at cfc65c0, then a handler and a route edited by
 * hand). Re-running `yo kafka-eventing --yes` in it moves it onto the runtime package: the runtime
 * files it owned leave (an edited one stays and is listed), the user's imports of them are rewritten
 * and reported, the package is vendored and depended on, and the service type-checks, lints, passes
 * its own tests and runs. No broker: the service runs on its in-memory transport.
 */
import assert from 'node:assert/strict';
import { appendFileSync, cpSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { FIXTURES } from './support/paths.js';
import { runGenerator } from './support/generate.js';
import { runIn } from './support/rendered.js';
import { linkDependencies, startServiceProcess, tempDir, type ServiceProcess } from './support/service.js';

const FIXTURE = path.join(FIXTURES, 'previous-version', 'legacy-orders');

function read(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8');
}

describe('upgrade: a service made by the version that copied the runtime into src/', function () {
  this.timeout(300_000);
  let dir: string;
  let logged: string[];
  let previouslyRendered: Record<string, string>;

  before(async () => {
    dir = path.join(tempDir('upgrade'), 'legacy-orders');
    cpSync(FIXTURE, dir, { recursive: true });
    // A runtime file edited by hand: it must stay, and be listed.
    appendFileSync(path.join(dir, 'src/eventing/retry.ts'), '// tuned by hand\n');
    previouslyRendered = (JSON.parse(read(dir, '.yo-rc.json')) as { 'generator-kafka-eventing': { renderedFiles: Record<string, string> } })[
      'generator-kafka-eventing'
    ].renderedFiles;
    const run = await runGenerator('app', dir, { options: { yes: true, skipInstall: true } });
    logged = run.logged();
  });

  it('removes the runtime files it owned, keeps and lists the edited one, and leaves no empty folder', () => {
    const runtimeFiles = Object.keys(previouslyRendered).filter((file) =>
      /^(src\/(eventing|observability|database)\/|src\/errors\.ts$|test\/unit\/)/.test(file),
    );
    assert.ok(runtimeFiles.length > 50, `the fixture owned ${runtimeFiles.length} runtime files`);
    const left = runtimeFiles.filter((file) => existsSync(path.join(dir, file)));
    assert.deepEqual(left, ['src/eventing/retry.ts']);
    assert.deepEqual(readdirSync(path.join(dir, 'src/eventing')), ['retry.ts']);
    for (const folder of ['src/observability', 'test/unit', 'src/eventing/kafka', 'src/eventing/kafkajs', 'src/eventing/memory']) {
      assert.ok(!existsSync(path.join(dir, folder)), `${folder} is gone`);
    }
    assert.ok(
      logged.some((line) => line.includes('Not removed, as you edited it: src/eventing/retry.ts')),
      `the run lists the edited runtime file:\n${logged.join('\n')}`,
    );
  });

  it('rewrites the user files that imported runtime modules, says so, and keeps their edits', () => {
    const handler = read(dir, 'src/subscriptions/order-placed.handler.ts');
    assert.match(handler, /import type \{ EventContext, EventHandler \} from 'kafka-eventing-runtime';/);
    assert.match(handler, /import type \{ EventBus \} from '\.\.\/events\/index\.ts';/);
    assert.match(handler, /import type \{ Logger \} from '\.\.\/logger\.ts';/);
    assert.doesNotMatch(handler, /\.\.\/eventing\//);
    assert.match(handler, /this\.#eventBus\.publish\('OrderAudited'/, 'the hand edit stays');
    const health = read(dir, 'test/health.test.ts');
    assert.match(health, /import \{ MemoryTransport \} from 'kafka-eventing-runtime';/);
    // The route imports only modules the service still has: untouched.
    assert.equal(read(dir, 'src/routes/index.ts'), read(FIXTURE, 'src/routes/index.ts'));
    for (const [file, from, to] of [
      ['src/subscriptions/order-placed.handler.ts', '../eventing/handler.ts', 'kafka-eventing-runtime'],
      ['src/subscriptions/order-placed.handler.ts', '../eventing/event-bus.ts', '../events/index.ts'],
      ['test/health.test.ts', '../src/eventing/memory/memory-transport.ts', 'kafka-eventing-runtime'],
    ] as const) {
      const line = `Rewrote an import in ${file}: ${from} is now ${to} (the runtime package).`;
      assert.ok(logged.includes(line), `the run reports "${line}":\n${logged.join('\n')}`);
    }
  });

  it('depends on the vendored runtime package instead', () => {
    const manifest = JSON.parse(read(dir, 'package.json')) as { dependencies: Record<string, string> };
    const spec = manifest.dependencies['kafka-eventing-runtime'];
    assert.match(spec ?? '', /^file:vendor\/kafka-eventing-runtime-\d+\.\d+\.\d+\.tgz$/);
    assert.ok(existsSync(path.join(dir, spec!.slice('file:'.length))));
  });

  it('type-checks, lints, passes its own tests, and runs: an order placed through its route reaches its handler', async () => {
    await linkDependencies(dir);
    const tested = await runIn(dir, 'npm', ['test']);
    assert.ok(tested.ok, `npm test failed after the upgrade:\n${tested.output}`);
    const linted = await runIn(dir, 'npm', ['run', 'lint']);
    assert.ok(linted.ok, `npm run lint failed after the upgrade:\n${linted.output}`);
    let service: ServiceProcess | undefined;
    try {
      service = await startServiceProcess(dir, { EVENTING_TRANSPORT: 'memory' });
      const response = await fetch(`http://127.0.0.1:${service.port}/orders`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ total: 12.5 }),
      });
      assert.equal(response.status, 201);
      const { orderId } = (await response.json()) as { orderId: string };
      const deadline = Date.now() + 10_000;
      while (!service.output().includes('OrderPlaced received') && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      const received = service
        .output()
        .split('\n')
        .find((line) => line.includes('OrderPlaced received'));
      assert.ok(received?.includes(orderId), `the handler logged the order:\n${service.output().slice(-3000)}`);
    } finally {
      service?.signal('SIGTERM');
      assert.equal(await service?.exited, 0);
    }
  });

  it('is stable: a second run changes nothing', async () => {
    const snapshot = (): string => JSON.stringify(readdirSync(dir, { recursive: true }).sort());
    const files = snapshot();
    const handler = read(dir, 'src/subscriptions/order-placed.handler.ts');
    const run = await runGenerator('app', dir, { options: { yes: true, skipInstall: true } });
    assert.equal(snapshot(), files);
    assert.equal(read(dir, 'src/subscriptions/order-placed.handler.ts'), handler);
    assert.ok(!run.logged().some((line) => line.startsWith('Rewrote')), 'nothing left to rewrite');
  });
});
