/** Told of every offset commit of a consumer group (what the lag is measured from). */
export type CommitListener = (groupId: string, topic: string, partition: number, offset: string) => void;

/** Offsets this process committed, per group, topic and partition: what the lag is measured from first. */
export class CommittedOffsets {
  readonly #offsets = new Map<string, Map<number, string>>();

  /** A commit of `groupId` landed: `offset` is the next message the group reads in that partition. */
  readonly record: CommitListener = (groupId, topic, partition, offset) => {
    const key = `${groupId}\n${topic}`;
    const committed = this.#offsets.get(key) ?? new Map<number, string>();
    committed.set(partition, offset);
    this.#offsets.set(key, committed);
  };

  /** A copy of what `groupId` committed in `topic`, by partition. */
  of(groupId: string, topic: string): Map<number, string> {
    return new Map(this.#offsets.get(`${groupId}\n${topic}`));
  }
}

/** `promise`, or a rejection once `ms` passed. */
export async function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
