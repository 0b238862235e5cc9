// The `outbox` scenario of npm run bench (see BENCHMARKS.md): a generated `--database postgres` service,
// units of work each inserting a row and publishing one event, through the transactional outbox, with the
// direct flush after commit (`database.delivery: direct`), and as raw `pg` insert + raw kafkajs send; then
// the latency from commit to handler at a paced rate. Every measurement gets a database of its own on the
// machine's PostgreSQL (PGHOST/PGPORT/PGUSER, default 127.0.0.1:5432 postgres), dropped afterwards.
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { generate, linkDependencies, REPO_ROOT, tempDir } from './service.mjs';

const BENCH_DIR = path.join(REPO_ROOT, 'bench');
const POSTGRES = { host: process.env.PGHOST ?? '127.0.0.1', port: Number(process.env.PGPORT ?? 5432), user: process.env.PGUSER ?? 'postgres' };
/** The generated service's pool defaults (config/default.json of a --database postgres service). */
const POOL = { poolSize: 20, connectionTimeoutMs: 30_000 };
const ROWS_MIGRATION =
  '-- Up Migration\nCREATE TABLE bench_rows (id uuid PRIMARY KEY, seq integer NOT NULL);\n\n-- Down Migration\nDROP TABLE bench_rows;\n';

async function onServer(sql) {
  const admin = new pg.Client({ ...POSTGRES, database: 'postgres' });
  await admin.connect();
  try {
    await admin.query(sql);
  } finally {
    await admin.end();
  }
}

/** Runs `measure(database)` on a fresh database, dropped afterwards. */
async function withDatabase(label, measure) {
  const name = `bench_${label.replace(/[^a-z0-9]+/gi, '_')}_${randomBytes(3).toString('hex')}`.toLowerCase();
  await onServer(`CREATE DATABASE "${name}"`);
  try {
    return await measure({ ...POSTGRES, ...POOL, name });
  } finally {
    await onServer(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  }
}

/**
 * The scenario definitions for run.mjs. `tools`: the run's settings, runChild, freshTopic and common (adds
 * brokers, registry and schema id to a child's parameters).
 */
export function outboxScenarios({ settings, runChild, freshTopic, common, fmtInt }) {
  let serviceDir;
  let workspace;
  async function prepare() {
    if (serviceDir) return {};
    workspace = tempDir('service-db');
    await generate(workspace, 'app', ['benchdb'], { database: 'postgres' });
    const dir = path.join(workspace, 'benchdb');
    await generate(dir, 'event', ['Payload'], { fields: 'id:uuid, seq:int, sentAt:number, body:string' });
    await generate(dir, 'subscription', [], { event: 'Payload' });
    copyFileSync(path.join(BENCH_DIR, 'service-files', 'payload.handler.ts'), path.join(dir, 'src', 'subscriptions', 'payload.handler.ts'));
    writeFileSync(path.join(dir, 'migrations', '1767225600001_bench-rows.sql'), ROWS_MIGRATION);
    mkdirSync(path.join(dir, 'bench'));
    copyFileSync(path.join(BENCH_DIR, 'children', 'outbox.mjs'), path.join(dir, 'bench', 'outbox.mjs'));
    copyFileSync(path.join(BENCH_DIR, 'lib', 'common.mjs'), path.join(dir, 'bench', 'common.mjs'));
    await linkDependencies(dir);
    serviceDir = dir;
    return {};
  }
  const service = (mode, delivery, label, params) =>
    withDatabase(label, (database) =>
      runChild({ script: path.join(serviceDir, 'bench', 'outbox.mjs'), cwd: serviceDir, mode, params: common({ ...params, delivery, database }) }),
    );
  const burstParams = () => ({ events: settings.events >= 100_000 ? 20_000 : settings.events, concurrency: settings.concurrency });
  const latencyParams = () => ({ rate: settings.rate, warmupMs: settings.warmupMs, measureMs: settings.measureMs });
  const events = () => fmtInt(burstParams().events);
  return {
    outbox: {
      title: `6. Units of work with a database: ${settings.concurrency} concurrent, each inserting a row and publishing 1 event, ${events()} in all (events/s to the broker's ack)`,
      metric: 'throughput',
      baseline: 'raw-pg',
      prepare,
      contenders: [
        { id: 'raw-pg', label: 'raw `pg` insert (transaction) + raw kafkajs `send` per request', run: (rep) => rawBurst(rep) },
        {
          id: 'direct',
          label: 'generated unit of work, `database.delivery: direct` (commit, then flush)',
          run: async (rep) => service('burst', 'direct', 'direct', { ...burstParams(), topic: await freshTopic('outbox', 'direct', rep) }),
        },
        {
          id: 'outbox',
          label: 'generated unit of work, transactional outbox (row + event in one commit; the relay sends)',
          run: async (rep) => service('burst', 'outbox', 'outbox', { ...burstParams(), topic: await freshTopic('outbox', 'outbox', rep) }),
        },
      ],
    },
    'outbox-latency': {
      title: `7. Commit -> handler latency with a database at ${fmtInt(settings.rate)} units of work/s for ${settings.measureMs / 1000} s (after ${settings.warmupMs / 1000} s warm-up), one service`,
      metric: 'latency',
      baseline: 'outbox',
      prepare,
      contenders: [
        {
          id: 'outbox',
          label: 'transactional outbox: commit -> NOTIFY -> relay -> broker -> worker -> handler',
          run: async (rep) =>
            service('latency', 'outbox', 'latency_outbox', { ...latencyParams(), topic: await freshTopic('outbox-latency', 'outbox', rep) }),
        },
        {
          id: 'direct',
          label: '`database.delivery: direct`: commit -> flush -> broker -> worker -> handler (information)',
          run: async (rep) =>
            service('latency', 'direct', 'latency_direct', { ...latencyParams(), topic: await freshTopic('outbox-latency', 'direct', rep) }),
        },
      ],
    },
    cleanup: () => workspace && rmSync(workspace, { recursive: true, force: true }),
  };

  async function rawBurst(rep) {
    const topic = await freshTopic('outbox', 'raw-pg', rep);
    return withDatabase('raw', (database) =>
      runChild({
        script: path.join(BENCH_DIR, 'children', 'raw-pg.mjs'),
        cwd: BENCH_DIR,
        mode: 'burst',
        params: common({ ...burstParams(), database, topic }),
      }),
    );
  }
}

/** Rows for run.mjs's targets table. */
export function outboxTargets(done, { median, check, fmtRatio, fmtMs }) {
  const eps = (id) => done.outbox?.results[id]?.map((r) => r.eventsPerSecond) ?? [NaN];
  if (done.outbox) {
    const r = median(eps('outbox')) / median(eps('direct'));
    check('outbox throughput >= 0.5 x direct flush (to the broker ack)', fmtRatio(r), r >= 0.5);
  }
  if (done['outbox-latency']?.results.outbox) {
    const p99 = median(done['outbox-latency'].results.outbox.map((r) => r.p99));
    check('p99 commit -> handler through the outbox <= 50 ms', `${fmtMs(p99)} ms`, p99 <= 50);
  }
}
