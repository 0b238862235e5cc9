/**
 * The templates rendered with a small model into a temporary folder, with the shared dependency
 * install linked in, and the service's own checks run on it, all without a broker: the fast suite's
 * view of the runtime every generated service gets.
 */
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import type { KafkaClient } from '../../generators/lib/kafka-client.js';
import type { SchemaFormat } from '../../generators/lib/model.js';
import { generate, linkDependencies, tempDir } from './service.js';

const run = promisify(execFile);

/** A small model: a published event with every type, an optional and an array field, an external event, a subscription to each. */
export async function renderSmallService(
  schemaFormat: SchemaFormat,
  name = `shop-${schemaFormat}`,
  kafkaClient: KafkaClient = 'kafkajs',
): Promise<string> {
  const workspace = tempDir(`rendered-${schemaFormat}`);
  await generate(workspace, 'app', [name], { schemaFormat, kafkaClient });
  const dir = path.join(workspace, name);
  await generate(dir, 'event', ['OrderPlaced'], {
    fields: 'orderId:uuid, total:number, quantity:int, placedAt:datetime, note?:string, tags:string[]',
    key: 'orderId',
  });
  await generate(dir, 'event', ['PaymentReceived'], {
    fields: 'paymentId:uuid, amount:number, reference?:string, lines?:int[]',
    external: true,
    topic: 'payments.payment-received',
  });
  await generate(dir, 'subscription', [], { event: 'OrderPlaced' });
  await generate(dir, 'subscription', [], { event: 'PaymentReceived' });
  await generate(dir, 'subscription', [], { event: 'OrderPlaced', name: 'IndexOrders', batch: true });
  await addEveryTypeEvent(dir);
  await linkDependencies(dir);
  return dir;
}

/**
 * Record types and an event that uses every type beyond the first scalars: nested records (a list of
 * them, an optional one, one inside another), an enum, maps, decimals, a date, a timestamp and bytes;
 * published and subscribed to, so the service's own tests cover each type.
 */
export async function addEveryTypeEvent(dir: string): Promise<void> {
  await generate(dir, 'type', ['Money'], { fields: 'amount:decimal(12,2), currency:enum(EUR|USD|GBP)' });
  await generate(dir, 'type', ['OrderLine'], { fields: 'sku:string, quantity:int, price:Money, madeOn?:date' });
  await generate(dir, 'type', ['Address'], { fields: 'street:string, city:string, zip?:string' });
  await generate(dir, 'event', ['OrderShipped'], {
    fields:
      'orderId:uuid, status:enum(pending|paid|shipped), lines:OrderLine[], shipping?:Address, total:decimal(10,2), shippedOn:date, ' +
      'shippedAt:timestamp, label:bytes, attributes:map<string>, weights?:map<int>, discounts?:map<decimal(5,2)>, notes?:string[]',
    key: 'orderId',
  });
  await generate(dir, 'subscription', [], { event: 'OrderShipped' });
}

export interface Outcome {
  readonly ok: boolean;
  /** stdout and stderr together. */
  readonly output: string;
  readonly ms: number;
}

/** Runs a command in the service folder; never throws for a non-zero exit (the outcome says). */
export async function runIn(dir: string, command: string, args: string[], env: Record<string, string> = {}): Promise<Outcome> {
  const started = Date.now();
  try {
    const { stdout, stderr } = await run(command, args, {
      cwd: dir,
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, CI: 'true', ...env },
    });
    return { ok: true, output: `${stdout}${stderr}`, ms: Date.now() - started };
  } catch (error) {
    const failure = error as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${failure.stdout ?? ''}${failure.stderr ?? failure.message}`, ms: Date.now() - started };
  }
}

/** `tsc --noEmit` with the service's own tsconfig.json (strict). */
export function typecheck(dir: string): Promise<Outcome> {
  return runIn(dir, process.execPath, [path.join(dir, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--noEmit']);
}

/** The service's mocha tests (what `npm test` runs after the type check), on the in-memory transport. */
export function serviceTests(dir: string): Promise<Outcome> {
  return runIn(dir, process.execPath, [path.join(dir, 'node_modules', 'mocha', 'bin', 'mocha.js')], { NODE_ENV: 'test' });
}

interface PrettierApi {
  resolveConfig(file: string): Promise<Record<string, unknown> | null>;
  check(source: string, options: Record<string, unknown>): Promise<boolean>;
}

/**
 * What `npm run format:check` (prettier --check src test eslint.config.js) checks, run in this process
 * with the service's own Prettier and .prettierrc.json: no npm and Prettier start per check.
 */
export async function formatCheckInProcess(dir: string): Promise<Outcome> {
  const started = Date.now();
  const prettier = (await import(pathToFileURL(path.join(dir, 'node_modules', 'prettier', 'index.mjs')).href)) as PrettierApi;
  const files = ['eslint.config.js', ...['src', 'test'].flatMap((folder) => sourceFiles(dir, folder))];
  const unformatted: string[] = [];
  for (const file of files) {
    const filepath = path.join(dir, file);
    const options = (await prettier.resolveConfig(filepath)) ?? {};
    if (!(await prettier.check(readFileSync(filepath, 'utf8'), { ...options, filepath }))) unformatted.push(file);
  }
  const output = unformatted.length === 0 ? `${files.length} files use Prettier code style` : `not formatted: ${unformatted.join(', ')}`;
  return { ok: unformatted.length === 0 && files.length > 1, output, ms: Date.now() - started };
}

function sourceFiles(dir: string, folder: string): string[] {
  return readdirSync(path.join(dir, folder), { recursive: true, encoding: 'utf8' })
    .filter((file) => /\.(ts|js|json)$/.test(file))
    .map((file) => path.posix.join(folder, file.split(path.sep).join('/')));
}
