import assert from 'node:assert/strict';
import { loadConfig } from '../src/config.ts';
import { MemoryTransport } from '../src/eventing/memory/memory-transport.ts';
import { startService, type RunningService } from '../src/service.ts';
<% if (service.database) { -%>
import { createTestDatabase, type TestDatabase } from './support/database.ts';
<% } -%>

describe('health', () => {
  let service: RunningService;

<% if (service.database) { -%>
  let database: TestDatabase;

  before(async () => {
    database = await createTestDatabase();
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' }, ...database.overrides });
    service = await startService(config, { transport: new MemoryTransport() });
  });

  after(async () => {
    await service.stop();
    await database.drop();
  });
<% } else { -%>
  before(async () => {
    const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });
    service = await startService(config, { transport: new MemoryTransport() });
  });

  after(() => service.stop());
<% } -%>

  it('answers /health/live', async () => {
    const response = await fetch(`http://127.0.0.1:${service.port}/health/live`);
    assert.equal(response.status, 200);
    assert.deepEqual(await response.json(), { status: 'ok' });
  });

  it('answers /health/ready once started', async () => {
    const response = await fetch(`http://127.0.0.1:${service.port}/health/ready`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as { checks: Record<string, boolean> };
<% if (service.database) { -%>
    assert.deepEqual(body.checks, { started: true, broker: true, schemaRegistry: true, database: true });
<% } else { -%>
    assert.deepEqual(body.checks, { started: true, broker: true, schemaRegistry: true });
<% } -%>
  });
});
