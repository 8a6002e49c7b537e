#!/usr/bin/env bash
# Batches through the real command line against a real labelqd: import
# --batch / --append / --priority and the default batch name, batch list
# (table and --json), show, pause / resume / cancel / priority with their
# messages and exit statuses, export and report scoped to a batch, and
# batch watch (done, Ctrl-C, and the bar on a terminal). labelq-bench does
# the labeling.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}" "${LABELQ_BENCH:?path of labelq-bench}"
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=120

cli_daemon_start cli_batches

# expect_status WANT OUT ERR CMD...: runs the CLI with CMD, stdout to OUT and
# stderr to ERR, and fails unless it exits WANT.
expect_status() {
    local want=$1 out=$2 err=$3 code=0
    shift 3
    run "$LABELQ_CLI" "$@" >"$out" 2>"$err" || code=$?
    [ "$code" = "$want" ] || fail "labelq $* exited $code, want $want; stderr: $(cat "$err")"
}

# expect_line FILE TEXT: FILE is exactly the one line TEXT.
expect_line() {
    [ "$(cat "$1")" = "$2" ] || fail "want the line '$2', got: $(cat "$1")"
}

# check_json FILE EXPR: EXPR is Python over d, FILE's parsed JSON.
check_json() {
    $PY -c '
import json, re, sys
d = json.load(open(sys.argv[1]))
assert eval(sys.argv[2]), (sys.argv[2], d)
' "$1" "$2" || fail "want $2, got: $(cat "$1")"
}

run "$LABELQ_CLI" project create shop --labels a,b --overlap 1 >/dev/null || fail "project create"
for i in 1 2 3 4; do echo "{\"id\": \"f$i\", \"data\": {\"n\": $i}}"; done >"$root/first.jsonl"
for i in 1 2; do echo "{\"id\": \"s$i\", \"data\": {\"n\": $i}}"; done >"$root/second.jsonl"
for i in 1 2 3; do echo "{\"id\": \"o$i\", \"data\": {\"n\": $i}, \"priority\": $i}"; done \
    >"$root/odd name!.jsonl"

echo "== import --batch / --append / --priority / the default name"
expect_status 0 "$root/out" "$root/err" import shop "$root/first.jsonl" --batch first --priority 3
expect_line "$root/out" "imported 4, skipped 0 (already present), rejected 0 into batch first"
expect_status 1 "$root/out" "$root/err" import shop "$root/second.jsonl" --batch first
grep -q -- "--append" "$root/err" || fail "a taken batch name does not suggest --append: $(cat "$root/err")"
expect_status 0 "$root/out" "$root/err" batch show shop first --json
check_json "$root/out" 'd["tasks"] == 4'
expect_status 0 "$root/out" "$root/err" import shop "$root/second.jsonl" --batch first --append
expect_line "$root/out" "imported 2, skipped 0 (already present), rejected 0 into batch first"
expect_status 0 "$root/out" "$root/err" import shop "$root/odd name!.jsonl"
grep -Eq '^imported 3, skipped 0 \(already present\), rejected 0 into batch odd_name_\.jsonl-[0-9]{8}-[0-9]{6}$' \
    "$root/out" || fail "default batch name: $(cat "$root/out")"
odd=$(sed 's/.* into batch //' "$root/out")
echo '{"id": "p1", "data": {"n": 1}}' |
    run "$LABELQ_CLI" import shop - >"$root/out" 2>"$root/err" || fail "import from stdin: $(cat "$root/err")"
grep -Eq 'into batch stdin-[0-9]{8}-[0-9]{6}$' "$root/out" || fail "stdin batch name: $(cat "$root/out")"
piped=$(sed 's/.* into batch //' "$root/out")
expect_status 2 "$root/out" "$root/err" import shop "$root/first.jsonl" --batch "bad name"
expect_status 2 "$root/out" "$root/err" import shop "$root/first.jsonl" --append

echo "== batch list"
expect_status 0 "$root/list.txt" "$root/err" batch list shop
$PY -c '
import sys
lines = open(sys.argv[1]).read().splitlines()
assert all(len(l) <= 80 for l in lines), "a line is wider than 80 columns"
head = lines[0].split()
assert head == ["BATCH", "STATE", "PRI", "TASKS", "PENDING", "LEASED", "DONE", "%", "LABELS",
                "AGE", "ETA"], head
rows, name = {}, None
for l in lines[1:]:
    cols = l.split()
    if len(cols) == 1:          # a long name, its columns on the next line
        name = cols[0]
    elif l.startswith(" "):
        rows[name] = cols
    else:
        rows[cols[0]] = cols[1:]
