import assert from 'node:assert/strict';
import { CommitPacer } from '../src/eventing/kafka/commit-pacer.ts';

/** A commit the test settles by hand, counting how often it was started. */
function manualCommit() {
  const calls: { resolve: () => void; reject: (error: Error) => void }[] = [];
  const commit = () => new Promise<void>((resolve, reject) => calls.push({ resolve, reject }));
  return { commit, calls };
}

const turn = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CommitPacer', () => {
  it('checks in every half commitEveryMessages finished messages', () => {
    const pacer = new CommitPacer(10, 60_000, () => {});
    assert.equal(pacer.commitEveryMessages, 5);
    const due = Array.from({ length: 11 }, () => pacer.due());
    assert.deepEqual(
      due.map((value, index) => (value ? index : -1)).filter((index) => index >= 0),
      [0, 5, 10],
    );
  });

  it('checks in at least every 100 ms when messages are slow', async () => {
    const pacer = new CommitPacer(1000, 60_000, () => {});
    assert.equal(pacer.due(), true);
    assert.equal(pacer.due(), false);
    await new Promise((resolve) => setTimeout(resolve, 110));
    assert.equal(pacer.due(), true);
  });

  it('keeps one commit in flight; within a batch a check-in does not start another', async () => {
    const pacer = new CommitPacer(2, 1000, () => {});
    const { commit, calls } = manualCommit();
    await pacer.checkIn(commit);
    await pacer.checkIn(commit);
    assert.equal(calls.length, 1);
    calls[0]!.resolve();
    await pacer.idle();
    await pacer.checkIn(commit);
    assert.equal(calls.length, 2);
    calls[1]!.resolve();
    await pacer.idle();
  });

  it('runs a commit requested during one in flight right after it, the latest request only', async () => {
    const pacer = new CommitPacer(2, 1000, () => {});
    const started: string[] = [];
    const first = manualCommit();
    pacer.request(() => (started.push('first'), first.commit()));
    pacer.request(() => (started.push('second'), Promise.resolve()));
    pacer.request(() => (started.push('third'), Promise.resolve()));
    assert.deepEqual(started, ['first']);
    let idle = false;
    void pacer.idle().then(() => (idle = true));
    await turn();
    assert.equal(idle, false, 'not idle while a commit is in flight');
    first.calls[0]!.resolve();
    await pacer.idle();
    assert.deepEqual(started, ['first', 'third']);
  });

  it('reports a failed commit, never rejects idle(), and retries it on request until one succeeds', async () => {
    const failures: unknown[] = [];
    const pacer = new CommitPacer(2, 1000, (error) => failures.push(error));
    let attempts = 0;
    const flaky = async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('coordinator not available');
    };
    pacer.request(flaky);
    await pacer.idle();
    assert.equal(failures.length, 1);
    assert.match(String(failures[0]), /coordinator not available/);
    pacer.retryFailed();
    await pacer.idle();
    assert.equal(attempts, 2);
    pacer.retryFailed();
    await pacer.idle();
    assert.equal(attempts, 2, 'nothing to retry after a success');
  });
});
