// <%- generatedHeader %>
import { Router } from 'express';
import type { Cradle } from '../container.ts';

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
    const [broker, registry] = await Promise.all([cradle.transport.isReady(), cradle.eventCodec.isReady()]);
    const failing = cradle.consumerHost.failing;
    const ready = readiness.accepting && broker && registry && Object.keys(failing).length === 0;
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks: { started: readiness.accepting, broker, schemaRegistry: registry },
      ...(Object.keys(failing).length > 0 ? { failing } : {}),
    });
  });
  return router;
}
