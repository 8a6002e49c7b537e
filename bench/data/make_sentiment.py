#!/usr/bin/env python3
"""Write the synthetic sentiment dataset used by `make demo` and `make bench`.

    python3 bench/data/make_sentiment.py [--count N] [--seed S]

Writes, next to this script:
  sentiment.jsonl        {"id":"r00001","data":{"text":"..."}}, about 5 % with
                         "gold" (the true label), ready for `labelq import`
  sentiment.truth.jsonl  {"id":"r00001","label":"pos"}, for `labelq-bench --truth`

The texts are assembled from the phrase lists below, so each one has a known
label: pos, neg or neutral. About 3 % are deliberately hard (mixed praise and
complaint, sarcasm, faint praise); their truth label is the one a careful
reader would pick, written next to each template. Standard library only; the
output depends only on --count and --seed, so rerunning it reproduces the
committed files byte for byte.
"""

import argparse
import json
import random
from pathlib import Path

LABELS = ("pos", "neg", "neutral")

PRODUCTS = [
    "pair of headphones", "blender", "backpack", "phone case", "desk lamp", "kettle",
    "keyboard", "mouse", "water bottle", "rain jacket", "coffee grinder",
    "yoga mat", "charger", "toaster", "office chair", "monitor stand",
    "pair of running shoes", "tent", "frying pan", "vacuum cleaner", "smart watch",
    "bluetooth speaker", "air fryer", "umbrella", "suitcase", "webcam",
    "electric toothbrush", "hair dryer", "bike light", "notebook",
    "board game", "wallet", "pair of sunglasses", "pillow", "drill", "router",
    "power bank", "thermos", "mixing bowl set", "alarm clock",
]

# Aspects every product has, so no review praises a frying pan's battery.
ASPECTS = [
    "build quality", "price", "size", "color", "packaging", "weight",
    "material", "finish", "design", "manual",
]

POS_VERDICTS = [
    "works perfectly", "exceeded my expectations", "is worth every penny",
    "is exactly what I needed", "feels really solid", "is a joy to use",
    "has been flawless for months", "is the best I have owned",
    "was easy to set up and just works", "is great value for money",
]
POS_ASPECT = [
    "The {aspect} is excellent.", "Really impressed by the {aspect}.",
    "Love the {aspect}.", "The {aspect} is better than I hoped.",
    "Great {aspect} for the price.",
]
POS_TAILS = [
    "Highly recommend.", "Would buy again.", "Five stars.",
    "Already ordered a second one.", "My whole family loves it.",
    "Very happy with this purchase.", "",
]

NEG_VERDICTS = [
    "stopped working after two days", "is cheaply made", "was a waste of money",
    "broke the first time I used it", "feels flimsy and wobbly",
    "arrived damaged", "is nothing like the pictures",
    "got hot after a few minutes", "gave up within a week",
    "started to rattle and squeak",
]
NEG_ASPECT = [
    "The {aspect} is terrible.", "Very disappointed with the {aspect}.",
    "The {aspect} is awful.", "The {aspect} is much worse than advertised.",
    "Poor {aspect}, even for the price.",
]
NEG_TAILS = [
    "Returning it.", "Do not buy.", "One star.", "Asked for a refund.",
    "Support never answered.", "Avoid.", "",
]

# A neutral review is one sentence naming the product, maybe one more that
# does not name it again.
NEUTRAL_FIRST = [
    "The {product} arrived on {day}.",
    "I bought this {product} for my {room}.",
    "The {product} comes in a cardboard box with a manual.",
    "The {product} does what the description says.",
    "Have only used the {product} once so far.",
    "Ordered the {product} as a gift, so I cannot say much yet.",
    "The {product} is a standard size.",
    "This {product} replaced an older one of the same kind.",
]
NEUTRAL_MORE = [
    "It is the {color} one, as shown in the listing.",
    "The {aspect} is about what you would expect.",
    "Delivery took {n} days.",
    "The {aspect} is neither good nor bad.",
    "No surprises so far.",
    "Will update this review after a few months.",
]

