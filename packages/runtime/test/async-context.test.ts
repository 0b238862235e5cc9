import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { asyncContextKind, shouldRestartOnAsyncContextFrame, type NodeRuntime } from '../src/observability/async-context.ts';

const runtime = (version: string, flags: string[] = [], canReplaceItself = true): NodeRuntime => ({ version, flags, canReplaceItself });

describe('async context of the trace (AsyncLocalStorage on async hooks or AsyncContextFrame)', () => {
  it('Node 22 uses async hooks unless started with --experimental-async-context-frame; the last flag wins', () => {
    assert.equal(asyncContextKind(runtime('22.18.0')), 'async_hooks');
    assert.equal(asyncContextKind(runtime('22.18.0', ['--experimental-async-context-frame'])), 'AsyncContextFrame');
    assert.equal(
      asyncContextKind(runtime('22.18.0', ['--experimental-async-context-frame', '--no-experimental-async-context-frame'])),
      'async_hooks',
    );
  });

  it('Node 24 uses AsyncContextFrame unless started with --no-async-context-frame', () => {
    assert.equal(asyncContextKind(runtime('24.11.0')), 'AsyncContextFrame');
    assert.equal(asyncContextKind(runtime('24.11.0', ['--no-async-context-frame'])), 'async_hooks');
  });

  it('restarts only Node 22 or 23 where neither flag was given and the process can replace itself', () => {
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('22.18.0')), true);
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('23.11.0', ['--enable-source-maps'])), true);
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('22.18.0', ['--experimental-async-context-frame'])), false);
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('22.18.0', ['--no-experimental-async-context-frame'])), false, 'an explicit no is kept');
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('22.18.0', [], false)), false, 'no process.execve, or an IPC channel');
    assert.equal(shouldRestartOnAsyncContextFrame(runtime('24.11.0')), false);
  });

  it('a real Node process restarts itself on AsyncContextFrame: same pid, same arguments', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'async-context-'));
    try {
      const script = path.join(folder, 'probe.ts');
      const module = pathToFileURL(path.resolve('src/observability/async-context.ts')).href;
      writeFileSync(
        script,
        `import { asyncContextKind, restartOnAsyncContextFrame } from '${module}';\n` +
          `process.stdout.write(JSON.stringify({ pid: process.pid, before: true }) + '\\n');\n` +
          `restartOnAsyncContextFrame();\n` +
          `process.stdout.write(JSON.stringify({ pid: process.pid, kind: asyncContextKind(), argv: process.argv.slice(2) }) + '\\n');\n`,
      );
      const { stdout } = await promisify(execFile)(process.execPath, ['--disable-warning=ExperimentalWarning', script, 'one', 'two'], {
        env: { ...process.env, NODE_OPTIONS: '' },
      });
      const lines = stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { pid: number; before?: boolean; kind?: string; argv?: string[] });
      const restarts = Number(process.versions.node.split('.')[0]) < 24;
      // Restarted: the first line is printed twice (once by each program run in the one process).
      assert.equal(lines.filter((line) => line.before).length, restarts ? 2 : 1);
      const last = lines.at(-1);
      assert.equal(last?.kind, 'AsyncContextFrame');
      assert.deepEqual(last?.argv, ['one', 'two']);
      assert.equal(new Set(lines.map((line) => line.pid)).size, 1, 'one process throughout');
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
