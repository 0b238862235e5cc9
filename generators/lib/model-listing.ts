/**
 * `yo kafka-eventing --list`: the model of a service as text. Events with their fields, key, topic
 * and registry subject, published or external; subscriptions with their event, consumer group,
 * dead-letter topic and handler.
 */
import dependencyVersions from './dependency-versions.js';
import { formatFields, type EventingModel } from './model.js';
import { buildView } from './view.js';

const FORMATS = { json: 'JSON Schema', avro: 'Avro' } as const;

export function describeModel(model: EventingModel): string[] {
  const view = buildView(model, dependencyVersions);
  const { service } = model;
  const lines = [
    `Service ${service.name} (${FORMATS[service.schemaFormat]} schemas with ${service.compatibility} compatibility, port ${service.port})`,
  ];
  const types = model.types ?? [];
  if (types.length > 0)
    lines.push(`Record types (${types.length}):`, ...types.map((record) => `  ${record.name}  fields ${formatFields(record.fields)}`));
  lines.push(view.events.length === 0 ? 'Events: none (add one with yo kafka-eventing:event <Name>)' : `Events (${view.events.length}):`);
  for (const event of view.events) {
    lines.push(`  ${event.name}  ${event.external ? 'external: another service publishes it' : 'published by this service'}`);
    lines.push(`    topic ${event.topic}, subject ${event.subject}, ${event.key === null ? 'no key' : `key ${event.key}`}`);
    lines.push(`    fields ${formatFields(event.fields)}`);
  }
  lines.push(
    view.subscriptions.length === 0
      ? 'Subscriptions: none (add one with yo kafka-eventing:subscription --event <Name>)'
      : `Subscriptions (${view.subscriptions.length}):`,
  );
  for (const subscription of view.subscriptions) {
    lines.push(`  ${subscription.name}  to ${subscription.event}`);
    lines.push(`    group ${subscription.groupId}, dead-letter topic ${subscription.deadLetterTopic}`);
    lines.push(`    handler ${subscription.handlerPath} (${subscription.handlerClass})`);
  }
  return lines;
}
