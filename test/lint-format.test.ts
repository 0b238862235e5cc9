/**
 * The generated service's ESLint (typescript-eslint, type-checked rules) and Prettier checks, run as
 * the service's npm scripts: clean right after `yo kafka-eventing`, and after every subgenerator run.
 * No broker needed.
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { addEveryTypeEvent, formatCheckInProcess, runIn, type Outcome } from './support/rendered.js';
import { generate, linkDependencies, tempDir } from './support/service.js';

function assertClean(outcome: Outcome, what: string): void {
  assert.ok(outcome.ok, `${what} failed:\n${outcome.output}`);
}

const variants = [
  { schemaFormat: 'json', database: undefined, kafkaClient: 'kafkajs' },
  { schemaFormat: 'avro', database: undefined, kafkaClient: 'kafkajs' },
  { schemaFormat: 'json', database: 'postgres', kafkaClient: 'kafkajs' },
  { schemaFormat: 'json', database: 'postgres', kafkaClient: 'platformatic' },
  { schemaFormat: 'json', database: undefined, kafkaClient: 'platformatic' },
] as const;

for (const { schemaFormat, database, kafkaClient } of variants) {
  describe(`generated service: lint and format check (${schemaFormat}${database ? `, --database ${database}` : ''}, ${kafkaClient})`, function () {
    this.timeout(600_000);
    let dir: string;
    const lint = () => runIn(dir, 'npm', ['run', 'lint']);
    const formatCheck = () => runIn(dir, 'npm', ['run', 'format:check']);

    before(async () => {
      const workspace = tempDir(`lint-${schemaFormat}`);
      await generate(workspace, 'app', ['inventory-service'], { schemaFormat, kafkaClient, ...(database ? { database } : {}) });
      dir = path.join(workspace, 'inventory-service');
      await linkDependencies(dir);
    });

    it('is clean under npm run lint and npm run format:check right after generation', async () => {
      const linted = await lint();
      assertClean(linted, 'npm run lint');
      assertClean(await formatCheck(), 'npm run format:check');
      console.log(`      npm run lint: ${linted.ms} ms`);
    });

    it('stays clean after every subgenerator run', async () => {
      const steps: [string, () => Promise<void>][] = [
        [
          ':event StockReserved',
          () =>
            generate(dir, 'event', ['StockReserved'], {
              fields:
                'reservationId:uuid, sku:string, quantity:int, weight:number, reservedAt:datetime, fragile:boolean, note?:string, bins:string[], lots?:int[]',
              key: 'reservationId',
            }),
        ],
        [
          ':event WarehouseRestockedAfterALongAndCarefullyNamedProcess --external',
          () =>
            generate(dir, 'event', ['WarehouseRestockedAfterALongAndCarefullyNamedProcess'], {
              fields:
                'warehouseIdentifierForTheRestock:uuid, stockKeepingUnitsThatWereRestocked:string[], quantitiesPerStockKeepingUnit:int[], restockedAt:datetime, comment?:string',
              external: true,
              topic: 'warehouse.restocked',
            }),
        ],
        [':subscription StockReserved', () => generate(dir, 'subscription', [], { event: 'StockReserved' })],
        [
          ':subscription WarehouseRestocked… --name',
          () => generate(dir, 'subscription', [], { event: 'WarehouseRestockedAfterALongAndCarefullyNamedProcess', name: 'RestockAudit' }),
        ],
        // A batch subscription (not with a database: the generator refuses --batch there).
        ...(database
          ? []
          : [
              [
                ':subscription StockReserved --name IndexStock --batch',
                () => generate(dir, 'subscription', [], { event: 'StockReserved', name: 'IndexStock', batch: true }),
              ] as [string, () => Promise<void>],
            ]),
        [':event StockReserved --add-fields', () => generate(dir, 'event', ['StockReserved'], { addFields: 'giftWrap?:boolean, labels?:string[]' })],
        [':type Money, OrderLine, Address, :event OrderShipped with every new type, :subscription OrderShipped', () => addEveryTypeEvent(dir)],
        [':type Address --add-fields', () => generate(dir, 'type', ['Address'], { addFields: 'country?:string' })],
        [
          ':event OrderShipped --add-fields (an enum symbol, a long enum)',
          () =>
            generate(dir, 'event', ['OrderShipped'], {
              addFields: `status:enum(pending|paid|shipped|returned), stage?:enum(${Array.from({ length: 24 }, (_, index) => `stageNumber${index}`).join('|')})`,
            }),
        ],
      ];
      for (const [name, step] of steps) {
        await step();
        // In process (the service's Prettier and settings): the npm script itself ran above and runs below.
        assertClean(await formatCheckInProcess(dir), `format check after ${name}`);
      }
      assertClean(await lint(), 'npm run lint after the subgenerator runs');
      assertClean(await formatCheck(), 'npm run format:check after the subgenerator runs');
    });
  });
}
