/**
 * `yo kafka-eventing --kafka-client kafkajs|platformatic`: the choice is in the model, only the chosen
 * client's folder and package are rendered, no module outside that folder imports a Kafka client,
 * a re-run switches it (the old folder and package leave), a bad value changes nothing.
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

const CLIENT_MODULES = /(?:from|import\()\s*'(kafkajs|@platformatic\/kafka)(?:\/[^']*)?'/g;

/** Every source file of the service that imports a Kafka client, with the client it imports. */
function clientImports(dir: string): Record<string, string[]> {
  const found: Record<string, string[]> = {};
  for (const [file, text] of Object.entries(snapshotFiles(dir, ['node_modules']))) {
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
    assert.ok(existsSync(path.join(dir, 'src/eventing/kafkajs/kafka-transport.ts')));
    assert.ok(!existsSync(path.join(dir, 'src/eventing/platformatic')));
  });

  for (const client of KAFKA_CLIENTS) {
    it(`${client}: only src/eventing/${client}/ imports a Kafka client, and only its package is a dependency`, async () => {
      const dir = await fullService(client);
      const imports = clientImports(dir);
      const expected = client === 'kafkajs' ? 'kafkajs' : '@platformatic/kafka';
      assert.ok(Object.keys(imports).length >= 4, `the client folder imports its client: ${JSON.stringify(imports)}`);
      for (const [file, modules] of Object.entries(imports)) {
        assert.ok(file.startsWith(`src/eventing/${client}/`), `${file} imports ${modules.join(', ')} outside src/eventing/${client}/`);
        assert.deepEqual(modules, [expected], file);
      }
      const manifest = readJson(dir, 'package.json');
      const other = client === 'kafkajs' ? '@platformatic/kafka' : 'kafkajs';
      assert.ok(manifest.dependencies[expected], `${expected} is a dependency`);
      assert.equal(manifest.dependencies[other], undefined, `${other} is not`);
      assert.ok(manifest.dependencies['@kafkajs/confluent-schema-registry'], 'the wire format stays with the Confluent registry client');
      if (client === 'platformatic') assert.match(manifest.engines.node, /\^22\.22\.0/, 'engines say Node.js >= 22.22');
    });
  }

  it('a re-run with another client switches it: the old folder and package leave, the model says so', async () => {
    const dir = await fullService('kafkajs');
    await runGenerator('app', dir, { options: { yes: true, kafkaClient: 'platformatic' } });
    assert.equal(readModel(dir).service.kafkaClient, 'platformatic');
    assert.ok(!existsSync(path.join(dir, 'src/eventing/kafkajs')), 'the kafkajs folder is gone');
    assert.ok(existsSync(path.join(dir, 'src/eventing/platformatic/consumer-loop.ts')));
    let manifest = readJson(dir, 'package.json');
    assert.equal(manifest.dependencies.kafkajs, undefined);
    assert.ok(manifest.dependencies['@platformatic/kafka']);
    assert.match(manifest.engines.node, /\^22\.22\.0/);
    assert.deepEqual(Object.keys(readModel(dir).renderedFiles).filter((file: string) => file.includes('/kafkajs/')), []);

    const before = snapshotFiles(dir);
    await runGenerator('app', dir, { options: { yes: true } });
    assert.deepEqual(snapshotFiles(dir), before, 'a re-run without the option keeps the client and changes nothing');

    await runGenerator('app', dir, { options: { yes: true, kafkaClient: 'kafkajs' } });
    assert.ok(!existsSync(path.join(dir, 'src/eventing/platformatic')), 'and back: the platformatic folder is gone');
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
