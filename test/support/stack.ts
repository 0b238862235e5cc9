/**
 * The one Kafka broker and schema registry of a test run: started by the first test that needs
 * it, stopped by the global teardown. With KAFKA_BROKERS and SCHEMA_REGISTRY_URL set, those are used.
 * A stack that does not start fails the test that asked for it: it is never a skip.
 */
import { startStack } from '../../scripts/stack/stack.mjs';

export type KafkaStack = Awaited<ReturnType<typeof startStack>>;

let starting: Promise<KafkaStack> | undefined;

export function kafkaStack(): Promise<KafkaStack> {
  starting ??= startStack({ log: (line: string) => process.stderr.write(`[stack] ${line}\n`) });
  return starting;
}

export async function stopKafkaStack(): Promise<void> {
  if (!starting) return;
  const stack = await starting.catch(() => undefined);
  starting = undefined;
  await stack?.stop();
}
