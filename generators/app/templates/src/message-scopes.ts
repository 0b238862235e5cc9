// <%- generatedHeader %>
import { asValue, type AwilixContainer } from 'awilix';
import type { MessageContext, MessageScope, MessageScopes } from 'kafka-eventing-runtime';
<% if (service.database) { -%>
import { recordInInbox } from 'kafka-eventing-runtime/postgres';
<% } -%>
import type { Cradle } from './container.ts';

/** The message scopes of a subscription whose handler is registered as `registrationName`: child scopes of `container`. */
<% if (service.database) { -%>
export function containerMessageScopes<Handler>(
  container: AwilixContainer<Cradle>,
  registrationName: string,
  subscription: string,
): MessageScopes<Handler> {
  return (context) => new ContainerMessageScope<Handler>(container, registrationName, subscription, context);
}
<% } else { -%>
export function containerMessageScopes<Handler>(container: AwilixContainer<Cradle>, registrationName: string): MessageScopes<Handler> {
  return (context) => new ContainerMessageScope<Handler>(container, registrationName, context);
}
<% } -%>

/** A message scope as an awilix child scope, with the message's context registered as `messageContext`. */
class ContainerMessageScope<Handler> implements MessageScope<Handler> {
  readonly #scope: AwilixContainer<Cradle>;
  readonly #registrationName: string;
<% if (service.database) { -%>
  readonly #subscription: string;
<% } -%>

  constructor(container: AwilixContainer<Cradle>, registrationName: string<% if (service.database) { %>, subscription: string<% } %>, context: MessageContext) {
    this.#scope = container.createScope<Cradle>();
    this.#scope.register('messageContext', asValue(context));
    this.#registrationName = registrationName;
<% if (service.database) { -%>
    this.#subscription = subscription;
<% } -%>
  }

  handler(): Handler {
    return this.#scope.resolve<Handler>(this.#registrationName);
  }
<% if (service.database) { -%>

  claim(eventId: string): Promise<boolean> {
    return recordInInbox(this.#scope.cradle.db, this.#subscription, eventId);
  }

  complete(): Promise<void> {
    return this.#scope.cradle.unitOfWork.complete();
  }

  abort(): Promise<void> {
    return this.#scope.cradle.unitOfWork.abort();
  }
<% } else { -%>

  complete(): Promise<void> {
    // Only a bus that something in this scope resolved can hold events: do not build one to flush nothing.
    return this.#scope.cache.has('eventBus') ? this.#scope.cradle.eventBus.flushAll() : Promise.resolve();
  }

  abort(): Promise<void> {
    if (this.#scope.cache.has('eventBus')) this.#scope.cradle.eventBus.discard();
    return Promise.resolve();
  }
<% } -%>

  /**
   * What awilix' dispose() does (forget what the scope resolved, run the disposers of what has one),
   * without its promises when nothing resolved has a disposer (the usual handler scope).
   */
  release(): Promise<void> | undefined {
    for (const { resolver } of this.#scope.cache.values()) {
      if ('dispose' in resolver && resolver.dispose !== undefined) return this.#scope.dispose();
    }
    this.#scope.cache.clear();
    return undefined;
  }
}
