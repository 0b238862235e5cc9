/**
 * The repository's own code meets the rules of the services it generates: `npm run lint` (ESLint,
 * typescript-eslint type-checked, over generators/ and test/) and `npm run format:check` (Prettier,
 * over generators/, test/, scripts/ and bench/) pass at the repository root. No broker needed.
 */
import assert from 'node:assert/strict';
import { REPO_ROOT } from './support/paths.js';
import { runIn } from './support/rendered.js';

describe('the repository: lint and format check', function () {
  this.timeout(600_000);

  it('npm run lint passes', async function () {
    const outcome = await runIn(REPO_ROOT, 'npm', ['run', 'lint']);
    assert.ok(outcome.ok, `npm run lint failed:\n${outcome.output}`);
  });

  it('npm run format:check passes', async function () {
    const outcome = await runIn(REPO_ROOT, 'npm', ['run', 'format:check']);
    assert.ok(outcome.ok, `npm run format:check failed:\n${outcome.output}`);
  });
});
