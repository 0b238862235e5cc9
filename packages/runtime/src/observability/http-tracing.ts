import { context, propagation, SpanKind, trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import { activeTracer } from './active-tracer.ts';

/**
 * One SERVER span per HTTP request (continuing a `traceparent` the caller sent), active while the
 * route runs: events it publishes are sent in its trace. While tracing is off, it only passes the request on.
 */
export function httpTracing(): RequestHandler {
  return (request, response, next) => {
    const tracer = activeTracer();
    if (!tracer) {
      next();
      return;
    }
    const parent = propagation.extract(context.active(), request.headers);
    const span = tracer.startSpan(
      request.method,
      { kind: SpanKind.SERVER, attributes: { 'http.request.method': request.method, 'url.path': request.path } },
      parent,
    );
    response.once('finish', () => {
      const route: unknown = (request.route as { path?: unknown } | undefined)?.path;
      if (typeof route === 'string') span.updateName(`${request.method} ${route}`);
      span.setAttribute('http.response.status_code', response.statusCode);
      span.end();
    });
    context.with(trace.setSpan(parent, span), next);
  };
}
