import assert from 'node:assert/strict';
import { allFailed, settleRound, type PendingEvent } from '../src/eventing/batch-rounds.ts';

/** Events named by offset, with a key each ('-' for none). */
function batch(keys: string): PendingEvent<number>[] {
  return [...keys].map((key, offset) => ({ item: offset, key: key === '-' ? null : key, failures: 0 }));
}
const offsets = (entries: readonly PendingEvent<number>[]) => entries.map((entry) => entry.item);
const failing = (...items: number[]) => new Map(items.map((item) => [item, new Error(`event ${item} failed`)]));

describe('batch rounds (which events of a batch are done, retried, dead-lettered)', () => {
  it('finishes every event when none failed', () => {
    const outcome = settleRound(batch('abcab'), new Map<number, unknown>(), 3);
    assert.deepEqual(offsets(outcome.done), [0, 1, 2, 3, 4]);
    assert.deepEqual(outcome.retry, []);
    assert.deepEqual(outcome.exhausted, []);
  });

  it('retries a failed event and holds back the later events of its key, in order', () => {
    const outcome = settleRound(batch('abacab'), failing(2), 3);
    assert.deepEqual(offsets(outcome.done), [0, 1, 3, 5]);
    assert.deepEqual(offsets(outcome.retry), [2, 4]);
    assert.deepEqual(
      outcome.retry.map((entry) => entry.failures),
      [1, 0],
      'only the failed event counts a failure',
    );
    assert.match(String(outcome.retry[0]?.error), /event 2 failed/);
  });

  it('does not hold back events without a key', () => {
    const outcome = settleRound(batch('---'), failing(0), 3);
    assert.deepEqual(offsets(outcome.done), [1, 2]);
    assert.deepEqual(offsets(outcome.retry), [0]);
  });

  it('dead-letters an event at its last attempt and gives the held-back ones another round', () => {
    let pending = batch('aab');
    const dead: number[] = [];
    const handled: number[] = [];
    for (let round = 1; pending.length > 0 && round < 10; round += 1) {
      const outcome = settleRound(pending, failing(0), 3); // event 0 always fails
      handled.push(...offsets(outcome.done));
      dead.push(...offsets(outcome.exhausted));
      pending = [...outcome.retry];
    }
    assert.deepEqual(dead, [0], 'the poison event is dead-lettered once, after 3 attempts');
    assert.deepEqual(handled, [2, 1], 'the other key at once; the same key only after the poison event settled');
  });

  it('fails every event of a round when the handler threw, each counting a failure', () => {
    const pending = batch('ab');
    const outcome = settleRound(pending, allFailed(pending, new Error('down')), 1);
    assert.deepEqual(offsets(outcome.exhausted), [0, 1]);
    assert.deepEqual(outcome.done, []);
  });
});
