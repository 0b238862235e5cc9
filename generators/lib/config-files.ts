/**
 * The generated service's configuration files (node-config layout). They are merged, never
 * overwritten: keys the generator adds appear, values the user changed stay, unless a setting
 * given on a re-run changes the value the generator writes there.
 */
import type { EnvironmentName } from './model.js';
import type { RenderView } from './view.js';

type Json = Record<string, unknown>;

export function eventEntry(topic: string, external: boolean): Json {
  return external ? { topic } : { topic, producer: {} };
}

export function subscriptionEntry(topic: string, groupId: string, deadLetterTopic: string): Json {
  return {
    topic,
    groupId,
    concurrency: 1,
    retry: { attempts: 3, initialDelayMs: 200, maxDelayMs: 5000, multiplier: 2 },
    deadLetterTopic,
  };
}

export function configFiles(view: RenderView, environments: readonly EnvironmentName[]): Record<string, Json> {
  const { service } = view;
  const events = Object.fromEntries(view.events.map((event) => [event.name, eventEntry(event.topic, event.external)]));
  const subscriptions = Object.fromEntries(
    view.subscriptions.map((s) => [s.name, subscriptionEntry(s.eventView.topic, s.groupId, s.deadLetterTopic)]),
  );
  const files: Record<string, Json> = {
    'config/default.json': {
      service: { name: service.name, port: service.port },
      log: { level: 'info' },
      eventing: { transport: 'kafka' },
      kafka: {
        clientId: service.name,
        brokers: service.environments.development.brokers,
        ssl: false,
        connectionTimeoutMs: 3000,
        requestTimeoutMs: 30000,
        createTopics: true,
        producer: { idempotent: true, acks: -1, retries: 5, sendTimeoutMs: 15000 },
        consumer: {
          sessionTimeoutMs: 30000,
          heartbeatIntervalMs: 3000,
          fromBeginning: true,
          commitEveryMessages: 100,
          commitIntervalMs: 1000,
        },
        readiness: { leaderlessGraceMs: 5000, timeoutMs: 2000 },
      },
      schemaRegistry: {
        url: service.environments.development.schemaRegistryUrl,
        compatibility: service.compatibility,
        register: true,
      },
      shutdown: { drainTimeoutMs: 8000 },
      tracing: { exporter: 'off' },
      metrics: { enabled: true, lagIntervalMs: 5000 },
    },
    'config/custom-environment-variables.json': {
      service: { port: { __name: 'PORT', __format: 'number' } },
      log: { level: 'LOG_LEVEL' },
      tracing: { exporter: 'TRACING_EXPORTER' },
      metrics: {
        enabled: { __name: 'METRICS_ENABLED', __format: 'boolean' },
        lagIntervalMs: { __name: 'METRICS_LAG_INTERVAL_MS', __format: 'number' },
      },
      eventing: { transport: 'EVENTING_TRANSPORT' },
      kafka: {
        brokers: 'KAFKA_BROKERS',
        ssl: { __name: 'KAFKA_SSL', __format: 'boolean' },
        sasl: { mechanism: 'KAFKA_SASL_MECHANISM', username: 'KAFKA_SASL_USERNAME', password: 'KAFKA_SASL_PASSWORD' },
      },
      schemaRegistry: {
        url: 'SCHEMA_REGISTRY_URL',
        username: 'SCHEMA_REGISTRY_USERNAME',
        password: 'SCHEMA_REGISTRY_PASSWORD',
      },
    },
  };
  for (const environment of environments) {
    const settings = service.environments[environment];
    files[`config/${environment}.json`] = {
      kafka: { brokers: settings.brokers },
      schemaRegistry: { url: settings.schemaRegistryUrl },
      ...(environment === 'production' ? { log: { level: 'info' }, kafka: { brokers: settings.brokers, createTopics: false } } : {}),
      events,
      subscriptions,
    };
  }
  return files;
}

/**
 * Three-way merge of a JSON file. `generated` is what the model renders now, `base` what the
 * previous model rendered (undefined for a new service). A value the model did not change keeps
 * what is in the file (so hand edits stay); a value the model changed (a setting given on a re-run)
 * replaces what is in the file. Where that replaces a hand edit, its key is listed in `overwritten`.
 */
export function mergeJson(existing: Json, generated: Json, base?: Json): { merged: Json; overwritten: string[] } {
  const overwritten: string[] = [];
  const merged = mergeInto(existing, generated, base, '', overwritten);
  return { merged, overwritten };
}

function mergeInto(existing: Json, generated: Json, base: Json | undefined, prefix: string, overwritten: string[]): Json {
  const merged: Json = { ...existing };
  for (const [key, value] of Object.entries(generated)) {
    const current = merged[key];
    const before = base?.[key];
    if (current === undefined) {
      merged[key] = value;
    } else if (isPlainObject(current) && isPlainObject(value)) {
      merged[key] = mergeInto(current, value, isPlainObject(before) ? before : undefined, `${prefix}${key}.`, overwritten);
    } else if (base !== undefined && before !== undefined && !sameJson(before, value) && !sameJson(current, value)) {
      if (!sameJson(current, before)) overwritten.push(`${prefix}${key}`);
      merged[key] = value;
    }
  }
  return merged;
}

function sameJson(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function isPlainObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
