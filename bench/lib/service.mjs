// Generating a service non-interactively and giving it its dependencies: the test suite's helpers
// (test/support/service.ts, compiled by `npm run build`, which `npm run bench` runs first), so that
// the bench and the tests share one dependency cache and one way of running the generators.
import { generate, linkDependencies, tempDir as testTempDir } from '../../test/support/service.js';
import { REPO_ROOT } from '../../test/support/paths.js';

export { generate, linkDependencies, REPO_ROOT };

export function tempDir(prefix) {
  return testTempDir(`bench-${prefix}`);
}
