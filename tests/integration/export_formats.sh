#!/usr/bin/env bash
# Every export format of every label type through the real command line,
# read back by independent readers: Python's json and csv modules, a small
# Python check of the CoNLL-2003 files (columns, valid BIO transitions,
# tokens that reproduce the item text's whitespace tokens) and of the COCO
# document (structure, ids, bbox numbers), pycocotools' COCO() when it is
# installed; and --split: sizes add up, no id in two parts, the same seed
# gives the same files, another seed another split, and a Python
# re-implementation of the hash rule (docs/protocol.md "Split") puts every
# id where the server did. labelq-bench (all answers true) does the
# labeling.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}" "${LABELQ_BENCH:?path of labelq-bench}"
PY=/usr/bin/python3
START_TRIES=150
STEP_TIMEOUT=120
N=40 # items per project

cli_daemon_start export_formats
cd "$root"

# Items and true labels per type, made by Python so the texts are varied.
$PY - "$N" <<'PYEOF'
import json, sys
n = int(sys.argv[1])
words = ["alpha", "Beta", "gamma,", "\"delta\"", "eps", "Zeta", "eta."]
def w(out, rows):
    with open(out, "w") as f:
        for r in rows:
            f.write(json.dumps(r) + "\n")
items = [{"id": f"it-{i:03d}", "data": {"n": i, "note": "a, \"quoted\"\nline"}} for i in range(n)]
w("plain.items", items)
w("single.truth", [{"id": it["id"], "label": ["pos", "neg"][i % 2]} for i, it in enumerate(items)])
w("multi.truth", [{"id": it["id"], "label": [["cat"], ["cat", "dog"], []][i % 3]} for i, it in enumerate(items)])
w("ordinal.truth", [{"id": it["id"], "label": str(1 + i % 5)} for i, it in enumerate(items)])
w("numeric.truth", [{"id": it["id"], "label": i * 0.25} for i, it in enumerate(items)])
w("text.truth", [{"id": it["id"], "label": f"answer {i}, \"q\""} for i, it in enumerate(items)])
texts = []
for i in range(n):
    t = " ".join(words[(i + k) % len(words)] for k in range(3 + i % 4))
    texts.append(t if i % 5 else "  " + t.replace(" ", "\t ", 1) + " ")
w("spans.items", [{"id": f"sp-{i:03d}", "data": {"text": t}} for i, t in enumerate(texts)])
def spans(t, i):
    toks, pos = [], 0
    for tok in t.split():
        s = t.index(tok, pos); toks.append((s, s + len(tok))); pos = s + len(tok)
    out = []
    if i % 3 != 2:
        out.append({"start": toks[0][0], "end": toks[1][1], "label": "PER"})
    if len(toks) > 3:
        out.append({"start": toks[3][0], "end": toks[3][1], "label": "LOC"})
    return out
w("spans.truth", [{"id": f"sp-{i:03d}", "label": spans(t, i)} for i, t in enumerate(texts)])
w("boxes.items", [{"id": f"bx-{i:03d}", "data": {"image": f"http://img.example/set/{i}.jpg?v=1"}} for i in range(n)])
w("boxes.truth", [{"id": f"bx-{i:03d}", "label": [{"x": i, "y": 2.5, "w": 10 + i, "h": 4, "label": "car"}] + ([{"x": 100, "y": 100, "w": 5, "h": 5, "label": "person"}] if i % 2 else [])} for i in range(n)])
PYEOF

run "$LABELQ_CLI" project create single --labels pos,neg >/dev/null
run "$LABELQ_CLI" project create multi --multi-labels cat,dog >/dev/null
run "$LABELQ_CLI" project create ordinal --scale 1..5 >/dev/null
run "$LABELQ_CLI" project create numeric --number 0..100 >/dev/null
run "$LABELQ_CLI" project create text --text >/dev/null
run "$LABELQ_CLI" project create spans --spans PER,LOC >/dev/null
run "$LABELQ_CLI" project create boxes --boxes car,person >/dev/null
for p in single multi ordinal numeric text; do
    run "$LABELQ_CLI" import "$p" plain.items >/dev/null
done
run "$LABELQ_CLI" import spans spans.items >/dev/null
run "$LABELQ_CLI" import boxes boxes.items >/dev/null
for p in single multi ordinal numeric text spans boxes; do
    run "$LABELQ_BENCH" "$p" --truth "$p.truth" --accuracy 1-1 --annotators 3 --until-done \
        --seed 5 >/dev/null 2>"bench-$p.err" || fail "labelq-bench $p: $(cat "bench-$p.err")"
