/**
 * Every name the generator accepts compiles: tricky event and field names are either refused with
 * one clear message and nothing written, or the service type-checks and its own tests pass (both
 * schema formats), and stays clean under its lint and format checks. No broker needed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { assertUserError, createService, removeTmpDirs, runFailing, snapshotFiles } from './support/generate.js';
import { runIn, serviceTests, typecheck } from './support/rendered.js';
import { generate, linkDependencies, tempDir } from './support/service.js';

interface Refused {
  readonly title: string;
  readonly name: string;
  readonly fields: string;
  readonly mentions: string[];
}

const refused: Refused[] = [
  ...[
    'Events',
    'events',
    'EventName',
    'PublishedEvents',
    'PublishedEventName',
    'EventDefinition',
    'EventContext',
    'EventHandler',
    'EventBus',
    'Logger',
  ].map((name) => ({ title: `event ${name} (a generated identifier)`, name, fields: 'id:uuid', mentions: ['taken by the generated code'] })),
  ...['Promise', 'promise', 'Object', 'String', 'Array', 'Buffer', 'Record', 'Partial', 'Error', 'Map', 'Date', 'JSON'].map((name) => ({
    title: `event ${name} (a built-in)`,
    name,
    fields: 'id:uuid',
    mentions: ['built-in'],
  })),
  ...['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', '__defineGetter__'].map((field) => ({
    title: `field ${field} (an Object.prototype property)`,
    name: 'OrderPlaced',
    fields: `id:uuid, ${field}?:string`,
    mentions: [`Field name "${field}"`, 'every JavaScript object has'],
  })),
];

/** Accepted: reserved words and look-alikes as event names (PascalCase) and as field names (properties). */
const acceptedEvents: { name: string; fields: string; key?: string }[] = [
  { name: 'Class', fields: 'class:string, default?:int, new:boolean, delete?:string[], function:number, prototype:string', key: 'class' },
  { name: 'Default', fields: 'await:string, yield?:int, let:uuid, enum?:datetime, void:string, null:string, true?:boolean' },
  { name: 'Interface', fields: 'in:string, typeof:int, instanceof?:string, this:string, super?:string, import:string, export?:string' },
  { name: 'EventsChanged', fields: '_id:uuid, _:string, proto:string, __value?:int, arguments:string, eval:string, undefined?:string' },
  { name: 'Constructor', fields: 'static:string, private?:string, public:string, any:string, never?:string, unknown:string, type:string' },
];

describe('names: each tricky name is refused cleanly', () => {
  let serviceDir: string;

  before(async () => {
    serviceDir = await createService();
  });

  after(removeTmpDirs);

  for (const { title, name, fields, mentions } of refused) {
    it(`refuses ${title}, writing nothing`, async () => {
      const before = snapshotFiles(serviceDir);
      const error = await runFailing('event', serviceDir, { args: [name], options: { yes: true, fields } });
      assertUserError(error, ...mentions);
      assert.deepEqual(snapshotFiles(serviceDir), before, 'no file changed');
    });
  }
});

for (const schemaFormat of ['json', 'avro'] as const) {
  describe(`names: accepted tricky names compile and work (${schemaFormat}, no broker)`, function () {
    this.timeout(600_000);
    let dir: string;

    before(async () => {
      const workspace = tempDir(`names-${schemaFormat}`);
      await generate(workspace, 'app', ['tricky-names'], { schemaFormat });
      dir = path.join(workspace, 'tricky-names');
      for (const event of acceptedEvents) {
        await generate(dir, 'event', [event.name], { fields: event.fields, ...(event.key ? { key: event.key } : {}) });
        await generate(dir, 'subscription', [], { event: event.name });
      }
      await linkDependencies(dir);
    });

    it("type-checks with the service's strict settings", async () => {
      const outcome = await typecheck(dir);
      assert.ok(outcome.ok, `tsc failed:\n${outcome.output}`);
    });

    it('passes its own tests (each event published, read back and handled on the in-memory transport)', async () => {
      const outcome = await serviceTests(dir);
      assert.ok(outcome.ok, `the service's tests failed:\n${outcome.output}`);
      for (const event of acceptedEvents) assert.match(outcome.output, new RegExp(`runs the ${event.name} handler`));
      assert.doesNotMatch(outcome.output, /failing/);
    });

    it('is clean under npm run lint and npm run format:check', async () => {
      const linted = await runIn(dir, 'npm', ['run', 'lint']);
      assert.ok(linted.ok, `lint failed:\n${linted.output}`);
      const formatted = await runIn(dir, 'npm', ['run', 'format:check']);
      assert.ok(formatted.ok, `format check failed:\n${formatted.output}`);
    });
  });
}
