// The platformatic consumer's partition lanes with a listener the test controls: order per partition,
// the concurrency bound, a message fetched again after a rejoin, a revoked partition, a failed message;
// with a batch listener: what a lane holds when it takes work as one batch, bounded, retried whole.
import assert from 'node:assert/strict';
import { laneKey, PartitionLanes, type LaneMessage } from '../src/eventing/platformatic/partition-lanes.ts';
import { MAX_BATCH_MESSAGES, type DeliveryControl, type IncomingBatch, type IncomingMessage } from '../src/eventing/transport.ts';

function item(partition: number, offset: number): LaneMessage {
  const message: IncomingMessage = { topic: 't', partition, offset: String(offset), key: null, value: null, headers: {} };
  return { message, offset: BigInt(offset), fetched: { commit: () => Promise.resolve() } };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** A listener whose calls wait until the test lets them finish (or fail). */
class Listener {
  readonly calls: { message: IncomingMessage; control: DeliveryControl; finish: (error?: Error) => void }[] = [];
  readonly handle = (message: IncomingMessage, control: DeliveryControl): Promise<void> =>
    new Promise((resolve, reject) => this.calls.push({ message, control, finish: (error) => (error ? reject(error) : resolve()) }));

  started(): string[] {
    return this.calls.map(({ message }) => `${message.partition}:${message.offset}`);
  }
}

/** A batch listener whose calls wait until the test lets them finish (or fail). */
class BatchListener {
  readonly calls: { batch: IncomingBatch; control: DeliveryControl; finish: (error?: Error) => void }[] = [];
  readonly handle = (batch: IncomingBatch, control: DeliveryControl): Promise<void> =>
    new Promise((resolve, reject) => this.calls.push({ batch, control, finish: (error) => (error ? reject(error) : resolve()) }));

  started(): string[] {
    return this.calls.map(({ batch }) => `${batch.partition}:${batch.messages.map(({ offset }) => offset).join(',')}`);
  }
}

const committed = (lanes: PartitionLanes) => lanes.takeCommits().map(({ message }) => `${message.message.partition}:${message.message.offset}`);

describe('PartitionLanes', () => {
  it('hands over each partition in order, one at a time, at most `concurrency` partitions at once', async () => {
    const listener = new Listener();
    const finished: string[] = [];
    const lanes = new PartitionLanes(
      2,
      { kind: 'message', listener: listener.handle },
      (lane) => Promise.resolve(void finished.push(lane)),
      () => undefined,
    );
    for (const [partition, offset] of [
      [0, 0],
      [0, 1],
      [1, 0],
      [2, 0],
    ] as const)
      lanes.push(item(partition, offset));
    await turn();
    assert.deepEqual(listener.started(), ['0:0', '1:0'], 'two partitions at once, the first message of each');
    listener.calls[0]!.finish();
    await turn();
    assert.deepEqual(listener.started(), ['0:0', '1:0', '0:1'], 'partition 0 goes on with its next message');
    listener.calls[1]!.finish();
    await turn();
    assert.deepEqual(listener.started(), ['0:0', '1:0', '0:1', '2:0'], 'partition 2 waited for a free slot');
    listener.calls[2]!.finish();
    listener.calls[3]!.finish();
    await lanes.idle();
    assert.deepEqual(finished, [laneKey('t', 0), laneKey('t', 1), laneKey('t', 0), laneKey('t', 2)]);
    assert.deepEqual(
      lanes.takeCommits().map(({ message }) => `${message.message.partition}:${message.message.offset}`),
      ['0:1', '1:0', '2:0'],
      'one commit per partition: its last finished message',
    );
    assert.deepEqual(lanes.takeCommits(), [], 'nothing new to commit');
  });

  it('drops a message it already took in (fetched again after a rejoin)', async () => {
    const listener = new Listener();
    const lanes = new PartitionLanes(
      1,
      { kind: 'message', listener: listener.handle },
      () => Promise.resolve(),
      () => undefined,
    );
    lanes.push(item(0, 5));
    lanes.push(item(0, 5));
    lanes.push(item(0, 4));
    await turn();
    listener.calls[0]!.finish();
    await lanes.idle();
    assert.deepEqual(listener.started(), ['0:5']);
    assert.equal(lanes.buffered, 0);
  });

  it('a revoked partition: its queue is dropped and the message in hand is told to stop', async () => {
    const listener = new Listener();
    const lanes = new PartitionLanes(
      2,
      { kind: 'message', listener: listener.handle },
      () => Promise.resolve(),
      () => undefined,
    );
    lanes.push(item(0, 0));
    lanes.push(item(0, 1));
    lanes.push(item(1, 0));
    await turn();
    lanes.keepOnly(new Set([laneKey('t', 1)]));
    assert.equal(listener.calls[0]!.control.shouldStop(), true, 'partition 0 was revoked');
    assert.equal(listener.calls[1]!.control.shouldStop(), false, 'partition 1 is still ours');
    listener.calls[0]!.finish();
    listener.calls[1]!.finish();
    await lanes.idle();
    assert.deepEqual(listener.started(), ['0:0', '1:0'], 'offset 1 of the revoked partition is not handed over');
    assert.deepEqual(
      lanes.takeCommits().map(({ message }) => message.message.partition),
      [1],
      'nothing is committed for the revoked partition',
    );
  });

  it('hands a message whose handling failed over again, before anything after it', async () => {
    const listener = new Listener();
    const retried: string[] = [];
    const lanes = new PartitionLanes(
      1,
      { kind: 'message', listener: listener.handle },
      () => Promise.resolve(),
      (_error, message) => retried.push(message.offset),
    );
    lanes.push(item(0, 0));
    lanes.push(item(0, 1));
    await turn();
    listener.calls[0]!.finish(new Error('try again'));
    await new Promise((resolve) => setTimeout(resolve, 300));
    assert.deepEqual(listener.started(), ['0:0', '0:0'], 'the same message again, after a pause');
    assert.deepEqual(retried, ['0']);
    listener.calls[1]!.finish();
    await turn();
    listener.calls[2]!.finish();
    await lanes.idle();
    assert.deepEqual(listener.started(), ['0:0', '0:0', '0:1']);
  });

  describe('with a batch listener', () => {
    it('hands over what each partition holds when it takes work as one batch, in order, at most `concurrency` partitions at once', async () => {
      const listener = new BatchListener();
      const finished: string[] = [];
      const lanes = new PartitionLanes(
        2,
        { kind: 'batch', listener: listener.handle },
        (lane, drained) => Promise.resolve(void finished.push(`${lane.split('\n')[1]}${drained ? '' : '+'}`)),
        () => undefined,
      );
      for (const [partition, offset] of [
        [0, 0],
        [0, 1],
        [1, 0],
        [0, 2],
        [2, 0],
        [2, 1],
      ] as const)
        lanes.push(item(partition, offset));
      assert.deepEqual(listener.started(), [], 'nothing handed over while the fetch is still being taken in');
      await turn();
      assert.deepEqual(listener.started(), ['0:0,1,2', '1:0'], 'a batch per partition: everything it held; two partitions at once');
      lanes.push(item(0, 3));
      lanes.push(item(0, 4));
      listener.calls[0]!.finish();
      await turn();
      assert.deepEqual(listener.started(), ['0:0,1,2', '1:0', '0:3,4'], 'partition 0 goes on with what came in meanwhile');
      assert.deepEqual(committed(lanes), ['0:2'], 'a finished batch: its last offset is committable');
      listener.calls[1]!.finish();
      await turn();
      assert.deepEqual(listener.started(), ['0:0,1,2', '1:0', '0:3,4', '2:0,1'], 'partition 2 waited for a free slot');
      listener.calls[2]!.finish();
      listener.calls[3]!.finish();
      await lanes.idle();
      assert.deepEqual(finished, ['0+', '1', '0', '2'], 'after each batch; drained once the lane held nothing more');
      assert.deepEqual(committed(lanes), ['0:4', '1:0', '2:1']);
      assert.equal(lanes.buffered, 0);
    });

    it('bounds a batch by MAX_BATCH_MESSAGES: the rest is the next batch', async () => {
      const listener = new BatchListener();
      const lanes = new PartitionLanes(
        1,
        { kind: 'batch', listener: listener.handle },
        () => Promise.resolve(),
        () => undefined,
      );
      const total = MAX_BATCH_MESSAGES + 10;
      for (let offset = 0; offset < total; offset += 1) lanes.push(item(0, offset));
      await turn();
      assert.equal(listener.calls[0]!.batch.messages.length, MAX_BATCH_MESSAGES);
      listener.calls[0]!.finish();
      await turn();
      assert.deepEqual(
        listener.calls[1]!.batch.messages.map(({ offset }) => Number(offset)),
        Array.from({ length: 10 }, (_, index) => MAX_BATCH_MESSAGES + index),
      );
      listener.calls[1]!.finish();
      await lanes.idle();
      assert.deepEqual(committed(lanes), [`0:${total - 1}`]);
    });

    it('a batch whose listener rejects is handed over again, nothing of it committed meanwhile', async () => {
      const listener = new BatchListener();
      const retried: string[] = [];
      const lanes = new PartitionLanes(
        1,
        { kind: 'batch', listener: listener.handle },
        () => Promise.resolve(),
        (_error, first, count) => retried.push(`${first.offset}x${count}`),
      );
      lanes.push(item(0, 0));
      lanes.push(item(0, 1));
      await turn();
      listener.calls[0]!.finish(new Error('try again'));
      await turn();
      assert.deepEqual(committed(lanes), [], 'nothing finished');
      await new Promise((resolve) => setTimeout(resolve, 300));
      assert.deepEqual(listener.started(), ['0:0,1', '0:0,1'], 'the same batch again, after a pause');
      assert.deepEqual(retried, ['0x2']);
      listener.calls[1]!.finish();
      await lanes.idle();
      assert.deepEqual(committed(lanes), ['0:1']);
    });

    it('a revoked partition: its batch in hand is told to stop and is not committed', async () => {
      const listener = new BatchListener();
      const lanes = new PartitionLanes(
        2,
        { kind: 'batch', listener: listener.handle },
        () => Promise.resolve(),
        () => undefined,
      );
      lanes.push(item(0, 0));
      lanes.push(item(1, 0));
      await turn();
      lanes.keepOnly(new Set([laneKey('t', 1)]));
      assert.equal(listener.calls[0]!.control.shouldStop(), true, 'partition 0 was revoked');
      assert.equal(listener.calls[1]!.control.shouldStop(), false, 'partition 1 is still ours');
      listener.calls[0]!.finish();
      listener.calls[1]!.finish();
      await lanes.idle();
      assert.deepEqual(committed(lanes), ['1:0'], 'nothing is committed for the revoked partition');
    });

    it('stopping: the batch in hand finishes and is committed, nothing queued is handed over', async () => {
      const listener = new BatchListener();
      const lanes = new PartitionLanes(
        1,
        { kind: 'batch', listener: listener.handle },
        () => Promise.resolve(),
        () => undefined,
      );
      lanes.push(item(0, 0));
      await turn();
      lanes.push(item(0, 1));
      lanes.stop();
      assert.equal(listener.calls[0]!.control.shouldStop(), true);
      listener.calls[0]!.finish();
      await lanes.idle();
      await turn();
      assert.deepEqual(listener.started(), ['0:0']);
      assert.deepEqual(committed(lanes), ['0:0']);
    });
  });
});
