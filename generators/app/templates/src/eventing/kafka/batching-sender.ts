// <%- generatedHeader %>
import type { CompressionTypes, Message, Producer, TopicMessages } from 'kafkajs';
import type { OutgoingMessage } from '../transport.ts';

interface Waiting {
  readonly messages: readonly OutgoingMessage[];
  readonly resolve: () => void;
  readonly reject: (error: Error) => void;
  settled: boolean;
  timer: NodeJS.Timeout;
}

export interface BatchingSenderOptions {
  readonly acks: number;
  readonly compression: CompressionTypes;
  /** Each `send` resolves or rejects within this time, whatever the broker does. */
  readonly sendTimeoutMs: number;
}

/**
 * Coalesces concurrent sends into shared produce requests: while one request is in flight, new
 * sends wait and then go out together in the next. Each caller's promise resolves only once the
 * request carrying its messages was acknowledged, and rejects if that request failed or its time ran out.
 * One request in flight at a time also keeps the order of messages per partition.
 */
export class BatchingSender {
  readonly #producer: Producer;
  readonly #options: BatchingSenderOptions;
  #queue: Waiting[] = [];
  #inFlight = false;

  constructor(producer: Producer, options: BatchingSenderOptions) {
    this.#producer = producer;
    this.#options = options;
  }

  send(messages: readonly OutgoingMessage[]): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const waiting: Waiting = {
        messages,
        resolve,
        reject,
        settled: false,
        timer: setTimeout(() => this.#timeOut(waiting), this.#options.sendTimeoutMs),
      };
      this.#queue.push(waiting);
      this.#pump();
    });
  }

  #timeOut(waiting: Waiting): void {
    // Not sent yet: drop it so that nothing goes out after its caller was told it failed.
    this.#queue = this.#queue.filter((entry) => entry !== waiting);
    settle(waiting, new Error(`send not acknowledged within ${this.#options.sendTimeoutMs} ms`));
  }

  #pump(): void {
    if (this.#inFlight || this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#inFlight = true;
    this.#producer
      .sendBatch({ topicMessages: byTopic(batch), acks: this.#options.acks, compression: this.#options.compression })
      .then(
        () => batch.forEach((waiting) => settle(waiting)),
        (error: unknown) => batch.forEach((waiting) => settle(waiting, error instanceof Error ? error : new Error(String(error)))),
      )
      .finally(() => {
        this.#inFlight = false;
        this.#pump();
      });
  }
}

function settle(waiting: Waiting, error?: Error): void {
  if (waiting.settled) return;
  waiting.settled = true;
  clearTimeout(waiting.timer);
  if (error) waiting.reject(error);
  else waiting.resolve();
}

function byTopic(batch: readonly Waiting[]): TopicMessages[] {
  const topics = new Map<string, Message[]>();
  for (const waiting of batch) {
    for (const message of waiting.messages) {
      const list = topics.get(message.topic) ?? [];
      list.push({ key: message.key, value: message.value, headers: message.headers });
      topics.set(message.topic, list);
    }
  }
  return [...topics].map(([topic, messages]) => ({ topic, messages }));
}
