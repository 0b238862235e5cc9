// The raw baseline of the outbox scenario: per request, a row inserted in a transaction with node-postgres
// (the pool sized as the generated service's default), then the event sent with a raw kafkajs `send` (the
// service's producer settings, the same framed bytes and headers). No outbox, no schema validation, no DI.
//
//   node bench/children/raw-pg.mjs burst '<json params>'
import { Kafka, logLevel } from 'kafkajs';
import pg from 'pg';
import { childArgs, eventHeaders, frame, makePayload, makePayloads, measurePublish, report, runConcurrently, runMode } from '../lib/common.mjs';

const { mode, params } = childArgs();

async function burst() {
  const { topic, events, concurrency, schemaId, database } = params;
  const pool = new pg.Pool({
    host: database.host,
    port: database.port,
    user: database.user,
    database: database.name,
    max: database.poolSize,
    connectionTimeoutMillis: database.connectionTimeoutMs,
  });
  await pool.query('CREATE TABLE IF NOT EXISTS bench_rows (id uuid PRIMARY KEY, seq integer NOT NULL)');
  const kafka = new Kafka({ clientId: 'bench-raw-pg', brokers: params.brokers.split(','), logLevel: logLevel.WARN });
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: { retries: 5 } });
  await producer.connect();
  const request = async (payload) => {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('INSERT INTO bench_rows (id, seq) VALUES ($1, $2)', [payload.id, payload.seq]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    await producer.send({ topic, acks: -1, messages: [{ value: frame(schemaId, payload), headers: eventHeaders(payload.id) }] });
  };
  await request(makePayload(-1));
  const payloads = makePayloads(events);
  const result = await measurePublish(
    events,
    () => runConcurrently(events, concurrency, (index) => request(payloads[index])),
    async () => {
      await producer.disconnect();
      await pool.end();
    },
  );
  report(result);
}

await runMode(mode, { burst });
