#!/usr/bin/env bash
# The project's whole test run, from a fresh clone: sets everything up, then runs every test. The tests
# start one Kafka broker and one schema registry themselves (or use KAFKA_BROKERS and SCHEMA_REGISTRY_URL).
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$repo"
bash scripts/setup.sh
# shellcheck source=scripts/setup-node.sh
source scripts/setup-node.sh
npm test
