// Packs packages/runtime (its prepack script builds it) into generators/app/runtime/, from where the
// generator copies it into each service it renders (vendor/): a service installs the runtime of its
// generator's own version without a registry that holds it. runtime.json names the file and version.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const runtime = path.join(repo, 'packages', 'runtime');
const destination = path.join(repo, 'generators', 'app', 'runtime');
// A clean build: a module removed from src/ must not ship from an old dist/.
rmSync(path.join(runtime, 'dist'), { recursive: true, force: true });
mkdirSync(destination, { recursive: true });
// Packed beside, then renamed into place: the file a generator run copies is never missing or half written.
const staging = mkdtempSync(path.join(destination, '.pack-'));
const [packed] = JSON.parse(execFileSync('npm', ['pack', '--json', '--silent', '--pack-destination', staging], { cwd: runtime, encoding: 'utf8' }));
renameSync(path.join(staging, packed.filename), path.join(destination, packed.filename));
rmSync(staging, { recursive: true, force: true });
for (const file of readdirSync(destination)) if (file.endsWith('.tgz') && file !== packed.filename) rmSync(path.join(destination, file));
writeFileSync(
  path.join(destination, 'runtime.json'),
  `${JSON.stringify({ name: packed.name, version: packed.version, file: packed.filename, integrity: packed.integrity }, null, 2)}\n`,
);
process.stdout.write(`packed ${packed.filename} (${packed.entryCount} files, ${packed.size} bytes)\n`);
