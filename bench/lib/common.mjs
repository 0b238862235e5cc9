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

/** Runs the child's function for `mode` (`modes` maps each mode to an async function), then ends the process. */
export async function runMode(mode, modes) {
  if (!Object.hasOwn(modes, mode)) throw new Error(`unknown mode ${mode}`);
  await modes[mode]();
  process.exit(0);
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

/** A failed send in a loop that nobody awaits: the run is worthless, so the child ends at once. */
export function fatal(error) {
  console.error(error);
  process.exit(1);
}

/**
 * Times one publish run of `events` events: wall time from the start of `work()` to its end (the last
 * acknowledgement); CPU of the process from the same start until `stop()` (disconnect) has finished too.
 * Resolves with the throughput figures.
 */
export async function measurePublish(events, work, stop) {
  const cpuStart = process.cpuUsage();
  const started = now();
  await work();
  const elapsed = now() - started;
  await stop();
  return throughput(events, elapsed, cpuStart);
}

/**
 * Consume meter for a run that expects `events` events: call `onEvent()` for each event handled. Times from the
 * first event handled to the `events`th (group join and first fetch left out), CPU over the same window.
 */
export function consumeMeter(events) {
  let handled = 0;
  let first = 0;
  let last = 0;
  let cpu;
  return {
    onEvent() {
      handled += 1;
      if (handled === 1) {
        first = now();
        cpu = process.cpuUsage();
      }
      if (handled === events) {
        last = now();
        cpu = process.cpuUsage(cpu);
      }
    },
    /** Resolves once `events` were handled; rejects after `timeoutMs`. */
    untilAll(timeoutMs) {
      return until(() => handled >= events, timeoutMs, `${events} events handled (${handled} so far)`);
    },
    /** The run's figures (after untilAll, and after the consumer stopped: `handled` counts what came meanwhile). */
    result() {
      return { ...throughput(events, last - first), cpuUsPerEvent: (cpu.user + cpu.system) / events, handled };
    },
  };
}

/**
 * End-to-end latency with publisher and handler in one process (monotonic clock). Call `onEvent(event)` from
 * the handler for every event it sees, then `run(params, { send, stop, handledBy })`:
 * - `send(payload)` publishes one event (not awaited by the loop) and resolves when it is flushed/acknowledged;
 * - until the handler has seen an event, one probe every 100 ms (at most 60 s; `handledBy` names the handler in the error);
 * - `warmupMs` at `rate` (seqs from 1,000,000), then `measureMs` at `rate` (seqs from MEASURED_FROM_SEQ): events
 *   sent from the start of that second phase are measured, handler latency and flush time both from `sentAt`;
 * - waits for every measured event to be handled, calls `stop()`, and resolves with the figures.
 */
export function oneProcessLatency() {
  const latencies = [];
  const flushes = [];
  let measuredFrom = Infinity;
  let seen = 0;
  return {
    onEvent(event) {
      seen += 1;
      if (event.sentAt >= measuredFrom) latencies.push(now() - event.sentAt);
    },
    async run({ rate, warmupMs, measureMs }, { send, stop, handledBy }) {
      const fire = (seq) => {
        const sentAt = now();
        const payload = makePayload(seq, sentAt);
        send(payload).then(() => sentAt >= measuredFrom && flushes.push(now() - sentAt), fatal);
      };
      for (let seq = 0; seen === 0; seq += 1) {
        fire(seq);
        await sleep(100);
        if (seq > 600) throw new Error(`the ${handledBy} handled nothing within 60 s`);
      }
      await steadyRate(rate, warmupMs, fire, 1_000_000);
      measuredFrom = now();
      const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
      const sendEnd = now();
      await until(() => latencies.length >= sent, 30_000, `${sent} measured events handled (${latencies.length} so far)`);
      await stop();
      return {
        ...latencySummary(latencies),
        sent,
        achievedRate: sent / ((sendEnd - measuredFrom) / 1000),
        flush: latencySummary(flushes),
      };
    },
  };
}

/**
 * The subscriber process of the two-process latency run (wall clock, comparable with the publisher's): call
 * `onEvent(event)` from the handler for every event; `run(stop)` says it is ready (group joined), reads how many
 * measured events to expect, waits for them, calls `stop()` and resolves with the latency summary.
 */
export function latencySubscriber() {
  const latencies = [];
  return {
    onEvent(event) {
      if (event.seq >= MEASURED_FROM_SEQ) latencies.push(wallClock() - event.sentAt);
    },
    async run(stop) {
      signalReady();
      const expected = Number(await readInstruction('expect'));
      await until(() => latencies.length >= expected, 30_000, `${expected} measured events handled (${latencies.length} so far)`);
      await stop();
      return latencySummary(latencies);
    },
  };
}

/**
 * The publisher process of the two-process latency run: `warmupMs` at `rate` (seqs from 1,000,000), then
 * `measureMs` (seqs from MEASURED_FROM_SEQ, whose flush times from `sentAt` are kept); `send(payload)` publishes
 * one event (not awaited by the loop) and resolves when it is flushed. Waits for every send, calls `stop()`.
 */
export async function latencyPublisher({ rate, warmupMs, measureMs }, { send, stop }) {
  const flushes = [];
  const pending = new Set();
  const fire = (seq) => {
    const sentAt = wallClock();
    const flushed = send(makePayload(seq, sentAt)).then(() => {
      if (seq >= MEASURED_FROM_SEQ) flushes.push(wallClock() - sentAt);
    });
    pending.add(flushed);
    flushed.then(() => pending.delete(flushed), fatal);
  };
  await steadyRate(rate, warmupMs, fire, 1_000_000);
  const started = now();
  const sent = await steadyRate(rate, measureMs, fire, MEASURED_FROM_SEQ);
  const elapsed = now() - started;
  await Promise.all(pending);
  await stop();
  return { sent, achievedRate: sent / (elapsed / 1000), flush: latencySummary(flushes) };
}
