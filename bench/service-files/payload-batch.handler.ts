// Installed by the bench (bench/run.mjs) over the generated, user-owned batch handler: a no-op batch
// handler that only reports each event to the bench process when it asked for it.
import type { BatchEventHandler, BatchItem, BatchResult, EventContext } from 'kafka-eventing-runtime';
import type { Payload } from '../events/index.ts';

type BenchHook = (event: Payload, context: EventContext) => void;

export class PayloadBatchHandler implements BatchEventHandler<Payload> {
  async handleBatch(items: readonly BatchItem<Payload>[]): Promise<BatchResult<Payload>> {
    const hook = (globalThis as { __benchHandler?: BenchHook }).__benchHandler;
    if (hook) for (const { event, context } of items) hook(event, context);
    return { failed: [] };
  }
}
