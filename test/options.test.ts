/** Options are checked: an unknown one is refused with the closest known one; --dry-run is refused; --help is complete. */
import assert from 'node:assert/strict';
import { closestOption } from '../generators/lib/options-check.js';
import {
  addEvent,
  assertUserError,
  changedFiles,
  createService,
  readModel,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
  type GeneratorName,
} from './support/generate.js';

describe('options are checked', function () {
  let service: string;
  before(async function () {
    service = await createService();
    await addEvent(service, 'OrderPlaced', { fields: 'orderId:uuid' });
  });
  after(removeTmpDirs);

  const cases: { generator: GeneratorName; args?: string[]; options: Record<string, unknown>; mentions: string[] }[] = [
    {
      generator: 'event',
      args: ['Custom'],
      options: { fields: 'id:uuid', topc: 'custom.topic' },
      mentions: ['Unknown option --topc: did you mean --topic?'],
    },
    {
      generator: 'event',
      args: ['Paid'],
      options: { fields: 'id:uuid', extrenal: true },
      mentions: ['Unknown option --extrenal: did you mean --external?'],
    },
    { generator: 'app', options: { prot: '4000' }, mentions: ['Unknown option --prot: did you mean --port?'] },
    {
      generator: 'app',
      options: { productionBroker: 'kafka:9092' },
      mentions: ['Unknown option --production-broker: did you mean --production-brokers?'],
    },
    { generator: 'subscription', options: { evnt: 'OrderPlaced' }, mentions: ['Unknown option --evnt: did you mean --event?'] },
    { generator: 'subscription', options: { event: 'OrderPlaced', zzzzzzzz: true }, mentions: ['Unknown option --zzzzzzzz: see --help', '--event'] },
    { generator: 'event', args: ['DryThing'], options: { fields: 'id:uuid', dryRun: true }, mentions: ['--dry-run is not supported', 'git diff'] },
  ];
  for (const { generator, args, options, mentions } of cases) {
    it(`${generator}: ${Object.keys(options).join(', ')}`, async function () {
      const before = snapshotFiles(service);
      const error = await runFailing(generator, service, { args, options: { yes: true, ...options } });
      assertUserError(error, ...mentions);
      assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], 'nothing written');
      assert.deepEqual(
        readModel(service).events.map((event: { name: string }) => event.name),
        ['OrderPlaced'],
      );
    });
  }

  it('closestOption offers a near option only', function () {
    const options = ['topic', 'fields', 'key', 'external', 'description'];
    assert.equal(closestOption('topc', options), 'topic');
    assert.equal(closestOption('feilds', options), 'fields');
    assert.equal(closestOption('descripton', options), 'description');
    assert.equal(closestOption('colour', options), undefined);
  });

  for (const generator of ['app', 'event', 'subscription'] as const) {
    it(`${generator} --help lists --force and ends with two examples`, async function () {
      const spec = {
        app: { options: { yes: true } },
        event: { args: ['Another'], options: { yes: true, fields: 'id:uuid' } },
        subscription: { options: { yes: true, event: 'OrderPlaced' } },
      }[generator];
      const { result } = await runGenerator(generator, service, spec);
      const help = (result.generator as unknown as { help(): string }).help();
      assert.match(help, /--force\s+# Overwrite files the generator owns/);
      const examples = help.split('Examples:\n')[1]?.trim().split('\n') ?? [];
      assert.equal(examples.length, 2, help);
      for (const line of examples) assert.match(line, /^\s*yo kafka-eventing/);
    });
  }
});
