#!/usr/bin/env bash
# Prepare a fresh checkout: Python venv with Reach installed, Node 22 in a
# project-local folder (Reflex 0.10 needs Node >= 22.22; npm, not bun).
# Idempotent: re-running only installs what is missing or changed.
# Source it (`. scripts/setup.sh`) to get PATH and REFLEX_USE_NPM in your shell;
# sourcing does not change your shell's options (no `set -e` leaks into it).
_reach_setup() {
  local root python node_version stamp
  root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)" || return 1
  python="${PYTHON:-python3}"
  node_version="${REACH_NODE_VERSION:-22}"
  _step() { printf '\033[1m==> %s\033[0m\n' "$*"; }
  if [ ! -x "$root/.venv/bin/python" ]; then
    _step "Creating .venv"
    "$python" -m venv "$root/.venv" || return 1
  fi
  stamp="$root/.venv/.reach-installed"
  if [ ! -f "$stamp" ] || [ "$root/pyproject.toml" -nt "$stamp" ] \
     || [ "$root/constraints.txt" -nt "$stamp" ]; then
    _step "Installing Python dependencies (first run takes a few minutes)"
    "$root/.venv/bin/python" -m pip install --quiet --upgrade pip || return 1
    # constraints.txt pins every dependency to the versions tested together
    # (regenerate with scripts/freeze-constraints.sh after changing pyproject.toml).
    (cd "$root" && .venv/bin/python -m pip install --quiet -c constraints.txt -e ".[test]") \
      || return 1
    touch "$stamp"
  fi
  if [ ! -x "$root/.tools/node/node_modules/.bin/node" ]; then
    _step "Installing Node $node_version into .tools/node"
    mkdir -p "$root/.tools/node"
    npm install --silent --no-fund --no-audit --prefix "$root/.tools/node" "node@$node_version" >/dev/null || return 1
  fi
  export PATH="$root/.tools/node/node_modules/.bin:$root/.venv/bin:$PATH"
  export REFLEX_USE_NPM=1
  export REFLEX_TELEMETRY_ENABLED=false
  export REACH_ROOT="$root"
  _step "Python $("$root/.venv/bin/python" --version | cut -d' ' -f2), Node $(node --version)"
}

if [ "${BASH_SOURCE[0]}" = "$0" ]; then
  _reach_setup || exit 1   # executed: fail loudly
else
  _reach_setup || return 1 # sourced: report failure to the caller, keep its options
fi