done

# Every format that fits, and the refusal of one that does not.
mkdir out
for pf in single:jsonl single:csv multi:jsonl multi:csv ordinal:jsonl ordinal:csv numeric:jsonl \
    numeric:csv text:jsonl spans:jsonl spans:conll boxes:jsonl boxes:coco; do
    p=${pf%%:*} f=${pf#*:}
    run "$LABELQ_CLI" export "$p" --format "$f" -o "out/$p.$f" 2>"$p.$f.err" ||
        fail "export $p --format $f: $(cat "$p.$f.err")"
    grep -q "^exported $N items to out/$p.$f\$" "$p.$f.err" || fail "export $p $f: $(cat "$p.$f.err")"
done
if "$LABELQ_CLI" export text --format csv -o x.csv 2>bad.err; then
    fail "a csv export of a text project was not refused"
fi
grep -q "jsonl" bad.err || fail "the refusal does not name the formats that fit: $(cat bad.err)"

$PY - "$N" <<'PYEOF' || fail "the exports do not read back"
import csv, json, re, sys
n = int(sys.argv[1])
def jl(path):
    return [json.loads(l) for l in open(path)]
def truth(p):
    return {r["id"]: r["label"] for r in jl(p + ".truth")}

# JSONL: typed labels equal the truth (every annotator gave it)
for p in ["single", "multi", "ordinal", "numeric", "text", "spans", "boxes"]:
    t = truth(p)
    lines = jl(f"out/{p}.jsonl")
    assert len(lines) == n, (p, len(lines))
    for l in lines:
        got, want = l["label"], t[l["id"]]
        assert got == want, (p, l["id"], got, want)
        assert l["confidence"] == 1 and l["agreement"] == 1, (p, l)
        assert len(l["annotations"]) == 3, (p, l)
        assert all(a["label"] == want for a in l["annotations"]), (p, l)
    if p == "ordinal":
        assert all(l["median"] == l["label"] for l in lines)
    if p == "numeric":
        assert all(isinstance(l["label"], (int, float)) and l["spread"] == 0 for l in lines)

# CSV through Python's csv module; the data column round-trips as JSON
for p in ["single", "multi", "ordinal", "numeric"]:
    t = truth(p)
    rows = list(csv.reader(open(f"out/{p}.csv", newline="")))
    assert rows[0] == ["id", "batch", "label", "confidence", "agreement", "method",
                       "n_annotations", "data"], rows[0]
    assert len(rows) == n + 1, len(rows)
    for r in rows[1:]:
        want = t[r[0]]
        if p == "multi":
            assert r[2] == ";".join(want), r
        elif p == "numeric":
            assert float(r[2]) == want, r
        else:
            assert r[2] == want, r
        assert float(r[3]) == 1 and int(r[6]) == 3, r
        assert json.loads(r[7])["note"] == "a, \"quoted\"\nline", r

# CoNLL-2003: one -DOCSTART- per item, 4 columns, valid BIO, the tokens are
# the text's whitespace tokens, and the tags spell the exported spans
items = jl("spans.items")
exported = {l["id"]: l["label"] for l in jl("out/spans.jsonl")}
docs, cur = [], None
for line in open("out/spans.conll").read().split("\n"):
    if line.startswith("-DOCSTART-"):
        assert line == "-DOCSTART- -X- -X- O", line
        cur = []
        docs.append(cur)
    elif line:
        cols = line.split(" ")
        assert len(cols) == 4 and cols[1:3] == ["-X-", "-X-"], line
        assert re.fullmatch(r"O|[BI]-(PER|LOC)", cols[3]), line
        cur.append((cols[0], cols[3]))
assert len(docs) == n, len(docs)
for it, doc in zip(items, docs):
    text = it["data"]["text"]
    assert [tok for tok, _ in doc] == text.split(), (text, doc)
    prev = "O"
    for _, tag in doc:
        if tag.startswith("I-"):
            assert prev != "O" and prev[2:] == tag[2:], (it["id"], doc)
        prev = tag
    # rebuild spans from the tags over the token offsets
    offs, pos = [], 0
    for tok in text.split():
        s = text.index(tok, pos)
        offs.append((s, s + len(tok)))
        pos = s + len(tok)
    spans = []
    for (s, e), (_, tag) in zip(offs, doc):
        if tag.startswith("B-"):
            spans.append({"start": s, "end": e, "label": tag[2:]})
        elif tag.startswith("I-"):
            spans[-1]["end"] = e
    assert spans == exported[it["id"]], (it["id"], spans, exported[it["id"]])

# COCO: structure, ids, bbox numbers against the JSONL export
coco = json.load(open("out/boxes.coco"))
assert set(coco) >= {"images", "annotations", "categories"}, coco.keys()
cats = {c["id"]: c["name"] for c in coco["categories"]}
assert cats == {1: "car", 2: "person"}, cats
imgs = {im["id"]: im for im in coco["images"]}
assert len(imgs) == n == len(coco["images"])
ann_ids = [a["id"] for a in coco["annotations"]]
assert len(set(ann_ids)) == len(ann_ids)
boxes = {l["id"]: l for l in jl("out/boxes.jsonl")}
want_anns = sum(len(l["label"]) for l in boxes.values())
assert len(coco["annotations"]) == want_anns, (len(coco["annotations"]), want_anns)
for im in coco["images"]:
    url = im["coco_url"]
    assert im["file_name"] == url.split("?")[0].rsplit("/", 1)[1], im
    assert boxes[im["labelq_id"]]["data"]["image"] == url
for a in coco["annotations"]:
    im = imgs[a["image_id"]]
    x, y, w, h = a["bbox"]
    match = [b for b in boxes[im["labelq_id"]]["label"]
             if (b["x"], b["y"], b["w"], b["h"]) == (x, y, w, h)
             and cats[a["category_id"]] == b["label"]]
    assert match, a
    assert a["area"] == w * h and a["iscrowd"] == 0 and a["score"] == 1, a
try:
    from pycocotools.coco import COCO
except ImportError:
    print("pycocotools not installed: its loader is skipped")
else:
    c = COCO("out/boxes.coco")
    assert len(c.getImgIds()) == n and len(c.getAnnIds()) == want_anns
PYEOF

# --split: one file per part through its own request, counts that add up,
# no id twice, the same seed the same files, another seed another split.
split=train=0.8,validation=0.1,test=0.1
for seed in 7 7b 8; do
    s=${seed%b}
    mkdir -p "split-$seed"
    run "$LABELQ_CLI" export multi --split "$split" --seed "$s" -o "split-$seed/data.jsonl" \
        2>"split-$seed.err" || fail "split export: $(cat "split-$seed.err")"
    grep -q "^exported $N items in 3 parts\$" "split-$seed.err" || fail "split: $(cat "split-$seed.err")"
done
cmp -s split-7/data-train.jsonl split-7b/data-train.jsonl &&
    cmp -s split-7/data-test.jsonl split-7b/data-test.jsonl ||
    fail "the same seed gave different splits"
if "$LABELQ_CLI" export multi --split "$split" 2>nosplit.err; then
    fail "--split without -o was not refused"
fi
$PY - "$N" <<'PYEOF' || fail "the split is not the documented one"
import hashlib, json, sys
n = int(sys.argv[1])
parts = [("train", 0.8), ("validation", 0.1), ("test", 0.1)]
def part_of(seed, id):
    d = hashlib.sha256(f"{seed}:{id}".encode()).digest()
    h = int.from_bytes(d[:8], "big") / 2**64
    lo = 0.0
    for i, (name, share) in enumerate(parts):
        if h >= lo and (i == len(parts) - 1 or h < lo + share):
            return name
        lo += share
def ids(d, name):
    return [json.loads(l)["id"] for l in open(f"{d}/data-{name}.jsonl")]
for seed, d in [(7, "split-7"), (8, "split-8")]:
    seen = {}
    for name, _ in parts:
        for i in ids(d, name):
            assert i not in seen, (i, seen.get(i), name)
            seen[i] = name
            assert part_of(seed, i) == name, (seed, i, name, part_of(seed, i))
    assert len(seen) == n, len(seen)
a = {i: p for p, _ in parts for i in ids("split-7", p)}
b = {i: p for p, _ in parts for i in ids("split-8", p)}
assert a != b, "seeds 7 and 8 gave the same split"
PYEOF

passed=1
echo "export_formats: ok"
