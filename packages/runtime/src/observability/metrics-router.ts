import { Router } from 'express';
import type { EventingMetrics } from './metrics.ts';

/** `GET /metrics` in the Prometheus text format; not mounted when metrics.enabled is false. */
export function metricsRouter(metrics: EventingMetrics): Router {
  const router = Router();
  router.get('/metrics', async (_request, response) => {
    response.type(metrics.registry.contentType).send(await metrics.registry.metrics());
  });
  return router;
}
