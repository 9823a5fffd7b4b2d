#!/usr/bin/env bash
# Bounded HTTP load test on loopback (locust, headless) of the campaign list,
# a running campaign's statistics and its logs, while that campaign's leads are
# being worked by the embedded worker and scheduler in the same server process.
#
#   bash scripts/loadtest.sh [--leads N] [--seconds S] [--users U] [--db-url URL]
#
# Defaults: 20,000 leads, 60 s of load, 20 users, a fresh SQLite file in a temp
# folder. --db-url postgresql://... uses that (empty) database instead. Everything
# runs in its own process group and temp folder, killed/removed at the end; the
# checkout's own .reach data is never touched. Prints requests/s, p95 and errors.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
leads=20000; seconds=60; users=20; db_url=""
while [ $# -gt 0 ]; do
  case "$1" in
    --leads) leads="$2"; shift 2 ;;
    --seconds) seconds="$2"; shift 2 ;;
    --users) users="$2"; shift 2 ;;
    --db-url) db_url="$2"; shift 2 ;;
    *) echo "usage: $0 [--leads N] [--seconds S] [--users U] [--db-url URL]" >&2; exit 2 ;;
  esac
done
[ "$leads" -le 100000 ] && [ "$seconds" -le 600 ] || { echo "bounded: leads <= 100000, seconds <= 600" >&2; exit 2; }
. "$root/scripts/setup.sh" >/dev/null
work="$(mktemp -d /tmp/reach-loadtest.XXXXXX)"
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill -TERM -- "-$server_pid" 2>/dev/null || true; sleep 1; kill -KILL -- "-$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
unset REACH_REDIS_URL
export REACH_DATA_DIR="$work/data"
export REFLEX_DB_URL="${db_url:-sqlite:///$work/reach.db}"
port="$(python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
cd "$root"
echo "==> Migrating and seeding $leads leads into ${REFLEX_DB_URL%%\?*}"
python -m reach_app.cli migrate >/dev/null
seeded="$(python scripts/loadtest/seed.py "$leads")"
export LOAD_API_KEY="$(python -c 'import json,sys; print(json.loads(sys.argv[1])["api_key"])' "$seeded")"
export LOAD_CAMPAIGN_ID="$(python -c 'import json,sys; print(json.loads(sys.argv[1])["campaign_id"])' "$seeded")"
echo "==> Serving the API + embedded worker/scheduler on 127.0.0.1:$port"
setsid python scripts/loadtest/serve.py "$port" >"$work/server.log" 2>&1 &
server_pid=$!
stats_url="http://127.0.0.1:$port/api/v1/campaign-flows/$LOAD_CAMPAIGN_ID/statistics"
for _ in $(seq 1 100); do
  curl -sf -H "Authorization: Bearer $LOAD_API_KEY" "$stats_url" >/dev/null && break; sleep 0.3
done
curl -sf -H "Authorization: Bearer $LOAD_API_KEY" "$stats_url" >"$work/before.json" \
  || { echo "server did not start:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
echo "==> locust --headless -u $users -r $users --run-time ${seconds}s (campaign $LOAD_CAMPAIGN_ID running)"
locust -f scripts/loadtest/locustfile.py --headless --only-summary -u "$users" -r "$users" \
  --run-time "${seconds}s" --host "http://127.0.0.1:$port" --csv "$work/locust" \
  --exit-code-on-error 0 >"$work/locust.log" 2>&1 || true
sleep 2  # let the statistics refresh once more before reading the campaign's progress
curl -sf -H "Authorization: Bearer $LOAD_API_KEY" "$stats_url" >"$work/after.json" || echo '{}' >"$work/after.json"
python - "$work" "$leads" "$seconds" "$users" <<'PY'
import csv, json, sys
work, leads, seconds, users = sys.argv[1], *sys.argv[2:]
rows = list(csv.DictReader(open(f"{work}/locust_stats.csv")))
print(f"\nLoad: {users} users, {seconds} s, {leads} leads running; server = API + embedded worker")
print(f"{'endpoint':<22} {'requests':>9} {'errors':>7} {'req/s':>8} {'p50 ms':>7} {'p95 ms':>7} {'max ms':>7}")
for r in rows:
    print(f"{r['Name']:<22} {r['Request Count']:>9} {r['Failure Count']:>7} "
          f"{float(r['Requests/s']):>8.1f} {r['50%']:>7} {r['95%']:>7} {float(r['Max Response Time']):>7.0f}")
before, after = (json.load(open(f"{work}/{n}.json")) for n in ("before", "after"))
def figure(d):
    return {k: v for k, v in d.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
print("campaign before:", json.dumps(figure(before)))
print("campaign after: ", json.dumps(figure(after)))
failures = open(f"{work}/locust_failures.csv").read().strip().splitlines()[1:]
for line in failures[:5]:
    print("failure:", line)
PY
