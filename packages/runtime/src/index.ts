/**
 * kafka-eventing-runtime: what every generated service runs on, generic over the service's events.
 * The Kafka clients and the PostgreSQL outbox/inbox have their own entry points
 * (`kafka-eventing-runtime/kafkajs`, `/platformatic`, `/postgres`), so a service loads only what it chose.
 */
export { asError, errorMessage } from './errors.ts';
export { createLogger, type Logger, type LoggerOptions } from './logger.ts';

// Events and handlers
export type { EventCatalog, EventDefinition, SchemaFormat } from './eventing/event-definition.ts';
export type { EventContext, EventHandler, MessageContext } from './eventing/handler.ts';
export type { BatchEventHandler, BatchFailure, BatchItem, BatchResult } from './eventing/batch-handler.ts';
export { EventBus, type PublishOptions } from './eventing/event-bus.ts';
export type { UnitOfWork } from './eventing/unit-of-work.ts';
export type { MessageScope, MessageScopes } from './eventing/message-scope.ts';
export { EventHeaders, type HeaderMap } from './eventing/headers.ts';

// Producing and consuming
export { EventProducer, EventProducers, definitionOf, type EventRoute, type PendingEvent, type ProducerDependencies } from './eventing/producers.ts';
export { ConsumerHost, type ConsumerHostDependencies, type HostedSubscription } from './eventing/consumer-host.ts';
export type { SubscriptionSettings, SubscriptionHealth } from './eventing/worker.ts';
export { originalHeaders, topicDeadLetterSink, type DeadLetterSink } from './eventing/dead-letter.ts';
export type { RetryPolicy } from './eventing/retry.ts';
export type * from './eventing/transport.ts';
export { MemoryTransport } from './eventing/memory/memory-transport.ts';

// Schemas
export { EventValidationError, RegistryCodec, SchemaValidator, type EventCodec, type RegistrySettings } from './eventing/codec.ts';
export { LocalCodec } from './eventing/local-codec.ts';

// Observability
export { EventingMetrics, type MetricsSettings } from './observability/metrics.ts';
export { metricsRouter } from './observability/metrics-router.ts';
export { LagMonitor } from './observability/lag-monitor.ts';
export { startTracing, type TracingSettings, type Tracing, type InjectedTracing } from './observability/tracing.ts';
export { restartOnAsyncContextFrame } from './observability/async-context.ts';
export { httpTracing } from './observability/http-tracing.ts';
