/**
 * `yo kafka-eventing --kafka-client kafkajs|platformatic`: the choice is in the model, only the chosen
 * client's package is a dependency and only its runtime entry point (kafka-eventing-runtime/<client>)
 * is imported, by the composition root and the dead-letter replay script; no service module imports a
 * Kafka client itself; a re-run switches it (the old package and entry point leave), a bad value
 * changes nothing.
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { KAFKA_CLIENTS, type KafkaClient } from '../generators/lib/kafka-client.js';
import {
  addEvent,
  addSubscription,
  assertUserError,
  createService,
  readJson,
  readModel,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
} from './support/generate.js';

const CLIENT_MODULES = /(?:from|import\()\s*'(kafkajs|@platformatic\/kafka|kafka-eventing-runtime\/(?:kafkajs|platformatic))(?:\/[^']*)?'/g;

/** Every source file of the service that imports a Kafka client, with the client it imports. */
function clientImports(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [file, text] of Object.entries(snapshotFiles(dir, ['node_modules', 'vendor']))) {
    if (!file.endsWith('.ts')) continue;
    const modules = [...text.matchAll(CLIENT_MODULES)].map((match) => match[1]!);
    if (modules.length > 0) found[file] = [...new Set(modules)];
  }
  return found;
}

async function fullService(kafkaClient: KafkaClient): Promise<string> {
  const dir = await createService({ kafkaClient, database: 'postgres' });
  await addEvent(dir, 'OrderPlaced', { fields: 'orderId:uuid, total:number', key: 'orderId' });
  await addSubscription(dir, 'OrderPlaced');
  return dir;
}

describe('app generator: --kafka-client', function () {
  this.timeout(120_000);
  after(removeTmpDirs);

  it('defaults to kafkajs and keeps it in the model', async () => {
    const dir = await createService();
    assert.equal(readModel(dir).service.kafkaClient, 'kafkajs');
    assert.deepEqual(clientImports(dir), {
      'src/container.ts': ['kafka-eventing-runtime/kafkajs'],
      'src/scripts/replay-dead-letters.ts': ['kafka-eventing-runtime/kafkajs'],
    });
    assert.ok(!existsSync(path.join(dir, 'src/eventing')), 'the runtime is a package, not files of the service');
  });

  for (const client of KAFKA_CLIENTS) {
    it(`${client}: only the composition root and the replay script import its runtime entry point, and only its package is a dependency`, async () => {
      const dir = await fullService(client);
      const entry = `kafka-eventing-runtime/${client}`;
      assert.deepEqual(clientImports(dir), { 'src/container.ts': [entry], 'src/scripts/replay-dead-letters.ts': [entry] });
      const expected = client === 'kafkajs' ? 'kafkajs' : '@platformatic/kafka';
      const manifest = readJson(dir, 'package.json');
      const other = client === 'kafkajs' ? '@platformatic/kafka' : 'kafkajs';
      assert.ok(manifest.dependencies[expected], `${expected} is a dependency`);
      assert.equal(manifest.dependencies[other], undefined, `${other} is not`);
      assert.match(manifest.dependencies['kafka-eventing-runtime']!, /^file:vendor\//, 'the runtime package, vendored');
      if (client === 'platformatic') assert.match(manifest.engines.node, /\^22\.22\.0/, 'engines say Node.js >= 22.22');
    });
  }

  it('a re-run with another client switches it: the old folder and package leave, the model says so', async () => {
    const dir = await fullService('kafkajs');
    await runGenerator('app', dir, { options: { yes: true, kafkaClient: 'platformatic' } });
    assert.equal(readModel(dir).service.kafkaClient, 'platformatic');
    assert.deepEqual(Object.values(clientImports(dir)).flat(), ['kafka-eventing-runtime/platformatic', 'kafka-eventing-runtime/platformatic']);
    let manifest = readJson(dir, 'package.json');
    assert.equal(manifest.dependencies.kafkajs, undefined);
    assert.ok(manifest.dependencies['@platformatic/kafka']);
    assert.match(manifest.engines.node, /\^22\.22\.0/);

    const before = snapshotFiles(dir);
    await runGenerator('app', dir, { options: { yes: true } });
    assert.deepEqual(snapshotFiles(dir), before, 'a re-run without the option keeps the client and changes nothing');

    await runGenerator('app', dir, { options: { yes: true, kafkaClient: 'kafkajs' } });
    assert.deepEqual(Object.values(clientImports(dir)).flat(), ['kafka-eventing-runtime/kafkajs', 'kafka-eventing-runtime/kafkajs'], 'and back');
    manifest = readJson(dir, 'package.json');
    assert.ok(manifest.dependencies.kafkajs);
    assert.equal(manifest.dependencies['@platformatic/kafka'], undefined);
  });

  it('an unknown client: one clear error, and nothing is written', async () => {
    const dir = await createService();
    const before = snapshotFiles(dir);
    const error = await runFailing('app', dir, { options: { yes: true, kafkaClient: 'librdkafka' } });
    assertUserError(error, 'librdkafka', 'kafkajs', 'platformatic');
    assert.deepEqual(snapshotFiles(dir), before);
  });
});
