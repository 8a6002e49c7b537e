#!/usr/bin/env bash
# The command-line programs end to end against a real labelqd: an admin
# creates a project, adds an annotator and imports items with labelq; the
# annotator labels a few with labelq-annotate fed on a pipe; labelq-bench
# finishes the rest; labelq status and export report it all.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_ANNOTATE,
# LABELQ_BENCH. The programs find the daemon through LABELQ_SERVER,
# LABELQ_CA and LABELQ_TOKEN, as a user's shell would.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_ANNOTATE:?path of labelq-annotate}" "${LABELQ_BENCH:?path of labelq-bench}"
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=120

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-cli-XXXXXX")
data=$root/data
log=$root/labelqd.log
pid=
annotate_pid=
passed=0

cleanup() {
    kill_reap "$annotate_pid" "$pid"
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "cli_flow failed; labelqd log: $log (work dir $root)" >&2
        tail -n 30 "$log" >&2 || true
    fi
}
trap cleanup EXIT

port=$(free_port)
"$LABELQD" --data "$data" --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem

wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI"
admin_token=$(head -n 1 "$data/admin.token")
export LABELQ_TOKEN=$admin_token

echo "== project create / list"
run "$LABELQ_CLI" project create reviews --labels pos,neg,neutral --overlap 2 >/dev/null ||
    fail "project create"
if run "$LABELQ_CLI" project create reviews --labels pos,neg >/dev/null 2>&1; then
    fail "a second project named reviews was accepted"
fi
run "$LABELQ_CLI" project list | grep '^reviews ' >/dev/null || fail "project list does not show reviews"
run "$LABELQ_CLI" project list --json >"$root/projects.json" || fail "project list --json"
$PY -c '
import json, sys
doc = json.load(open(sys.argv[1]))
items = doc if isinstance(doc, list) else doc.get("projects", [])
names = [p.get("project", p.get("name")) for p in items]
assert names.count("reviews") == 1, names
' "$root/projects.json" || fail "project list --json does not list reviews once"

echo "== annotator add"
run "$LABELQ_CLI" annotator add alice >"$root/alice.out" || fail "annotator add"
[ "$(wc -l <"$root/alice.out")" -eq 1 ] || fail "annotator add printed more than the token: $(cat "$root/alice.out")"
alice_token=$(cat "$root/alice.out")
[ -n "$alice_token" ] || fail "annotator add printed an empty token"
case "$alice_token" in *" "*) fail "token line has spaces: $alice_token" ;; esac

echo "== import"
cat >"$root/items.jsonl" <<'EOF'
{"id": "r1", "data": {"text": "great product"}}
{"id": "r2", "data": {"text": "broke in a day"}}
{"id": "r3", "data": {"text": "it is a box"}}
{"id": "r4", "data": {"text": "love it"}, "priority": 2}
{"id": "r5", "data": {"text": "meh"}}
{"id": "r6", "data": {"text": "would buy again"}}
EOF
run "$LABELQ_CLI" import reviews "$root/items.jsonl" >"$root/import1.out" 2>"$root/import1.err" ||
    fail "import: $(cat "$root/import1.err")"
grep -Eq 'imported 6\b' "$root/import1.out" || fail "import summary: $(cat "$root/import1.out")"
grep -Eq 'skipped 0\b' "$root/import1.out" || fail "import summary: $(cat "$root/import1.out")"

