#!/usr/bin/env bash
# Live and offline compute every figure one way. For each label type
# (single, multi, ordinal, numeric, text, spans, boxes) a real labelqd gets
# a project, labelq-bench's simulated annotators label it over TLS (right
# 60-90 % of the time, so that they disagree and tie), and the project's
# JSONL export, turned back into a CSV of ratings (live_offline.py), must
# give offline, with the project's schema passed as --labels / --scale /
# --range: the same label, confidence and agreement for every item
# (`labelq aggregate`, by the export's method) and the same agreement
# figures as the server's report (`labelq agreement` against `labelq
# report`). multi and ordinal get 120 labels, past the 100 from which
# labelqd takes Dawid-Skene; single 90 (the majority vote, whose ties go to
# the label first in the schema) and the others 60.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH,
# LQ_SOURCE_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}" "${LABELQ_BENCH:?path of labelq-bench}"
SRC=${LQ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
HERE=$(cd "$(dirname "$0")" && pwd)
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=60
STABLE_TRIES=50 # exports 0.2 s apart until two agree: 10 s
TYPES="single multi ordinal numeric text spans boxes"

cli_daemon_start live_offline

$PY "$SRC/bench/data/make_typed.py" --count 40 --out "$root/typed" >/dev/null || fail "make_typed.py"
# Single choice: the sample dataset's first items, labels in an order that
# is not byte order, so that ties show which order counts.
head -n 40 "$SRC/bench/data/sentiment.jsonl" >"$root/typed/single.jsonl"
head -n 40 "$SRC/bench/data/sentiment.truth.jsonl" >"$root/typed/single.truth.jsonl"
$PY -c '
import json, sys
p = json.load(open(sys.argv[1]))
p["single"] = {"type": "single", "labels": ["pos", "neg", "neutral"]}
json.dump(p, open(sys.argv[1], "w"))
' "$root/typed/projects.json"

# items TYPE: how many items the type's project gets.
items() {
    case $1 in
    multi | ordinal) echo 40 ;;
    single) echo 30 ;;
    *) echo 20 ;;
    esac
}

# create TYPE: the project, from projects.json.
create() {
    local type=$1 flags
    flags=$($PY -c '
import json, sys
p = json.load(open(sys.argv[1]))[sys.argv[2]]
labels = ",".join(p.get("labels", []))
flag = {"single": ["--labels", labels], "multi": ["--multi-labels", labels],
        "ordinal": ["--scale", labels], "numeric": ["--number", "%g..%g" % (p.get("min", 0), p.get("max", 0))],
        "text": ["--text"], "spans": ["--spans", labels], "boxes": ["--boxes", labels]}[p["type"]]
print(" ".join(flag + (["--field", p["field"]] if "field" in p else [])))
' "$root/typed/projects.json" "$type")
    # shellcheck disable=SC2086 # flags are words without spaces
    run "$LABELQ_CLI" project create "lo_$type" $flags --overlap 3 >/dev/null 2>"$root/create.err" ||
        fail "project create lo_$type: $(cat "$root/create.err")"
}

# settled TYPE: exports lo_TYPE until two exports 0.2 s apart agree, into
# $root/TYPE.jsonl: the background estimate that follows the last label
# has then stored its results (Dawid-Skene is over the whole project).
settled() {
    local type=$1
    run "$LABELQ_CLI" export "lo_$type" -o "$root/$type.jsonl" 2>/dev/null || fail "export lo_$type"
    for _ in $(seq "$STABLE_TRIES"); do
        sleep 0.2
        run "$LABELQ_CLI" export "lo_$type" -o "$root/$type.again.jsonl" 2>/dev/null ||
            fail "export lo_$type"
        if cmp -s "$root/$type.jsonl" "$root/$type.again.jsonl"; then
            return 0
        fi
        mv "$root/$type.again.jsonl" "$root/$type.jsonl"
    done
    fail "the export of lo_$type kept changing"
}

seed=21
for type in $TYPES; do
    n=$(items "$type")
    create "$type"
    head -n "$n" "$root/typed/$type.jsonl" >"$root/$type.items.jsonl"
    run "$LABELQ_CLI" import "lo_$type" "$root/$type.items.jsonl" >/dev/null 2>"$root/import.err" ||
        fail "import lo_$type: $(cat "$root/import.err")"
    run "$LABELQ_BENCH" "lo_$type" --truth "$root/typed/$type.truth.jsonl" --until-done \
        --annotators 4 --accuracy 0.6-0.9 --seed "$seed" --json >"$root/bench-$type.json" \
        2>"$root/bench.err" || fail "labelq-bench lo_$type: $(tail -n 5 "$root/bench.err")"
    seed=$((seed + 1))
done

for type in $TYPES; do
    settled "$type"
    run "$LABELQ_CLI" report "lo_$type" --json >"$root/$type.report.json" ||
        fail "report lo_$type"
    $PY "$HERE/live_offline.py" csv "$type" "$root/$type.jsonl" "$root/$type.csv" ||
        fail "$type: export to CSV"
    $PY "$HERE/live_offline.py" schema "$type" "$root/typed/projects.json" >"$root/$type.schema" ||
        fail "$type: schema options"
    mapfile -t schema <"$root/$type.schema"
    if [ "$type" = single ]; then
        method=$($PY -c 'import json, sys; print(json.loads(open(sys.argv[1]).readline())["method"])' \
            "$root/$type.jsonl")
        run "$LABELQ_CLI" aggregate "$root/$type.csv" --method "$method" "${schema[@]}" --json \
            >"$root/$type.agg.json" || fail "aggregate $type"
        run "$LABELQ_CLI" agreement "$root/$type.csv" "${schema[@]}" --json \
            >"$root/$type.agreement.json" || fail "agreement $type"
    else
        run "$LABELQ_CLI" aggregate "$root/$type.csv" --type "$type" "${schema[@]}" --json \
            >"$root/$type.agg.json" || fail "aggregate --type $type"
        run "$LABELQ_CLI" agreement "$root/$type.csv" --type "$type" "${schema[@]}" --json \
            >"$root/$type.agreement.json" || fail "agreement --type $type"
    fi
    $PY "$HERE/live_offline.py" compare "$type" "$root/$type.jsonl" "$root/$type.report.json" \
        "$root/$type.agg.json" "$root/$type.agreement.json" ||
        fail "$type: live and offline differ (files in $root)"
done

passed=1
echo "live_offline: every type's figures agree live and offline"
