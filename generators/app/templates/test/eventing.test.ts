// <%- generatedHeader %>
// Checks every event and subscription of the model on the in-memory transport (no broker needed).
<% if (service.database) { -%>
// First: gives the run its own database before the configuration is read.
import './support/database.ts';
<% } -%>
import assert from 'node:assert/strict';
import { asValue } from 'awilix';
import { loadConfig } from '../src/config.ts';
<% if (publishedEvents.length > 0) { -%>
<%- fitList('import { ', ['EventValidationError', ...(publishedEvents.some((event) => event.payloadSchemaLiteral) ? ['SchemaValidator'] : [])], " } from 'kafka-eventing-runtime';") %>
<% } -%>
<% if (publishedEvents.length > 0 || subscriptions.length > 0) { -%>
import { EventHeaders } from 'kafka-eventing-runtime';
<% } -%>
<% if (publishedEvents.length > 0) { -%>
import { eventDefinitions } from '../src/events/index.ts';
<% } -%>
import { MemoryTransport } from 'kafka-eventing-runtime';
import { startService, type RunningService } from '../src/service.ts';

describe('eventing (in-memory transport)', () => {
  let service: RunningService;
  let transport: MemoryTransport;

  beforeEach(async () => {
    transport = new MemoryTransport();
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport });
  });

  afterEach(() => service.stop());

  it('sends nothing until flushAll, and nothing after discard', async () => {
    const scope = service.container.createScope();
    scope.register({ messageContext: asValue({ correlationId: 'c-1', causationId: null }) });
    const bus = scope.cradle.eventBus;
    assert.equal(bus.pending, 0);
    await bus.flushAll();
    bus.discard();
    assert.equal(bus.pending, 0);
    await scope.dispose();
  });
<% for (const event of publishedEvents) { -%>

  describe('<%- event.name %>', () => {
    const valid = <%- samples[event.name].valid %>;

    it('is buffered by publish, sent by flushAll with its headers, and read back', async () => {
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-<%- event.fileBase %>', causationId: null }) });
      const eventId = scope.cradle.eventBus.publish('<%- event.name %>', valid);
      assert.equal(transport.messages('<%- event.topic %>').length, 0);
      await scope.cradle.eventBus.flushAll();
      const [message] = transport.messages('<%- event.topic %>');
      assert.ok(message);
      assert.equal(message.headers[EventHeaders.eventId], eventId);
      assert.equal(message.headers[EventHeaders.eventType], '<%- event.name %>');
      assert.equal(message.headers[EventHeaders.correlationId], 'c-<%- event.fileBase %>');
<% if (event.key) { -%>
      assert.equal(message.key?.toString(), String(valid.<%- event.key %>));
<% } else { -%>
      assert.equal(message.key, null);
<% } -%>
      const { eventCodec } = service.container.cradle;
      assert.deepEqual(await eventCodec.decode(eventDefinitions.<%- event.name %>, message.value ?? Buffer.alloc(0)), valid);
      await transport.idle();
      await scope.dispose();
    });

    it('rejects a payload that breaks its schema, naming the field, and sends nothing', async () => {
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-invalid', causationId: null }) });
      const invalid = <%- samples[event.name].invalid %>;
<% if (samples[event.name].invalidBreaksType) { -%>
      // @ts-expect-error -- a payload of the wrong type on purpose: the schema check must refuse it as well
<% } -%>
      scope.cradle.eventBus.publish('<%- event.name %>', invalid);
      await assert.rejects(scope.cradle.eventBus.flushAll(), (error: unknown) => {
        assert.ok(error instanceof EventValidationError);
        assert.match(error.message, /<%- samples[event.name].invalidField %>/);
        return true;
      });
      assert.equal(transport.messages('<%- event.topic %>').length, 0);
      await scope.dispose();
    });
<% if (event.payloadSchemaLiteral) { -%>

    it('goes into its Avro schema and back unchanged (records, enums, maps, decimals, dates, timestamps, bytes)', () => {
      const validator = new SchemaValidator();
      const definition = eventDefinitions.<%- event.name %>;
      const body = validator.serialize(definition, valid);
      assert.ok(typeof body !== 'string');
      assert.deepEqual(validator.fromWire(definition, validator.avroType(definition).fromBuffer(body)), valid);
    });
<% } -%>
<% for (const [what, sample] of [['NaN in a number field', samples[event.name].notANumber], ['a malformed uuid or date-time', samples[event.name].badFormat], ...samples[event.name].typeCases.map((typeCase) => [typeCase.what, typeCase])]) { if (!sample) continue; -%>

    it('rejects <%- what %> (<%- sample.field %>) before sending, as both schema formats do', async () => {
      const scope = service.container.createScope();
      scope.register({ messageContext: asValue({ correlationId: 'c-invalid', causationId: null }) });
      const payload = <%- sample.payload %>;
      scope.cradle.eventBus.publish('<%- event.name %>', payload);
      await assert.rejects(scope.cradle.eventBus.flushAll(), (error: unknown) => {
        assert.ok(error instanceof EventValidationError);
        assert.match(error.message, /<%- sample.field %>/);
        return true;
      });
      assert.equal(transport.messages('<%- event.topic %>').length, 0);
      await scope.dispose();
    });
<% } -%>
  });
<% } -%>
<% for (const subscription of subscriptions) { -%>

  it('runs the <%- subscription.name %> handler on a <%- subscription.event %> without dead-lettering it', async () => {
    const payload = <%- samples[subscription.event].valid %>;
    await transport.send([
      {
        topic: '<%- subscription.eventView.topic %>',
        key: null,
        value: Buffer.from(JSON.stringify(payload)),
        headers: { [EventHeaders.eventId]: 'e-1', [EventHeaders.eventType]: '<%- subscription.event %>' },
      },
    ]);
    await transport.idle();
    assert.equal(transport.messages('<%- subscription.deadLetterTopic %>').length, 0);
  });
<% } -%>
});
