// <%- generatedHeader %>
import { Router } from 'express';
import type { Cradle } from '../container.ts';
<% if (service.database) { -%>
import { isDatabaseReady } from '../database/pool.ts';
<% } -%>

export interface Readiness {
  /** False until start-up finished and after shutdown began. */
  accepting: boolean;
}

/** `/health/live`: the process runs. `/health/ready`: started, broker and schema registry reachable. */
export function healthRouter(cradle: Cradle, readiness: Readiness): Router {
  const router = Router();
  router.get('/health/live', (_request, response) => {
    response.json({ status: 'ok' });
  });
<% if (service.database) { -%>
  router.get('/health/ready', async (_request, response) => {
    const [broker, registry, database, pending] = await Promise.all([
      cradle.transport.isReady(),
      cradle.eventCodec.isReady(),
      isDatabaseReady(cradle.databasePool),
      cradle.outboxRelay.depth().catch(() => null),
    ]);
    const ready = readiness.accepting && broker && registry && database;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks: { started: readiness.accepting, broker, schemaRegistry: registry },
      database: { reachable: database, outboxPending: pending },
    });
  });
<% } else { -%>
  router.get('/health/ready', async (_request, response) => {
    const [broker, registry] = await Promise.all([cradle.transport.isReady(), cradle.eventCodec.isReady()]);
    const ready = readiness.accepting && broker && registry;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks: { started: readiness.accepting, broker, schemaRegistry: registry },
    });
  });
<% } -%>
  return router;
}
