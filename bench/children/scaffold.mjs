// Generator cost: scaffolds an app, then adds `count` events and as many subscriptions (one each, in turn),
// non-interactively and without installing anything, timing every generator run.
//
//   node bench/children/scaffold.mjs scaffold '{"count": 50}'
import { rmSync } from 'node:fs';
import path from 'node:path';
import { childArgs, now, report } from '../lib/common.mjs';
import { generate, tempDir } from '../lib/service.mjs';

const { params } = childArgs();
const count = params.count;
const workspace = tempDir('scaffold');
const words = ['Order', 'Invoice', 'Payment', 'Shipment', 'Customer', 'Refund', 'Stock', 'Review', 'Coupon', 'Return'];
const eventName = (i) => `${words[i % words.length]}${Math.floor(i / words.length) + 1}Changed`;

try {
  const started = now();
  await generate(workspace, 'app', ['scaffold']);
  const appMs = now() - started;
  const dir = path.join(workspace, 'scaffold');
  const steps = [];
  for (let i = 0; i < count; i += 1) {
    const name = eventName(i);
    const t0 = now();
    await generate(dir, 'event', [name], { fields: 'id:uuid, amount:number, count:int, at:datetime, note?:string, tags:string[]', key: 'id' });
    const t1 = now();
    await generate(dir, 'subscription', [], { event: name });
    steps.push({ event: t1 - t0, subscription: now() - t1 });
  }
  const totalMs = now() - started;
  const last = steps.at(-1) ?? { event: NaN, subscription: NaN };
  report({ count, totalMs, appMs, firstEventMs: steps[0]?.event ?? NaN, lastEventMs: last.event, lastSubscriptionMs: last.subscription });
} finally {
  rmSync(workspace, { recursive: true, force: true });
}
process.exit(0);
