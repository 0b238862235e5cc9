import type { Queryable } from './pool.ts';

interface RetentionSettings {
  /** Sent outbox rows older than this are deleted. */
  readonly outboxHours: number;
  /** Inbox rows older than this are deleted: keep it longer than a message can be redelivered. */
  readonly inboxHours: number;
}

/** Deletes what retention no longer keeps; returns how many rows of each table went. */
export async function cleanUp(db: Queryable, settings: RetentionSettings): Promise<{ outbox: number; inbox: number }> {
  const outbox = await db.query("DELETE FROM outbox WHERE sent_at IS NOT NULL AND sent_at < now() - $1::double precision * interval '1 hour'", [
    settings.outboxHours,
  ]);
  const inbox = await db.query("DELETE FROM inbox WHERE handled_at < now() - $1::double precision * interval '1 hour'", [settings.inboxHours]);
  return { outbox: outbox.rowCount ?? 0, inbox: inbox.rowCount ?? 0 };
}

/** Rows the relay has not sent yet. */
export async function outboxDepth(db: Queryable): Promise<number> {
  const result = await db.query<{ pending: string }>('SELECT count(*) AS pending FROM outbox WHERE sent_at IS NULL');
  return Number(result.rows[0]?.pending ?? 0);
}
