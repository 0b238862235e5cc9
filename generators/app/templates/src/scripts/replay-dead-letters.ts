// <%- generatedHeader %>
// Copies a subscription's dead-letter topic back into the topic its messages came from:
//   npm run dead-letters:replay -- <SubscriptionName>
import { originalHeaders } from 'kafka-eventing-runtime';
import { KafkaTransport } from 'kafka-eventing-runtime/<%- kafkaClient %>';
import { loadConfig } from '../config.ts';
import { createLogger } from '../logger.ts';

const name = process.argv[2];
const config = loadConfig();
const subscription = name ? config.subscriptions[name] : undefined;
if (!name || !subscription) {
  console.error(`usage: npm run dead-letters:replay -- <subscription>; one of: ${Object.keys(config.subscriptions).join(', ') || '(none)'}`);
  process.exit(2);
}
const transport = new KafkaTransport(config.kafka, createLogger(config));
try {
  const copied = await transport.replay(subscription.deadLetterTopic, `${subscription.groupId}.replay`, originalHeaders);
  console.log(`replayed ${copied} message(s) from ${subscription.deadLetterTopic}`);
} finally {
  await transport.disconnect();
}
