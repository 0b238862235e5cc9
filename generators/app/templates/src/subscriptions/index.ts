// <%- generatedHeader %>
import type { BatchEventHandler, EventHandler } from 'kafka-eventing-runtime';
import type { Cradle } from '../container.ts';
import type { EventName, Events } from '../events/index.ts';
<% for (const subscription of subscriptions) { -%>
import { <%- subscription.handlerClass %> } from '<%- subscription.importPath %>';
<% } -%>

/**
 * A handler class: built for each message, its constructor takes what it needs from the message's DI
 * scope (what it asks for must be part of the container's Cradle), and it handles one event type.
 */
export type HandlerClass<Payload> = new (dependencies: Cradle) => EventHandler<Payload>;

/** A batch subscription's handler class: built once per batch, in the batch's DI scope. */
export type BatchHandlerClass<Payload> = new (dependencies: Cradle) => BatchEventHandler<Payload>;

/** What the container registers for a subscription: either kind of handler, of any event. */
export type SubscriptionHandler = EventHandler<never> | { readonly handleBatch: (items: never) => Promise<unknown> };

/** A subscription to one event: its handler must take exactly that event (another one does not compile). */
<% if (events.length === 0) { -%>
export type SubscriptionDefinition =
  | { readonly name: string; readonly event: EventName; readonly batch?: false; readonly handler: HandlerClass<Events[EventName]> }
  | { readonly name: string; readonly event: EventName; readonly batch: true; readonly handler: BatchHandlerClass<Events[EventName]> };
<% } else { -%>
export type SubscriptionDefinition = {
  readonly [Name in EventName]:
    | { readonly name: string; readonly event: Name; readonly batch?: false; readonly handler: HandlerClass<Events[Name]> }
    | { readonly name: string; readonly event: Name; readonly batch: true; readonly handler: BatchHandlerClass<Events[Name]> };
}[EventName];
<% } -%>

<% if (subscriptions.length === 0) { -%>
export const subscriptionDefinitions: readonly SubscriptionDefinition[] = [];
<% } else { -%>
export const subscriptionDefinitions: readonly SubscriptionDefinition[] = [
<% for (const subscription of subscriptions) { -%>
<%- fitList('{ ', [`name: '${subscription.name}'`, `event: '${subscription.event}'`, ...(subscription.batch ? ['batch: true'] : []), `handler: ${subscription.handlerClass}`], ' },', '  ') %>
<% } -%>
];
<% } -%>

/** The name a subscription's handler is registered under in the container. */
export function handlerRegistrationName(subscriptionName: string): string {
  return `handler:${subscriptionName}`;
}
