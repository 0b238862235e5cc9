// Helpers shared by the bench orchestrator (run.mjs) and its child processes.
// Plain JavaScript with no dependencies, so that the child copied into the generated service can use it too.
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';

/** Size of every event's value on the wire: magic byte + 4-byte schema id + JSON body. */
export const VALUE_BYTES = 1024;
const FRAME_BYTES = 5;

const bodies = new Map();
function body(length) {
  let text = bodies.get(length);
  if (text === undefined) {
    text = 'x'.repeat(Math.max(0, length));
    bodies.set(length, text);
  }
  return text;
}

/**
 * One `Payload` event ({ id: uuid, seq: int, sentAt: number, body: string }) whose registry-framed JSON is
 * exactly VALUE_BYTES long (for a sentAt of the same number of characters as the one given).
 */
export function makePayload(seq, sentAt = 0) {
  const payload = { id: randomUUID(), seq, sentAt, body: '' };
  const base = JSON.stringify(payload).length;
  payload.body = body(VALUE_BYTES - FRAME_BYTES - base);
  return payload;
}

/** `count` payloads, made before any timing starts (the input of a unit of work, not part of its cost). */
export function makePayloads(count) {
  const payloads = new Array(count);
  for (let i = 0; i < count; i += 1) payloads[i] = makePayload(i);
  return payloads;
}

/** The Confluent wire format, as @kafkajs/confluent-schema-registry writes it for a JSON schema. */
export function frame(schemaId, payload) {
  const json = Buffer.from(JSON.stringify(payload));
  const out = Buffer.allocUnsafe(FRAME_BYTES + json.length);
  out[0] = 0;
  out.writeInt32BE(schemaId, 1);
  json.copy(out, FRAME_BYTES);
  return out;
}

/** The headers the generated bus puts on each event (event-id, event-type, occurred-at, correlation-id). */
export function eventHeaders(correlationId) {
  return {
    'event-id': randomUUID(),
    'event-type': 'Payload',
    'occurred-at': new Date().toISOString(),
    'correlation-id': correlationId,
  };
}

/** A monotonic clock in ms, comparable across the publisher and the handler of one process. */
export const now = () => performance.now();

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Runs `count` jobs with at most `concurrency` in flight; `job(i)` gets the job's index. */
export async function runConcurrently(count, concurrency, job) {
  let next = 0;
  const worker = async () => {
    for (;;) {
      const index = next;
      next += 1;
      if (index >= count) return;
      await job(index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/**
 * Publishes at a steady `rate` per second for `durationMs`: calls `fire(seq)` (not awaited) whenever an
 * event is due, from a 1 ms timer that catches up on whatever fell due meanwhile. Resolves with the count.
 */
export function steadyRate(rate, durationMs, fire, firstSeq = 0) {
  return new Promise((resolve) => {
    const start = now();
    const total = Math.round((rate * durationMs) / 1000);
    let sent = 0;
    const tick = () => {
      const due = Math.min(total, Math.floor(((now() - start) * rate) / 1000) + 1);
      while (sent < due) {
        fire(firstSeq + sent);
        sent += 1;
      }
      if (sent >= total) resolve(sent);
      else setTimeout(tick, 1);
    };
    tick();
  });
}

/** Value at quantile q (0..1) of an ascending array (nearest rank). */
export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  const rank = Math.ceil(q * sorted.length) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))];
}

export function latencySummary(latencies) {
  const sorted = Float64Array.from(latencies).sort();
  return {
    count: sorted.length,
    p50: quantile(sorted, 0.5),
    p90: quantile(sorted, 0.9),
    p99: quantile(sorted, 0.99),
    max: sorted.length ? sorted[sorted.length - 1] : NaN,
  };
}

/** A child process reports its one result on stdout with this prefix. */
export const RESULT_PREFIX = 'BENCH_RESULT ';
/** ...and says it is ready (e.g. a subscriber that joined its group) with this line. */
export const READY_LINE = 'BENCH_READY';

export function signalReady() {
  process.stdout.write(`${READY_LINE}\n`);
}

/** Resolves with the first line written to stdin that starts with `prefix` (without the prefix). */
export function readInstruction(prefix) {
  return new Promise((resolve) => {
    let buffer = '';
    const onData = (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((entry) => entry.startsWith(prefix));
      if (line !== undefined) {
        process.stdin.off('data', onData);
        process.stdin.pause();
        resolve(line.slice(prefix.length).trim());
      }
    };
    process.stdin.setEncoding('utf8');
    process.stdin.on('data', onData);
  });
}

/** Wall-clock time in ms with sub-ms resolution, comparable between processes of one machine. */
export const wallClock = () => performance.timeOrigin + performance.now();

/** Sequence numbers of the measured events (warm-up events come below). */
export const MEASURED_FROM_SEQ = 2_000_000;

export function report(result) {
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

/** Child arguments: argv[2] is the mode, argv[3] a JSON object of parameters. */
export function childArgs() {
  return { mode: process.argv[2], params: JSON.parse(process.argv[3] ?? '{}') };
}

/** Waits until `check()` is true, polling; rejects after `timeoutMs`. */
export async function until(check, timeoutMs, what) {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(5);
  }
}

/** Throughput figures of a publish or consume run; `cpuStart` is process.cpuUsage() at its start. */
export function throughput(events, ms, cpuStart, valueBytes = VALUE_BYTES) {
  const seconds = ms / 1000;
  const cpu = cpuStart ? process.cpuUsage(cpuStart) : undefined;
  return {
    events,
    ms,
    eventsPerSecond: events / seconds,
    mbPerSecond: (events * valueBytes) / seconds / 1e6,
    // CPU time of this process (all its threads) per event: less sensitive to other load than the rate.
    cpuUsPerEvent: cpu ? (cpu.user + cpu.system) / events : undefined,
  };
}
