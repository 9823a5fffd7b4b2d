#!/usr/bin/env bash
# Regenerate constraints.txt from the installed venv (every package except Reach itself).
# Run after changing dependencies in pyproject.toml and re-running `. scripts/setup.sh`.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
{
  echo "# Exact versions of every dependency, generated from a working venv by"
  echo "# scripts/freeze-constraints.sh; scripts/setup.sh installs with pip -c constraints.txt."
  "$root/.venv/bin/python" -m pip freeze --exclude-editable --all \
    | grep -v -E '^(pip|setuptools|wheel)==' | grep -v -E '^-e |@ file:' | LC_ALL=C sort -f
} > "$root/constraints.txt"
echo "Wrote $(grep -c '==' "$root/constraints.txt") pins to constraints.txt"
