/**
 * The runtime package (packages/runtime) checked as its own project: strict type check, ESLint with
 * type-checked rules, Prettier, and its fast specs (no broker). The generated services' checks only
 * cover their glue; the runtime is checked here, once per run.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { readFileSync } from 'node:fs';
import { REPO_ROOT } from './support/paths.js';
import { runIn } from './support/rendered.js';

const RUNTIME = path.join(REPO_ROOT, 'packages', 'runtime');

describe('runtime package (kafka-eventing-runtime)', function () {
  this.timeout(300_000);

  for (const script of ['typecheck', 'lint', 'format:check', 'test']) {
    it(`npm run ${script} passes`, async () => {
      const outcome = await runIn(RUNTIME, 'npm', ['run', script]);
      assert.ok(outcome.ok, `npm run ${script} failed in packages/runtime:\n${outcome.output}`);
      if (script === 'test') assert.match(outcome.output, /\d+ passing/);
    });
  }

  it('asks of its peers exactly the versions a generated service installs', () => {
    const read = (file: string) => JSON.parse(readFileSync(path.join(REPO_ROOT, file), 'utf8')) as Record<string, Record<string, string>>;
    const runtime = read('packages/runtime/package.json');
    const serviceVersions = read('generators/app/dependency-versions.json') as unknown as Record<string, string>;
    const peers = Object.entries(runtime.peerDependencies ?? {});
    assert.deepEqual(peers.map(([name]) => name).sort(), ['@platformatic/kafka', 'express', 'kafkajs', 'node-pg-migrate', 'pg']);
    for (const [name, range] of peers) assert.equal(range, serviceVersions[name], `${name}: the runtime's peer range is what services get`);
    for (const name of ['@opentelemetry/api', 'pino'])
      assert.equal(runtime.dependencies?.[name], serviceVersions[name], `${name}: one copy in a service`);
  });
});
