import type { DeliveryControl } from './transport.ts';

export interface RetryPolicy {
  /** Attempts in all, the first included; after the last one the message goes to the dead-letter topic. */
  readonly attempts: number;
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
  readonly multiplier: number;
}

/** Delay before retry number `retry` (1 = the first retry): exponential, capped. */
export function backoffDelay(policy: RetryPolicy, retry: number): number {
  const delay = policy.initialDelayMs * policy.multiplier ** (retry - 1);
  return Math.min(policy.maxDelayMs, Math.round(delay));
}

const TICK_MS = 100;

/**
 * Waits `ms`, calling `keepAlive` every tick (the Kafka consumer sends a heartbeat when one is due,
 * so the group does not rebalance during a long wait) and returning false as soon as `shouldStop` says so.
 */
export async function waitWhileAlive(ms: number, keepAlive: () => Promise<void>, shouldStop: () => boolean): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (shouldStop()) return false;
    await keepAlive();
    await new Promise((resolve) => setTimeout(resolve, Math.min(TICK_MS, until - Date.now())));
  }
  return !shouldStop();
}

/** Thrown when the worker stops during a retry wait: the message is not finished and will be redelivered. */
class DeliveryInterrupted extends Error {
  override name = 'DeliveryInterrupted';
}

/** Waits `delay` keeping the consumer alive; throws DeliveryInterrupted when the worker stops meanwhile. */
export async function waitOrInterrupt(delay: number, control: DeliveryControl): Promise<void> {
  const completed = await waitWhileAlive(
    delay,
    () => control.heartbeat(),
    () => control.shouldStop(),
  );
  if (!completed) throw new DeliveryInterrupted('worker stopping during a retry wait; the message will be redelivered');
}
