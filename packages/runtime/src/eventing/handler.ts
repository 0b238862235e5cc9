/** What a handler knows about the message it handles, besides the event itself. */
export interface EventContext {
  readonly eventId: string;
  readonly eventType: string;
  readonly occurredAt: string;
  readonly correlationId: string;
  readonly causationId: string | null;
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly key: string | null;
  /** 1 on the first delivery to the handler, 2 on its first retry, and so on. */
  readonly attempt: number;
  readonly headers: Readonly<Record<string, string>>;
}

/**
 * A subscription's handler: a class whose dependencies come through its constructor. `handle` is a
 * function-typed property so that its parameter is checked strictly: a handler that expects more
 * than the event it is given does not compile.
 */
export interface EventHandler<Payload> {
  readonly handle: (event: Payload, context: EventContext) => Promise<void>;
}

/**
 * Where the events published in one unit of work take their correlation and causation ids from:
 * the HTTP request, or the message being handled.
 */
export interface MessageContext {
  readonly correlationId: string;
  readonly causationId: string | null;
}
