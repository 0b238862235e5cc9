/**
 * Helpers for the generator specs: run a generator in a folder of our own (no yeoman-test auto
 * cleanup, so several runs can follow each other in one service), snapshot a folder's files, answer
 * prompts by setting, and check that a run failed with one clear UserInputError.
 */
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import helpers, { type RunResult } from 'yeoman-test';
import type { EventingModel } from '../../generators/lib/model.js';
import type { Settings } from '../../generators/lib/settings.js';
import type { JsonFile } from './json-files.js';
import { GENERATORS } from './paths.js';

export type GeneratorName = keyof typeof GENERATORS;

const temporaryDirs = new Set<string>();

/** A fresh empty folder, removed by `removeTmpDirs`. */
export function makeTmpDir(prefix = 'kafka-eventing-spec-'): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), prefix));
  temporaryDirs.add(dir);
  return dir;
}

/** Call from an `after` hook of every spec file that uses these helpers. */
export function removeTmpDirs(): void {
  for (const dir of temporaryDirs) rmSync(dir, { recursive: true, force: true });
  temporaryDirs.clear();
}

/** Answers for prompts, given by setting key; every prompt not answered takes its default (Enter). */
export interface PromptPlan<Answers> {
  settings: Settings<Answers>;
  answers: Partial<Record<keyof Answers & string, unknown>>;
}

/** What a run asked, in order: the setting key and the question as the adapter saw it. */
export interface AskedQuestion {
  key: string;
  message: string;
  type: string;
  default: unknown;
  /** The values offered by a select prompt. */
  choices: unknown[] | undefined;
  /** The text shown for each choice (the value itself when it has no text of its own). */
  choiceNames: string[] | undefined;
  validate: ((input: unknown) => unknown) | undefined;
}

export interface RunSpec<Answers = Record<string, unknown>> {
  args?: string[];
  options?: Record<string, unknown>;
  prompts?: PromptPlan<Answers>;
}

export interface Run {
  result: RunResult;
  asked: AskedQuestion[];
  /** What the generator printed through `this.log(...)` and `this.log.ok(...)` etc. */
  logged(): string[];
}

type LogSpy = { mock?: { calls: { arguments: unknown[] }[] } };

/** yeoman-test's adapter records every log call with node:test spies: read them back as text. */
function loggedBy(result: RunResult): string[] {
  type Logging = { log?: LogSpy & Record<string, LogSpy> };
  const adapter = result.env.adapter as unknown as Logging & { actualAdapter?: Logging };
  const log = adapter.actualAdapter?.log ?? adapter.log;
  if (!log) throw new Error('the test adapter has no log spy');
  const spies: LogSpy[] = [log, ...Object.values(log).filter((value): value is LogSpy => typeof value === 'function' && value !== log)];
  return spies.flatMap((spy) => spy.mock?.calls.map((call) => call.arguments.map(String).join(' ')) ?? []);
}

/**
 * Runs one generator with `dir` as the working folder. The generators' questions all share one
 * name, so answers are matched to settings by the question's message.
 */
