/**
 * A generated `--database postgres` service under a burst: 500 POSTs at once, each a unit of work that
 * writes a row and publishes an event, on the generated pool defaults (no test override), against the
 * real PostgreSQL and broker. Every request must succeed; figures: latency, throughput, end to end.
 */
import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { useLedger } from './support/ledger.js';
import type { TestDatabase } from './support/postgres.js';
import { eventually, type ServiceProcess } from './support/service.js';

interface Burst {
  errors: number;
  statuses: Record<string, number>;
  p50: number;
  p99: number;
  max: number;
  requestsPerSecond: number;
  handledPerSecond: number;
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

describe('database: 500 concurrent units of work @kafka', function () {
  this.timeout(600_000);
  const ledger = useLedger();

  /** `total` POSTs with `concurrency` in flight; waits until the handler has seen every event. */
  async function burst(service: ServiceProcess, db: TestDatabase, total: number, concurrency: number): Promise<Burst> {
    const latencies: number[] = [];
    const statuses: Record<string, number> = {};
    const handledBefore = await db.count('SELECT count(*) FROM handled');
    const began = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        while (next < total) {
          const seq = next++;
          const sent = performance.now();
          const status = await ledger.post(service, { lane: `b${seq % 50}`, seq }).then(
            (response) => String(response.status),
            (error: Error) => error.message,
          );
          latencies.push(performance.now() - sent);
          statuses[status] = (statuses[status] ?? 0) + 1;
        }
      }),
    );
    const answered = performance.now() - began;
    const ok = statuses['201'] ?? 0;
    await eventually(
      async () => ((await db.count('SELECT count(*) FROM handled')) >= handledBefore + ok ? true : undefined),
      300_000,
      `${ok} events handled`,
    );
    const handled = performance.now() - began;
    latencies.sort((a, b) => a - b);
    return {
      errors: total - ok,
      statuses,
      p50: quantile(latencies, 0.5),
      p99: quantile(latencies, 0.99),
      max: latencies.at(-1) ?? Number.NaN,
      requestsPerSecond: Math.round((total / answered) * 1000),
      handledPerSecond: Math.round((ok / handled) * 1000),
    };
  }

  const line = (label: string, figures: Burst) =>
    `      ${label}: ${figures.errors} errors ${JSON.stringify(figures.statuses)}, p50 ${figures.p50.toFixed(0)} ms, p99 ${figures.p99.toFixed(0)} ms, ` +
    `max ${figures.max.toFixed(0)} ms, ${figures.requestsPerSecond} req/s answered, ${figures.handledPerSecond} events/s handled end to end\n`;

  it('500 POSTs at once on the generated pool defaults: 0 errors, every event on the topic and handled', async () => {
    const db = await ledger.database('burst');
    const service = await ledger.start('burst', db, { defaults: true });
    const first = await burst(service, db, 500, 500);
    const second = await burst(service, db, 2000, 500);
    process.stderr.write(line('500 at once', first) + line('2,000 more, 500 in flight', second));
    assert.equal(
      first.errors,
      0,
      `500 at once: ${JSON.stringify(first.statuses)}; ${service
        .output()
        .split('\n')
        .find((entry) => entry.includes('"level":50'))}`,
    );
    assert.equal(second.errors, 0, `2,000 with 500 in flight: ${JSON.stringify(second.statuses)}`);
    assert.equal(await db.count('SELECT count(*) FROM jobs'), 2500);
    assert.equal(await db.count('SELECT count(DISTINCT job_id) FROM handled'), 2500);
  });

  it('the burst on the former pool defaults (10 connections, 5 s wait) for comparison, and outbox against direct flush', async () => {
    const formerDb = await ledger.database('former');
    const former = await burst(
      await ledger.start('former', formerDb, { defaults: true, database: { poolSize: 10, connectionTimeoutMs: 5000 } }),
      formerDb,
      2000,
      500,
    );
    const directDb = await ledger.database('direct');
    const direct = await burst(await ledger.start('direct', directDb, { defaults: true, database: { delivery: 'direct' } }), directDb, 2000, 500);
    process.stderr.write(line('former defaults (pool 10, 5 s), outbox', former) + line('generated defaults, direct flush', direct));
    assert.equal(direct.errors, 0, `direct: ${JSON.stringify(direct.statuses)}`);
  });
});
