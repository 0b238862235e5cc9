/**
 * Module boundaries. The runtime package (packages/runtime/src) works through its ports (the
 * Transport, the MessageScope of a handled message, the EventCatalog) and never imports a service's
 * files or awilix; each Kafka client is imported only by its own folder and entry point, PostgreSQL
 * only by the database code, so the core entry point loads neither. In a generated service, only the
 * composition root builds message scopes and picks the Kafka client's entry point.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { addEvent, addSubscription, createService, removeTmpDirs, snapshotFiles } from './support/generate.js';
import { REPO_ROOT } from './support/paths.js';

const IMPORT = /(?:from|import\()\s*'([^']+)'/g;
const RUNTIME_SRC = path.join(REPO_ROOT, 'packages', 'runtime', 'src');

/** Each module's imports: relative ones as paths relative to the root folder, packages by name. */
function importGraph(files: Record<string, string>): Map<string, string[]> {
  const imports = new Map<string, string[]>();
  for (const [file, text] of Object.entries(files)) {
    if (!file.endsWith('.ts')) continue;
    const modules = [...text.matchAll(IMPORT)].map(([, specifier]) =>
      specifier!.startsWith('.') ? path.posix.normalize(path.posix.join(path.posix.dirname(file), specifier!)) : specifier!,
    );
    imports.set(file, modules);
  }
  return imports;
}

function runtimeSources(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const entry of readdirSync(RUNTIME_SRC, { recursive: true, encoding: 'utf8' })) {
    if (entry.endsWith('.ts')) files[entry.split(path.sep).join('/')] = readFileSync(path.join(RUNTIME_SRC, entry), 'utf8');
  }
  return files;
}

/** Every package a module loads, directly or through the modules it imports. */
function packagesReachedFrom(entry: string, graph: Map<string, string[]>): Set<string> {
  const seen = new Set<string>();
  const packages = new Set<string>();
  const visit = (file: string) => {
    if (seen.has(file)) return;
    seen.add(file);
    for (const module of graph.get(file) ?? []) {
      if (graph.has(module)) visit(module);
      else if (!module.startsWith('node:')) packages.add(module);
    }
  };
  visit(entry);
  return packages;
}

describe('runtime package: module boundaries', function () {
  const graph = importGraph(runtimeSources());

  it('imports no service file and not awilix: it is generic over the service and its container', () => {
    assert.ok(graph.size >= 50, `the runtime's modules are there: ${graph.size}`);
    for (const [file, modules] of graph) {
      const crossing = modules.filter((module) => module === 'awilix' || (!graph.has(module) && module.startsWith('.')) || module.startsWith('../'));
      assert.deepEqual(crossing, [], `${file} imports ${crossing.join(', ')}`);
      for (const module of modules)
        if (!module.startsWith('node:') && module.includes('/') && module.endsWith('.ts'))
          assert.ok(graph.has(module), `${file} imports ${module}, which is not in the package`);
    }
    assert.ok(graph.get('eventing/message-processor.ts')?.includes('eventing/message-scope.ts'), 'the worker uses the MessageScope port');
  });

  it('each Kafka client only in its own folder, PostgreSQL only in database/', () => {
    const owners: Record<string, string> = {
      kafkajs: 'eventing/kafkajs/',
      '@platformatic/kafka': 'eventing/platformatic/',
      pg: 'database/',
      'node-pg-migrate': 'database/',
    };
    for (const [file, modules] of graph) {
      for (const module of modules) {
        const owner = owners[module];
        if (owner) assert.ok(file.startsWith(owner), `${file} imports ${module} outside ${owner}`);
      }
    }
  });

  it('each entry point loads only its own optional peer: the core none of them', () => {
    const optional = ['kafkajs', '@platformatic/kafka', 'pg', 'node-pg-migrate'];
    const reached = (entry: string) => [...packagesReachedFrom(entry, graph)].filter((module) => optional.includes(module)).sort();
    assert.deepEqual(reached('index.ts'), []);
    assert.deepEqual(reached('kafkajs.ts'), ['kafkajs']);
    assert.deepEqual(reached('platformatic.ts'), ['@platformatic/kafka']);
    assert.deepEqual(reached('postgres.ts'), ['node-pg-migrate', 'pg']);
  });
});

describe('generated service: module boundaries', function () {
  this.timeout(120_000);
  after(removeTmpDirs);

  for (const database of [undefined, 'postgres'] as const) {
    it(`${database ? 'with a database' : 'without a database'}: only the composition root builds message scopes; the runtime is imported by entry point, never by path`, async () => {
      const dir = await createService(database ? { database } : {});
      await addEvent(dir, 'OrderPlaced', { fields: 'orderId:uuid, total:number', key: 'orderId' });
      await addSubscription(dir, 'OrderPlaced');
      if (!database) await addSubscription(dir, 'OrderPlaced', { name: 'IndexOrders', batch: true });
      const files = Object.fromEntries(Object.entries(snapshotFiles(dir, ['node_modules', 'vendor'])).filter(([file]) => file.startsWith('src/')));
      const imports = importGraph(files);
      const scopeBuilders = [...imports].filter(([, modules]) => modules.includes('src/message-scopes.ts')).map(([file]) => file);
      assert.deepEqual(scopeBuilders, ['src/container.ts'], 'only the composition root builds message scopes');
      const runtimeImports = [...imports.values()].flat().filter((module) => module.startsWith('kafka-eventing-runtime'));
      assert.ok(runtimeImports.length > 5);
      for (const module of runtimeImports) {
        assert.ok(
          ['kafka-eventing-runtime', 'kafka-eventing-runtime/kafkajs', 'kafka-eventing-runtime/postgres'].includes(module),
          `${module} is an entry point`,
        );
      }
      assert.equal(
        runtimeImports.includes('kafka-eventing-runtime/postgres'),
        database !== undefined,
        'the database entry point only with a database',
      );
      for (const [file, modules] of imports) {
        for (const module of modules)
          if (module.startsWith('src/')) assert.ok(module in files, `${file} imports ${module}, which the service does not have`);
      }
    });
  }
});
