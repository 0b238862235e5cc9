// OpenTelemetry tracing of the process: off, to the console, or to an OTLP endpoint (OTEL_EXPORTER_OTLP_ENDPOINT).
import { context, propagation, trace } from '@opentelemetry/api';
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, ConsoleSpanExporter, SimpleSpanProcessor, type SpanExporter, type SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
import { TRACER_NAME, useTracer } from './active-tracer.ts';
import { asyncContextKind, type AsyncContextKind } from './async-context.ts';

export interface TracingSettings {
  readonly exporter: 'off' | 'console' | 'otlp';
}

export interface InjectedTracing {
  readonly spanExporter?: SpanExporter;
  readonly spanProcessor?: SpanProcessor;
}

export interface Tracing {
  /** Tracing on: how Node carries the trace context (see async-context.ts); undefined when off. */
  readonly asyncContext: AsyncContextKind | undefined;
  /** Exports what is pending and unregisters the tracer provider, context manager and propagator. */
  shutdown(): Promise<void>;
}

/**
 * Registers a tracer provider with the W3C trace-context propagator and an AsyncLocalStorage context
 * manager; spans name the service (`service.name`). An injected `spanProcessor` (e.g. a BatchSpanProcessor
 * around your exporter) or `spanExporter` (tests: an in-memory one, given each span as it ends) replaces the
 * configured exporter. With none, nothing is registered: spans are no-ops and no trace headers are written.
 */
export function startTracing(settings: TracingSettings, serviceName: string, injected: InjectedTracing = {}): Tracing {
  const processor = injected.spanProcessor ?? spanProcessor(settings, injected.spanExporter);
  if (!processor) return { asyncContext: undefined, shutdown: () => Promise.resolve() };
  const provider = new NodeTracerProvider({ resource: resourceFromAttributes({ 'service.name': serviceName }), spanProcessors: [processor] });
  provider.register();
  useTracer(provider.getTracer(TRACER_NAME));
  return {
    asyncContext: asyncContextKind(),
    shutdown: async () => {
      useTracer(undefined);
      await provider.shutdown();
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
}

function spanProcessor(settings: TracingSettings, exporter: SpanExporter | undefined): SpanProcessor | undefined {
  if (exporter) return new SimpleSpanProcessor(exporter);
  if (settings.exporter === 'console') return new SimpleSpanProcessor(new ConsoleSpanExporter());
  // The OTLP exporter reads OTEL_EXPORTER_OTLP_ENDPOINT (default http://localhost:4318).
  if (settings.exporter === 'otlp') return new BatchSpanProcessor(new OTLPTraceExporter());
  return undefined;
}
