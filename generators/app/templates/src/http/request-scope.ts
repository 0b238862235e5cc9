// <%- generatedHeader %>
import { randomUUID } from 'node:crypto';
import { asValue, type AwilixContainer } from 'awilix';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import type { MessageContext } from 'kafka-eventing-runtime';
import type { Cradle } from '../container.ts';

const CORRELATION_HEADER = 'x-correlation-id';

/** Opens a DI scope per request (with its own event bus) and disposes it when the response is done. */
export function requestScope(container: AwilixContainer<Cradle>): RequestHandler {
  return (request, response, next) => {
    const correlationId = request.get(CORRELATION_HEADER) || randomUUID();
    const messageContext: MessageContext = { correlationId, causationId: null };
    const scope = container.createScope<Cradle>();
    scope.register({ messageContext: asValue(messageContext) });
    response.locals.scope = scope;
    response.setHeader(CORRELATION_HEADER, correlationId);
    response.on('close', () => void scope.dispose());
    next();
  };
}

export function scopeOf(response: Response): AwilixContainer<Cradle> {
  const scope: unknown = response.locals.scope;
  if (!scope) throw new Error('requestScope middleware is not installed');
  return scope as AwilixContainer<Cradle>;
}

export interface OperationResult {
  readonly status?: number;
  readonly body?: unknown;
}

export type Operation = (request: Request, scope: Cradle) => Promise<OperationResult | void>;

/**
 * Runs a route as a unit of work: the operation publishes on `scope.eventBus`; when it succeeds the
 * events are flushed and only then is the response sent (so a 2xx means they were acknowledged);
 * when it throws, or the flush fails, the buffered events are discarded and the error handler answers.
 */
export function unitOfWork(operation: Operation): RequestHandler {
  return async (request: Request, response: Response, next: NextFunction) => {
    const scope = scopeOf(response).cradle;
    try {
      const result = (await operation(request, scope)) ?? {};
<% if (service.database) { -%>
      await scope.unitOfWork.complete();
<% } else { -%>
      await scope.eventBus.flushAll();
<% } -%>
      const status = result.status ?? (result.body === undefined ? 204 : 200);
      if (result.body === undefined) response.status(status).end();
      else response.status(status).json(result.body);
    } catch (error) {
<% if (service.database) { -%>
      await scope.unitOfWork.abort();
<% } else { -%>
      scope.eventBus.discard();
<% } -%>
      next(error);
    }
  };
}
