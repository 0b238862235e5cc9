// <%- generatedHeader %>
import type { Queryable } from './pool.ts';

/**
 * Records that a subscription handled an event, in the handler's transaction. Returns false when the
 * event is already there: a redelivery, to acknowledge without running the handler again. A second
 * delivery handled at the same moment waits on the first one's row, then sees it.
 */
export async function recordInInbox(db: Queryable, subscription: string, eventId: string): Promise<boolean> {
  const result = await db.query('INSERT INTO inbox (subscription, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [subscription, eventId]);
  return result.rowCount === 1;
}
