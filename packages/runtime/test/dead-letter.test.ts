import assert from 'node:assert/strict';
import { DeadLetterHeaders, originalHeaders, replayedMessage } from '../src/eventing/dead-letter.ts';

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
});