# Hard cases: (template, truth label). Mixed reviews count as neutral;
# sarcasm counts as what the writer means.
AMBIGUOUS = [
    ("Great {aspect}, but the {aspect2} is terrible.", "neutral"),
    ("Love the {aspect}, hate the {aspect2}.", "neutral"),
    ("The {product} works, I guess. Could be better, could be worse.", "neutral"),
    ("Oh great, another {product} that {neg}.", "neg"),
    ("Wow, what a bargain: it {neg}. Brilliant.", "neg"),
    ("Not bad at all, the {product} {pos}.", "pos"),
    ("I expected to hate this {product}, but it {pos}.", "pos"),
    ("It's fine.", "neutral"),
    ("The {product} {pos}, though it {neg}.", "neutral"),
]

DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
ROOMS = ["kitchen", "office", "bedroom", "garage", "car", "dorm room"]
COLORS = ["black", "white", "blue", "grey", "red", "green"]
OPENERS = ["", "This {product} ", "The {product} ", "My new {product} ",
           "Bought this {product} last month and it "]


def fill(rng, template, product):
    """Fills one template's placeholders from the phrase lists."""
    aspect, aspect2 = rng.sample(ASPECTS, 2)
    return template.format(
        product=product, aspect=aspect, aspect2=aspect2,
        pos=rng.choice(POS_VERDICTS), neg=rng.choice(NEG_VERDICTS),
        day=rng.choice(DAYS), room=rng.choice(ROOMS),
        color=rng.choice(COLORS), n=rng.randint(2, 9))


def polar(rng, product, verdicts, aspect_lines, tails):
    """A clearly positive or negative review: verdict, maybe aspect, maybe tail."""
    opener = rng.choice(OPENERS).format(product=product)
    verdict = rng.choice(verdicts)
    if opener:
        parts = [opener + verdict + "."]
    else:
        parts = ["It " + verdict + "."]
    if rng.random() < 0.6:
        parts.append(fill(rng, rng.choice(aspect_lines), product))
    tail = rng.choice(tails)
    if tail:
        parts.append(tail)
    return " ".join(parts)


def neutral(rng, product):
    """A factual review with no opinion either way: one or two sentences."""
    text = fill(rng, rng.choice(NEUTRAL_FIRST), product)
    if rng.random() < 0.6:
        text += " " + fill(rng, rng.choice(NEUTRAL_MORE), product)
    return text


def review(rng):
    """Returns (text, label) for one random review."""
    product = rng.choice(PRODUCTS)
    roll = rng.random()
    if roll < 0.03:
        template, label = rng.choice(AMBIGUOUS)
        return fill(rng, template, product), label
    if roll < 0.47:
        return polar(rng, product, POS_VERDICTS, POS_ASPECT, POS_TAILS), "pos"
    if roll < 0.77:
        return polar(rng, product, NEG_VERDICTS, NEG_ASPECT, NEG_TAILS), "neg"
    return neutral(rng, product), "neutral"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--count", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=20240601)
    ap.add_argument("--gold-ratio", type=float, default=0.05)
    args = ap.parse_args()

    rng = random.Random(args.seed)
    rows, seen = [], set()
    while len(rows) < args.count:
        text, label = review(rng)
        if text in seen:  # keep items distinct; a few tries always suffice
            continue
        seen.add(text)
        rows.append((f"r{len(rows) + 1:05d}", text, label))

    gold = set(rng.sample(range(len(rows)), round(len(rows) * args.gold_ratio)))

    out = Path(__file__).resolve().parent
    with open(out / "sentiment.jsonl", "w", encoding="utf-8") as items, \
         open(out / "sentiment.truth.jsonl", "w", encoding="utf-8") as truth:
        for i, (item_id, text, label) in enumerate(rows):
            item = {"id": item_id, "data": {"text": text}}
            if i in gold:
                item["gold"] = label
            items.write(json.dumps(item, separators=(",", ":")) + "\n")
            truth.write(json.dumps({"id": item_id, "label": label},
                                   separators=(",", ":")) + "\n")

    counts = {name: sum(1 for r in rows if r[2] == name) for name in LABELS}
    print(f"wrote {len(rows)} items ({len(gold)} gold) to {out}: "
          + ", ".join(f"{k} {v}" for k, v in counts.items()))


if __name__ == "__main__":
    main()
