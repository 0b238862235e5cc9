import type { Span } from '@opentelemetry/api';
import { asError } from '../errors.ts';
import { endSpans, startSendSpan } from '../observability/messaging-spans.ts';
import type { EventingMetrics } from '../observability/metrics.ts';
import type { EventCodec } from './codec.ts';
import type { EventCatalog, EventDefinition } from './event-definition.ts';
import { EventHeaders, type HeaderMap } from './headers.ts';
import type { OutgoingMessage, SendOptions, Transport } from './transport.ts';

/** An event waiting in a bus for `flushAll()`. */
export interface PendingEvent {
  readonly type: string;
  readonly payload: unknown;
  readonly eventId: string;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
}

export interface EventRoute {
  readonly topic: string;
  readonly producer: SendOptions;
}

/** One typed producer per published event type: its definition, topic and producer settings. */
export class EventProducer {
  readonly definition: EventDefinition<unknown>;
  readonly topic: string;
  readonly options: SendOptions;
  /** Events whose producer settings agree share one underlying producer. */
  readonly sharingKey: string;

  constructor(definition: EventDefinition<unknown>, route: EventRoute) {
    this.definition = definition;
    this.topic = route.topic;
    this.options = route.producer;
    this.sharingKey = JSON.stringify(route.producer, Object.keys(route.producer).sort());
  }

  /** Validates (throws EventValidationError) and encodes one event. */
  encode(codec: EventCodec, event: PendingEvent): OutgoingMessage {
    const headers: HeaderMap = {
      [EventHeaders.eventId]: event.eventId,
      [EventHeaders.eventType]: event.type,
      [EventHeaders.occurredAt]: event.occurredAt,
      [EventHeaders.correlationId]: event.correlationId,
    };
    if (event.causationId) headers[EventHeaders.causationId] = event.causationId;
    // Encoding validates first: the key is read from a payload the schema accepted.
    const value = codec.encode(this.definition, this.topic, event.payload);
    return { topic: this.topic, key: this.definition.keyOf(event.payload), value, headers };
  }
}

export interface ProducerDependencies {
  /** The service's events (src/events/index.ts). */
  eventCatalog: EventCatalog;
  eventRoutes: Record<string, EventRoute>;
  eventCodec: EventCodec;
  transport: Transport;
  eventingMetrics: EventingMetrics;
}

/** All producers of the service, created once per process at start. */
export class EventProducers {
  readonly #producers = new Map<string, EventProducer>();
  readonly #codec: EventCodec;
  readonly #transport: Transport;
  readonly #metrics: EventingMetrics;

  constructor({ eventCatalog, eventRoutes, eventCodec, transport, eventingMetrics }: ProducerDependencies) {
    this.#codec = eventCodec;
    this.#transport = transport;
    this.#metrics = eventingMetrics;
    for (const name of eventCatalog.published) {
      const route = eventRoutes[name];
      if (!route) throw new Error(`config has no "events.${name}" entry`);
      this.#producers.set(name, new EventProducer(definitionOf(eventCatalog, name), route));
    }
  }

  /** Registers every published event's schema; called once at start, before anything is sent. */
  async prepare(): Promise<void> {
    await this.#codec.prepare([...this.#producers.values()]);
  }

  get topics(): string[] {
    return [...this.#producers.values()].map((producer) => producer.topic);
  }

  /**
   * Encodes all first (so an invalid event stops the whole flush), then sends per shared producer.
   * Never throws: a failure, validation included, is a rejected promise.
   */
  send(events: readonly PendingEvent[]): Promise<void> {
    const stopTimer = this.#metrics.flushDuration.startTimer();
    const spans: Span[] = [];
    let sending: Promise<void>;
    try {
      sending = this.#send(events, spans);
    } catch (error) {
      sending = Promise.reject(asError(error));
    }
    return sending.then(
      () => {
        endSpans(spans);
        stopTimer({ outcome: 'success' });
        this.#count(this.#metrics.published, events);
      },
      (error: unknown) => {
        endSpans(spans, error);
        stopTimer({ outcome: 'failure' });
        this.#count(this.#metrics.publishFailed, events);
        throw error;
      },
    );
  }

  #count(counter: EventingMetrics['published'], events: readonly PendingEvent[]): void {
    const perType = new Map<string, number>();
    for (const event of events) perType.set(event.type, (perType.get(event.type) ?? 0) + 1);
    for (const [type, count] of perType) counter.inc({ event_type: type }, count);
  }

  #send(events: readonly PendingEvent[], spans: Span[]): Promise<void> {
    // Most flushes carry events of a single producer setting: no grouping needed then.
    let first: { options: SendOptions; sharingKey: string; messages: OutgoingMessage[] } | undefined;
    let others: Map<string, { options: SendOptions; messages: OutgoingMessage[] }> | undefined;
    for (const event of events) {
      const producer = this.#producers.get(event.type);
      if (!producer) throw new Error(`${event.type} is not published by this service`);
      const message = producer.encode(this.#codec, event);
      const span = startSendSpan(message, event.eventId);
      if (span) spans.push(span);
      if (!first) first = { options: producer.options, sharingKey: producer.sharingKey, messages: [message] };
      else if (first.sharingKey === producer.sharingKey) first.messages.push(message);
      else {
        others ??= new Map();
        const group = others.get(producer.sharingKey) ?? { options: producer.options, messages: [] };
        group.messages.push(message);
        others.set(producer.sharingKey, group);
      }
    }
    if (!first) return Promise.resolve();
    if (!others) return this.#transport.send(first.messages, first.options);
    return Promise.all([first, ...others.values()].map((group) => this.#transport.send(group.messages, group.options))).then(() => undefined);
  }
}

/** The definition of `name` in `catalog`; a name the catalog lacks is a wiring error of the service. */
export function definitionOf(catalog: EventCatalog, name: string): EventDefinition<unknown> {
  const definition = catalog.definitions[name];
  if (!definition) throw new Error(`the event catalog has no event "${name}"`);
  return definition;
}
