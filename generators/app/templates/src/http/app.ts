// <%- generatedHeader %>
import type { AwilixContainer } from 'awilix';
import express, { type ErrorRequestHandler, type Express, type RequestHandler } from 'express';
import { EventValidationError, httpTracing, metricsRouter } from 'kafka-eventing-runtime';
import type { Cradle } from '../container.ts';
import { registerRoutes } from '../routes/index.ts';
import { healthRouter, type Readiness } from './health.ts';
import { requestScope } from './request-scope.ts';

/** The Express application: health checks, a DI scope per request, your routes, error answers. */
export function createApp(container: AwilixContainer<Cradle>, readiness: Readiness): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(express.json());
  app.use(jsonBodiesOnly());
  app.use(healthRouter(container.cradle, readiness));
  if (container.cradle.eventingMetrics.enabled) app.use(metricsRouter(container.cradle.eventingMetrics));
  app.use(httpTracing());
  app.use(requestScope(container));
  const router = express.Router();
  registerRoutes(router);
  app.use(router);
  app.use(noRoute());
  app.use(errorHandler(container.cradle));
  return app;
}

/**
 * A request body that is not JSON is answered 415 here, instead of reaching a route as an unparsed
 * `undefined` (malformed JSON is answered 400 by express.json).
 */
function jsonBodiesOnly(): RequestHandler {
  return (request, response, next) => {
    const hasBody = request.headers['transfer-encoding'] !== undefined || Number(request.headers['content-length'] ?? 0) > 0;
    if (hasBody && !request.is(['application/json', 'application/*+json'])) {
      const type = request.headers['content-type'] ?? 'none';
      response.status(415).json({ error: `the request body must be JSON (content-type application/json), not ${type}` });
      return;
    }
    next();
  };
}

/** A request no route answered: 404 in JSON, like every other answer of the service (not Express's HTML page). */
function noRoute(): RequestHandler {
  return (request, response) => {
    response.status(404).json({ error: `no route for ${request.method} ${request.path}` });
  };
}

function errorHandler(cradle: Cradle): ErrorRequestHandler {
  return (error: unknown, request, response, next) => {
    if (response.headersSent) {
      next(error);
      return;
    }
    if (error instanceof EventValidationError) {
      cradle.logger.warn({ err: error, path: request.path }, 'event rejected by its schema');
      response.status(422).json({ error: error.message, problems: error.problems });
      return;
    }
    const status = statusOf(error);
    if (status >= 500) cradle.logger.error({ err: error, path: request.path }, 'request failed');
    response.status(status).json({ error: status >= 500 ? 'internal error' : String((error as Error).message) });
  };
}

function statusOf(error: unknown): number {
  const status = (error as { status?: unknown; statusCode?: unknown } | null)?.status ?? (error as { statusCode?: unknown } | null)?.statusCode;
  return typeof status === 'number' && status >= 400 && status < 600 ? status : 500;
}
