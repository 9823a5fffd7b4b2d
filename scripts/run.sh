#!/usr/bin/env bash
# Set up everything and run Reach on the embedded default (SQLite + in-process
# workers): venv, dependencies, Node 22, migrations, demo data, then the app.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
. "$ROOT/scripts/setup.sh"
cd "$ROOT"
reach migrate
reach demo
echo "Demo sign-in: demo@reach.local / demo-password"
exec reach up "$@"