export async function runGenerator<Answers>(name: GeneratorName, dir: string, spec: RunSpec<Answers> = {}): Promise<Run> {
  const asked: AskedQuestion[] = [];
  const originalCwd = process.cwd();
  try {
    const context = helpers.run(GENERATORS[name], { cwd: dir, autoCleanup: false });
    if (spec.args) context.withArguments(spec.args);
    if (spec.options) context.withOptions(spec.options);
    const plan = spec.prompts;
    const entries = Object.entries<{ message?: string }>(plan?.settings ?? {});
    // Any value: the callback replaces it with the planned answer or the question's default.
    context.withAnswers(
      { value: 'unplanned' },
      {
        callback: (_answer, { question }) => {
          const q = question as {
            message: unknown;
            type: string;
            default: unknown;
            choices?: unknown[];
            validate?: (input: unknown) => unknown;
          };
          const key = entries.find(([, setting]) => setting.message === q.message)?.[0];
          if (key === undefined) throw new Error(`unexpected question: ${String(q.message)}`);
          const choices = q.choices?.map((choice) => (isRecord(choice) && 'value' in choice ? choice.value : choice));
          const choiceNames = q.choices?.map((choice) => String(isRecord(choice) && 'name' in choice ? choice.name : choice));
          asked.push({ key, message: String(q.message), type: q.type, default: q.default, choices, choiceNames, validate: q.validate });
          const answers = (plan?.answers ?? {}) as Record<string, unknown>;
          return key in answers ? answers[key] : q.default;
        },
      },
    );
    const result = await context;
    return { result, asked, logged: () => loggedBy(result) };
  } finally {
    process.chdir(originalCwd);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** Runs a generator that must fail; returns the error. */
export async function runFailing<Answers>(name: GeneratorName, dir: string, spec: RunSpec<Answers> = {}): Promise<Error> {
  let outcome: Run | undefined;
  try {
    outcome = await runGenerator(name, dir, spec);
  } catch (error) {
    return error as Error;
  }
  assert.fail(`yo kafka-eventing:${name} should have failed; it wrote ${Object.keys(outcome.result.getSnapshot()).length} files`);
}

/**
 * The run failed with one clear message: a UserInputError, one line, no stack trace, naming what
 * was wrong (every fragment appears in the message).
 */
export function assertUserError(error: Error, ...fragments: string[]): void {
  assert.equal(error.name, 'UserInputError', `expected a UserInputError, got ${error.stack ?? String(error)}`);
  assert.doesNotMatch(error.message, /\n/, 'the message is one line');
  assert.equal(error.stack, `UserInputError: ${error.message}`, 'no stack trace');
  for (const fragment of fragments) {
    assert.ok(error.message.includes(fragment), `message ${JSON.stringify(error.message)} should mention ${JSON.stringify(fragment)}`);
  }
}

/** Every file under `dir` (recursively, but not the folders of `skip`), by relative path (with "/"), with its contents. */
export function snapshotFiles(dir: string, skip: readonly string[] = []): Record<string, string> {
  const files: Record<string, string> = {};
  const walk = (relative: string): void => {
    for (const entry of readdirSync(path.join(dir, relative), { withFileTypes: true })) {
      const child = relative === '' ? entry.name : `${relative}/${entry.name}`;
      if (skip.includes(child)) continue;
      if (entry.isDirectory()) walk(child);
      else files[child] = readFileSync(path.join(dir, child), 'utf8');
    }
  };
  walk('');
  return Object.fromEntries(Object.entries(files).sort(([a], [b]) => a.localeCompare(b)));
}

/** The files that differ between two snapshots: added, removed or changed. */
export function changedFiles(before: Record<string, string>, after: Record<string, string>): string[] {
  const names = new Set([...Object.keys(before), ...Object.keys(after)]);
  return [...names].filter((name) => before[name] !== after[name]).sort();
}

export function readText(dir: string, file: string): string {
  return readFileSync(path.join(dir, file), 'utf8');
}

/** A JSON file of the service, typed by its path (see json-files.ts). */
export function readJson<F extends string>(dir: string, file: F): JsonFile<F> {
  return JSON.parse(readText(dir, file)) as JsonFile<F>;
}

export function writeText(dir: string, file: string, text: string): void {
  writeFileSync(path.join(dir, file), text);
}

/** Changes a JSON file in place, the way a user would edit it. */
export function editJson<F extends string>(dir: string, file: F, edit: (json: JsonFile<F>) => void): void {
  const json = readJson(dir, file);
  edit(json);
  writeText(dir, file, `${JSON.stringify(json, null, 2)}\n`);
}

/** The model the generators keep in `.yo-rc.json`. */
export function readModel(dir: string): EventingModel {
  return readJson(dir, '.yo-rc.json')['generator-kafka-eventing'];
}

/** Creates a service with `yo kafka-eventing <name> --yes [options]` in a fresh folder; returns its folder. */
export async function createService(options: Record<string, unknown> = {}, name = 'orders'): Promise<string> {
  const parent = makeTmpDir();
  await runGenerator('app', parent, { args: [name], options: { yes: true, ...options } });
  return path.join(parent, name.replace(/^@[^/]+\//, ''));
}

/** A copy of a service folder, so each test changes its own. */
export function copyService(serviceDir: string): string {
  const copy = path.join(makeTmpDir(), path.basename(serviceDir));
  cpSync(serviceDir, copy, { recursive: true });
  return copy;
}

/** The fields used by most event specs: every type, an optional field and an array. */
export const ORDER_FIELDS = 'orderId:uuid, total:number, quantity:int, placedAt:datetime, note?:string, tags:string[]';

/** Adds an event with `yo kafka-eventing:event <name> --yes [options]`. */
export async function addEvent(dir: string, name: string, options: Record<string, unknown> = {}): Promise<Run> {
  return runGenerator('event', dir, { args: [name], options: { yes: true, fields: 'id:uuid', ...options } });
}

/** Adds a subscription with `yo kafka-eventing:subscription --event <event> --yes [options]`. */
export async function addSubscription(dir: string, event: string, options: Record<string, unknown> = {}): Promise<Run> {
  return runGenerator('subscription', dir, { options: { yes: true, event, ...options } });
}
