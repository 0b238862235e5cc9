-- Up Migration
-- The eventing tables of generator-kafka-eventing. Created once: never edit an applied migration,
-- add your own next to it (a later timestamp, e.g. `migrations/1767225600001_orders.sql`).

-- Events written in the same transaction as the unit of work's rows, sent to Kafka by the relay.
CREATE TABLE outbox (
  id bigserial PRIMARY KEY,
  -- hash(key) mod database.outbox.lanes: one relay at a time per lane keeps per-key order. Dead letters
  -- take lanes of their own (lanes + hash(key) mod lanes): a dead-letter topic that cannot be written holds up no event.
  lane integer NOT NULL,
  event_id text NOT NULL,
  topic text NOT NULL,
  key text,
  value bytea NOT NULL,
  headers jsonb NOT NULL,
  send_options jsonb NOT NULL DEFAULT '{}',
  created_at timestamptz NOT NULL DEFAULT now(),
  -- Set once the broker acknowledged the event; sent rows are deleted after database.outbox.retentionHours.
  sent_at timestamptz
);
CREATE INDEX outbox_pending ON outbox (lane, id) WHERE sent_at IS NULL;
CREATE INDEX outbox_sent ON outbox (sent_at) WHERE sent_at IS NOT NULL;

-- Messages a subscription finished, recorded in the handler's transaction (outcome handled) or with the
-- dead letter written to the outbox (outcome dead-lettered): a redelivery of either is only acknowledged.
CREATE TABLE inbox (
  subscription text NOT NULL,
  event_id text NOT NULL,
  outcome text NOT NULL DEFAULT 'handled' CHECK (outcome IN ('handled', 'dead-lettered')),
  handled_at timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (subscription, event_id)
);
CREATE INDEX inbox_handled_at ON inbox (handled_at);

-- Down Migration
DROP TABLE inbox;
DROP TABLE outbox;