# again, with one new item, one repeated id inside the file and one bad line
cat "$root/items.jsonl" >"$root/more.jsonl"
cat >>"$root/more.jsonl" <<'EOF'
{"id": "r7", "data": {"text": "fine"}}
{"id": "r7", "data": {"text": "fine again"}}
{"id": "r8", "data": {"text": "cut off"
EOF
status=0
run "$LABELQ_CLI" import reviews "$root/more.jsonl" >"$root/import2.out" 2>"$root/import2.err" || status=$?
[ "$status" = 1 ] || fail "import with a rejected line exited $status, want 1"
grep -Eq 'imported 1\b' "$root/import2.out" || fail "re-import summary: $(cat "$root/import2.out")"
grep -Eq 'skipped 7\b' "$root/import2.out" || fail "re-import summary: $(cat "$root/import2.out")"
grep -Eq 'rejected 1\b' "$root/import2.out" || fail "re-import summary: $(cat "$root/import2.out")"
grep -q 'line 9' "$root/import2.err" || fail "rejected line 9 not reported: $(cat "$root/import2.err")"

status_json() {
    run "$LABELQ_CLI" status reviews --json >"$root/status.json" || fail "status --json"
}
# check_status EXPR: EXPR is Python over s, the parsed status object
check_status() {
    status_json
    $PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["project"] == "reviews", s
assert s["tasks"] == s["done"] + s["leased"] + s["pending"], s
assert eval(sys.argv[2]), (sys.argv[2], s)
' "$root/status.json" "$1" || fail "status: want $1, got $(cat "$root/status.json")"
}
check_status 's["tasks"] == 7 and s["labels"] == 0 and s["done"] == 0 and s["overlap"] == 2 and s["labels_schema"] == ["pos", "neg", "neutral"]'

echo "== labelq-annotate on a pipe"
# label 1 (pos), label 2 (neg), skip, label 1 (pos), quit
printf '1\n2\ns\n1\nq\n' | LABELQ_TOKEN=$alice_token run "$LABELQ_ANNOTATE" reviews \
    >"$root/annotate.out" 2>"$root/annotate.err" || fail "labelq-annotate: $(tail -n 5 "$root/annotate.err")"
check_status 's["labels"] == 3 and s["leased"] == 0'

# check_top FILE EXPR: FILE is `labelq top --once` output; EXPR is Python
# over r, the reviews row as a dict of its columns.
check_top() {
    $PY -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
assert lines[0].startswith("labelq top ") and "server 127.0.0.1:" in lines[0], lines[0]
head = lines[1].split()
assert head == ["PROJECT", "TASKS", "PENDING", "LEASED", "DONE", "%", "LABELS", "LABELS/S",
                "ACTIVE"], head
assert all(len(l) <= 80 for l in lines), "a line is wider than 80 columns"
rows = [dict(zip(head, l.split())) for l in lines[2:] if l.split()[:1] == ["reviews"]]
assert len(rows) == 1, lines
r = rows[0]
assert eval(sys.argv[2]), (sys.argv[2], r)
' "$1" "$2" || fail "top: want $2, got: $(cat "$1")"
}

echo "== labelq top / status --watch while an annotator holds a lease"
run "$LABELQ_CLI" top --once >"$root/top.out" || fail "top --once"
check_top "$root/top.out" 'r["TASKS"] == "7" and r["DONE"] == "0" and r["LABELS"] == "3" and r["ACTIVE"] == "0" and r["LABELS/S"] == "-"'
# labelq-annotate leases a task and waits for a key on the fifo.
mkfifo "$root/keys"
LABELQ_TOKEN=$alice_token run "$LABELQ_ANNOTATE" reviews <"$root/keys" >"$root/annotate2.out" 2>&1 &
annotate_pid=$!
exec 3>"$root/keys"
active=0
for _ in $(seq "$START_TRIES"); do
    run "$LABELQ_CLI" status reviews --watch --once >"$root/watch.out" || fail "status --watch --once"
    if $PY -c '
import sys
l = open(sys.argv[1]).read().splitlines()
sys.exit(0 if len(l) == 3 and l[2].split()[0] == "reviews" and l[2].split()[-1] == "1" else 1)
' "$root/watch.out"; then
        active=1
        break
    fi
    sleep 0.1
done
[ "$active" = 1 ] || fail "status --watch never showed alice active: $(cat "$root/watch.out")"
run "$LABELQ_CLI" top --once reviews >"$root/top.out" || fail "top --once reviews"
check_top "$root/top.out" 'r["LEASED"] == "1" and r["ACTIVE"] == "1"'
echo q >&3
exec 3>&-
code=0
wait "$annotate_pid" || code=$?
annotate_pid=
[ "$code" = 0 ] || fail "labelq-annotate on the fifo exited $code: $(cat "$root/annotate2.out")"
run "$LABELQ_CLI" top --once >"$root/top.out" || fail "top --once"
check_top "$root/top.out" 'r["LEASED"] == "0" and r["ACTIVE"] == "0" and r["LABELS"] == "3"'
status=0
run "$LABELQ_CLI" top --once reviews nosuch >/dev/null 2>"$root/top.err" || status=$?
[ "$status" = 1 ] || fail "top --once with an unknown project exited $status, want 1"
grep -q "nosuch" "$root/top.err" || fail "top did not name the unknown project: $(cat "$root/top.err")"

echo "== labelq-bench --until-done"
run "$LABELQ_BENCH" reviews --until-done --annotators 3 --seed 7 >"$root/bench.out" 2>"$root/bench.err" ||
    fail "labelq-bench: $(tail -n 5 "$root/bench.err")"
check_status 's["done"] == 7 and s["labels"] == 14 and s["leased"] == 0 and s["pending"] == 0'
# Two snapshots through a pipe: appended, not redrawn; q on stdin quits.
(sleep 1.5; echo q) | run "$LABELQ_CLI" top --interval 0.5 >"$root/top2.out" || fail "top --interval"
grep -q $'\033' "$root/top2.out" && fail "top wrote terminal escapes into a pipe"
[ "$(grep -c '^PROJECT ' "$root/top2.out")" -ge 2 ] || fail "top refreshed less than twice: $(cat "$root/top2.out")"
run "$LABELQ_CLI" top --once >"$root/top.out" || fail "top --once"
check_top "$root/top.out" 'r["TASKS"] == "7" and r["DONE"] == "7" and r["%"] == "100%" and r["LABELS"] == "14" and r["PENDING"] == "0"'

echo "== export"
run "$LABELQ_CLI" export reviews -o "$root/export.jsonl" >/dev/null || fail "export"
$PY -c '
import json, sys
labels = ["pos", "neg", "neutral"]
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ids = [l["id"] for l in lines]
assert ids == ["r1", "r2", "r3", "r4", "r5", "r6", "r7"], ("want every item once, in import order", ids)
alice = []
for l in lines:
    anns = l["annotations"]
    assert len(anns) == 2, l
    assert len({a["annotator"] for a in anns}) == 2, l
    votes = [a["label"] for a in anns]
    assert all(v in labels for v in votes), l
    best = max(labels, key=lambda x: (votes.count(x), -labels.index(x)))
    assert l["label"] == best, l
    assert abs(l["confidence"] - votes.count(best) / 2) < 1e-6, l
    assert abs(l["agreement"] - (1.0 if votes[0] == votes[1] else 0.0)) < 1e-6, l
    assert l["data"]["text"], l
    alice += [a["label"] for a in anns if a["annotator"] == "alice"]
assert sorted(alice) == ["neg", "pos", "pos"], ("alice labels", alice)
' "$root/export.jsonl" || fail "export check; export was: $(cat "$root/export.jsonl")"

echo "== report --json"
run "$LABELQ_CLI" report reviews --json >"$root/report.json" 2>"$root/report.err" ||
    fail "report --json: $(cat "$root/report.err")"
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
keys = ["project", "tasks", "done", "labels", "krippendorff_alpha", "fleiss_kappa",
        "percent_agreement", "method", "iterations", "class_priors", "annotators",
        "confidence_histogram"]
assert list(r) == keys, ("keys", list(r))
assert r["project"] == "reviews" and r["tasks"] == 7 and r["done"] == 7 and r["labels"] == 14, r
# 14 labels: too few for Dawid-Skene, so the majority vote, and no DS estimate
assert r["method"] == "majority", r["method"]
assert r["krippendorff_alpha"] is None or -1 <= r["krippendorff_alpha"] <= 1, r
assert sorted(r["class_priors"]) == ["neg", "neutral", "pos"], r["class_priors"]
assert len(r["confidence_histogram"]) == 10 and sum(r["confidence_histogram"]) == 7, r
assert r["annotators"]["alice"]["labels"] == 3, r["annotators"]
assert sum(a["labels"] for a in r["annotators"].values()) == 14, r["annotators"]
for name, a in r["annotators"].items():
    assert set(a) == {"labels", "gold_seen", "gold_correct", "gold_accuracy", "ds_accuracy",
                      "consensus_agreement", "blocked"}, (name, a)
    assert a["ds_accuracy"] is None and a["blocked"] is False, (name, a)
    assert 0 <= a["consensus_agreement"] <= 1, (name, a)
' "$root/report.json" || fail "report --json check; report was: $(cat "$root/report.json")"
run "$LABELQ_CLI" report reviews >"$root/report.txt" || fail "report"
grep -q "^project reviews: 7 tasks, 7 done, 14 labels" "$root/report.txt" ||
    fail "report text: $(cat "$root/report.txt")"

echo "== export --min-confidence"
run "$LABELQ_CLI" export reviews --min-confidence 1 -o "$root/sure.jsonl" 2>/dev/null ||
    fail "export --min-confidence"
$PY -c '
import json, sys
every = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
sure = [json.loads(l) for l in open(sys.argv[2]) if l.strip()]
assert [l["id"] for l in sure] == [l["id"] for l in every if l["confidence"] >= 1], (sure, every)
' "$root/export.jsonl" "$root/sure.jsonl" || fail "export --min-confidence 1 kept the wrong items"
status=0
run "$LABELQ_CLI" export reviews --min-confidence 1.5 >/dev/null 2>"$root/bad.err" || status=$?
[ "$status" = 2 ] || fail "export --min-confidence 1.5 exited $status, want 2"

echo "== labelq-bench --connections --rate (open-loop pacing)"
# 2000 tasks/s for 2 s over 8 connections, on loopback: a few percent of
# what labelqd does here, so the schedule, not the server, sets the rate.
run "$LABELQ_CLI" project create paced --labels a,b --overlap 1 >/dev/null || fail "project create paced"
run "$LABELQ_BENCH" paced --preload 6000 --payload 64 >/dev/null 2>"$root/paced.err" ||
    fail "labelq-bench --preload: $(tail -n 5 "$root/paced.err")"
run "$LABELQ_BENCH" paced --connections 8 --inflight 1 --lease-batch 1 --rate 2000 --duration 2 \
    --json >"$root/paced.json" 2>"$root/paced.err" ||
    fail "labelq-bench --rate: $(tail -n 5 "$root/paced.err")"
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["target_rate"] == 2000, r
assert 1400 <= r["tasks_per_second"] <= 2600, ("not paced to 2000/s within 30%", r)
assert r["errors"] == 0 and r["empty_leases"] == 0 and r["dead_connections"] == 0, r
assert 0 < r["latency_us"]["p50"] <= r["latency_us"]["p99"] <= r["latency_us"]["max"], r
' "$root/paced.json" || fail "labelq-bench --rate 2000: $(cat "$root/paced.json")"
# Without --rate the summary is what it was: no target_rate.
run "$LABELQ_BENCH" paced --connections 2 --lease-batch 1 --duration 0.5 --json \
    >"$root/unpaced.json" 2>"$root/paced.err" ||
    fail "labelq-bench --connections: $(tail -n 5 "$root/paced.err")"
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert "target_rate" not in r and r["completed"] > 0, r
' "$root/unpaced.json" || fail "labelq-bench without --rate: $(cat "$root/unpaced.json")"
echo "== labelq-bench --connections --chain (submit + next lease in one request)"
run "$LABELQ_CLI" project create chained --labels a,b --overlap 1 >/dev/null ||
    fail "project create chained"
run "$LABELQ_BENCH" chained --preload 20000 --payload 64 >/dev/null 2>"$root/chain.err" ||
    fail "labelq-bench --preload: $(tail -n 5 "$root/chain.err")"
run "$LABELQ_BENCH" chained --connections 4 --inflight 1 --lease-batch 1 --chain --duration 0.5 \
    --json >"$root/chain.json" 2>"$root/chain.err" ||
    fail "labelq-bench --chain: $(tail -n 5 "$root/chain.err")"
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
assert r["chain"] is True and r["completed"] > 0, r
assert r["errors"] == 0 and r["empty_leases"] == 0 and r["dead_connections"] == 0, r
# One plain Lease per connection to start; every later task came with the
# submit before it.
assert r["leases"] - r["chained_leases"] == r["connections"], r
assert r["chained_leases"] >= r["completed"] - r["connections"], r
assert 0 < r["latency_us"]["p50"] <= r["latency_us"]["p99"] <= r["latency_us"]["max"], r
' "$root/chain.json" || fail "labelq-bench --chain: $(cat "$root/chain.json")"
run "$LABELQ_CLI" status chained --json >"$root/chain-status.json" || fail "status chained --json"
$PY -c '
import json, sys
r = json.load(open(sys.argv[1]))
s = json.load(open(sys.argv[2]))
assert s["project"] == "chained", s
# Every acknowledged submit is a stored label (a few more may have been
# acknowledged after the measured window).
assert s["labels"] >= r["completed"], (s, r)
' "$root/chain.json" "$root/chain-status.json" || fail "labels stored under --chain: $(cat "$root/chain-status.json")"
status=0
run "$LABELQ_BENCH" chained --chain >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "labelq-bench --chain without --connections exited $status, want 2"
status=0
run "$LABELQ_BENCH" paced --rate 100 >/dev/null 2>&1 || status=$?
[ "$status" = 2 ] || fail "labelq-bench --rate without --connections exited $status, want 2"

echo "== SIGTERM"
kill -TERM "$pid"
for _ in $(seq 200); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$pid" 2>/dev/null && fail "labelqd still running 20 s after SIGTERM"
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "labelqd exited $code after SIGTERM, want 0"

passed=1
echo "cli_flow: ok"
