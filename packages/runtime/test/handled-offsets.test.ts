import assert from 'node:assert/strict';
import { HandledOffsets } from '../src/eventing/kafka/handled-offsets.ts';

const batch = (...offsets: number[]) => offsets.map((offset) => ({ offset: String(offset) }));

describe('HandledOffsets', () => {
  it('skips nothing in a partition this process has not finished anything of', () => {
    const handled = new HandledOffsets();
    handled.finished(1, '41');
    assert.equal(handled.alreadyFinished(0, batch(0, 1, 2)), 0);
  });

  it('counts the leading messages a redelivery repeats, up to and including the last finished offset', () => {
    const handled = new HandledOffsets();
    handled.finished(0, '41');
    assert.equal(handled.alreadyFinished(0, batch(38, 39, 40, 41, 42, 43)), 4);
    assert.equal(handled.alreadyFinished(0, batch(39, 40)), 2, 'a batch finished whole');
    assert.equal(handled.alreadyFinished(0, batch(42, 43)), 0, 'the usual case: the next fetch starts after it');
  });

  it('never goes back: an older finished offset does not lower what was finished', () => {
    const handled = new HandledOffsets();
    handled.finished(0, '99');
    handled.finished(0, '10');
    assert.equal(handled.alreadyFinished(0, batch(98, 99, 100)), 2);
  });

  it('handles offsets beyond 2^53', () => {
    const handled = new HandledOffsets();
    handled.finished(0, '9007199254740993');
    assert.equal(handled.alreadyFinished(0, [{ offset: '9007199254740993' }, { offset: '9007199254740994' }]), 1);
  });
});
