/**
 * The generated README's examples, taken from the README of a freshly generated service and used as
 * it tells a user to: the route file, src/services.ts, the handler's dependency, the route that reads
 * a service from the scope, and the handler test. They must type-check with the service's strict
 * settings and the handler test must pass on the in-memory transport (no broker).
 */
import assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { serviceTests, typecheck } from './support/rendered.js';
import { generate, linkDependencies, tempDir } from './support/service.js';

function section(readme: string, heading: string): string {
  const start = readme.indexOf(`## ${heading}`);
  assert.ok(start >= 0, `the README has a section "${heading}"`);
  const next = readme.indexOf('\n## ', start + 3);
  return readme.slice(start, next < 0 ? undefined : next);
}

function codeBlock(text: string): string {
  const block = /```ts\n([\s\S]*?)```/.exec(text)?.[1];
  assert.ok(block, 'the section shows a TypeScript block');
  return block;
}

/** Inline code spans of a section, in order. */
function spans(text: string): string[] {
  return [...text.replace(/```[\s\S]*?```/g, '').matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? '');
}

function replaceOnce(text: string, from: string | RegExp, to: string, what: string): string {
  const replaced = text.replace(from, to);
  assert.notEqual(replaced, text, `the handler template still has ${what}`);
  return replaced;
}

describe("the generated README's examples (no broker)", function () {
  this.timeout(600_000);
  let dir: string;
  let readme: string;

  before(async () => {
    const workspace = tempDir('readme-examples');
    await generate(workspace, 'app', ['orders']);
    dir = path.join(workspace, 'orders');
    readme = readFileSync(path.join(dir, 'README.md'), 'utf8');
  });

  it('compile as the README tells, and its handler test passes', async () => {
    const publishing = section(readme, 'Publishing from a route');
    const command = /`yo kafka-eventing:event OrderPlaced --fields "([^"]+)" --key (\w+) --yes`/.exec(publishing);
    assert.ok(command, 'the route section names the event command');
    await generate(dir, 'event', ['OrderPlaced'], { fields: command[1], key: command[2] });
    await generate(dir, 'subscription', [], { event: 'OrderPlaced' });

    const services = section(readme, 'Your own services: handlers and routes');
    writeFileSync(path.join(dir, 'src/services.ts'), codeBlock(services));
    const [dependency, constructor, routeSnippet] = spans(services).filter((span) => /readonly orderBook|constructor\(|unitOfWork\(/.test(span));
    assert.ok(dependency && constructor && routeSnippet, 'the section shows the dependency, the constructor and the route snippet');

    // The route file of "Publishing from a route", plus the route that reads the service from the scope.
    const routes = codeBlock(publishing).replace(/\n}\n$/, `\n  router.get('/orders/:id/total', ${routeSnippet});\n}\n`);
    writeFileSync(path.join(dir, 'src/routes/index.ts'), routes);

    // The handler as the section says: the dependency added, the constructor taking it, the event recorded.
    const handlerFile = path.join(dir, 'src/subscriptions/order-placed.handler.ts');
    let handler = readFileSync(handlerFile, 'utf8');
    handler = `import type { OrderBook } from '../services.ts';\n${handler}`;
    handler = replaceOnce(handler, '  readonly eventBus: EventBus;\n', `  readonly eventBus: EventBus;\n  ${dependency}\n`, 'its dependencies');
    handler = replaceOnce(
      handler,
      /constructor\(\{ logger \}: OrderPlacedHandlerDependencies\) \{/,
      `${constructor} {\n    this.#orderBook = orderBook;`,
      'its constructor',
    );
    handler = replaceOnce(handler, '  readonly #logger: Logger;\n', '  readonly #logger: Logger;\n  readonly #orderBook: OrderBook;\n', 'its fields');
    handler = replaceOnce(
      handler,
      /(async handle\(event: OrderPlaced, context: EventContext\): Promise<void> \{\n)/,
      '$1    this.#orderBook.record(event.orderId, event.total);\n',
      'its handle method',
    );
    writeFileSync(handlerFile, handler);

    writeFileSync(path.join(dir, 'test/order-book.test.ts'), codeBlock(section(readme, 'Testing a handler')));

    await linkDependencies(dir);
    const checked = await typecheck(dir);
    assert.ok(checked.ok, `the README's examples do not type-check:\n${checked.output}`);
    const tested = await serviceTests(dir);
    assert.ok(tested.ok, `the service's tests failed:\n${tested.output}`);
    assert.match(tested.output, /records the order/);
    assert.doesNotMatch(tested.output, /failing/);
  });
});
