// <%- generatedHeader %>
import { Router } from 'express';
import type { Cradle } from '../container.ts';
<% if (service.database) { -%>
import { isDatabaseReady } from 'kafka-eventing-runtime/postgres';
<% } -%>

export interface Readiness {
  /** False until start-up finished and after shutdown began. */
  accepting: boolean;
}

/**
 * `/health/live`: the process runs. `/health/ready`: started, broker and schema registry reachable,
 * the topics of the published events take writes (`checks.writable`; see
 * eventing/kafka/write-readiness.ts), and no subscription stuck (`failing` names those that cannot
 * write their dead-letter topic). `reasons` says what is wrong, one line each.
 */
export function healthRouter(cradle: Cradle, readiness: Readiness): Router {
  const router = Router();
  router.get('/health/live', (_request, response) => {
    response.json({ status: 'ok' });
  });
  router.get('/health/ready', async (_request, response) => {
<% if (service.database) { -%>
    const [kafka, registry, database, pending] = await Promise.all([
      cradle.transport.isReady(cradle.eventProducers.topics),
      cradle.eventCodec.isReady(),
      isDatabaseReady(cradle.databasePool),
      cradle.outboxRelay.depth().catch(() => null),
    ]);
<% } else { -%>
    const [kafka, registry] = await Promise.all([cradle.transport.isReady(cradle.eventProducers.topics), cradle.eventCodec.isReady()]);
<% } -%>
    const failing = cradle.consumerHost.failing;
    const reasons = [
      ...(readiness.accepting ? [] : ['the service is starting or stopping']),
      ...kafka.reasons,
      ...(registry ? [] : ['the schema registry does not answer']),
<% if (service.database) { -%>
      ...(database ? [] : ['the database does not answer']),
<% } -%>
    ];
<% if (service.database) { -%>
    // With the outbox, a request commits its events with its rows and the relay sends them once the topics take
    // writes again: topics that refuse writes are reported (checks.writable, reasons), but do not turn requests away.
    const ready =
      readiness.accepting &&
      kafka.reachable &&
      (kafka.writable || cradle.config.database.delivery === 'outbox') &&
      registry &&
      database &&
      Object.keys(failing).length === 0;
<% } else { -%>
    const ready = readiness.accepting && kafka.reachable && kafka.writable && registry && Object.keys(failing).length === 0;
<% } -%>
    response.status(ready ? 200 : 503).json({
      status: ready ? 'ready' : 'not ready',
      checks: { started: readiness.accepting, broker: kafka.reachable, writable: kafka.writable, schemaRegistry: registry },
<% if (service.database) { -%>
      database: { reachable: database, outboxPending: pending },
<% } -%>
      ...(reasons.length > 0 ? { reasons } : {}),
      ...(Object.keys(failing).length > 0 ? { failing } : {}),
    });
  });
  return router;
}
