/**
 * `yo kafka-eventing --<setting> … --yes` inside a service: each setting given takes effect in
 * every file it feeds; settings not given keep their values; a config value edited by hand is
 * kept unless a setting given now changes it (the run names the key it overwrote).
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import {
  addEvent,
  assertUserError,
  changedFiles,
  copyService,
  createService,
  editJson,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
  writeText,
} from './support/generate.js';

const ENVS = ['development', 'test', 'production'] as const;

interface SettingCase {
  option: string;
  value: string;
  /** Files (besides .yo-rc.json) the setting feeds, and what each must now say. */
  expect: (service: string) => void;
  files: string[];
}

const cases: SettingCase[] = [
  {
    option: 'name',
    value: 'billing',
    files: ['package.json', 'config/default.json', 'README.md', 'src/routes/index.ts', 'src/main.ts'],
    expect: (service) => {
      assert.equal(readJson(service, 'package.json').name, 'billing');
      assert.equal(readJson(service, 'config/default.json').service.name, 'billing');
      assert.equal(readJson(service, 'config/default.json').kafka.clientId, 'billing');
      assert.match(readText(service, 'README.md'), /^# billing$/m);
    },
  },
  {
    option: 'description',
    value: 'Takes orders and bills them',
    files: ['package.json', 'README.md'],
    expect: (service) => {
      assert.equal(readJson(service, 'package.json').description, 'Takes orders and bills them');
      assert.match(readText(service, 'README.md'), /^Takes orders and bills them$/m);
    },
  },
  {
    option: 'port',
    value: '4000',
    files: ['config/default.json', 'README.md'],
    expect: (service) => {
      assert.equal(readJson(service, 'config/default.json').service.port, 4000);
      assert.match(readText(service, 'README.md'), /curl localhost:4000\/health\/ready/);
    },
  },
  {
    option: 'compatibility',
    value: 'FULL',
    files: ['config/default.json', 'README.md'],
    expect: (service) => {
      assert.equal(readJson(service, 'config/default.json').schemaRegistry.compatibility, 'FULL');
      assert.match(readText(service, 'README.md'), /\(FULL compatibility\)/);
    },
  },
  {
    option: 'schema-format',
    value: 'avro',
    files: ['README.md'],
    expect: (service) => assert.match(readText(service, 'README.md'), /\(Avro\) checked and registered/),
  },
  ...ENVS.flatMap((env): SettingCase[] => [
    {
      option: `${env}-brokers`,
      value: `kafka.${env}:9093,kafka-2.${env}:9093`,
      files: [`config/${env}.json`, ...(env === 'development' ? ['config/default.json'] : [])],
      expect: (service) => {
        const brokers = [`kafka.${env}:9093`, `kafka-2.${env}:9093`];
        assert.deepEqual(readJson(service, `config/${env}.json`).kafka.brokers, brokers);
        if (env === 'development') assert.deepEqual(readJson(service, 'config/default.json').kafka.brokers, brokers);
      },
    },
    {
      option: `${env}-registry-url`,
      value: `https://registry.${env}.example.com`,
      files: [`config/${env}.json`, ...(env === 'development' ? ['config/default.json'] : [])],
      expect: (service) => {
        const url = `https://registry.${env}.example.com`;
        assert.equal(readJson(service, `config/${env}.json`).schemaRegistry.url, url);
        if (env === 'development') assert.equal(readJson(service, 'config/default.json').schemaRegistry.url, url);
      },
    },
  ]),
  {
    option: 'brokers',
    value: 'kafka.all:9092',
    files: ENVS.map((env) => `config/${env}.json`).concat('config/default.json'),
    expect: (service) => {
      for (const env of ENVS) assert.deepEqual(readJson(service, `config/${env}.json`).kafka.brokers, ['kafka.all:9092'], env);
    },
  },
  {
    option: 'registry-url',
    value: 'http://registry.all:8081',
    files: ENVS.map((env) => `config/${env}.json`).concat('config/default.json'),
    expect: (service) => {
      for (const env of ENVS) assert.equal(readJson(service, `config/${env}.json`).schemaRegistry.url, 'http://registry.all:8081', env);
    },
  },
];

describe('yo kafka-eventing --<setting> --yes inside a service (re-run)', function () {
  let base: string;
  before(async function () {
    base = await createService();
  });
  after(removeTmpDirs);

  for (const { option, value, files, expect } of cases) {
    it(`--${option} takes effect in ${files.join(', ')}; every other file and setting stays`, async function () {
      const service = copyService(base);
      const before = snapshotFiles(service);
      const modelBefore = readModel(service).service;
      const run = await runGenerator('app', service, { options: { yes: true, [option]: value } });
      expect(service);
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), ['.yo-rc.json', ...files].sort(), 'exactly the files it feeds change');
      const modelAfter = readModel(service).service;
      const changed = (Object.keys(modelAfter) as (keyof typeof modelAfter)[]).filter(
        (key) => JSON.stringify(modelAfter[key]) !== JSON.stringify(modelBefore[key]),
      );
      const expected =
        option.includes('brokers') || option.includes('registry-url') ? ['environments'] : [option === 'schema-format' ? 'schemaFormat' : option];
      assert.deepEqual(changed, expected, 'only that setting changed in the model');
      assert.ok(!run.logged().some((line) => line.includes('Overwrote')), 'nothing edited by hand was overwritten');
    });
  }

  it('a config value edited by hand: kept when its setting is not given, replaced (and named) when it is', async function () {
    const service = copyService(base);
    editJson(service, 'config/production.json', (json) => {
      json.kafka.brokers = ['edited.by.hand:9092'];
    });
    editJson(service, 'config/default.json', (json) => {
      json.service.port = 3100;
      json.log.level = 'debug';
    });
    const kept = await runGenerator('app', service, { options: { yes: true, port: '4000' } });
    assert.deepEqual(readJson(service, 'config/production.json').kafka.brokers, ['edited.by.hand:9092'], 'no --production-brokers: the edit stays');
    assert.equal(readJson(service, 'config/default.json').log.level, 'debug', 'a value no setting feeds stays');
    assert.equal(readJson(service, 'config/default.json').service.port, 4000, '--port wins over the edit');
    assert.ok(kept.logged().includes('Overwrote your value of config/default.json: service.port with the setting given.'), kept.logged().join('\n'));

    const replaced = await runGenerator('app', service, { options: { yes: true, 'production-brokers': 'kafka.prod:9093' } });
    assert.deepEqual(readJson(service, 'config/production.json').kafka.brokers, ['kafka.prod:9093']);
    assert.ok(
      replaced.logged().includes('Overwrote your value of config/production.json: kafka.brokers with the setting given.'),
      replaced.logged().join('\n'),
    );
    assert.equal(readJson(service, 'config/default.json').service.port, 4000, 'a setting not given keeps its value');
  });

  it('a README edited by hand is kept, and the run says it may mention the old settings', async function () {
    const service = copyService(base);
    writeText(service, 'README.md', `${readText(service, 'README.md')}\nMy notes.\n`);
    const run = await runGenerator('app', service, { options: { yes: true, port: '4000' } });
    assert.match(readText(service, 'README.md'), /curl localhost:3000\/health\/ready[\s\S]*My notes\./);
    assert.ok(
      run.logged().some((line) => /^Not updated, as you edited it: README\.md/.test(line)),
      run.logged().join('\n'),
    );
  });

  it('run from a folder inside the service (src/), it updates that service', async function () {
    const service = copyService(base);
    await runGenerator('app', path.join(service, 'src'), { options: { yes: true, port: '4100' } });
    assert.equal(readJson(service, 'config/default.json').service.port, 4100);
    assert.ok(
      !existsSync(path.join(service, 'src', 'my-service')) && !existsSync(path.join(service, 'src', '.yo-rc.json')),
      'no service inside src/',
    );
  });

  describe('--schema-format', function () {
    it('on a service with events: refused with the reason, nothing written', async function () {
      const service = copyService(base);
      await addEvent(service, 'OrderPlaced', { fields: 'orderId:uuid' });
      const before = snapshotFiles(service);
      const error = await runFailing('app', service, { options: { yes: true, 'schema-format': 'avro' } });
      assertUserError(error, '--schema-format avro refused', 'OrderPlaced', 'registry subjects hold json schemas');
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
    });

    it('on a service without events: switches cleanly, and its events then get only the new format', async function () {
      const service = copyService(base);
      await runGenerator('app', service, { options: { yes: true, 'schema-format': 'avro' } });
      assert.equal(readModel(service).service.schemaFormat, 'avro');
      assert.ok(!existsSync(path.join(service, 'schemas')), 'no schema file of either format before any event');
      await addEvent(service, 'OrderPlaced', { fields: 'orderId:uuid' });
      assert.deepEqual(readdirSync(path.join(service, 'schemas')), ['orders.order-placed-value.avsc'], 'no stale .schema.json');
    });
  });
});
