import assert from 'node:assert/strict';
import { DeadLetterHeaders, originalHeaders, partitionsToReplay, replayedMessage } from '../src/eventing/dead-letter.ts';

describe('dead letters replayed', () => {
  const headers = { 'event-id': 'e-1', [DeadLetterHeaders.originalTopic]: 'orders', [DeadLetterHeaders.attempts]: '3' };

  it('go back into their original topic with key, value and the headers strip leaves', () => {
    const message = replayedMessage({ offset: '7', key: Buffer.from('k'), value: Buffer.from('v') }, headers, originalHeaders);
    assert.deepEqual(message, { topic: 'orders', key: 'k', value: Buffer.from('v'), headers: { 'event-id': 'e-1' } });
    assert.deepEqual(
      replayedMessage({ offset: 8n, key: null, value: null }, headers, (kept) => kept),
      {
        topic: 'orders',
        key: null,
        value: Buffer.alloc(0),
        headers,
      },
    );
  });

  it('must name their original topic', () => {
    assert.throws(
      () => replayedMessage({ offset: 9n }, { 'event-id': 'e-2' }, originalHeaders),
      /dead-letter message at offset 9 has no original topic header/,
    );
  });

  it('are read from where the replay group stands, else from the first kept record, in partitions with records beyond it', () => {
    const ends = new Map([
      [0, 10n],
      [1, 10n],
      [2, 10n],
      [3, 5n],
      [4, 0n],
    ]);
    const lows = new Map([
      [0, 0n],
      [1, 0n],
      [2, 4n],
      [3, 5n],
      [4, 0n],
    ]);
    const committed = new Map([
      [0, 10n],
      [1, 3n],
      [2, -1n],
    ]);
    assert.deepEqual([...partitionsToReplay(ends, lows, committed)], [1, 2], 'partition 3 expired entirely, 4 is empty, 0 was replayed');
  });
});
