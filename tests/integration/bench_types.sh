#!/usr/bin/env bash
# labelq-bench on a project of every label type, end to end against a real
# labelqd: for each of multi, ordinal, numeric, text, spans and boxes, a
# project is created with `labelq project create`, the generated dataset
# (bench/data/make_typed.py) imported, and labelq-bench labels it with
# --truth until done. Every simulated label must be accepted (no errors),
# the simulated accuracy must show in the labels, and the JSONL export,
# read with Python's json, must hold every item with its annotations, each
# a valid value of the type. Then the project is exported in every format
# that fits its type (csv: multi, ordinal, numeric; conll: spans; coco:
# boxes; a --split of the JSONL), each read by an independent reader
# (typed_formats.py: Python's csv and json, the CoNLL and COCO layouts,
# pycocotools when installed), and the consensus must equal the truth on
# most items: three annotators right 80-90 % of the time form a right
# majority on about 95 % of items. A second, smaller project per type is
# labeled without --truth: random answers must be valid too.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH,
# LQ_SOURCE_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}" "${LABELQ_BENCH:?path of labelq-bench}"
SRC=${LQ_SOURCE_DIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=120
ITEMS=60           # per type, with truth
RANDOM_ITEMS=20    # per type, without
OVERLAP=3
TYPES="multi ordinal numeric text spans boxes"

cli_daemon_start bench_types

$PY "$SRC/bench/data/make_typed.py" --count "$ITEMS" --out "$root/typed" >/dev/null ||
    fail "make_typed.py"

# create_project NAME TYPE: the type's flags from projects.json.
create_project() {
    local name=$1 type=$2 flags
    flags=$($PY -c '
import json, sys
p = json.load(open(sys.argv[1]))[sys.argv[2]]
labels = ",".join(p.get("labels", []))
flag = {"multi": ["--multi-labels", labels], "ordinal": ["--scale", labels],
        "numeric": ["--number", "%g..%g" % (p.get("min", 0), p.get("max", 0))],
        "text": ["--text"], "spans": ["--spans", labels], "boxes": ["--boxes", labels]}[p["type"]]
if "field" in p:
    flag += ["--field", p["field"]]
print(" ".join(flag))
' "$root/typed/projects.json" "$type")
    # shellcheck disable=SC2086 # flags are words without spaces
    run "$LABELQ_CLI" project create "$name" $flags --overlap "$OVERLAP" >/dev/null 2>"$root/create.err" ||
        fail "project create $name ($type: $flags): $(cat "$root/create.err")"
}

# check_bench FILE ITEMS TRUTH: labelq-bench's --json summary: every task
# done with OVERLAP labels, no errors; with truth, the labels' accuracy
# lies in the band the annotators were given.
check_bench() {
    $PY -c '
import json, sys
b = json.load(open(sys.argv[1]))
items, overlap, truth = int(sys.argv[2]), int(sys.argv[3]), sys.argv[4] == "1"
assert b["done"] is True, b
assert b["errors"] == 0, ("labels rejected or calls failed", b)
assert b["labels"] == items * overlap, (b["labels"], items * overlap)
if truth:
    # --accuracy 0.8-0.9 over ~180 labels: well inside 0.65..0.97.
    assert b["accuracy"] is not None and 0.65 <= b["accuracy"] <= 0.97, b["accuracy"]
else:
    assert b["accuracy"] is None, b
' "$1" "$2" "$OVERLAP" "$3" || fail "labelq-bench summary $1: $(cat "$1")"
}

# check_export TYPE FILE ITEMS DATA: every item of DATA is in the JSONL
# export with OVERLAP annotations, each a valid value of TYPE.
check_export() {
    $PY - "$@" "$OVERLAP" "$root/typed/projects.json" <<'EOF' || fail "export of $1: see above"
import json, sys
kind, path, want_items, data_path, overlap, projects = sys.argv[1:7]
schema = json.load(open(projects))[kind]
labels = set(schema.get("labels", []))
items = {}
for line in open(data_path, encoding="utf-8"):
    if line.strip():
        d = json.loads(line)
        items[d["id"]] = d["data"]
assert len(items) == int(want_items), (len(items), want_items)
seen = set()
for line in open(path, encoding="utf-8"):
    row = json.loads(line)
    assert row["id"] in items and row["id"] not in seen, row["id"]
    seen.add(row["id"])
    anns = row["annotations"]
    assert len(anns) == int(overlap), (row["id"], anns)
    assert len({a["annotator"] for a in anns}) == len(anns), ("distinct annotators", anns)
    for a in anns:
        v = a["label"]
        if isinstance(v, str) and kind in ("multi", "spans", "boxes", "numeric"):
            v = json.loads(v)
        if kind == "multi":
            assert isinstance(v, list) and set(v) <= labels and len(set(v)) == len(v), v
        elif kind == "ordinal":
            assert v in labels, v
        elif kind == "numeric":
            assert schema["min"] <= float(v) <= schema["max"], v
        elif kind == "text":
            assert isinstance(v, str), v
        elif kind == "spans":
            text = items[row["id"]]["text"].encode()
            ends = 0
            for s in sorted(v, key=lambda s: s["start"]):
                assert s["label"] in labels and ends <= s["start"] < s["end"] <= len(text), (v, text)
                text[s["start"]:s["end"]].decode()  # whole characters
                ends = s["end"]
        elif kind == "boxes":
            for b in v:
                assert b["label"] in labels and b["x"] >= 0 and b["y"] >= 0, b
                assert b["w"] > 0 and b["h"] > 0, b
assert seen == set(items), ("missing items", sorted(set(items) - seen)[:5])
print("%s: %d items, %d annotations each, all valid" % (kind, len(seen), int(overlap)))
EOF
}

# check_formats TYPE: the --truth project t_TYPE exported in every format
# that fits its type, each parsed and compared with the JSONL export and
# the truth (tests/integration/typed_formats.py).
check_formats() {
    local type=$1 formats=jsonl
    case $type in
    multi | ordinal | numeric) formats="jsonl csv" ;;
    spans) formats="jsonl conll" ;;
    boxes) formats="jsonl coco" ;;
    esac
    for f in $formats; do
        run "$LABELQ_CLI" export "t_$type" --format "$f" -o "$root/fmt-$type.$f" >/dev/null \
            2>"$root/export.err" || fail "export t_$type --format $f: $(cat "$root/export.err")"
    done
    for f in csv conll coco; do
        case " $formats " in *" $f "*) continue ;; esac
        if run "$LABELQ_CLI" export "t_$type" --format "$f" -o "$root/refused.$f" >/dev/null 2>&1; then
            fail "export of a $type project as $f was accepted"
        fi
    done
    run "$LABELQ_CLI" export "t_$type" --split train=0.75,test=0.25 --seed 5 \
        -o "$root/split-$type.jsonl" >/dev/null 2>"$root/export.err" ||
        fail "export t_$type --split: $(cat "$root/export.err")"
    $PY "$(dirname "$0")/typed_formats.py" "$type" "$root" "$root/typed/projects.json" ||
        fail "formats of $type: see above"
}

