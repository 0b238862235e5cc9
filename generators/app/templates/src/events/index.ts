// <%- generatedHeader %>
import type { EventBus as Bus, EventCatalog, EventDefinition } from 'kafka-eventing-runtime';
<% for (const event of events) { -%>
<%- fitList('import { ', [event.constName, `type ${event.name}`], ` } from '${event.importPath}';`) %>
<% } -%>
<% if (events.length > 0) { -%>

<%- fitList('export type { ', events.map((event) => event.name), ' };') %>
<% } -%>

/** Every event of the model, by name. */
<% if (events.length === 0) { -%>
export type Events = Record<never, never>;
<% } else { -%>
export interface Events {
<% for (const event of events) { -%>
  <%- event.name %>: <%- event.name %>;
<% } -%>
}
<% } -%>

/** The events this service publishes (not those other services publish). */
<% if (publishedEvents.length === 0) { -%>
export type PublishedEvents = Record<never, never>;
<% } else { -%>
export interface PublishedEvents {
<% for (const event of publishedEvents) { -%>
  <%- event.name %>: <%- event.name %>;
<% } -%>
}
<% } -%>

export type EventName = keyof Events;
export type PublishedEventName = keyof PublishedEvents;

<% if (events.length === 0) { -%>
export const eventDefinitions: { readonly [Name in EventName]: EventDefinition<Events[Name]> } = {};
<% } else { -%>
export const eventDefinitions: { readonly [Name in EventName]: EventDefinition<Events[Name]> } = {
<% for (const event of events) { -%>
  <%- event.name %>: <%- event.constName %>,
<% } -%>
};
<% } -%>

<%- fitList('export const publishedEventNames: readonly PublishedEventName[] = [', publishedEvents.map((event) => `'${event.name}'`), '];') %>

/** The events as the runtime sees them: the producers, the outbox and the workers take them from here. */
export const eventCatalog: EventCatalog = { definitions: eventDefinitions, published: publishedEventNames };

/** The unit of work's bus: `publish` takes only this service's events, each with its own payload type. */
export type EventBus = Bus<PublishedEvents>;
