// Where the trace context lives between one `await` and the next. OpenTelemetry keeps it in Node's
// AsyncLocalStorage, which Node 22 runs on async hooks (a hook on every promise of the process: most of
// what tracing costs) unless started with --experimental-async-context-frame; from Node 24 on it runs on
// AsyncContextFrame by default (and Node 24 refuses that flag, so it cannot be written into `npm start`).

import { errorMessage } from '../errors.ts';

export type AsyncContextKind = 'AsyncContextFrame' | 'async_hooks';

/** What decides the kind: Node's version and its command-line flags (those of NODE_OPTIONS included). */
export interface NodeRuntime {
  readonly version: string;
  readonly flags: readonly string[];
  /** process.execve exists and nothing would be lost by it (no IPC channel, as `node --watch` gives its child). */
  readonly canReplaceItself: boolean;
}

const NODE_22_FLAG = 'experimental-async-context-frame';
const NODE_24_FLAG = 'async-context-frame';

export function currentRuntime(): NodeRuntime {
  const nodeOptions = (process.env.NODE_OPTIONS ?? '').split(/\s+/).filter((word) => word !== '');
  return {
    version: process.versions.node,
    flags: [...nodeOptions, ...process.execArgv],
    canReplaceItself: typeof process.execve === 'function' && process.platform !== 'win32' && process.channel === undefined,
  };
}

export function asyncContextKind(runtime: NodeRuntime = currentRuntime()): AsyncContextKind {
  const framed = majorOf(runtime) >= 24 ? (lastSetting(runtime.flags, NODE_24_FLAG) ?? true) : (lastSetting(runtime.flags, NODE_22_FLAG) ?? false);
  return framed ? 'AsyncContextFrame' : 'async_hooks';
}

/** Node 22 or 23 where nobody chose either way: a flag (`--no-experimental-async-context-frame` too) is respected. */
export function shouldRestartOnAsyncContextFrame(runtime: NodeRuntime): boolean {
  const major = majorOf(runtime);
  return major >= 22 && major < 24 && lastSetting(runtime.flags, NODE_22_FLAG) === undefined && runtime.canReplaceItself;
}

/**
 * Called before anything starts when tracing is on: on Node 22 without a say on the matter, replaces this
 * process (same pid, same arguments and environment; `process.execve`) by Node run with
 * --experimental-async-context-frame. Returns when there is nothing to do.
 */
export function restartOnAsyncContextFrame(): void {
  if (!shouldRestartOnAsyncContextFrame(currentRuntime())) return;
  const args = [process.execPath, `--${NODE_22_FLAG}`, ...process.execArgv, ...process.argv.slice(1)];
  try {
    process.execve?.(process.execPath, args, process.env);
  } catch (error) {
    process.stderr.write(`tracing stays on async_hooks: restarting Node failed: ${errorMessage(error)}\n`);
  }
}

function majorOf(runtime: NodeRuntime): number {
  return Number(runtime.version.split('.')[0]);
}

/** The last of `--name` (true) and `--no-name` (false) in the flags, or undefined when neither is there. */
function lastSetting(flags: readonly string[], name: string): boolean | undefined {
  let setting: boolean | undefined;
  for (const flag of flags) {
    if (flag === `--${name}`) setting = true;
    else if (flag === `--no-${name}`) setting = false;
  }
  return setting;
}