assert sorted(rows) == sorted(["first", sys.argv[2], sys.argv[3]]), rows
f = rows["first"]
assert f[:8] == ["active", "3", "6", "6", "0", "0", "0%", "0"] and f[9] == "-", f
assert rows[sys.argv[2]][:3] == ["active", "0", "3"], rows
' "$root/list.txt" "$odd" "$piped" || fail "batch list table: $(cat "$root/list.txt")"
expect_status 0 "$root/list.json" "$root/err" batch list shop --json
check_json "$root/list.json" 'd["project"] == "shop" and [b["name"] for b in d["batches"]] == ["first", "'"$odd"'", "'"$piped"'"]'
check_json "$root/list.json" 'all(list(b) == ["name", "state", "priority", "tasks", "pending", "leased", "done", "labels", "percent_complete", "created", "created_ms", "labels_per_s", "labels_needed", "eta_s", "alpha", "percent_agreement"] for b in d["batches"])'
check_json "$root/list.json" '[(b["state"], b["priority"], b["tasks"], b["pending"], b["leased"], b["done"], b["labels"], b["percent_complete"], b["labels_needed"], b["eta_s"]) for b in d["batches"]] == [("active", 3, 6, 6, 0, 0, 0, 0, 6, None), ("active", 0, 3, 3, 0, 0, 0, 0, 3, None), ("active", 0, 1, 1, 0, 0, 0, 0, 1, None)]'
check_json "$root/list.json" 'all(re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b["created"]) and b["created_ms"] > 0 for b in d["batches"])'

echo "== batch show"
expect_status 0 "$root/show.json" "$root/err" batch show shop first --json
check_json "$root/show.json" 'list(d)[:2] == ["project", "name"] and d["project"] == "shop" and d["name"] == "first" and d["tasks"] == 6 and d["priority"] == 3 and d["eta_s"] is None'
expect_status 0 "$root/show.txt" "$root/err" batch show shop first
grep -q '^state      active$' "$root/show.txt" || fail "batch show: $(cat "$root/show.txt")"
grep -q '^tasks      6$' "$root/show.txt" || fail "batch show: $(cat "$root/show.txt")"
expect_status 1 "$root/out" "$root/err" batch show shop nosuch
grep -q "no batch named 'nosuch' in project shop" "$root/err" || fail "unknown batch: $(cat "$root/err")"
expect_status 1 "$root/out" "$root/err" batch list nosuch
expect_status 2 "$root/out" "$root/err" batch show shop

echo "== pause / resume / priority"
expect_status 0 "$root/out" "$root/err" batch pause shop first
expect_line "$root/out" "batch first of project shop paused"
expect_status 0 "$root/out" "$root/err" batch pause shop first
expect_line "$root/out" "batch first of project shop is already paused; nothing changed"
expect_status 0 "$root/out" "$root/err" batch show shop first --json
check_json "$root/out" 'd["state"] == "paused"'
expect_status 0 "$root/out" "$root/err" batch resume shop first
expect_line "$root/out" "batch first of project shop resumed"
expect_status 0 "$root/out" "$root/err" batch resume shop first
expect_line "$root/out" "batch first of project shop is already active; nothing changed"
expect_status 0 "$root/out" "$root/err" batch priority shop "$odd" 10
expect_line "$root/out" "batch $odd of project shop has priority 10 (was 0)"
expect_status 0 "$root/out" "$root/err" batch priority shop first -2
expect_line "$root/out" "batch first of project shop has priority -2 (was 3)"
expect_status 0 "$root/out" "$root/err" batch list shop --json
check_json "$root/out" '[b["name"] for b in d["batches"]] == ["'"$odd"'", "'"$piped"'", "first"]'
expect_status 2 "$root/out" "$root/err" batch priority shop first high
expect_status 1 "$root/out" "$root/err" batch pause shop nosuch

echo "== label everything (labelq-bench)"
run "$LABELQ_BENCH" shop --until-done --annotators 2 --seed 5 >"$root/bench.out" 2>"$root/bench.err" ||
    fail "labelq-bench: $(tail -n 5 "$root/bench.err")"
expect_status 0 "$root/out" "$root/err" batch show shop first --json
check_json "$root/out" 'd["done"] == 6 and d["labels"] == 6 and d["pending"] == 0 and d["percent_complete"] == 100'

echo "== export and report of one batch"
expect_status 0 "$root/out" "$root/err" export shop --batch first -o "$root/first-export.jsonl"
expect_line "$root/err" "exported 6 items of batch first to $root/first-export.jsonl"
$PY -c '
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
assert [l["id"] for l in lines] == ["f1", "f2", "f3", "f4", "s1", "s2"], lines
assert all(l["batch"] == "first" for l in lines), lines
' "$root/first-export.jsonl" || fail "export --batch first: $(cat "$root/first-export.jsonl")"
expect_status 0 "$root/report.txt" "$root/err" report shop --batch first
head -n 1 "$root/report.txt" | grep -qx "project shop, batch first: 6 tasks, 6 done, 6 labels" ||
    fail "report --batch: $(head -n 1 "$root/report.txt")"
