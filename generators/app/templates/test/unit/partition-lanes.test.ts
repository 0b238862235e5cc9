// <%- generatedHeader %>
// The platformatic consumer's partition lanes with a listener the test controls: order per partition,
// the concurrency bound, a message fetched again after a rejoin, a revoked partition, a failed message.
import assert from 'node:assert/strict';
import { laneKey, PartitionLanes, type LaneMessage } from '../../src/eventing/platformatic/partition-lanes.ts';
import type { DeliveryControl, IncomingMessage } from '../../src/eventing/transport.ts';

function item(partition: number, offset: number): LaneMessage {
  const message: IncomingMessage = { topic: 't', partition, offset: String(offset), key: null, value: null, headers: {} };
  return { message, offset: BigInt(offset), commit: () => Promise.resolve() };
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

describe('PartitionLanes', () => {
  it('hands over each partition in order, one at a time, at most `concurrency` partitions at once', async () => {
    const listener = new Listener();
    const finished: string[] = [];
    const lanes = new PartitionLanes(
      2,
      listener.handle,
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
      listener.handle,
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
      listener.handle,
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
      listener.handle,
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
});
