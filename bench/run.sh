#!/usr/bin/env bash
# A small end-to-end benchmark (`make bench`): a fresh labelqd on a temporary
# store and a free loopback port, the sample dataset imported, 32 simulated
# annotators labeling it (3 labels per item) until every item is done. Prints
# tasks, labels, seconds, labels/s and the CPU time labelqd used.
#
# Settings (environment):
#   BUILD_DIR          where the programs were built (default build)
#   BENCH_ANNOTATORS   simulated annotators (default 32)
#   BENCH_LEASE_BATCH  tasks each annotator leases per request (default 16)
#   BENCH_ITEMS        items to import (default bench/data/sentiment.jsonl)
#   BENCH_TRUTH        their true labels (default bench/data/sentiment.truth.jsonl)
#   BENCH_KEEP=1       keep the temporary directory (store, log, raw JSON)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
ANNOTATORS=${BENCH_ANNOTATORS:-32}
LEASE_BATCH=${BENCH_LEASE_BATCH:-16}
ITEMS=${BENCH_ITEMS:-bench/data/sentiment.jsonl}
TRUTH=${BENCH_TRUTH:-bench/data/sentiment.truth.jsonl}
PROJECT=bench

LABELQD=$BUILD_DIR/daemon/labelqd
LABELQ=$BUILD_DIR/client/labelq
BENCH=$BUILD_DIR/bench/labelq-bench

die() {
	printf 'bench: %s\n' "$*" >&2
	exit 1
}

for prog in "$LABELQD" "$LABELQ" "$BENCH"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first (or 'make bench', which builds)"
done
[[ -f $ITEMS && -f $TRUTH ]] || die "$ITEMS or $TRUTH missing"

work=$(mktemp -d "${TMPDIR:-/tmp}/labelq-bench.XXXXXX")
daemon_pid=

# shellcheck source=deploy/labelqd_control.sh
. deploy/labelqd_control.sh

on_exit() {
	local rc=$?
	[[ -z $daemon_pid ]] || labelqd_stop 5
	if ((rc != 0)); then
		echo "bench: FAILED (exit status $rc); store, log and output kept in $work" >&2
		[[ ! -s $work/labelqd.log ]] || tail -n 15 "$work/labelqd.log" >&2
	elif [[ ${BENCH_KEEP:-} == 1 ]]; then
		echo "bench: store, log and output kept in $work"
	else
		rm -rf "$work"
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "bench: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

# Ask the kernel for a free port; the tiny window before labelqd binds it is
# harmless on a benchmark machine.
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "==> labelqd on 127.0.0.1:$port, store in $work/data"
labelqd_start "$LABELQD" "$work/data" "$port" "$work/labelqd.log"
labelqd_wait_ready "$work/data" "$port"

export LABELQ_SERVER=127.0.0.1:$port
export LABELQ_CA=$work/data/tls/ca.pem
export LABELQ_TOKEN_FILE=$work/data/admin.token
unset LABELQ_TOKEN

echo "==> importing $ITEMS"
"$LABELQ" project create "$PROJECT" --labels pos,neg,neutral --overlap 3 >/dev/null
"$LABELQ" import "$PROJECT" "$ITEMS" >/dev/null

echo "==> labeling: $ANNOTATORS annotators, lease batch $LEASE_BATCH, until done"
"$BENCH" "$PROJECT" --annotators "$ANNOTATORS" --lease-batch "$LEASE_BATCH" \
	--truth "$TRUTH" --accuracy 0.6-0.95 --until-done --json --seed 1 >"$work/bench.json"
"$LABELQ" status "$PROJECT" --json >"$work/status.json"

# utime and stime (fields 14 and 15 of /proc/PID/stat, in clock ticks), read
# before the daemon exits and its /proc entry goes away.
read -r utime stime < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$daemon_pid/stat")
labelqd_stop 15
((daemon_status == 0)) || die "labelqd exited with status $daemon_status after SIGTERM (expected 0)"

echo
python3 - "$work/bench.json" "$work/status.json" "$utime" "$stime" "$(getconf CLK_TCK)" <<'EOF'
import json, sys

bench_file, status_file, utime, stime, hz = sys.argv[1:]
bench = json.load(open(bench_file))
status = json.load(open(status_file))
if not bench.get("done") or bench.get("errors"):
    sys.exit(f"bench: labelq-bench did not finish cleanly: {json.dumps(bench)}")
user, system = int(utime) / int(hz), int(stime) / int(hz)

rows = [
    ("tasks", status["tasks"]),
    ("labels", bench["labels"]),
    ("seconds", f"{bench['seconds']:.2f}"),
    ("labels/s", f"{bench['labels_per_second']:.0f}"),
    ("label accuracy", f"{bench['accuracy']:.3f}"),
    ("labelqd CPU s", f"{user + system:.2f} (user {user:.2f}, sys {system:.2f}; whole run)"),
]
for name, value in rows:
    print(f"{name:<16}{value}")
EOF
