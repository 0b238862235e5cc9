// Prometheus metrics of the service (prom-client), served at GET /metrics when metrics.enabled.
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';

export interface MetricsSettings {
  readonly enabled: boolean;
  /** How often consumer lag is read from the broker (committed vs end offsets). */
  readonly lagIntervalMs: number;
}

/** Seconds; handlers and flushes from a millisecond to half a minute. */
const DURATION_BUCKETS = [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** One subscription's handler metrics with their labels bound once (a message merges no label objects). */
export interface SubscriptionMetrics {
  readonly handled: Counter.Internal;
  readonly retried: Counter.Internal;
  readonly deadLetteredUndecodable: Counter.Internal;
  readonly deadLetteredByHandler: Counter.Internal;
  /** handlerDuration of the attempts that succeeded, and of those that failed. */
  readonly succeeded: Histogram.Internal<'subscription' | 'outcome'>;
  readonly failed: Histogram.Internal<'subscription' | 'outcome'>;
}

/** The eventing counters and histograms, and the process metrics, in one registry of their own. */
export class EventingMetrics {
  readonly registry = new Registry();
  readonly enabled: boolean;
  readonly published: Counter<'event_type'>;
  readonly publishFailed: Counter<'event_type'>;
  readonly flushDuration: Histogram<'outcome'>;
  readonly handled: Counter<'subscription'>;
  readonly retried: Counter<'subscription'>;
  readonly deadLettered: Counter<'subscription' | 'reason'>;
  readonly handlerDuration: Histogram<'subscription' | 'outcome'>;
  readonly consumerLag: Gauge<'subscription' | 'group' | 'topic' | 'partition'>;

  constructor(settings: MetricsSettings) {
    this.enabled = settings.enabled;
    const registers = [this.registry];
    this.published = new Counter({
      name: 'eventing_events_published_total',
      help: 'Events acknowledged by the broker, per event type.',
      labelNames: ['event_type'],
      registers,
    });
    this.publishFailed = new Counter({
      name: 'eventing_events_publish_failed_total',
      help: 'Events whose flush failed (invalid or not acknowledged), per event type.',
      labelNames: ['event_type'],
      registers,
    });
    this.flushDuration = new Histogram({
      name: 'eventing_flush_duration_seconds',
      help: 'Time from flushAll to the acknowledgement (or failure) of every event it sent.',
      labelNames: ['outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.handled = new Counter({
      name: 'eventing_events_handled_total',
      help: 'Messages whose handler succeeded, per subscription.',
      labelNames: ['subscription'],
      registers,
    });
    this.retried = new Counter({
      name: 'eventing_events_retried_total',
      help: 'Handler attempts that failed and were tried again, per subscription.',
      labelNames: ['subscription'],
      registers,
    });
    this.deadLettered = new Counter({
      name: 'eventing_events_dead_lettered_total',
      help: 'Messages sent to the dead-letter topic, per subscription (reason: handler or undecodable).',
      labelNames: ['subscription', 'reason'],
      registers,
    });
    this.handlerDuration = new Histogram({
      name: 'eventing_handler_duration_seconds',
      help: 'Duration of one handler attempt (handler and flush of what it published), per subscription.',
      labelNames: ['subscription', 'outcome'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    this.consumerLag = new Gauge({
      name: 'eventing_consumer_lag_messages',
      help: 'End offset minus committed offset, per subscription and topic-partition.',
      labelNames: ['subscription', 'group', 'topic', 'partition'],
      registers,
    });
    if (settings.enabled) collectDefaultMetrics({ register: this.registry });
  }

  forSubscription(subscription: string): SubscriptionMetrics {
    return {
      handled: this.handled.labels({ subscription }),
      retried: this.retried.labels({ subscription }),
      deadLetteredUndecodable: this.deadLettered.labels({ subscription, reason: 'undecodable' }),
      deadLetteredByHandler: this.deadLettered.labels({ subscription, reason: 'handler' }),
      succeeded: this.handlerDuration.labels({ subscription, outcome: 'success' }),
      failed: this.handlerDuration.labels({ subscription, outcome: 'failure' }),
    };
  }

  /** Times `run`, observing its duration in seconds with the outcome it ended with. */
  static async timed<T>(histogram: Histogram<'outcome'>, run: () => Promise<T>): Promise<T> {
    const stop = histogram.startTimer();
    try {
      const result = await run();
      stop({ outcome: 'success' });
      return result;
    } catch (error) {
      stop({ outcome: 'failure' });
      throw error;
    }
  }
}
