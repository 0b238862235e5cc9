// <%- generatedHeader %>
import type { Cradle } from '../container.ts';
import type { EventHandler } from '../eventing/handler.ts';
import type { EventName, Events } from '../events/index.ts';
<% for (const subscription of subscriptions) { -%>
import { <%- subscription.handlerClass %> } from '<%- subscription.importPath %>';
<% } -%>

/**
 * A handler class: built for each message, its constructor takes what it needs from the message's DI
 * scope (what it asks for must be part of the container's Cradle), and it handles one event type.
 */
export type HandlerClass<Payload> = new (dependencies: Cradle) => EventHandler<Payload>;

/** A subscription to one event: its handler must take exactly that event (another one does not compile). */
<% if (events.length === 0) { -%>
export interface SubscriptionDefinition {
  readonly name: string;
  readonly event: EventName;
  readonly handler: HandlerClass<Events[EventName]>;
}
<% } else { -%>
export type SubscriptionDefinition = {
  readonly [Name in EventName]: { readonly name: string; readonly event: Name; readonly handler: HandlerClass<Events[Name]> };
}[EventName];
<% } -%>

<% if (subscriptions.length === 0) { -%>
export const subscriptionDefinitions: readonly SubscriptionDefinition[] = [];
<% } else { -%>
export const subscriptionDefinitions: readonly SubscriptionDefinition[] = [
<% for (const subscription of subscriptions) { -%>
<%- fitList('{ ', [`name: '${subscription.name}'`, `event: '${subscription.event}'`, `handler: ${subscription.handlerClass}`], ' },', '  ') %>
<% } -%>
];
<% } -%>

/** The name a subscription's handler is registered under in the container. */
export function handlerRegistrationName(subscriptionName: string): string {
  return `handler:${subscriptionName}`;
}
