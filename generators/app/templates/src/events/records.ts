// <%- generatedHeader %>
// The record types of the service's events (yo kafka-eventing:type), declared once and used by every event that names them.
<% for (const [index, record] of records.entries()) { -%>
<% if (index > 0) { -%>

<% } -%>
/** <%- record.description %> */
export interface <%- record.name %> {
<% for (const property of record.properties) { -%>
<%- property %>
<% } -%>
}
<% } -%>
