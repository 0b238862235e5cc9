import type pg from 'pg';
import { asError } from '../errors.ts';
import type { HeaderMap } from '../eventing/headers.ts';
import type { OutgoingMessage, SendOptions, Transport } from '../eventing/transport.ts';
import type { Logger } from '../logger.ts';
import { OUTBOX_CHANNEL } from './outbox.ts';
import { createPool, type DatabaseConfig, type DatabaseSettings } from './pool.ts';
import { cleanUp, outboxDepth } from './retention.ts';

/** The relay's own pool: its LISTEN connection, the pass's connection, and one for the depth (health, log). */
const RELAY_CONNECTIONS = 3;

/** First key of the relay's advisory locks (the second is the lane): "ob" in ASCII. */
const LANE_LOCK = 0x6f62;

/**
 * The first `$2` pending rows by id of the lanes `$1`: each lane's first `$2` ids from the index, then the
 * smallest of those, so that every lane's part is a prefix of that lane's pending rows.
 */
const PENDING_ROWS = `
  WITH picked AS (
    SELECT pending.id FROM unnest($1::int[]) AS lanes(lane)
    CROSS JOIN LATERAL (
      SELECT id FROM outbox WHERE outbox.lane = lanes.lane AND sent_at IS NULL ORDER BY id LIMIT $2
    ) AS pending
    ORDER BY pending.id LIMIT $2
  )
  SELECT id, lane, topic, key, value, headers, send_options FROM outbox JOIN picked USING (id) ORDER BY id`;

interface OutboxRow {
  id: string;
  lane: number;
  topic: string;
  key: string | null;
  value: Buffer;
  headers: HeaderMap;
  send_options: SendOptions;
}

/**
 * Sends the outbox to Kafka. The rows are split into lanes by key; a relay sends a lane only while it
 * holds that lane's advisory lock (pg_try_advisory_lock), in id order, and marks the rows sent once the
 * broker acknowledged them: per-key order holds with any number of replicas, and a relay that dies
 * (its session ends, the lock goes) leaves its lane to another. It is woken by this process's units of
 * work after their commit and by NOTIFY from other replicas', polls as a fallback, and retries after a
 * failed send. At least once: rows sent but
 * not yet marked when a relay dies are sent again (consumers' inbox makes that a no-op).
 */
export class OutboxRelay {
  readonly #pool: pg.Pool;
  readonly #transport: Transport;
  readonly #settings: DatabaseSettings;
  readonly #logger: Logger;
  #running: Promise<void> | undefined;
  #stopped = false;
  #wakeUp: (() => void) | undefined;
  #woken = false;
  #listener: pg.PoolClient | undefined;
  #lastCleanup = 0;
  /** Events sent since start (for the log line and tests). */
  sent = 0;

  constructor({ transport, config, logger }: { transport: Transport; config: DatabaseConfig; logger: Logger }) {
    // Connections of its own (LISTEN, the pass, the depth): never queued behind a burst of units of work.
    this.#pool = createPool(config.database, logger, RELAY_CONNECTIONS);
    this.#transport = transport;
    this.#settings = config.database;
    this.#logger = logger.child({ component: 'outbox-relay' });
  }

  start(): void {
    this.#running ??= this.#run();
  }

