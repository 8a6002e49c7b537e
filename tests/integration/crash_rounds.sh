#!/usr/bin/env bash
# Crash rounds: while labelq-bench (8 annotators, --until-done, --log-acks)
# labels a 3000-item project with overlap 3, labelqd is killed with SIGKILL
# at random moments, 20 times (a seeded delay of 0.1-0.6 s after each start),
# and restarted on the same data dir and port; the bench reconnects. Then
# the project must complete, and the export must hold every item, no task
# more labels than the overlap, and every acknowledged label (id, annotator,
# label) exactly once.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH,
# LQ_SOURCE_DIR. CRASH_SEED picks the kill moments (default fixed).
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_BENCH:?path of labelq-bench}" "${LQ_SOURCE_DIR:?source dir}"
PY=/usr/bin/python3
ITEMS=$LQ_SOURCE_DIR/bench/data/sentiment.jsonl
PROJECT=crash
OVERLAP=3
ROUNDS=20
SEED=${CRASH_SEED:-20261123}
BUDGET_S=90 # the whole test, start to verdict
THINK_MS=10 # per item: 9000 labels by 8 annotators outlast the kill rounds

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-crash-XXXXXX")
daemon_pid=
bench_pid=
passed=0
t_start=$SECONDS

cleanup() {
    kill_reap "$bench_pid" "$daemon_pid"
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "crash_rounds failed; work dir $root" >&2
        tail -n 20 "$root/labelqd.log" "$root"/bench-*.err >&2 2>/dev/null || true
    fi
}
trap cleanup EXIT

left_s() {
    echo $((BUDGET_S - (SECONDS - t_start)))
}

port=$(free_port)
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$root/data/tls/ca.pem
export LABELQ_TOKEN_FILE=$root/data/admin.token
unset LABELQ_TOKEN

# Starts labelqd and waits until it accepts TCP connections.
start_daemon() {
    "$LABELQD" --data "$root/data" --listen "127.0.0.1:$port" --metrics-listen "" \
        >>"$root/labelqd.log" 2>&1 &
    daemon_pid=$!
    labelqd_wait_ready "$root/data" "$port"
}

bench_runs=0
# Starts a labelq-bench run in the background (each run adds fresh annotators).
start_bench() {
    bench_runs=$((bench_runs + 1))
    "$LABELQ_BENCH" "$PROJECT" --annotators 8 --until-done --log-acks "$root/acks.jsonl" \
        --seed "$((SEED + bench_runs))" --think-ms "$THINK_MS" --json \
        >"$root/bench-$bench_runs.json" 2>"$root/bench-$bench_runs.err" &
    bench_pid=$!
}

# Whether the last bench run (ended, or ending) exited 0 with "done": true.
bench_done() {
    local rc=0
    wait "$bench_pid" || rc=$?
    bench_pid=
    [ "$rc" = 0 ] && $PY -c 'import json, sys; sys.exit(0 if json.load(open(sys.argv[1]))["done"] else 1)' \
        "$root/bench-$bench_runs.json" 2>/dev/null
}

start_daemon
timeout 60 "$LABELQ_CLI" project create "$PROJECT" --labels pos,neg,neutral --overlap "$OVERLAP" \
    >/dev/null || fail "project create"
timeout 60 "$LABELQ_CLI" import "$PROJECT" "$ITEMS" >/dev/null || fail "import"
n_items=$(wc -l <"$ITEMS")

start_bench
finished=0 # the project completed during the rounds
read -r -a delays <<<"$($PY -c "import random; r = random.Random($SEED); print(' '.join('%.3f' % r.uniform(0.1, 0.6) for _ in range($ROUNDS)))")"
for round in $(seq "$ROUNDS"); do
    sleep "${delays[$((round - 1))]}"
    kill -9 "$daemon_pid"
    wait "$daemon_pid" 2>/dev/null || true
    start_daemon
    # a bench that gave up (say, killed mid-setup) is started again
    if [ "$finished" = 0 ] && ! kill -0 "$bench_pid" 2>/dev/null; then
        if bench_done; then
            finished=$round
        else
            start_bench
        fi
    fi
done
echo "$ROUNDS kill -9 rounds in $((SECONDS - t_start)) s, $(wc -l <"$root/acks.jsonl") labels" \
    "acknowledged by then (bench runs: $bench_runs)"
# Killing an idle daemon proves little: most rounds must hit a running bench.
[ "$finished" = 0 ] || [ "$finished" -gt $((ROUNDS / 2)) ] ||
    fail "the project completed in round $finished; the bench is too fast for the rounds"

done_ok=0
[ "$finished" = 0 ] || done_ok=1
while [ "$done_ok" = 0 ] && [ "$(left_s)" -gt 0 ]; do
    if [ -z "$bench_pid" ]; then
        start_bench
    fi
    # wait for the run, within what is left of the budget
    for _ in $(seq $(($(left_s) * 10))); do
        kill -0 "$bench_pid" 2>/dev/null || break
        sleep 0.1
    done
    kill -0 "$bench_pid" 2>/dev/null && break
    if bench_done; then
        done_ok=1
        break
    fi
done
[ "$done_ok" = 1 ] || fail "the project did not complete within $BUDGET_S s ($bench_runs bench runs)"
echo "project complete after $bench_runs bench run(s), $((SECONDS - t_start)) s"

timeout 60 "$LABELQ_CLI" export "$PROJECT" -o "$root/export.jsonl" || fail "export"
$PY - "$root/acks.jsonl" "$root/export.jsonl" "$n_items" "$OVERLAP" <<'PY'
import collections, json, sys
acks_path, export_path, n_items, overlap = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
acks = [json.loads(l) for l in open(acks_path) if l.strip()]
lines = [json.loads(l) for l in open(export_path) if l.strip()]
ids = collections.Counter(l["id"] for l in lines)
dup = [i for i, n in ids.items() if n > 1]
assert not dup, "items exported twice: %s" % dup[:5]
assert len(ids) == n_items, "export has %d items, want %d" % (len(ids), n_items)
stored = collections.Counter()
for l in lines:
    anns = l["annotations"]
    assert len(anns) <= overlap, "%s has %d labels, overlap %d" % (l["id"], len(anns), overlap)
    for a in anns:
        stored[(l["id"], a["annotator"], a["label"])] += 1
per_task_annotator = collections.Counter()
for (i, who, _), n in stored.items():
    per_task_annotator[(i, who)] += n
twice = [k for k, n in per_task_annotator.items() if n > 1]
assert not twice, "an annotator labeled a task twice: %s" % twice[:5]
missing = [a for a in acks if stored[(a["id"], a["annotator"], a["label"])] != 1]
assert not missing, "%d acknowledged labels not in the export exactly once, e.g. %s" % (
    len(missing), missing[:3])
print("%d acknowledged labels all exported once; %d items, %d labels stored" % (
    len(acks), len(lines), sum(stored.values())))
PY
passed=1
