#!/usr/bin/env python3
"""Reads back the exports of one typed project of bench_types.sh.

    typed_formats.py TYPE ROOT PROJECTS_JSON

In ROOT: typed/TYPE.jsonl and typed/TYPE.truth.jsonl (make_typed.py),
fmt-TYPE.jsonl and, by type, fmt-TYPE.csv / .conll / .coco (labelq export
--format), split-TYPE-train.jsonl and split-TYPE-test.jsonl (--split
train=0.75,test=0.25 --seed 5). Checks, with readers that share no code
with labelq (Python's json and csv, the CoNLL-2003 and COCO layouts,
pycocotools when installed): every item is there once; the consensus
equals the truth on at least 80 % of items; every other format says what
the JSONL says; the split puts each item where docs/protocol.md's hash
rule does. Exits non-zero with the failed assertion.
"""

import csv
import hashlib
import io
import json
import os
import sys

MIN_RIGHT = 0.8


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def iou(a, b):
    ix = max(0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    return ix * iy / (a["w"] * a["h"] + b["w"] * b["h"] - ix * iy)


def same(kind, label, want):
    """Whether the consensus label is the truth."""
    if kind == "multi":
        return isinstance(label, list) and sorted(label) == sorted(want)
    if kind == "numeric":
        return abs(float(label) - want) < 1e-6
    if kind in ("ordinal", "text"):
        return label == want
    if kind == "spans":
        key = lambda s: (s["start"], s["end"], s["label"])
        return sorted(map(key, label)) == sorted(map(key, want))
    # boxes: a third, jittered box of the same object moves the mean a little
    return len(label) == len(want) and all(
        any(b["label"] == w["label"] and iou(b, w) >= 0.8 for b in label) for w in want)


def check_csv(path, rows, kind):
    with open(path, newline="", encoding="utf-8") as f:
        table = list(csv.reader(io.StringIO(f.read())))
    assert table[0] == ["id", "batch", "label", "confidence", "agreement", "method",
                        "n_annotations", "data"], table[0]
    assert [t[0] for t in table[1:]] == [r["id"] for r in rows], "csv: every item once, in order"
    for t, r in zip(table[1:], rows):
        if kind == "multi":
            assert sorted(t[2].split(";") if t[2] else []) == sorted(r["label"]), (t, r["label"])
        elif kind == "numeric":
            assert abs(float(t[2]) - r["label"]) <= 1e-5 * max(1, abs(r["label"])), (t, r["label"])
        else:
            assert t[2] == r["label"], (t, r["label"])
        assert abs(float(t[3]) - r["confidence"]) < 1e-5 and t[5] == r["method"], (t, r)
        assert int(t[6]) == len(r["annotations"]) and json.loads(t[7]) == r["data"], t


def bio_tags(text, spans):
    """The BIO tag of each whitespace token of text under spans (byte ranges)."""
    raw, tags, pos = text.encode(), [], 0
    for tok in text.split():
        start = raw.index(tok.encode(), pos)
        pos = start + len(tok.encode())
        tag = "O"
        for s in spans:
            if s["start"] <= start < s["end"]:
                tag = ("B-" if s["start"] == start else "I-") + s["label"]
        tags.append(tag)
    return tags


def check_conll(path, rows, data):
    docs = []
    with open(path, encoding="utf-8") as f:
        for line in f.read().split("\n"):
            if line.startswith("-DOCSTART-"):
                assert line == "-DOCSTART- -X- -X- O", line
                docs.append([])
            elif line:
                cols = line.split(" ")
                assert len(cols) == 4 and cols[1:3] == ["-X-", "-X-"], line
                docs[-1].append((cols[0], cols[3]))
    assert len(docs) == len(rows), (len(docs), len(rows))
    for doc, r in zip(docs, rows):
        text = data[r["id"]]["text"]
        assert [t for t, _ in doc] == text.split(), (doc, text)
        assert [g for _, g in doc] == bio_tags(text, r["label"]), (doc, r["label"])


def check_coco(path, rows, data, labels):
    with open(path, encoding="utf-8") as f:
        coco = json.load(f)
    assert set(coco) >= {"info", "categories", "images", "annotations"}, list(coco)
    cats = {c["id"]: c["name"] for c in coco["categories"]}
    assert [cats[i] for i in sorted(cats)] == labels, cats
    images = {im["id"]: im for im in coco["images"]}
    assert sorted(im["labelq_id"] for im in images.values()) == sorted(r["id"] for r in rows)
    for im in images.values():
        assert im["coco_url"] == data[im["labelq_id"]]["image"], im
        assert im["file_name"] == im["coco_url"].rsplit("/", 1)[1], im
    ids = [a["id"] for a in coco["annotations"]]
    assert ids == list(range(1, len(ids) + 1)), ids[:10]
    per_image = {}
    for a in coco["annotations"]:
        x, y, w, h = a["bbox"]
        assert a["image_id"] in images and a["category_id"] in cats and a["iscrowd"] == 0, a
        assert abs(a["area"] - w * h) < 1e-3 * max(1, w * h), a
        per_image.setdefault(images[a["image_id"]]["labelq_id"], []).append(
            {"x": x, "y": y, "w": w, "h": h, "label": cats[a["category_id"]]})
    for r in rows:
        got = per_image.get(r["id"], [])
        assert len(got) == len(r["label"]) and all(
            any(g["label"] == b["label"] and iou(g, b) > 0.999 for g in got)
            for b in r["label"]), (got, r)
    try:
        from pycocotools.coco import COCO
    except ImportError:
        return "COCO layout (pycocotools not installed)"
    c = COCO(path)
    assert len(c.getImgIds()) == len(rows) and len(c.getAnnIds()) == len(coco["annotations"])
    return "COCO via pycocotools"


def check_split(root, kind, ids):
    parts = {}
    for name in ("train", "test"):
        for item in load_jsonl(os.path.join(root, "split-%s-%s.jsonl" % (kind, name))):
            assert item["id"] not in parts, item["id"]
            parts[item["id"]] = name
    assert set(parts) == set(ids), "the parts hold every item"
    for item_id, name in parts.items():
        h = int.from_bytes(hashlib.sha256(("5:" + item_id).encode()).digest()[:8], "big") / 2**64
        assert name == ("train" if h < 0.75 else "test"), (item_id, h, name)


def main():
    kind, root, projects = sys.argv[1:4]
    with open(projects, encoding="utf-8") as f:
        schema = json.load(f)[kind]
    truth = {d["id"]: d["label"] for d in load_jsonl(os.path.join(root, "typed", kind + ".truth.jsonl"))}
    data = {d["id"]: d["data"] for d in load_jsonl(os.path.join(root, "typed", kind + ".jsonl"))}
    rows = load_jsonl(os.path.join(root, "fmt-%s.jsonl" % kind))
    assert [r["id"] for r in rows] == list(truth), "every item once, in import order"
    for r in rows:
        assert 0 <= r["confidence"] <= 1 and 0 <= r["agreement"] <= 1, r
    right = sum(same(kind, r["label"], truth[r["id"]]) for r in rows)
    assert right >= MIN_RIGHT * len(rows), ("consensus right on too few items", right, len(rows))
    read = ["jsonl"]
    if kind in ("multi", "ordinal", "numeric"):
        check_csv(os.path.join(root, "fmt-%s.csv" % kind), rows, kind)
        read.append("csv")
    if kind == "spans":
        check_conll(os.path.join(root, "fmt-spans.conll"), rows, data)
        read.append("CoNLL")
    if kind == "boxes":
        read.append(check_coco(os.path.join(root, "fmt-boxes.coco"), rows, data, schema["labels"]))
    check_split(root, kind, truth)
    read.append("split")
    print("%s: consensus = truth on %d of %d items; read back: %s"
          % (kind, right, len(rows), ", ".join(read)))


if __name__ == "__main__":
    main()
