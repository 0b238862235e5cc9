import type { MessageContext } from './handler.ts';

/**
 * The unit of work of one handled message (or of one batch handler call): a fresh DI scope in which
 * the subscription's handler is built, and the end of what the handler did. The workers know only this
 * port; the service's composition root implements it on its container (src/message-scopes.ts).
 */
export interface MessageScope<Handler> {
  /** The subscription's handler, built in this scope by constructor injection; throws when it cannot be built. */
  handler(): Handler;
  /**
   * With an inbox (a database): records the event in the scope's transaction; false when it is there
   * already (a redelivery). Without one, absent.
   */
  claim?(eventId: string): Promise<boolean>;
  /** Makes what the handler did durable: its events are sent (with a database: committed with its transaction). */
  complete(): Promise<void>;
  /** Drops what the handler published (with a database: rolls its transaction back); never rejects. */
  abort(): Promise<void>;
  /** Ends the scope: what it built is forgotten, disposers run. The promise, when there is one, is their end. */
  release(): Promise<void> | undefined;
}

/** Opens the message scopes of one subscription, each with the context its events are published in. */
export type MessageScopes<Handler> = (context: MessageContext) => MessageScope<Handler>;
