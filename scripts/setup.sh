#!/usr/bin/env bash
# Prepare a fresh checkout: Python venv with Reach installed, Node 22 in a
# project-local folder (Reflex 0.10 needs Node >= 22.22; npm, not bun).
# Idempotent: re-running only installs what is missing or changed.
# Source it (`. scripts/setup.sh`) to get PATH and REFLEX_USE_NPM in your shell.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PYTHON="${PYTHON:-python3}"
NODE_VERSION="${REACH_NODE_VERSION:-22}"

step() { printf '\033[1m==> %s\033[0m\n' "$*"; }

if [ ! -x .venv/bin/python ]; then
  step "Creating .venv"
  "$PYTHON" -m venv .venv
fi
STAMP=.venv/.reach-installed
if [ ! -f "$STAMP" ] || [ pyproject.toml -nt "$STAMP" ]; then
  step "Installing Python dependencies (first run takes a few minutes)"
  .venv/bin/python -m pip install --quiet --upgrade pip
  .venv/bin/python -m pip install --quiet -e ".[test]"
  touch "$STAMP"
fi

if [ ! -x .tools/node/node_modules/.bin/node ]; then
  step "Installing Node $NODE_VERSION into .tools/node"
  mkdir -p .tools/node
  npm install --silent --no-fund --no-audit --prefix .tools/node "node@$NODE_VERSION" >/dev/null
fi
export PATH="$ROOT/.tools/node/node_modules/.bin:$ROOT/.venv/bin:$PATH"
export REFLEX_USE_NPM=1
export REFLEX_TELEMETRY_ENABLED=false
export REACH_ROOT="$ROOT"
step "Python $(.venv/bin/python --version | cut -d' ' -f2), Node $(node --version)"
