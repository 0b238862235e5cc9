/**
 * Wiring type safety of a generated service, without a broker: a handler for another event than its
 * subscription's does not compile, and a handler whose dependencies nothing registered stops the
 * service at start, naming the handler and the dependency.
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderSmallService, runIn, typecheck } from './support/rendered.js';

describe('generated service: handler wiring (no broker)', function () {
  this.timeout(600_000);
  let dir: string;
  let originalHandler: string;
  const handlerFile = 'src/subscriptions/payment-received.handler.ts';
  const editHandler = (edit: (text: string) => string) => writeFileSync(path.join(dir, handlerFile), edit(originalHandler));

  before(async () => {
    dir = await renderSmallService('json', 'wiring-check');
    originalHandler = readFileSync(path.join(dir, handlerFile), 'utf8');
  });

  afterEach(() => writeFileSync(path.join(dir, handlerFile), originalHandler));

  it('fails tsc, in the handler file, when handle takes another event than the subscription delivers', async () => {
    // The handler expects a field PaymentReceived does not have: it would read undefined at run time.
    editHandler((text) => text.replace('async handle(event: PaymentReceived,', 'async handle(event: PaymentReceived & { refundOf: string },'));
    const outcome = await typecheck(dir);
    assert.equal(outcome.ok, false, 'tsc should fail');
    assert.match(outcome.output, /src\/subscriptions\/payment-received\.handler\.ts\(\d+,\d+\): error TS/);
  });

  it('fails tsc, in the subscription list, when the handler declares itself for another event', async () => {
    editHandler((text) =>
      text
        .replace(
          "import type { PaymentReceived, EventBus } from '../events/index.ts';",
          "import type { OrderPlaced, EventBus } from '../events/index.ts';",
        )
        .replace('EventHandler<PaymentReceived>', 'EventHandler<OrderPlaced>')
        .replace('async handle(event: PaymentReceived,', 'async handle(event: OrderPlaced,'),
    );
    const outcome = await typecheck(dir);
    assert.equal(outcome.ok, false, 'tsc should fail');
    assert.match(outcome.output, /src\/subscriptions\/index\.ts\(\d+,\d+\): error TS/);
  });

  it('fails tsc when a handler depends on a service the container does not declare', async () => {
    editHandler((text) =>
      text.replace(
        '  readonly eventBus: EventBus;\n}',
        '  readonly eventBus: EventBus;\n  readonly refunds: { refund(id: string): Promise<void> };\n}',
      ),
    );
    const outcome = await typecheck(dir);
    assert.equal(outcome.ok, false, 'tsc should fail');
    assert.match(outcome.output, /src\/subscriptions\/index\.ts\(\d+,\d+\): error TS/);
  });

  it('refuses to start, naming handler and dependency, when a declared service was never registered', async () => {
    const servicesFile = path.join(dir, 'src/services.ts');
    const services = readFileSync(servicesFile, 'utf8');
    try {
      // Declared in Services (so it compiles) but never registered in registerServices.
      writeFileSync(
        servicesFile,
        services.replace(/export interface Services \{\}/, 'export interface Services {\n  refunds: { refund(id: string): Promise<void> };\n}'),
      );
      editHandler((text) =>
        text
          .replace(
            '  readonly eventBus: EventBus;\n}',
            "  readonly eventBus: EventBus;\n  readonly refunds: import('../services.ts').Services['refunds'];\n}",
          )
          .replace('constructor({ logger }:', 'constructor({ logger, refunds }:')
          .replace('this.#logger = logger', 'void refunds;\n    this.#logger = logger'),
      );
      const compiled = await typecheck(dir);
      assert.ok(compiled.ok, `the edited service compiles:\n${compiled.output}`);
      writeFileSync(
        path.join(dir, 'start-check.ts'),
        [
          "import { loadConfig } from './src/config.ts';",
          "import { MemoryTransport } from 'kafka-eventing-runtime';",
          "import { startService } from './src/service.ts';",
          "const config = loadConfig({ service: { port: 0 }, log: { level: 'silent' }, eventing: { transport: 'memory' } });",
          'try {',
          '  const service = await startService(config, { transport: new MemoryTransport() });',
          "  console.log('STARTED');",
          '  await service.stop();',
          '} catch (error) {',
          '  console.log(`REFUSED: ${error instanceof Error ? error.message : String(error)}`);',
          '}',
        ].join('\n'),
      );
      const outcome = await runIn(dir, process.execPath, ['--disable-warning=ExperimentalWarning', 'start-check.ts'], { NODE_ENV: 'test' });
      assert.ok(outcome.ok, outcome.output);
      assert.doesNotMatch(outcome.output, /STARTED/, 'the service must not start');
      assert.match(outcome.output, /REFUSED: .*PaymentReceivedHandler/);
      assert.match(outcome.output, /REFUSED: .*"refunds"/);
      assert.match(outcome.output, /src\/services\.ts/);
    } finally {
      writeFileSync(servicesFile, services);
    }
  });
});
