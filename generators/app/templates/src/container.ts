// <%- generatedHeader %>
import type { SpanExporter, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { asClass, asFunction, asValue, createContainer, InjectionMode, type AwilixContainer } from 'awilix';
import {
  ConsumerHost,
  EventBus as Bus,
  EventingMetrics,
  EventProducers,
  LocalCodec,
  MemoryTransport,
  RegistryCodec,
  SchemaValidator,
<% if (!service.database) { -%>
  topicDeadLetterSink,
<% } -%>
  type EventCatalog,
  type EventCodec,
  type EventRoute,
  type MessageContext,
  type Transport,
<% if (service.database) { -%>
  type UnitOfWork,
<% } -%>
} from 'kafka-eventing-runtime';
import { KafkaTransport } from 'kafka-eventing-runtime/<%- kafkaClient %>';
<% if (service.database) { -%>
import {
  createPool,
  handlerConnections,
  inboxDeadLetterSink,
  Outbox,
  OutboxRelay,
  ScopedTransaction,
  TransactionalUnitOfWork,
} from 'kafka-eventing-runtime/postgres';
import type pg from 'pg';
<% } -%>
import type { AppConfig } from './config.ts';
import { eventCatalog, type EventBus } from './events/index.ts';
import { createLogger, type Logger } from './logger.ts';
import { containerMessageScopes } from './message-scopes.ts';
import { registerServices, type Services } from './services.ts';
import { handlerRegistrationName, subscriptionDefinitions, type SubscriptionHandler } from './subscriptions/index.ts';

/** Everything the container can resolve. Scoped entries exist only in a request's or message's scope. */
export interface Cradle extends Services {
  config: AppConfig;
  logger: Logger;
  transport: Transport;
  schemaValidator: SchemaValidator;
  eventCatalog: EventCatalog;
  eventCodec: EventCodec;
  eventRoutes: Record<string, EventRoute>;
  eventProducers: EventProducers;
  consumerHost: ConsumerHost;
  eventingMetrics: EventingMetrics;
  /** Scoped: set per HTTP request and per handled message. */
  messageContext: MessageContext;
  /** Scoped: one bus per unit of work. */
  eventBus: EventBus;
<% if (service.database) { -%>
  /** The pool of routes and your services (`database.poolSize` connections). */
  databasePool: pg.Pool;
  /** The subscriptions' own connections (one per message in hand): a burst of requests cannot starve them. */
  handlerDatabasePool: pg.Pool;
  outbox: Outbox;
  outboxRelay: OutboxRelay;
  /** Scoped: the scope's transaction, begun by its first query. */
  db: ScopedTransaction;
  /** Scoped: commits the transaction with the scope's events in the outbox, or rolls it back. */
  unitOfWork: UnitOfWork;
<% } -%>
}

export interface ContainerOverrides {
  /** Replaces the transport chosen by config (tests). */
  readonly transport?: Transport;
  /** Receives every span instead of the exporter chosen by config (tests: an in-memory one). */
  readonly spanExporter?: SpanExporter;
  /** Receives every span instead of the configured processor (e.g. a BatchSpanProcessor around your exporter). */
  readonly spanProcessor?: SpanProcessor;
}

/** The composition root: singletons for the process, scoped entries per request or message. */
export function buildContainer(config: AppConfig, overrides: ContainerOverrides = {}): AwilixContainer<Cradle> {
  checkEveryPartIsConfigured(config);
  const container = createContainer<Cradle>({ injectionMode: InjectionMode.PROXY, strict: true });
  const logger = createLogger(config);
  const transport = overrides.transport ?? createTransport(config, logger);
  const validator = new SchemaValidator();
  container.register({
    config: asValue(config),
    logger: asValue(logger),
    transport: asValue(transport),
    schemaValidator: asValue(validator),
    eventCatalog: asValue(eventCatalog),
    eventCodec: asValue(transport.kind === 'kafka' ? new RegistryCodec(config.schemaRegistry, validator) : new LocalCodec(validator)),
    eventRoutes: asValue(config.events),
    eventingMetrics: asValue(new EventingMetrics(config.metrics)),
    eventProducers: asClass(EventProducers).singleton(),
<% if (service.database) { -%>
    consumerHost: asFunction(() => consumerHost(withHandlerPool(container))).singleton(),
<% } else { -%>
    consumerHost: asFunction(() => consumerHost(container)).singleton(),
<% } -%>
    eventBus: asClass<EventBus>(Bus).scoped(),
<% if (service.database) { -%>
    databasePool: asValue(createPool(config.database, logger)),
    handlerDatabasePool: asValue(createPool(config.database, logger, handlerConnections(config.subscriptions))),
    outbox: asClass(Outbox).singleton(),
    outboxRelay: asClass(OutboxRelay).singleton(),
    db: asClass(ScopedTransaction)
      .scoped()
      .disposer((db) => db.rollback()),
    unitOfWork: asClass(TransactionalUnitOfWork).scoped(),
<% } -%>
  });
  for (const subscription of subscriptionDefinitions) {
    container.register(handlerRegistrationName(subscription.name), asClass<SubscriptionHandler>(subscription.handler).scoped());
  }
  registerServices(container);
  return container;
}

<% if (service.database) { -%>
/** The scope the subscriptions' message scopes come from: their transactions take the handlers' own pool. */
function withHandlerPool(container: AwilixContainer<Cradle>): AwilixContainer<Cradle> {
  const scope = container.createScope<Cradle>();
  scope.register({ databasePool: asValue(container.cradle.handlerDatabasePool) });
  return scope;
}

<% } -%>
/** The workers' host: each message (or batch) of a subscription handled in a fresh child scope of `scopes`. */
function consumerHost(scopes: AwilixContainer<Cradle>): ConsumerHost {
  const { config, transport, eventCodec, eventingMetrics, logger } = scopes.cradle;
  return new ConsumerHost({
    subscriptions: subscriptionDefinitions,
    events: eventCatalog,
    settings: config.subscriptions,
    transport,
    codec: eventCodec,
    metrics: eventingMetrics,
    logger,
<% if (service.database) { -%>
    scopesOf: <Handler>(subscription: string) => containerMessageScopes<Handler>(scopes, handlerRegistrationName(subscription), subscription),
    deadLetterSinkOf: (subscription) => inboxDeadLetterSink(scopes.cradle, subscription),
<% } else { -%>
    scopesOf: <Handler>(subscription: string) => containerMessageScopes<Handler>(scopes, handlerRegistrationName(subscription)),
    deadLetterSinkOf: () => topicDeadLetterSink(transport),
<% } -%>
  });
}

/** Every published event needs its `events.<Name>` entry and every subscription its `subscriptions.<Name>`. */
function checkEveryPartIsConfigured(config: AppConfig): void {
  const missing = [
    ...eventCatalog.published.filter((name) => !config.events[name]).map((name) => `events.${name}`),
    ...subscriptionDefinitions.filter(({ name }) => !config.subscriptions[name]).map(({ name }) => `subscriptions.${name}`),
  ];
  if (missing.length > 0) {
    const environment = process.env.NODE_ENV ?? 'development';
    throw new Error(`Configuration for NODE_ENV=${environment} lacks ${missing.join(', ')}: add them to config/${environment}.json.`);
  }
}

function createTransport(config: AppConfig, logger: Logger): Transport {
  return config.eventing.transport === 'memory' ? new MemoryTransport() : new KafkaTransport(config.kafka, logger);
}