seed=11
for type in $TYPES; do
    echo "== $type with --truth"
    create_project "t_$type" "$type"
    run "$LABELQ_CLI" import "t_$type" "$root/typed/$type.jsonl" >/dev/null 2>"$root/import.err" ||
        fail "import $type: $(cat "$root/import.err")"
    run "$LABELQ_BENCH" "t_$type" --truth "$root/typed/$type.truth.jsonl" --until-done \
        --annotators 4 --accuracy 0.8-0.9 --lease-batch 4 --seed "$seed" --json \
        >"$root/bench-$type.json" 2>"$root/bench-$type.err" ||
        fail "labelq-bench $type: $(tail -n 5 "$root/bench-$type.err")"
    check_bench "$root/bench-$type.json" "$ITEMS" 1
    run "$LABELQ_CLI" export "t_$type" -o "$root/export-$type.jsonl" >/dev/null 2>"$root/export.err" ||
        fail "export $type: $(cat "$root/export.err")"
    check_export "$type" "$root/export-$type.jsonl" "$ITEMS" "$root/typed/$type.jsonl"
    check_formats "$type"

    echo "== $type without truth"
    create_project "r_$type" "$type"
    head -n "$RANDOM_ITEMS" "$root/typed/$type.jsonl" >"$root/random-$type.jsonl"
    run "$LABELQ_CLI" import "r_$type" "$root/random-$type.jsonl" >/dev/null 2>"$root/import.err" ||
        fail "import r_$type: $(cat "$root/import.err")"
    run "$LABELQ_BENCH" "r_$type" --until-done --annotators 3 --seed "$seed" --json \
        >"$root/random-$type.json" 2>"$root/random-$type.err" ||
        fail "labelq-bench r_$type: $(tail -n 5 "$root/random-$type.err")"
    check_bench "$root/random-$type.json" "$RANDOM_ITEMS" 0
    run "$LABELQ_CLI" export "r_$type" -o "$root/export-r-$type.jsonl" >/dev/null 2>"$root/export.err" ||
        fail "export r_$type: $(cat "$root/export.err")"
    check_export "$type" "$root/export-r-$type.jsonl" "$RANDOM_ITEMS" "$root/random-$type.jsonl"
    seed=$((seed + 1))
done

passed=1
echo "bench_types: all checks passed"
