// <%- generatedHeader %>
import type { EventName } from '../events/index.ts';
<% for (const subscription of subscriptions) { -%>
import { <%- subscription.handlerClass %> } from '<%- subscription.importPath %>';
<% } -%>

export interface SubscriptionDefinition {
  readonly name: string;
  readonly event: EventName;
  /** The handler class; its constructor receives its dependencies from the message's DI scope. */
  readonly handler: new (dependencies: never) => { handle(event: never, context: never): Promise<void> };
}

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
