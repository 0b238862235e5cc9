import assert from 'node:assert/strict';
import { backoffDelay, waitWhileAlive, type RetryPolicy } from '../src/eventing/retry.ts';

describe('retry policy', () => {
  const policy: RetryPolicy = { attempts: 5, initialDelayMs: 100, maxDelayMs: 1000, multiplier: 3 };

  it('waits exponentially longer before each retry, up to the maximum', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5].map((retry) => backoffDelay(policy, retry)),
      [100, 300, 900, 1000, 1000],
    );
  });

  it('rounds fractional delays to whole milliseconds', () => {
    assert.equal(backoffDelay({ ...policy, initialDelayMs: 10, multiplier: 1.55 }, 2), 16);
  });

  it('keeps the consumer alive while it waits and completes the wait', async () => {
    let keptAlive = 0;
    const started = Date.now();
    const completed = await waitWhileAlive(
      250,
      async () => {
        keptAlive += 1;
      },
      () => false,
    );
    assert.equal(completed, true);
    assert.ok(Date.now() - started >= 240, 'waited the whole time');
    assert.ok(keptAlive >= 2, `kept alive every tick (${keptAlive} times)`);
  });

  it('stops waiting as soon as the worker stops', async () => {
    const started = Date.now();
    let stop = false;
    setTimeout(() => (stop = true), 50);
    const completed = await waitWhileAlive(
      5000,
      async () => {},
      () => stop,
    );
    assert.equal(completed, false);
    assert.ok(Date.now() - started < 1000, 'did not wait the full delay');
  });
});
