/** Mocha root hooks: whatever the run started (the Kafka broker and registry) is stopped at the end. */
import { stopKafkaStack } from './stack.js';

export async function mochaGlobalTeardown(): Promise<void> {
  await stopKafkaStack();
}
