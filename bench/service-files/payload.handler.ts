// Installed by the bench (bench/run.mjs) over the generated, user-owned handler: a no-op handler that only
// reports each event to the bench process when it asked for it.
import type { EventContext, EventHandler } from 'kafka-eventing-runtime';
import type { Payload } from '../events/index.ts';

type BenchHook = (event: Payload, context: EventContext) => void;

export class PayloadHandler implements EventHandler<Payload> {
  async handle(event: Payload, context: EventContext): Promise<void> {
    const hook = (globalThis as { __benchHandler?: BenchHook }).__benchHandler;
    if (hook) hook(event, context);
  }
}
