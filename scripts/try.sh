#!/usr/bin/env bash
# From a fresh clone to a running generated service, in one command:
#   bash scripts/try.sh [name]
# Sets everything up, runs the real `yo` CLI to scaffold a service with one event and one subscription
# into .try/<name> (kept between runs), installs and builds it, starts a local Kafka broker and schema
# registry, and runs the service against them until Ctrl-C.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
name="${1:-demo}"
bash scripts/setup.sh
# shellcheck source=scripts/setup-node.sh
source scripts/setup-node.sh

workspace="$repo/.try"
mkdir -p "$workspace/node_modules"
# yo finds generators in the node_modules folders above where it runs (as after `npm link`).
ln -sfn "$repo" "$workspace/node_modules/generator-kafka-eventing"
yo() {
  if [ "$(id -u)" -eq 0 ]; then
    # Run as root, yo drops to SUDO_UID/SUDO_GID (1000 by default): give that user the workspace.
    chown -R "${SUDO_UID:-1000}:${SUDO_GID:-1000}" "$workspace"
  fi
  (cd "$1" && shift && NO_UPDATE_NOTIFIER=1 node "$repo/node_modules/yo/lib/cli.js" "$@" --skip-install)
}

service="$workspace/$name"
if [ ! -f "$service/.yo-rc.json" ]; then
  yo "$workspace" kafka-eventing "$name" --yes
  yo "$service" kafka-eventing:event OrderPlaced --fields "orderId:uuid, total:number, note?:string, tags:string[]" --key orderId --yes
  yo "$service" kafka-eventing:subscription --event OrderPlaced --yes
fi
(cd "$service" && npm install --no-audit --no-fund --loglevel=error && npm run build && npm test)
port="$(node -e "console.log(JSON.parse(require('fs').readFileSync('$service/.yo-rc.json','utf8'))['generator-kafka-eventing'].service.port)")"
echo
echo "Starting Kafka, the schema registry and $name (http://localhost:$port/health/ready). Ctrl-C stops all."
exec node scripts/stack/stack.mjs run -- npm --prefix "$service" start