expect_status 0 "$root/report.json" "$root/err" report shop --batch first --json
check_json "$root/report.json" 'list(d)[:5] == ["project", "batch", "tasks", "done", "labels"] and d["batch"] == "first" and d["tasks"] == 6 and d["labels"] == 6'
expect_status 0 "$root/report.json" "$root/err" report shop --json
check_json "$root/report.json" '"batch" not in d and d["tasks"] == 10'
expect_status 1 "$root/out" "$root/err" report shop --batch nosuch
grep -q "nosuch" "$root/err" || fail "report of an unknown batch: $(cat "$root/err")"

echo "== cancel"
expect_status 0 "$root/out" "$root/err" batch cancel shop "$odd"
expect_line "$root/out" "batch $odd of project shop canceled"
expect_status 0 "$root/out" "$root/err" batch cancel shop "$odd"
expect_line "$root/out" "batch $odd of project shop is already canceled; nothing changed"
expect_status 1 "$root/out" "$root/err" batch resume shop "$odd"
grep -q "canceled" "$root/err" || fail "resume after cancel: $(cat "$root/err")"
[ ! -s "$root/out" ] || fail "a refused resume printed: $(cat "$root/out")"
expect_status 0 "$root/out" "$root/err" batch show shop "$odd" --json
check_json "$root/out" 'd["state"] == "canceled" and d["priority"] == 10'
expect_status 1 "$root/out" "$root/err" import shop "$root/odd name!.jsonl" --batch "$odd" --append
run "$LABELQ_CLI" export shop -o "$root/all.jsonl" 2>/dev/null || fail "export"
[ "$(wc -l <"$root/all.jsonl")" = 7 ] || fail "export without the canceled batch: $(cat "$root/all.jsonl")"
grep -q '"batch":"'"$odd"'"' "$root/all.jsonl" && fail "the canceled batch is in the export"
run "$LABELQ_CLI" export shop --include-canceled -o "$root/all.jsonl" 2>/dev/null || fail "export --include-canceled"
[ "$(wc -l <"$root/all.jsonl")" = 10 ] || fail "export --include-canceled: $(cat "$root/all.jsonl")"
expect_status 0 "$root/out" "$root/err" export shop --batch "$odd" --include-canceled
[ "$(wc -l <"$root/out")" = 3 ] || fail "export --batch of the canceled batch: $(cat "$root/out")"

echo "== batch watch"
expect_status 0 "$root/watch.out" "$root/err" batch watch shop first
tail -n 1 "$root/watch.out" | grep -qx "batch first of project shop is done: 6 tasks, 6 labels" ||
    fail "watch of a done batch: $(cat "$root/watch.out")"
grep -q $'\033' "$root/watch.out" && fail "watch wrote terminal escapes into a file"
for i in 1 2; do echo "{\"id\": \"l$i\", \"data\": {\"n\": $i}}"; done >"$root/later.jsonl"
run "$LABELQ_CLI" import shop "$root/later.jsonl" --batch later >/dev/null || fail "import later"
code=0
timeout --preserve-status -s INT 2.5 "$LABELQ_CLI" batch watch shop later --interval 0.2 \
    >"$root/watch.out" 2>"$root/err" || code=$?
[ "$code" = 130 ] || fail "watch after Ctrl-C exited $code, want 130: $(cat "$root/err")"
[ "$(grep -c ' later: active, 0/2 done (0%), 0 leased, 2 pending' "$root/watch.out")" -ge 2 ] ||
    fail "watch did not print one line per refresh: $(cat "$root/watch.out")"
expect_status 1 "$root/out" "$root/err" batch watch shop nosuch
# On a terminal: the bar is redrawn in place, then the final line.
$PY - "$LABELQ_CLI" <<'EOF' || fail "watch on a terminal"
import os, pty, sys
pid, fd = pty.fork()
if pid == 0:
    os.execv(sys.argv[1], [sys.argv[1], "batch", "watch", "shop", "first"])
out = b""
while True:
    try:
        chunk = os.read(fd, 4096)
    except OSError:
        break
    if not chunk:
        break
    out += chunk
_, status = os.waitpid(pid, 0)
assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, (status, out)
assert b"\r\x1b[Kfirst [" + b"#" * 20 + b"] 100% 6/6 done" in out, out
assert out.rstrip().endswith(b"batch first of project shop is done: 6 tasks, 6 labels"), out
EOF

passed=1
echo "cli_batches: ok"
