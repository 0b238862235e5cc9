/**
 * `yo kafka-eventing --database postgres`: the option, the model, what it adds to the service, and
 * that without it the service is what it always was.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import {
  assertUserError,
  changedFiles,
  copyService,
  createService,
  makeTmpDir,
  readJson,
  readModel,
  readText,
  removeTmpDirs,
  runFailing,
  runGenerator,
  snapshotFiles,
} from './support/generate.js';

const DATABASE_FILES = [
  'migrations/1767225600000_eventing-outbox-inbox.sql',
  'src/scripts/migrate.ts',
  'test/database.test.ts',
  'test/support/database.ts',
];

describe('yo kafka-eventing --database', () => {
  after(removeTmpDirs);

  it('--database mysql: one clear message, nothing written', async () => {
    const dir = makeTmpDir();
    const error = await runFailing('app', dir, { args: ['orders'], options: { yes: true, database: 'mysql' } });
    assertUserError(error, 'Database "mysql" is not supported', 'none, postgres');
    assert.deepEqual(readdirSync(dir), []);
  });

  it('without --database (or with none) the service has no database: no file, package or setting of one', async () => {
    const plain = await createService();
    const none = await createService({ database: 'none' });
    assert.deepEqual(snapshotFiles(none), snapshotFiles(plain), 'same files, byte for byte');
    assert.equal(readModel(plain).service.database, undefined, 'the model has no database entry');
    const files = snapshotFiles(plain);
    for (const file of DATABASE_FILES) assert.equal(files[file], undefined, `${file} is not rendered`);
    for (const [file, text] of Object.entries(files)) {
      if (file === 'README.md' || file === '.yo-rc.json') continue;
      assert.doesNotMatch(
        text,
        /unitOfWork\.complete|databasePool|from 'pg'|node-pg-migrate|recordInInbox|src\/database/,
        `${file} mentions no database`,
      );
    }
    assert.equal(readJson(plain, 'config/default.json').database, undefined);
  });

  it('--database postgres: pool, migrations, unit of work, relay and inbox, config per environment, password only from the environment', async () => {
    const service = await createService({ database: 'postgres' });
    assert.equal(readModel(service).service.database, 'postgres');
    const files = snapshotFiles(service);
    for (const file of DATABASE_FILES) assert.ok(files[file], `${file} is rendered`);
    const pkg = readJson(service, 'package.json');
    assert.ok(pkg.dependencies.pg && pkg.dependencies['node-pg-migrate'] && pkg.devDependencies['@types/pg']);
    assert.equal(pkg.scripts.migrate, 'node --disable-warning=ExperimentalWarning src/scripts/migrate.ts');
    const defaults = readJson(service, 'config/default.json').database!;
    assert.deepEqual(
      {
        host: defaults.host,
        port: defaults.port,
        name: defaults.name,
        user: defaults.user,
        poolSize: defaults.poolSize,
        delivery: defaults.delivery,
      },
      { host: 'localhost', port: 5432, name: 'orders', user: 'postgres', poolSize: 20, delivery: 'outbox' },
    );
    for (const env of ['default', 'development', 'test', 'production']) {
      assert.equal(readJson(service, `config/${env}.json`).database?.password, undefined, `no password in config/${env}.json`);
    }
    assert.equal(readJson(service, 'config/test.json').database!.host, '127.0.0.1');
    assert.equal(readJson(service, 'config/custom-environment-variables.json').database!.password, 'DATABASE_PASSWORD');
    assert.match(readText(service, 'src/http/request-scope.ts'), /await scope\.unitOfWork\.complete\(\);/);
    assert.doesNotMatch(readText(service, 'src/http/request-scope.ts'), /flushAll/);
    assert.match(readText(service, 'src/container.ts'), /from 'kafka-eventing-runtime\/postgres';/);
    assert.match(readText(service, 'src/message-scopes.ts'), /recordInInbox\(this\.#scope\.cradle\.db, this\.#subscription, eventId\)/);
    assert.match(readText(service, 'src/message-scopes.ts'), /this\.#scope\.cradle\.unitOfWork\.complete\(\)/);
    assert.match(readText(service, 'migrations/1767225600000_eventing-outbox-inbox.sql'), /CREATE TABLE outbox[\s\S]*CREATE TABLE inbox/);
  });

  it('a re-run inside a service adds the database; later re-runs keep it and change nothing; none is refused', async () => {
    const service = copyService(await createService());
    await runGenerator('app', service, { options: { yes: true, database: 'postgres' } });
    assert.equal(readModel(service).service.database, 'postgres');
    const withDatabase = snapshotFiles(service);
    for (const file of DATABASE_FILES) assert.ok(withDatabase[file], `${file} was added`);
    // As if created with --database postgres (the unedited README and health test follow the setting), but for package.json's key order.
    const fresh = snapshotFiles(await createService({ database: 'postgres' }));
    assert.deepEqual(
      changedFiles(fresh, withDatabase).filter((file) => file !== 'package.json'),
      [],
    );
    assert.deepEqual(JSON.parse(withDatabase['package.json'] ?? ''), JSON.parse(fresh['package.json'] ?? ''));

    await runGenerator('app', service, { options: { yes: true } });
    assert.deepEqual(changedFiles(withDatabase, snapshotFiles(service)), [], 'a re-run keeps the database and changes nothing');
    const error = await runFailing('app', service, { options: { yes: true, database: 'none' } });
    assertUserError(error, 'removing the database is not supported');
    assert.deepEqual(changedFiles(withDatabase, snapshotFiles(service)), []);
  });

  it('a re-run adding the database keeps an edited README and names it; the unedited health test follows', async () => {
    const service = copyService(await createService());
    const edited = `${readText(service, 'README.md')}\nMy notes.\n`;
    writeFileSync(path.join(service, 'README.md'), edited);
    const run = await runGenerator('app', service, { options: { yes: true, database: 'postgres' } });
    assert.equal(readText(service, 'README.md'), edited, 'the edited README stays');
    assert.ok(
      run.logged().some((line) => /^Not updated, as you edited it: README\.md/.test(line)),
      run.logged().join('\n'),
    );
    const fresh = await createService({ database: 'postgres' });
    assert.equal(readText(service, 'test/health.test.ts'), readText(fresh, 'test/health.test.ts'), 'the health test follows');
  });

  it('keeps the user’s migrations and an edited eventing migration', async () => {
    const service = await createService({ database: 'postgres' });
    writeFileSync(path.join(service, 'migrations', '1767225600001_orders.sql'), '-- Up Migration\nCREATE TABLE orders (id uuid PRIMARY KEY);\n');
    const eventing = path.join(service, 'migrations', '1767225600000_eventing-outbox-inbox.sql');
    writeFileSync(eventing, `${readFileSync(eventing, 'utf8')}-- applied in production on 2026-01-01\n`);
    const before = snapshotFiles(service);
    await runGenerator('app', service, { options: { yes: true } });
    assert.deepEqual(changedFiles(before, snapshotFiles(service)), []);
  });
});
