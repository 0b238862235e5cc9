// <%- generatedHeader %>
import type { EventDefinition } from '../eventing/event-definition.ts';
<% for (const event of events) { -%>
import { <%- event.constName %>, type <%- event.name %> } from '<%- event.importPath %>';
<% } -%>
<% if (events.length > 0) { -%>

export type { <%- events.map((event) => event.name).join(', ') %> };
<% } -%>

/** Every event of the model, by name. */
export interface Events {
<% for (const event of events) { -%>
  <%- event.name %>: <%- event.name %>;
<% } -%>
}

/** The events this service publishes (not those other services publish). */
export interface PublishedEvents {
<% for (const event of publishedEvents) { -%>
  <%- event.name %>: <%- event.name %>;
<% } -%>
}

export type EventName = keyof Events;
export type PublishedEventName = keyof PublishedEvents;

export const eventDefinitions: { readonly [Name in EventName]: EventDefinition<Events[Name]> } = {
<% for (const event of events) { -%>
  <%- event.name %>: <%- event.constName %>,
<% } -%>
};

export const publishedEventNames: readonly PublishedEventName[] = [<%- publishedEvents.map((event) => `'${event.name}'`).join(', ') %>];
