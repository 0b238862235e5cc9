// <%- generatedHeader %>
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
<% if (service.database) { -%>
import { fileURLToPath } from 'node:url';
<% } -%>
import type { AwilixContainer } from 'awilix';
import { errorMessage, LagMonitor, startTracing } from 'kafka-eventing-runtime';
<% if (service.database) { -%>
import { checkConnection, migrate } from 'kafka-eventing-runtime/postgres';
<% } -%>
import type { AppConfig } from './config.ts';
import { buildContainer, type Cradle, type ContainerOverrides } from './container.ts';
import { createApp } from './http/app.ts';
import type { Readiness } from './http/health.ts';

<% if (service.database) { -%>
/** migrations/ at the service's root (the same from src/ and from dist/). */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../migrations', import.meta.url));

<% } -%>
export interface RunningService {
  readonly container: AwilixContainer<Cradle>;
  readonly server: Server;
  readonly port: number;
  /** Stops taking requests and messages, drains in-flight work (up to the deadline), disconnects. */
  stop(): Promise<void>;
}

/** Runs one start-up step; its failure says which step failed. */
async function step<T>(what: string, run: () => Promise<T>): Promise<T> {
  try {
    return await run();
  } catch (error) {
    throw new Error(`${what} failed: ${errorMessage(error)}`, { cause: error });
  }
}

/**
 * Starts the service: broker connection and producers, topics, schema registration (before anything
 * can be sent), one consumer worker per subscription, then HTTP.
 */
export async function startService(config: AppConfig, overrides: ContainerOverrides = {}): Promise<RunningService> {
  const tracing = startTracing(config.tracing, config.service.name, overrides);
  const container = buildContainer(config, overrides);
  const { transport, eventProducers, consumerHost, logger } = container.cradle;
  const readiness: Readiness = { accepting: false };

  await consumerHost.checkHandlers();
<% if (service.database) { -%>
  const { databasePool, handlerDatabasePool, outboxRelay } = container.cradle;
  const endPools = () => Promise.all([databasePool.end(), handlerDatabasePool.end()]);
  try {
    // Refuses to start without its database, and with a migration that fails.
    await checkConnection(databasePool, config.database);
    if (config.database.migrateOnStart) await migrate(config.database, logger, MIGRATIONS_DIR);
  } catch (error) {
    await endPools();
    throw error;
  }
<% } -%>
  const brokers = transport.kind === 'kafka' ? ` ${config.kafka.brokers.join(',')}` : '';
  await step(`connecting to the broker${brokers}`, () => transport.connect());
  const topics = [...eventProducers.topics, ...consumerHost.topics];
  if (config.kafka.createTopics) {
    await step(`creating the topics ${topics.join(', ')} on the broker${brokers}`, () => transport.ensureTopics(topics));
  } else {
    const missing = await step(`listing the topics of the broker${brokers}`, () => transport.missingTopics(topics));
    if (missing.length > 0) {
      throw new Error(
        `the broker${brokers} lacks the topics ${missing.join(', ')}: kafka.createTopics is false (as in production), ` +
          'so every topic this service uses, dead-letter topics included, must be created beforehand',
      );
    }
  }
  await eventProducers.prepare();
  await consumerHost.start();
<% if (service.database) { -%>
  outboxRelay.start();
<% } -%>
  const lagMonitor = new LagMonitor(transport, container.cradle.eventingMetrics, consumerHost.subscriptions, logger);
  if (config.metrics.enabled) lagMonitor.start(config.metrics.lagIntervalMs);

  const server = createApp(container, readiness).listen(config.service.port);
  await new Promise<void>((resolve, reject) => server.once('listening', resolve).once('error', reject));
  readiness.accepting = true;
  const port = (server.address() as AddressInfo).port;
  logger.info({ port, transport: transport.kind, asyncContext: tracing.asyncContext }, 'service started');

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      // One deadline for the whole drain (a lag read or a send waiting for an absent broker included).
      const deadlineAt = Date.now() + config.shutdown.drainTimeoutMs;
      readiness.accepting = false;
      await lagMonitor.stop();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      const drained = await consumerHost.stop(Math.max(0, deadlineAt - Date.now()));
      if (!drained) {
        // Unfinished messages stay uncommitted: the group hands them out again after this process exits.
        logger.warn({ deadlineMs: config.shutdown.drainTimeoutMs }, 'drain deadline passed; unfinished messages will be redelivered');
        return;
      }
      await closed;
<% if (service.database) { -%>
      if (!(await outboxRelay.stop(Math.max(0, deadlineAt - Date.now())))) {
        // The send in hand (the broker away) is abandoned: its rows are not marked sent, the next start sends them.
        logger.warn(
          { deadlineMs: config.shutdown.drainTimeoutMs },
          'drain deadline passed while the outbox relay was sending; its rows stay in the outbox',
        );
        return;
      }
<% } -%>
      await transport.disconnect();
      await container.dispose();
<% if (service.database) { -%>
      await endPools();
<% } -%>
      await tracing.shutdown();
      logger.info('service stopped');
    })();
    return stopping;
  };
  return { container, server, port, stop };
}
