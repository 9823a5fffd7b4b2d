#!/usr/bin/env bash
# Set up everything and run the whole test suite (SQLite and PostgreSQL,
# StubBroker and Redis, one browser test). Prints the suite's duration.
# Extra arguments go to pytest (e.g. `scripts/test.sh -k engine`).
set -uo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
# shellcheck source=scripts/setup.sh
. "$ROOT/scripts/setup.sh" || exit 1
cd "$ROOT"
if ! command -v chromium >/dev/null 2>&1; then
  echo "==> Installing Debian's chromium for the browser tests"
  SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
  ($SUDO apt-get update -qq && $SUDO apt-get install -y -qq chromium) >/dev/null \
    || echo "warning: could not install chromium; browser tests will fail in CI"
fi
mkdir -p test-output
start=$(date +%s)
python -m pytest -p no:cacheprovider "$@"
code=$?
end=$(date +%s)
echo "==> Test suite took $((end - start)) s (exit code $code)"
if [ "$code" -eq 5 ]; then
  echo "pytest collected no tests"; exit 1
fi
exit "$code"
