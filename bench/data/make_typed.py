#!/usr/bin/env python3
"""Write small synthetic datasets, one per label type, with their truth.

    python3 bench/data/make_typed.py [--count N] [--seed S] [--out DIR]

For each type T of multi, ordinal, numeric, text, spans and boxes, writes to
DIR (default: typed/ next to this script):
  T.jsonl        {"id":"T0001","data":{...}}, ready for `labelq import`
  T.truth.jsonl  {"id":"T0001","label":<value>}, for `labelq-bench --truth`:
                 an array of labels (multi), a step (ordinal, a string), a
                 number (numeric), a string (text), an array of
                 {start,end,label} byte ranges over data.text (spans, on
                 token boundaries) or of {x,y,w,h,label} (boxes)
and projects.json: each type's project settings ({"type", "labels",
"min", "max", "field"}), for creating the projects.

Every item is built with its answer, so the truth is known. Standard library
only; the output depends only on --count and --seed.
"""

import argparse
import json
import random
from pathlib import Path

MULTI_LABELS = ["cat", "dog", "bird", "car", "tree"]
STEPS = ["1", "2", "3", "4", "5"]
ENTITY_LABELS = ["PER", "ORG", "LOC"]
BOX_LABELS = ["car", "person", "dog"]

PROJECTS = {
    "multi": {"type": "multi", "labels": MULTI_LABELS},
    "ordinal": {"type": "ordinal", "labels": STEPS},
    "numeric": {"type": "numeric", "min": 0, "max": 100},
    "text": {"type": "text"},
    "spans": {"type": "spans", "labels": ENTITY_LABELS, "field": "text"},
    "boxes": {"type": "boxes", "labels": BOX_LABELS, "field": "image"},
}

PLACES = ["a garden", "the street", "a park", "the beach", "a kitchen", "the yard"]
STARS_TEXT = {
    "1": ["Broke at once.", "Awful, do not buy.", "Worst purchase this year."],
    "2": ["Mostly disappointing.", "Works, barely.", "Below what I expected."],
    "3": ["It is okay.", "Average in every way.", "Neither good nor bad."],
    "4": ["Good value overall.", "Works well, minor flaws.", "Pleased with it."],
    "5": ["Perfect in every way.", "Best I have owned.", "Flawless, love it."],
}
UNITS = [("parcel weighs", "kg"), ("room measures", "square metres"), ("tank holds", "litres")]
SENTENCES = [
    "the quick brown fox jumps over the lazy dog",
    "please call me back before noon tomorrow",
    "the meeting moved to the third floor",
    "café au lait costs three euros here",
    "bring two umbrellas because rain is coming",
    "the train to Zürich leaves at nine",
]
PEOPLE = ["Alice Smith", "Bob", "Zoë Martin", "Chen Wei", "Omar Haddad", "Maria"]
ORGS = ["Acme Corp", "the United Nations", "Globex", "Initech", "Umbrella Ltd"]
LOCS = ["Paris", "Zürich", "New York", "Lagos", "Osaka", "São Paulo"]
FILLERS = ["met", "visited", "called", "wrote to", "left", "joined"]


def multi_item(rng):
    chosen = [l for l in MULTI_LABELS if rng.random() < 0.35]
    things = {"cat": "a cat", "dog": "a dog", "bird": "a bird", "car": "a parked car",
              "tree": "an old tree"}
    scene = ", ".join(things[l] for l in chosen) if chosen else "nothing much"
    return {"text": f"A photo of {scene} in {rng.choice(PLACES)}."}, chosen


def ordinal_item(rng):
    step = rng.choice(STEPS)
    return {"text": rng.choice(STARS_TEXT[step])}, step


def numeric_item(rng):
    what, unit = rng.choice(UNITS)
    value = round(rng.uniform(1, 99), 1)
    return {"text": f"The {what} {value} {unit}."}, value


def text_item(rng):
    sentence = rng.choice(SENTENCES)
    return {"text": sentence, "audio": f"https://example.invalid/audio/{rng.randrange(10**6)}.wav"}, sentence


def spans_item(rng):
    """A sentence of entity and filler phrases; spans are byte ranges."""
    parts, spans, pos = [], [], 0
    n = rng.randint(1, 3)
    for i in range(n):
        label = rng.choice(ENTITY_LABELS)
        name = rng.choice({"PER": PEOPLE, "ORG": ORGS, "LOC": LOCS}[label])
        if label == "ORG" and name.startswith("the "):
            parts.append("the")
            pos += len("the".encode()) + 1
            name = name[4:]
        start = pos
        end = start + len(name.encode())
        spans.append({"start": start, "end": end, "label": label, "name": name})
        parts.append(name)
        pos = end + 1
        filler = rng.choice(FILLERS) if i + 1 < n else "today."
        parts.append(filler)
        pos += len(filler.encode()) + 1
    text = " ".join(parts)
    for s in spans:  # the byte ranges must hold the names
        assert text.encode()[s["start"]:s["end"]].decode() == s.pop("name"), (text, s)
    return {"text": text}, spans


def boxes_item(rng, index):
    width, height = 640, 480
    boxes = []
    for _ in range(rng.randint(0, 3)):
        w, h = rng.randint(40, 200), rng.randint(40, 200)
        box = {"x": rng.randint(0, width - w), "y": rng.randint(0, height - h), "w": w, "h": h,
               "label": rng.choice(BOX_LABELS)}
        # Objects of one picture do not overlap much, so each is findable.
        if all(overlap(box, b) < 0.1 for b in boxes):
            boxes.append(box)
    return {"image": f"https://example.invalid/img/{index:04d}.jpg", "width": width,
            "height": height}, boxes


def overlap(a, b):
    """Intersection over union of two boxes."""
    ix = max(0, min(a["x"] + a["w"], b["x"] + b["w"]) - max(a["x"], b["x"]))
    iy = max(0, min(a["y"] + a["h"], b["y"] + b["h"]) - max(a["y"], b["y"]))
    inter = ix * iy
    return inter / (a["w"] * a["h"] + b["w"] * b["h"] - inter)


MAKERS = {
    "multi": lambda rng, i: multi_item(rng),
    "ordinal": lambda rng, i: ordinal_item(rng),
    "numeric": lambda rng, i: numeric_item(rng),
    "text": lambda rng, i: text_item(rng),
    "spans": lambda rng, i: spans_item(rng),
    "boxes": boxes_item,
}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--seed", type=int, default=20240607)
    ap.add_argument("--out", type=Path, default=Path(__file__).resolve().parent / "typed")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    compact = {"separators": (",", ":"), "ensure_ascii": False}
    for kind, make in MAKERS.items():
        rng = random.Random(f"{args.seed}-{kind}")
        with open(args.out / f"{kind}.jsonl", "w", encoding="utf-8") as items, \
             open(args.out / f"{kind}.truth.jsonl", "w", encoding="utf-8") as truth:
            for i in range(1, args.count + 1):
                data, label = make(rng, i)
                item_id = f"{kind}{i:04d}"
                items.write(json.dumps({"id": item_id, "data": data}, **compact) + "\n")
                truth.write(json.dumps({"id": item_id, "label": label}, **compact) + "\n")
    with open(args.out / "projects.json", "w", encoding="utf-8") as f:
        json.dump(PROJECTS, f, indent=2)
        f.write("\n")
    print(f"wrote {args.count} items of each of {', '.join(MAKERS)} to {args.out}")


if __name__ == "__main__":
    main()
