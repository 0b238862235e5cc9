// The batching sender against a stand-in producer that records each produce request and answers when told.
import assert from 'node:assert/strict';
import { BatchingSender, type BatchProducer, type ProduceRequest } from '../src/eventing/kafka/batching-sender.ts';
import type { OutgoingMessage } from '../src/eventing/transport.ts';

interface Request {
  readonly batch: ProduceRequest;
  answer(error?: Error): void;
}

/** A producer whose requests stay unanswered until the test answers them. */
class RecordingProducer implements BatchProducer {
  readonly requests: Request[] = [];

  sendBatch = (batch: ProduceRequest): Promise<void> =>
    new Promise((resolve, reject) => {
      this.requests.push({ batch, answer: (error) => (error ? reject(error) : resolve()) });
    });

  /** The values (as text) of request `index`, in order. */
  values(index: number): string[] {
    const request = this.requests[index];
    assert.ok(request, `request ${index} was made`);
    return request.batch.topicMessages.flatMap((topic) => topic.messages.map((message) => String(message.value)));
  }
}

function message(value: string, topic = 'orders'): OutgoingMessage {
  return { topic, key: null, value: Buffer.from(value), headers: {} };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A send whose outcome is watched from the start: 'pending', 'resolved' or the rejection's message. */
interface Watched {
  readonly outcome: string;
}

function watch(promise: Promise<void>): Watched {
  const watched = { outcome: 'pending' };
  promise.then(
    () => (watched.outcome = 'resolved'),
    (error: unknown) => (watched.outcome = error instanceof Error ? error.message : String(error)),
  );
  return watched;
}

/** The outcome once the event loop turned (the sender settles callers one turn after an answer). */
async function state(watched: Watched): Promise<string> {
  await turn();
  await turn();
  return watched.outcome;
}

describe('BatchingSender', () => {
  const options = { sendTimeoutMs: 5000 };

  it('resolves an empty send at once, without a request', async () => {
    const producer = new RecordingProducer();
    await new BatchingSender(producer, options).send([]);
    assert.equal(producer.requests.length, 0);
  });

  it('sends the sends made while a request is in flight together in the next request, in order', async () => {
    const producer = new RecordingProducer();
    const sender = new BatchingSender(producer, options);
    const first = watch(sender.send([message('a')]));
    await turn();
    assert.deepEqual(producer.values(0), ['a']);
    const second = watch(sender.send([message('b')]));
    const third = watch(sender.send([message('c'), message('d', 'payments')]));
    await turn();
    assert.equal(producer.requests.length, 1, 'one request in flight at a time');
    producer.requests[0]!.answer();
    assert.equal(await state(first), 'resolved');
    assert.equal(await state(second), 'pending', 'not acknowledged yet');
    assert.deepEqual(producer.values(1), ['b', 'c', 'd']);
    assert.deepEqual(
      producer.requests[1]!.batch.topicMessages.map((topic) => topic.topic),
      ['orders', 'payments'],
    );
    producer.requests[1]!.answer();
    assert.equal(await state(second), 'resolved');
    assert.equal(await state(third), 'resolved');
  });

  it('rejects every send of a failed request with its error, and goes on with the next sends', async () => {
    const producer = new RecordingProducer();
    const sender = new BatchingSender(producer, options);
    const first = watch(sender.send([message('a')]));
    await turn();
    const second = watch(sender.send([message('b')]));
    producer.requests[0]!.answer(new Error('leader not available'));
    assert.equal(await state(first), 'leader not available');
    producer.requests[1]!.answer();
    assert.equal(await state(second), 'resolved');
  });

  it('spreads a send larger than maxRequestBytes over several requests and resolves once all are acknowledged', async () => {
    const producer = new RecordingProducer();
    const sender = new BatchingSender(producer, { ...options, maxRequestBytes: 200 });
    const big = 'x'.repeat(100);
    const sent = watch(sender.send([message(`1${big}`), message(`2${big}`), message(`3${big}`)]));
    await turn();
    assert.equal(producer.values(0).length, 1, 'one 165-byte record per 200-byte request');
    producer.requests[0]!.answer();
    assert.equal(await state(sent), 'pending');
    producer.requests[1]!.answer();
    assert.equal(await state(sent), 'pending');
    producer.requests[2]!.answer();
    assert.equal(await state(sent), 'resolved');
    assert.deepEqual(
      [0, 1, 2].map((index) => producer.values(index)[0]?.charAt(0)),
      ['1', '2', '3'],
    );
  });

  it('rejects a send that is not acknowledged in time and never sends what it had not sent yet', async () => {
    const producer = new RecordingProducer();
    const sender = new BatchingSender(producer, { ...options, sendTimeoutMs: 50 });
    const first = watch(sender.send([message('a')]));
    await turn();
    const second = watch(sender.send([message('b')]));
    await new Promise((resolve) => setTimeout(resolve, 80));
    assert.equal(await state(first), 'send not acknowledged within 50 ms');
    assert.equal(await state(second), 'send not acknowledged within 50 ms');
    producer.requests[0]!.answer();
    await turn();
    await turn();
    assert.equal(producer.requests.length, 1, 'the expired send was dropped, not sent late');
  });

  describe('with lanes (one per partition)', () => {
    const byKey = { ...options, laneOf: (m: OutgoingMessage) => m.key ?? '' };
    const keyed = (value: string, key: string): OutgoingMessage => ({ topic: 'orders', key, value: Buffer.from(value), headers: {} });

    it('runs lanes side by side: a lane whose request hangs holds back only the sends with messages in it', async () => {
      const producer = new RecordingProducer();
      const sender = new BatchingSender(producer, byKey);
      const stuck = watch(sender.send([keyed('a1', 'a')]));
      const other = watch(sender.send([keyed('b1', 'b')]));
      await turn();
      assert.equal(producer.requests.length, 2, 'one request per lane, both in flight');
      const later = watch(sender.send([keyed('b2', 'b')]));
      const behind = watch(sender.send([keyed('a2', 'a')]));
      producer.requests[1]!.answer();
      assert.equal(await state(other), 'resolved');
      assert.deepEqual(producer.values(2), ['b2'], "lane b's next request goes out while lane a's first still hangs");
      producer.requests[2]!.answer();
      assert.equal(await state(later), 'resolved');
      assert.equal(await state(stuck), 'pending');
      assert.equal(await state(behind), 'pending', 'lane a keeps one request in flight: order within the partition');
      assert.equal(producer.requests.length, 3);
      producer.requests[0]!.answer();
      assert.equal(await state(stuck), 'resolved');
      assert.deepEqual(producer.values(3), ['a2']);
    });

    it('resolves a send spanning lanes once every lane acknowledged its part, and rejects it when one part fails', async () => {
      const producer = new RecordingProducer();
      const sender = new BatchingSender(producer, byKey);
      const both = watch(sender.send([keyed('a1', 'a'), keyed('b1', 'b'), keyed('a2', 'a')]));
      await turn();
      assert.deepEqual(producer.values(0), ['a1', 'a2'], "each request carries one lane's messages, in order");
      assert.deepEqual(producer.values(1), ['b1']);
      producer.requests[0]!.answer();
      assert.equal(await state(both), 'pending', 'lane b has not answered');
      producer.requests[1]!.answer();
      assert.equal(await state(both), 'resolved');

      const failing = watch(sender.send([keyed('a3', 'a'), keyed('b2', 'b')]));
      await turn();
      producer.requests[3]!.answer(new Error('NOT_LEADER_OR_FOLLOWER'));
      assert.equal(await state(failing), 'NOT_LEADER_OR_FOLLOWER', 'a failed part fails the whole send, whatever the other lane says');
      producer.requests[2]!.answer();
      assert.equal(await state(failing), 'NOT_LEADER_OR_FOLLOWER');
    });
  });
});
