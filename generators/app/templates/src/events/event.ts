// <%- generatedHeader %>
import type { EventDefinition } from 'kafka-eventing-runtime';
<% if (event.recordImports.length > 0) { -%>
<%- fitList('import type { ', event.recordImports, " } from './records.ts';") %>
<% } -%>

/**
 * <%- event.description %>
<% if (event.external) { -%>
 * Published by another service on topic `<%- event.topic %>`; this service only consumes it.
<% } else { -%>
 * Published on topic `<%- event.topic %>`, schema subject `<%- event.subject %>`.
<% } -%>
 */
export interface <%- event.name %> {
<% for (const property of event.properties) { -%>
<%- property %>
<% } -%>
}

export const <%- event.constName %>: EventDefinition<<%- event.name %>> = {
  name: '<%- event.name %>',
  external: <%- event.external %>,
  schemaFormat: '<%- service.schemaFormat %>',
  schema: <%- event.schemaLiteral %>,
<% if (event.payloadSchemaLiteral) { -%>
  payloadSchema: <%- event.payloadSchemaLiteral %>,
<% } -%>
<% if (event.formatsLiteral) { -%>
  formats: <%- event.formatsLiteral %>,
<% } -%>
  keyOf: <% if (event.key) { %>(event) => String(event.<%- event.key %>)<% } else { %>() => null<% } %>,
};
