import type { OutgoingMessage, SendOptions } from '../transport.ts';

/** Sends messages and settles once the broker acknowledged every one of them (a BatchingSender, or one in front of it). */
export interface MessageSender {
  send(messages: readonly OutgoingMessage[]): Promise<void>;
}

/** A client's producer behind its batching sender. */
export interface PooledSender {
  readonly sender: MessageSender;
  readonly disconnect: () => Promise<void>;
}

/**
 * The service's producers, whichever the client: events whose producer settings (SendOptions) agree
 * share one producer and its batching sender, created on first use (by `create`) and connected once.
 */
export class SenderPool {
  readonly #create: (options: SendOptions) => Promise<PooledSender>;
  readonly #senders = new Map<string, Promise<PooledSender>>();
  /** The senders whose producer is connected, for the common case of a send that need not wait. */
  readonly #readySenders = new Map<string, MessageSender>();
  /** Sharing keys of the SendOptions objects seen (the same config objects come back on every send). */
  readonly #sharingKeys = new WeakMap<SendOptions, string>();

  constructor(create: (options: SendOptions) => Promise<PooledSender>) {
    this.#create = create;
  }

  send(messages: readonly OutgoingMessage[], options: SendOptions = {}): Promise<void> {
    if (messages.length === 0) return Promise.resolve();
    const ready = this.#readySenders.get(this.#sharingKey(options));
    if (ready) return ready.send(messages);
    return this.senderFor(options).then(({ sender }) => sender.send(messages));
  }

  /** The (connected) sender for these settings. */
  senderFor(options: SendOptions): Promise<PooledSender> {
    const key = this.#sharingKey(options);
    let entry = this.#senders.get(key);
    if (!entry) {
      entry = this.#create(options);
      this.#senders.set(key, entry);
      entry.then(
        ({ sender }) => this.#readySenders.set(key, sender),
        () => this.#senders.delete(key),
      );
    }
    return entry;
  }

  async disconnect(): Promise<void> {
    const senders = await Promise.allSettled(this.#senders.values());
    await Promise.all(senders.map((entry) => (entry.status === 'fulfilled' ? entry.value.disconnect() : Promise.resolve())));
    this.#senders.clear();
    this.#readySenders.clear();
  }

  #sharingKey(options: SendOptions): string {
    let key = this.#sharingKeys.get(options);
    if (key === undefined) {
      key = JSON.stringify(options, Object.keys(options).sort());
      this.#sharingKeys.set(options, key);
    }
    return key;
  }
}
