/**
 * Shared by the lifecycle specs (event-remove, subscription-lifecycle): the commands as functions,
 * a service holding a bit of everything, and the checks each command ends with.
 */
import assert from 'node:assert/strict';
import { addEvent, addSubscription, changedFiles, createService, ORDER_FIELDS, readText, runGenerator, snapshotFiles, type Run } from './generate.js';

export const ENVS = ['development', 'test', 'production'] as const;
export const CONFIGS = ENVS.map((env) => `config/${env}.json` as const);

export const removeEvent = (dir: string, name: string, options: Record<string, unknown> = {}) =>
  runGenerator('event', dir, { args: [name], options: { remove: true, ...options } });
export const removeSubscription = (dir: string, name: string, options: Record<string, unknown> = {}) =>
  runGenerator('subscription', dir, { options: { name, remove: true, ...options } });
export const renameSubscription = (dir: string, name: string, rename: string, options: Record<string, unknown> = {}) =>
  runGenerator('subscription', dir, { options: { name, rename, ...options } });

/** `yo kafka-eventing --yes` in the service changes no file. */
export async function assertRerunChangesNothing(service: string): Promise<void> {
  const before = snapshotFiles(service);
  const run = await runGenerator('app', service, { options: { yes: true, skipInstall: true } });
  assert.deepEqual(changedFiles(before, snapshotFiles(service)), [], 'a re-run changes no file');
  assert.match(run.logged().join('\n'), /^No file changed\.$/m);
}

export function said(run: Run): string {
  return run.logged().join('\n');
}

/** The `{ name, event, handler }` entries of `src/subscriptions/index.ts`. */
export function registrations(service: string): string[] {
  return [...readText(service, 'src/subscriptions/index.ts').matchAll(/\{ name: '(\w+)', event: '(\w+)', handler: (\w+) \}/g)].map(
    ([, name, event, handler]) => `${name}:${event}:${handler}`,
  );
}

/** OrderPlaced and OrderShipped published, PaymentReceived external; subscriptions PaymentReceived and Audit (to OrderPlaced). */
export async function createLifecycleService(): Promise<string> {
  const base = await createService();
  await addEvent(base, 'OrderPlaced', { fields: ORDER_FIELDS, key: 'orderId' });
  await addEvent(base, 'OrderShipped', { fields: 'orderId:uuid, shippedAt:datetime' });
  await addEvent(base, 'PaymentReceived', { fields: 'orderId:uuid, amount:number', external: true, topic: 'payments.received' });
  await addSubscription(base, 'PaymentReceived');
  await addSubscription(base, 'OrderPlaced', { name: 'Audit', group: 'orders.audit' });
  return base;
}
