/**
 * What this process finished in each partition of a subscription (the next offset to handle), kept
 * across rejoins of its consumer group. When a group coordinator moves (its broker restarted or died),
 * kafkajs cannot commit until the consumer rejoins, and the rejoin starts again from the last
 * committed offset: every message finished since would run a second time. With this memory the
 * worker skips, in a partition it still owns, the messages it had already finished and commits past
 * them on the new coordinator. Skipping them is what their failed commit would have done: each was
 * handled (or dead-lettered) by this process, in order.
 */
export class HandledOffsets {
  readonly #next = new Map<number, bigint>();

  /** `offset` of `partition` finished, with every message before it. */
  finished(partition: number, offset: string): void {
    const next = BigInt(offset) + 1n;
    if (next > (this.#next.get(partition) ?? -1n)) this.#next.set(partition, next);
  }

  /**
   * How many leading messages of a fetched batch (in offset order) this process has finished
   * already: 0 unless the group delivers again what it handled before its commit could land.
   */
  alreadyFinished(partition: number, messages: readonly { readonly offset: string }[]): number {
    const next = this.#next.get(partition);
    if (next === undefined) return 0;
    let count = 0;
    while (count < messages.length && BigInt(messages[count]!.offset) < next) count += 1;
    return count;
  }
}
