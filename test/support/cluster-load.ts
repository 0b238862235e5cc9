/**
 * Load and bookkeeping for the cluster fault tests: a steady stream of POST /jobs requests against a
 * generated service (one event each, keys spread over every partition), what each answered and when,
 * and what an independent client (kcat, librdkafka) finds on the topic afterwards.
 */
import { execFile } from 'node:child_process';
import http from 'node:http';
import { promisify } from 'node:util';
import { readRecords, sleep, type ServiceProcess } from './service.js';
import type { JobRecord } from './jobs.js';

const run = promisify(execFile);

/**
 * Connections kept alive (a connection per request would run out of ephemeral ports at this rate);
 * Node's agent closes an idle one before the server's keep-alive timeout (its Keep-Alive hint), so a
 * connection the server closed while idle is not reused.
 */
const agent = new http.Agent({ keepAlive: true, maxSockets: 4000 });

function post(port: number, urlPath: string, body: string, timeoutMs: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        path: urlPath,
        method: 'POST',
        agent,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (chunk: string) => (text += chunk));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
        response.on('error', reject);
      },
    );
    request.on('timeout', () => request.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    request.on('error', reject);
    request.end(body);
  });
}

export interface LoadOutcome {
  /** Job ids of the requests answered 201, with the time of the answer. */
  readonly acked: Map<string, number>;
  readonly requests: number;
  readonly failed: number;
  /** The first line of each distinct failure, with its count. */
  readonly failures: Map<string, number>;
  /** The longest time without a 201 answer while the load ran (ms), and when it began. */
  readonly longestGapMs: number;
  readonly gapStartedAt: number;
  readonly startedAt: number;
  /** The longest time a request took (any answer). */
  readonly slowestMs: number;
}

export interface RunningLoad {
  /** Stops sending, waits for the requests under way, and tells what happened. */
  stop(): Promise<LoadOutcome>;
  /** 201 answers so far. */
  ackedCount(): number;
}

/**
 * Sends POST /jobs {count: 1, lane, firstSeq} at about `perSecond` requests per second (at most
 * `concurrency` under way), lanes `l0`..`l59` in turn, until stopped.
 */
export function startLoad(
  service: ServiceProcess,
  { perSecond, concurrency = 4000, timeoutMs = 30_000 }: { perSecond: number; concurrency?: number; timeoutMs?: number },
): RunningLoad {
  const acked = new Map<string, number>();
  const failures = new Map<string, number>();
  let requests = 0;
  let failed = 0;
  let stopping = false;
  let slowestMs = 0;
  const startedAt = Date.now();
  const one = async (seq: number): Promise<void> => {
    const sentAt = Date.now();
    try {
      const { status, text } = await post(service.port, '/jobs', JSON.stringify({ count: 1, lane: `l${seq % 60}`, firstSeq: seq }), timeoutMs);
      if (status === 201) {
        for (const id of (JSON.parse(text) as { jobIds: string[] }).jobIds) acked.set(id, Date.now());
        return;
      }
      failed += 1;
      const reason = `${status} ${text.split('\n')[0]?.slice(0, 160) ?? ''}`;
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    } catch (error) {
      failed += 1;
      const reason = `request error: ${(error as Error).message}`;
      failures.set(reason, (failures.get(reason) ?? 0) + 1);
    } finally {
      slowestMs = Math.max(slowestMs, Date.now() - sentAt);
    }
  };
  const inFlight = new Set<Promise<void>>();
  const driver = (async () => {
    while (!stopping) {
      const due = Math.floor(((Date.now() - startedAt) / 1000) * perSecond);
      while (requests < due && inFlight.size < concurrency && !stopping) {
        const request = one(requests++).finally(() => inFlight.delete(request));
        inFlight.add(request);
      }
      await sleep(5);
    }
    await Promise.all(inFlight);
  })();
  return {
    ackedCount: () => acked.size,
    async stop() {
      stopping = true;
      await driver;
      const times = [startedAt, ...[...acked.values()].sort((a, b) => a - b), Date.now()];
      let longestGapMs = 0;
      let gapStartedAt = startedAt;
      for (let i = 1; i < times.length; i++) {
        const gap = times[i]! - times[i - 1]!;
        if (gap > longestGapMs) {
          longestGapMs = gap;
          gapStartedAt = times[i - 1]!;
        }
      }
      return { acked, requests, failed, failures, longestGapMs, gapStartedAt, startedAt, slowestMs };
    },
  };
}

/**
 * The job id of every message on `topic`, read from the beginning to its end by kcat (librdkafka), an
 * independent client: its JSON envelope carries the value as text, the registry's 5-byte prefix and
 * then the JSON Schema-encoded event.
 */
export async function jobIdsOnTopic(brokers: string, topic: string): Promise<string[]> {
  const { stdout } = await run('kcat', ['-C', '-b', brokers, '-t', topic, '-o', 'beginning', '-e', '-q', '-J'], {
    maxBuffer: 256 * 1024 * 1024,
    timeout: 120_000,
  });
  return stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const { payload } = JSON.parse(line) as { payload: string };
      return (JSON.parse(payload.slice(5)) as { jobId: string }).jobId;
    });
}

export interface Tally {
  /** Acknowledged (201) but not on the topic. */
  readonly lost: string[];
  /** Messages on the topic more than once (the same event-id). */
  readonly duplicatesOnTopic: number;
  readonly onTopic: number;
}

export function tally(outcome: LoadOutcome, ids: string[]): Tally {
  const seen = new Set(ids);
  return { lost: [...outcome.acked.keys()].filter((id) => !seen.has(id)), duplicatesOnTopic: ids.length - seen.size, onTopic: seen.size };
}

/** What the handler recorded: events on the topic never handled, and handlings beyond the first of an event. */
export function handled(recordFile: string, ids: Iterable<string>): { missing: string[]; duplicates: number; done: number } {
  const done = readRecords<JobRecord>(recordFile).filter((r) => r.phase === 'done');
  const unique = new Set(done.map((r) => r.jobId));
  return { missing: [...ids].filter((id) => !unique.has(id)), duplicates: done.length - unique.size, done: unique.size };
}

export function describeOutcome(name: string, outcome: LoadOutcome, counts: Tally, extra = ''): string {
  const failures = [...outcome.failures].map(([reason, count]) => `${count}× ${reason}`).join('; ');
  return (
    `      ${name}: ${outcome.requests} requests, ${outcome.acked.size} answered 201, ${outcome.failed} failed ` +
    `(${((100 * outcome.failed) / Math.max(1, outcome.requests)).toFixed(2)} %), longest time without an acknowledgement ${(outcome.longestGapMs / 1000).toFixed(1)} s ` +
    `(from +${((outcome.gapStartedAt - outcome.startedAt) / 1000).toFixed(1)} s), slowest request ${(outcome.slowestMs / 1000).toFixed(1)} s, ` +
    `lost ${counts.lost.length}, duplicates on the topic ${counts.duplicatesOnTopic}${extra}${failures ? `\n        failures: ${failures}` : ''}\n`
  );
}