  /**
   * Stops after the batch in hand (whose rows are marked or will be sent again). Resolves false when that
   * send is still under way after `deadlineMs` (the broker away): its rows stay unsent in the outbox, for
   * the next start to send.
   */
  async stop(deadlineMs = Number.POSITIVE_INFINITY): Promise<boolean> {
    this.#stopped = true;
    this.wake();
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      if (Number.isFinite(deadlineMs)) timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const finished = await Promise.race([(this.#running ?? Promise.resolve()).then(() => true), deadline]);
    clearTimeout(timer);
    if (!finished) return false;
    const listener = this.#listener;
    this.#listener = undefined;
    listener?.release(true);
    await this.#pool.end();
    return true;
  }

  wake(): void {
    this.#woken = true;
    this.#wakeUp?.();
  }

  depth(): Promise<number> {
    return outboxDepth(this.#pool);
  }

  async #run(): Promise<void> {
    let failures = 0;
    while (!this.#stopped) {
      await this.#listen();
      try {
        // After a failed send (the broker away), small batches until one lands: a send that timed out but was
        // written after all is sent again, and the smaller the batch, the fewer duplicates that makes.
        await this.#pass(failures > 0 ? this.#probeSize() : this.#settings.outbox.batchSize);
        if (failures > 0) this.#logger.info({ failures }, 'outbox relay sends again');
        failures = 0;
        await this.#cleanUpWhenDue();
      } catch (error) {
        failures += 1;
        const pending = await this.depth().catch(() => undefined);
        if (failures === 1 || failures % 10 === 0) {
          this.#logger.warn({ err: error, pending, failures }, 'outbox relay could not send; retrying');
        }
      }
      if (this.#stopped) break;
      // A pass drains what it finds; rows committed meanwhile woke the relay, so this sleep returns at once.
      await this.#sleep(failures > 0 ? this.#settings.outbox.retryDelayMs : this.#settings.outbox.pollIntervalMs, failures === 0);
    }
  }

  /**
   * One pass: locks every lane no other relay holds (one query), sends their pending rows in batches of
   * `batchSize` in id order (per lane a prefix of its rows: per-key order holds), marks each batch sent,
   * then unlocks. Returns how many events it sent.
   */
  async #pass(firstBatch: number): Promise<number> {
    const client = await this.#pool.connect();
    let broken: Error | undefined;
    try {
      const eventLanes = this.#settings.outbox.lanes;
      // Lanes 0..lanes-1 hold events, lanes..2*lanes-1 dead letters (see Outbox.deadLetterInsertOf).
      const locked = await client.query<{ lane: number }>(
        'SELECT lane FROM generate_series(0, $1::int - 1) AS lane WHERE pg_try_advisory_lock($2, lane)',
        [eventLanes * 2, LANE_LOCK],
      );
      const lanes = locked.rows.map((row) => row.lane);
      if (lanes.length === 0) return 0;
      try {
        return await this.#drain(client, lanes, firstBatch);
      } finally {
        await client.query('SELECT pg_advisory_unlock($1, lane) FROM unnest($2::int[]) AS lane', [LANE_LOCK, lanes]);
      }
    } catch (error) {
      broken = asError(error);
      throw error;
    } finally {
      // A connection whose query failed may still hold lane locks: destroy it, which frees them.
      client.release(broken);
    }
  }

  /** Sends the lanes' pending rows, `firstBatch` rows at first, then batches of `outbox.batchSize`. */
  async #drain(client: pg.PoolClient, lanes: readonly number[], firstBatch: number): Promise<number> {
    const eventLanes = this.#settings.outbox.lanes;
    let batchSize = firstBatch;
    let open = [...lanes];
    let sent = 0;
    let deadLetterFailure: Error | undefined;
    while (!this.#stopped && open.length > 0) {
      const { rows } = await client.query<OutboxRow>(PENDING_ROWS, [open, batchSize]);
      if (rows.length === 0) break;
      // Events first: a failure stops the pass (the broker is likely away). A dead-letter topic that
      // cannot be written holds up only the dead letters: their lanes wait for the next pass.
      const events = rows.filter((row) => row.lane < eventLanes);
      const deadLetters = rows.filter((row) => row.lane >= eventLanes);
      await this.#send(events);
      const done = [...events];
      try {
        await this.#send(deadLetters);
        done.push(...deadLetters);
      } catch (error) {
        deadLetterFailure ??= asError(error);
        open = open.filter((lane) => lane < eventLanes);
      }
      if (done.length > 0) await client.query('UPDATE outbox SET sent_at = now() WHERE id = ANY($1::bigint[])', [done.map((row) => row.id)]);
      sent += done.length;
      this.sent += done.length;
      if (rows.length < batchSize) break;
      batchSize = this.#settings.outbox.batchSize;
    }
    if (sent > 0) this.#logger.debug({ sent }, 'outbox relayed');
    if (deadLetterFailure) throw deadLetterFailure;
    return sent;
  }

  #probeSize(): number {
    return Math.max(1, Math.ceil(this.#settings.outbox.batchSize / this.#settings.outbox.lanes));
  }

  /** Sends rows in id order; consecutive rows with the same producer settings go in one send. */
  async #send(rows: readonly OutboxRow[]): Promise<void> {
    for (let start = 0; start < rows.length;) {
      const options = JSON.stringify(rows[start]?.send_options ?? {});
      let end = start + 1;
      while (end < rows.length && JSON.stringify(rows[end]?.send_options ?? {}) === options) end += 1;
      const run = rows.slice(start, end);
      await this.#transport.send(run.map(toMessage), run[0]?.send_options ?? {});
      start = end;
    }
  }

  async #cleanUpWhenDue(): Promise<void> {
    if (Date.now() - this.#lastCleanup < this.#settings.cleanupIntervalMs) return;
    this.#lastCleanup = Date.now();
    const removed = await cleanUp(this.#pool, {
      outboxHours: this.#settings.outbox.retentionHours,
      inboxHours: this.#settings.inbox.retentionHours,
    });
    const pending = await this.depth();
    this.#logger.info({ pending, sentSinceStart: this.sent, removed }, 'outbox depth');
  }

  /** LISTEN on a connection of its own; when it breaks, polling goes on and the next round listens again. */
  async #listen(): Promise<void> {
    if (this.#listener || this.#stopped) return;
    let client: pg.PoolClient | undefined;
    try {
      client = await this.#pool.connect();
      const listening = client;
      client.on('notification', () => this.wake());
      client.on('error', (error) => {
        this.#logger.warn({ err: error }, 'outbox LISTEN connection failed; polling until it is back');
        if (this.#listener === listening) this.#listener = undefined;
        listening.release(error);
      });
      await client.query(`LISTEN ${OUTBOX_CHANNEL}`);
      this.#listener = client;
    } catch (error) {
      client?.release(error instanceof Error ? error : true);
      this.#logger.debug({ err: error }, 'outbox LISTEN not available; polling');
    }
  }

  #sleep(ms: number, wakeable: boolean): Promise<void> {
    if (wakeable && this.#woken) {
      this.#woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.#wakeUp = () => {
        if (wakeable || this.#stopped) done();
      };
    }).finally(() => {
      this.#wakeUp = undefined;
      this.#woken = false;
    });
  }
}

function toMessage(row: OutboxRow): OutgoingMessage {
  return { topic: row.topic, key: row.key, value: row.value, headers: row.headers };
}
