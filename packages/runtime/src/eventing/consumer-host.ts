import { errorMessage } from '../errors.ts';
import type { Logger } from '../logger.ts';
import type { EventingMetrics } from '../observability/metrics.ts';
import type { BatchEventHandler } from './batch-handler.ts';
import { BatchProcessor } from './batch-processor.ts';
import type { EventCodec } from './codec.ts';
import type { EventCatalog, EventDefinition } from './event-definition.ts';
import { topicDeadLetterSink, type DeadLetterSink } from './dead-letter.ts';
import type { EventHandler } from './handler.ts';
import { MessageProcessor } from './message-processor.ts';
import type { MessageScopes } from './message-scope.ts';
import { definitionOf } from './producers.ts';
import type { RunningConsumer, Transport } from './transport.ts';
import { WorkerCore, type SubscriptionHealth, type SubscriptionSettings } from './worker.ts';

/** A subscription as the host runs it: its name, event and kind, and its handler class (named in errors). */
export interface HostedSubscription {
  readonly name: string;
  readonly event: string;
  readonly batch?: boolean;
  readonly handler: { readonly name: string };
}

/** What the host is given by the composition root (src/container.ts); it never sees the container itself. */
export interface ConsumerHostDependencies {
  /** The service's subscriptions (src/subscriptions/index.ts). */
  readonly subscriptions: readonly HostedSubscription[];
  /** The service's events (src/events/index.ts). */
  readonly events: EventCatalog;
  /** Each subscription's settings (config: subscriptions.<name>). */
  readonly settings: Readonly<Record<string, Omit<SubscriptionSettings, 'name'> | undefined>>;
  readonly transport: Transport;
  readonly codec: EventCodec;
  readonly metrics: EventingMetrics;
  readonly logger: Logger;
  /** The message scopes of a subscription: each builds the subscription's handler. */
  scopesOf<Handler>(subscription: string): MessageScopes<Handler>;
  /** Where a per-message subscription's dead letters go (batch subscriptions write to their topic). */
  deadLetterSinkOf(subscription: string): DeadLetterSink;
}

/** Runs one consumer worker per subscription; started and stopped with the service. */
export class ConsumerHost {
  readonly #dependencies: ConsumerHostDependencies;
  #running: RunningConsumer[] = [];
  readonly #failing = new Map<string, string>();
  readonly #health: SubscriptionHealth = {
    failing: (subscription, reason) => void this.#failing.set(subscription, reason),
    recovered: (subscription) => void this.#failing.delete(subscription),
  };

  constructor(dependencies: ConsumerHostDependencies) {
    this.#dependencies = dependencies;
  }

  /** Topics read, and dead-letter topics written, by the subscriptions. */
  get topics(): string[] {
    return this.#settings().flatMap(({ settings }) => [settings.topic, settings.deadLetterTopic]);
  }

  /**
   * Builds each subscription's handler once, in a throw-away scope, before anything is consumed: a
   * handler that asks for something nobody registered stops the start, naming handler and dependency
   * (instead of every message failing and going to the dead-letter topic).
   */
  async checkHandlers(): Promise<void> {
    for (const subscription of this.#dependencies.subscriptions) {
      const scope = this.#dependencies.scopesOf<unknown>(subscription.name)({ correlationId: 'start-check', causationId: null });
      try {
        scope.handler();
      } catch (error) {
        throw new Error(unbuildableHandler(subscription.name, subscription.handler.name, error), { cause: error });
      } finally {
        await scope.release();
      }
    }
  }

  /** Name, topic and consumer group of each subscription (for the lag monitor). */
  get subscriptions(): SubscriptionSettings[] {
    return this.#settings().map(({ settings }) => settings);
  }

  /** Subscriptions whose worker cannot go on (a dead-letter topic it cannot write), with the reason. */
  get failing(): Record<string, string> {
    return Object.fromEntries(this.#failing);
  }

  async start(): Promise<void> {
    const { transport } = this.#dependencies;
    for (const { subscription, settings } of this.#settings()) {
      const definition = definitionOf(this.#dependencies.events, subscription.event);
      try {
        if (subscription.batch === true) {
          const processor = new BatchProcessor(this.#worker<BatchEventHandler<unknown>>(settings, definition, topicDeadLetterSink(transport)));
          this.#running.push(await transport.consumeBatches(settings, processor.listener));
        } else {
          const processor = new MessageProcessor(
            this.#worker<EventHandler<unknown>>(settings, definition, this.#dependencies.deadLetterSinkOf(settings.name)),
          );
          this.#running.push(await transport.consume(settings, processor.listener));
        }
      } catch (error) {
        const reason = errorMessage(error);
        throw new Error(
          `starting the worker of subscription ${settings.name} (topic ${settings.topic}, group ${settings.groupId}) failed: ${reason}`,
          { cause: error },
        );
      }
    }
  }

  /**
   * Stops fetching and lets in-flight handlers finish; what finished is committed. Past the deadline
   * it gives up waiting: unfinished messages stay uncommitted and are delivered again later.
   * Resolves true when everything stopped in time.
   */
  async stop(deadlineMs: number): Promise<boolean> {
    const running = this.#running;
    this.#running = [];
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<false>((resolve) => {
      timer = setTimeout(() => resolve(false), deadlineMs);
    });
    const stopped = Promise.all(running.map((consumer) => consumer.stop())).then(() => true);
    try {
      return await Promise.race([stopped, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** What the subscription's worker does whichever its kind (worker.ts): built from the host's dependencies. */
  #worker<Handler>(settings: SubscriptionSettings, definition: EventDefinition<unknown>, deadLetterSink: DeadLetterSink): WorkerCore<Handler> {
    const { codec, metrics, logger } = this.#dependencies;
    const scopes = this.#dependencies.scopesOf<Handler>(settings.name);
    return new WorkerCore(
      settings,
      definition,
      { scopes, codec, metrics, logger: logger.child({ subscription: settings.name }), deadLetterSink },
      this.#health,
    );
  }

  #settings(): { subscription: HostedSubscription; settings: SubscriptionSettings }[] {
    const configured = this.#dependencies.settings;
    return this.#dependencies.subscriptions.map((subscription) => {
      const entry = configured[subscription.name];
      if (!entry) throw new Error(`config has no "subscriptions.${subscription.name}" entry`);
      return { subscription, settings: { name: subscription.name, ...entry } };
    });
  }
}

function unbuildableHandler(subscription: string, handlerClass: string, error: unknown): string {
  const message = errorMessage(error);
  const missing = /^Could not resolve '([^']+)'/.exec(message)?.[1];
  if (missing !== undefined) {
    return (
      `subscription ${subscription}: its handler ${handlerClass} needs "${missing}", which nothing registered ` +
      `(register it in src/services.ts, registerServices)`
    );
  }
  return `subscription ${subscription}: building its handler ${handlerClass} failed: ${message}`;
}
