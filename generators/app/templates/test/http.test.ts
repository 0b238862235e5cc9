// <%- generatedHeader %>
// The HTTP answers the service gives before or instead of your routes: JSON in every case.
<% if (service.database) { -%>
// First: gives the run its own database before the configuration is read.
import './support/database.ts';
<% } -%>
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { MemoryTransport } from 'kafka-eventing-runtime';
import { startService, type RunningService } from '../src/service.ts';

describe('HTTP answers', () => {
  let service: RunningService;
  let base: string;

  before(async () => {
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport: new MemoryTransport() });
    base = `http://127.0.0.1:${service.port}`;
  });

  after(() => service.stop());

  it('answers a path no route handles with 404 and a JSON error naming it', async () => {
    const response = await fetch(`${base}/no/such/route`, { method: 'DELETE' });
    assert.equal(response.status, 404);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
    assert.deepEqual(await response.json(), { error: 'no route for DELETE /no/such/route' });
  });

  it('answers a body that is not JSON with 415', async () => {
    const response = await fetch(`${base}/no/such/route`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    assert.equal(response.status, 415);
    assert.match(((await response.json()) as { error: string }).error, /must be JSON/);
  });

  it('answers malformed JSON with 400 in JSON', async () => {
    const response = await fetch(`${base}/no/such/route`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"unterminated',
    });
    assert.equal(response.status, 400);
    assert.match(response.headers.get('content-type') ?? '', /^application\/json/);
  });
});
