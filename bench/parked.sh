#!/usr/bin/env bash
# bench/parked.sh (`make bench-parked`): a large workforce online between
# tasks. A fresh labelqd on a temporary store and a free loopback port;
# bench/parked (the probe) connects PARKED_COUNTS annotators in turn (each
# its own token), each parked in a 60 s long poll on an empty project, then
# imports one item at a time PARKED_WAKES times and times how long each takes
# to reach one of them, checking that no other annotator is woken. For each
# count it prints labelqd's memory per idle connection and the wake times:
# a wake that scanned the waiters would grow with their number.
#
# Settings (environment):
#   BUILD_DIR      where labelq was built (default build)
#   PARKED_COUNTS  annotators parked, one run each (default "1000 10000")
#   PARKED_WAKES   imports per run (default 50)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}
COUNTS=${PARKED_COUNTS:-1000 10000}
WAKES=${PARKED_WAKES:-50}
LABELQD=$BUILD_DIR/daemon/labelqd
PROBE=$BUILD_DIR/bench/parked
die() {
	printf 'parked: %s\n' "$*" >&2
	exit 1
}
# shellcheck source=../deploy/labelqd_control.sh
. deploy/labelqd_control.sh
for prog in "$LABELQD" "$PROBE"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first"
done
max=0
for n in $COUNTS; do ((n > max)) && max=$n; done
# Each annotator is a socket on both sides, plus the store and listeners.
need=$((max + 1024))
ulimit -n "$need" 2>/dev/null || ulimit -n "$(ulimit -Hn)"
(($(ulimit -n) >= need)) || die "needs $need open files (ulimit -n is $(ulimit -n); raise the hard limit)"

work=$(mktemp -d "${TMPDIR:-/tmp}/labelq-parked.XXXXXX")
trap '[[ -n ${daemon_pid:-} ]] && kill -9 "$daemon_pid" 2>/dev/null; rm -rf "$work"' EXIT
results=()
for n in $COUNTS; do
	port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
	rm -rf "$work/data"
	labelqd_start "$LABELQD" "$work/data" "$port" "$work/labelqd.log" --metrics-listen "" \
		--max-connections $((n + 100)) --log-level warn
	labelqd_wait_ready "$work/data" "$port"
	echo "==> $n annotators parked, $WAKES imports one at a time"
	out=$(LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$work/data/tls/ca.pem \
		LABELQ_TOKEN_FILE=$work/data/admin.token "$PROBE" parked "$n" "$WAKES" "$daemon_pid") ||
		die "the probe failed with $n annotators (log: $work/labelqd.log)"
	echo "$out"
	results+=("$out")
	labelqd_stop 20
done
echo
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
print("%-10s %10s %14s %14s %12s %12s" % ("parked", "connect s", "labelqd RSS", "kB/connection", "wake p50 ms", "wake max ms"))
for r in map(json.loads, sys.argv[1:]):
    print("%-10d %10.1f %11.0f MB %14.1f %12.3f %12.3f" % (r["parked"], r["connect_s"], r["rss_parked_kb"] / 1024,
          r["kb_per_connection"], r["wake_ms"]["p50"], r["wake_ms"]["max"]))
print("each import woke exactly one parked annotator" if all(not any(r["others_woken"]) for r in map(json.loads, sys.argv[1:])) else "an import woke more than one")
PY
