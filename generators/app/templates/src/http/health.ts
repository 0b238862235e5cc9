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

/**
 * `/health/live`: the process runs. `/health/ready`: started, broker and schema registry reachable,
 * and no subscription stuck (`failing` names those that cannot write their dead-letter topic).
 */
export function healthRouter(cradle: Cradle, readiness: Readiness): Router {
  const router = Router();
  router.get('/health/live', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_request, response) => {
<% if (service.database) { -%>
    const [broker, registry, database, pending] = await Promise.all([
      cradle.transport.isReady(),
      cradle.eventCodec.isReady(),
      isDatabaseReady(cradle.databasePool),
      cradle.outboxRelay.depth().catch(() => null),
    ]);
<% } else { -%>
    const [broker, registry] = await Promise.all([cradle.transport.isReady(), cradle.eventCodec.isReady()]);
<% } -%>
    const failing = cradle.consumerHost.failing;
    const ready = readiness.accepting && broker && registry<% if (service.database) { %> && database<% } %> && Object.keys(failing).length === 0;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks: { started: readiness.accepting, broker, schemaRegistry: registry },
<% if (service.database) { -%>
      database: { reachable: database, outboxPending: pending },
<% } -%>
      ...(Object.keys(failing).length > 0 ? { failing } : {}),
    });
  });
  return router;
}
