/**
 * The generated runtime's module boundaries: the eventing code (src/eventing/) works through its ports
 * (the Transport, the MessageScope of a handled message) and is given what it needs by the composition
 * root; it never imports the app's container, awilix, the subscription list, the HTTP layer or the
 * database code. Only src/container.ts builds the message scopes (src/message-scopes.ts).
 */
import assert from 'node:assert/strict';
import path from 'node:path';
import { addEvent, addSubscription, createService, removeTmpDirs, snapshotFiles } from './support/generate.js';

const IMPORT = /(?:from|import\()\s*'([^']+)'/g;

/** The modules each TypeScript source file imports: relative ones as service-relative paths, packages by name. */
function importsBySource(dir: string): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const [file, text] of Object.entries(snapshotFiles(dir, ['node_modules']))) {
    if (!file.startsWith('src/') || !file.endsWith('.ts')) continue;
    const modules = [...text.matchAll(IMPORT)].map(([, specifier]) =>
      specifier!.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier!)) : specifier!,
    );
    imports.set(file, modules);
  }
  return imports;
}

function forbiddenInEventing(module: string): boolean {
  return (
    module === 'awilix' ||
    module === 'src/container.ts' ||
    module === 'src/message-scopes.ts' ||
    module === 'src/subscriptions/index.ts' ||
    module === 'src/services.ts' ||
    module.startsWith('src/http/') ||
    module.startsWith('src/database/')
  );
}

describe('generated runtime: module boundaries', function () {
  this.timeout(120_000);
  after(removeTmpDirs);

  for (const database of [undefined, 'postgres'] as const) {
    it(`${database ? 'with a database' : 'without a database'}: src/eventing/ imports neither the container, awilix, the subscription list, the HTTP layer nor the database code`, async () => {
      const dir = await createService(database ? { database } : {});
      await addEvent(dir, 'OrderPlaced', { fields: 'orderId:uuid, total:number', key: 'orderId' });
      await addSubscription(dir, 'OrderPlaced');
      // A batch subscription too (the generator refuses --batch with a database).
      if (!database) await addSubscription(dir, 'OrderPlaced', { name: 'IndexOrders', batch: true });
      const imports = importsBySource(dir);
      const eventing = [...imports.keys()].filter((file) => file.startsWith('src/eventing/'));
      assert.ok(eventing.length >= 20, `the eventing sources are there: ${eventing.length}`);
      assert.ok(imports.get('src/eventing/message-processor.ts')?.includes('src/eventing/message-scope.ts'), 'the worker uses the MessageScope port');
      for (const file of eventing) {
        const crossing = (imports.get(file) ?? []).filter(forbiddenInEventing);
        assert.deepEqual(crossing, [], `${file} imports ${crossing.join(', ')}`);
      }
      const scopeBuilders = [...imports].filter(([, modules]) => modules.includes('src/message-scopes.ts')).map(([file]) => file);
      assert.deepEqual(scopeBuilders, ['src/container.ts'], 'only the composition root builds message scopes');
    });
  }
});
