#!/usr/bin/env bash
# Installs independent Kafka / schema-registry clients used to check interoperability against the local stack
# (scripts/stack/stack.mjs): kcat, and Debian's Python confluent-kafka with requests, jsonschema and avro
# (use /usr/bin/python3, not another python on PATH). Idempotent: does nothing when they are already there.
# Debian/Ubuntu only; runs apt-get as root, or through sudo when not root.
set -euo pipefail

PACKAGES=(kcat python3-confluent-kafka python3-requests python3-jsonschema python3-avro)

have_all() {
  command -v kcat >/dev/null 2>&1 &&
    [ -x /usr/bin/python3 ] &&
    /usr/bin/python3 -c 'import confluent_kafka, requests, jsonschema, avro' >/dev/null 2>&1
}

if have_all; then
  echo "setup-interop-clients: kcat and python3-confluent-kafka are already installed"
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  echo "setup-interop-clients: apt-get not found; install by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO=(sudo); else
    echo "setup-interop-clients: not root and no sudo; install by hand: ${PACKAGES[*]}" >&2
    exit 1
  fi
fi

echo "setup-interop-clients: installing ${PACKAGES[*]}"
export DEBIAN_FRONTEND=noninteractive
log=$(mktemp)
trap 'rm -f "$log"' EXIT
if ! { "${SUDO[@]}" apt-get update -qq && "${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${PACKAGES[@]}"; } >"$log" 2>&1; then
  tail -n 30 "$log" >&2
  echo "setup-interop-clients: apt-get failed" >&2
  exit 1
fi

if ! have_all; then
  echo "setup-interop-clients: installed, but kcat or 'import confluent_kafka, requests, jsonschema, avro' still fails" >&2
  exit 1
fi
echo "setup-interop-clients: done ($(kcat -V 2>&1 | grep -o "Version [0-9.]*" | head -n 1))"
