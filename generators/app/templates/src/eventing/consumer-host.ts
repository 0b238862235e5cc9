// <%- generatedHeader %>
import { asValue, type AwilixContainer } from 'awilix';
import type { Cradle } from '../container.ts';
import { errorMessage } from '../errors.ts';
import { eventDefinitions } from '../events/index.ts';
import { handlerRegistrationName, subscriptionDefinitions } from '../subscriptions/index.ts';
import { BatchProcessor } from './batch-processor.ts';
import { MessageProcessor, type SubscriptionHealth, type SubscriptionSettings } from './message-processor.ts';
import type { RunningConsumer } from './transport.ts';

/** Runs one consumer worker per subscription; started and stopped with the service. */
export class ConsumerHost {
  readonly #container: AwilixContainer<Cradle>;
  #running: RunningConsumer[] = [];
  readonly #failing = new Map<string, string>();
  readonly #health: SubscriptionHealth = {
    failing: (subscription, reason) => void this.#failing.set(subscription, reason),
    recovered: (subscription) => void this.#failing.delete(subscription),
  };

  constructor(container: AwilixContainer<Cradle>) {
    this.#container = container;
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
    for (const subscription of subscriptionDefinitions) {
      const scope = this.#container.createScope<Cradle>();
      scope.register({ messageContext: asValue({ correlationId: 'start-check', causationId: null }) });
      try {
        scope.resolve(handlerRegistrationName(subscription.name));
      } catch (error) {
        throw new Error(unbuildableHandler(subscription.name, subscription.handler.name, error), { cause: error });
      } finally {
        await scope.dispose();
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
    const { transport } = this.#container.cradle;
    for (const { subscription, settings } of this.#settings()) {
      const definition = eventDefinitions[subscription.event];
      const handlerName = handlerRegistrationName(subscription.name);
      try {
        if (subscription.batch === true) {
          const processor = new BatchProcessor(settings, definition, handlerName, this.#container, this.#health);
          this.#running.push(await transport.consumeBatches(settings, processor.listener));
        } else {
          const processor = new MessageProcessor(settings, definition, handlerName, this.#container, this.#health);
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

  #settings(): { subscription: (typeof subscriptionDefinitions)[number]; settings: SubscriptionSettings }[] {
    const configured = this.#container.cradle.config.subscriptions;
    return subscriptionDefinitions.map((subscription) => {
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
