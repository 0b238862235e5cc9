<% if (service.database) { -%>
// First: gives the run its own database before the configuration is read.
import './support/database.ts';
<% } -%>
import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { MemoryTransport } from 'kafka-eventing-runtime';
import { startService, type RunningService } from '../src/service.ts';

describe('health', () => {
  let service: RunningService;

  before(async () => {
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport: new MemoryTransport() });
  });

  after(() => service.stop());

  it('answers /health/live', async () => {
    const response = await fetch(`http://127.0.0.1:${service.port}/health/live`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers /health/ready once started', async () => {
    const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { checks: Record<string, boolean> };
    assert.deepEqual(body.checks, { started: true, broker: true, writable: true, schemaRegistry: true });
  });
});
