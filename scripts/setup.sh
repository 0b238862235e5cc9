#!/usr/bin/env bash
# Everything a fresh clone needs, idempotent: Node >= 22.18 (into .tools/ when the system one is older),
# the npm dependencies, the compiled generator, the Kafka and schema registry jars (Maven Central, cached
# in ~/.m2 and ~/.cache), and the independent interop clients (Debian packages).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
# shellcheck source=scripts/setup-node.sh
source scripts/setup-node.sh
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund --loglevel=error
fi
npm run --silent build
node scripts/stack/stack.mjs fetch
bash scripts/setup-interop-clients.sh
