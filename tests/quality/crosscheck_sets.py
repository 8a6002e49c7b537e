#!/usr/bin/python3
"""Cross-check labelq's multi-label agreement and consensus
(quality/label_sets.h) against independent implementations.

    /usr/bin/python3 crosscheck_sets.py path/to/labeltypes_driver

- MASI distance: Passonneau's (2006) definition, written out below with
  M = 2/3 for a subset and 1/3 for an overlap. NLTK's masi_distance rounds
  those to 0.67 and 0.33; ours must stay within that rounding of NLTK's
  and equal the definition. Jaccard: NLTK's jaccard_distance on
  frozensets. NLTK divides by zero on two empty sets, where ours is 0 (two
  annotators who both chose nothing agree): that one case is checked
  against 0 directly, and in the alpha below NLTK's function is wrapped
  for it and nothing else.
- Set alpha: NLTK's AnnotationTask(distance=masi or
  jaccard_distance).alpha() on (annotator, unit, frozenset) triples;
  datasets without empty sets use NLTK's Jaccard unwrapped. NLTK returns
  1 where alpha is undefined (one value in all the data); ours returns an
  error, so the script checks that ours is undefined exactly when the
  pairable values hold fewer than two distinct sets, and compares numbers
  only where it is defined.
- A dataset with about 350 distinct sets: our D_e is exact whatever the
  number of distinct sets (never sampled), so equal to NLTK's alpha.
- Per-label alpha: NLTK's binary_distance alpha on "label chosen" (0/1).
- Per-label Dawid-Skene: the numpy EM of crosscheck_ds.py (written from
  the paper, not from our C), run on each label's 0/1 ratings (in schemas
  of more than 8 labels, on the two lowest and two highest only); the
  consensus set is the labels with posterior >= 0.5.
Exit status 0 when everything agrees (alpha within 1e-9, Dawid-Skene
within 1e-6).
"""
import random
import sys

from crosscheck_common import require

require("numpy", "nltk")

import numpy as np
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance, jaccard_distance, masi_distance

import crosscheck_ds
from crosscheck_common import Checker, main_driver, run_driver, value_of

TOL = 1e-9
DS_TOL = 1e-6


def both_empty_is_zero(distance):
    return lambda a, b: 0.0 if not a and not b else distance(a, b)


def exact_masi(a, b):
    """Passonneau (2006): 1 - |a & b| / |a | b| * M, M = 1, 2/3, 1/3 or 0."""
    if not a and not b:
        return 0.0
    if a == b:
        m = 1.0
    elif a <= b or b <= a:
        m = 2.0 / 3.0
    elif a & b:
        m = 1.0 / 3.0
    else:
        m = 0.0
    return 1.0 - len(a & b) / len(a | b) * m


def generate(rng, kind):
    n_labels = {"wide": rng.randint(40, 64), "many": 9}.get(kind, rng.randint(1, 6))
    n_ann = 3 if kind == "many" else rng.randint(2, 6)
    n_units = 250 if kind == "many" else rng.randint(3, 60)
    missing = rng.uniform(0.0, 0.5)
    skill = [rng.uniform(0.6, 0.98) for _ in range(n_ann)]
    ratings = []
    for u in range(n_units):
        truth = {l for l in range(n_labels) if rng.random() < (0.5 if kind == "many" else 0.3)}
        for a in range(n_ann):
            if kind != "many" and rng.random() < missing:
                continue
            labels = {l for l in range(n_labels) if (l in truth) == (rng.random() < skill[a])}
            if kind == "many":
                labels = {l for l in range(n_labels) if rng.random() < 0.5}
            if kind == "no_empty" and not labels:
                labels = {rng.randrange(n_labels)}
            ratings.append((u, a, sorted(labels)))
            if kind == "repeats" and rng.random() < 0.15:
                ratings.append((u, a, sorted(l for l in labels if rng.random() < 0.5)))
    rng.shuffle(ratings)
    return dict(op="sets", n_units=n_units, n_annotators=n_ann, n_labels=n_labels,
                ratings=ratings, pairs=random_pairs(rng, n_labels))


def random_pairs(rng, n_labels):
    def one():
        return sorted(l for l in range(n_labels) if rng.random() < rng.choice([0.0, 0.2, 0.6, 1.0]))
    return [[one(), one()] for _ in range(10)]


def pairable_distinct(case):
    units = {}
    for u, _, labels in case["ratings"]:
        units.setdefault(u, []).append(frozenset(labels))
    return {s for vals in units.values() if len(vals) >= 2 for s in vals}, units


def check_distances(ck, case, ours, where):
    for (a, b), (masi, jacc) in zip(case["pairs"], ours["distances"]):
        fa, fb = frozenset(a), frozenset(b)
        if not fa and not fb:
            ck.same("distance of two empty sets is 0", masi == 0.0 and jacc == 0.0, where)
            continue
        ck.close("masi distance vs Passonneau's definition", masi, exact_masi(fa, fb), where)
        ck.close("masi distance vs nltk's rounded constants", masi, masi_distance(fa, fb), where,
                 tol=0.0034)
        ck.close("jaccard_distance vs nltk", jacc, jaccard_distance(fa, fb), where)


def check_alpha(ck, case, ours, kind, where):
    distinct, _ = pairable_distinct(case)
    defined = len(distinct) >= 2
    triples = [(a, u, frozenset(l)) for u, a, l in case["ratings"]]
    has_empty = any(not t[2] for t in triples)
    for name, fn in (("masi", exact_masi), ("jaccard", jaccard_distance)):
        mine = value_of(ours[name])
        ck.same("%s alpha defined iff >= 2 distinct pairable sets" % name,
                (mine is not None) == defined, where)
        if mine is None or not defined:
            continue
        dist = both_empty_is_zero(fn) if has_empty else fn
        theirs = AnnotationTask(data=triples, distance=dist).alpha()
        ck.close("%s alpha vs nltk" % name, mine, theirs, where)
        ck.same("%s alpha never sampled" % name, not ours[name]["sampled"], where)


def check_label_alpha(ck, case, ours, where):
    mine = ours["label_alpha"]
    _, units = pairable_distinct(case)
    for l in range(case["n_labels"]):
        seen = {l in s for vals in units.values() if len(vals) >= 2 for s in vals}
        defined = len(seen) == 2
        ck.same("label alpha defined iff chosen and not chosen", (mine["status"][l] == 0) == defined,
                where)
        if not defined:
            continue
        data = [(a, u, int(l in labels)) for u, a, labels in case["ratings"]]
        theirs = AnnotationTask(data=data, distance=binary_distance).alpha()
        ck.close("per-label alpha vs nltk binary", mine["value"][l], theirs, where)


def check_dawid_skene(ck, case, ours, where):
    ds = ours["ds"]
    nu, na, nl = case["n_units"], case["n_annotators"], case["n_labels"]
    rated = [False] * nu
    for u, _, _ in case["ratings"]:
        rated[u] = True
    ck.same("ds rated units", ds["rated"] == rated, where)
    # Wide schemas: the lowest and the highest bits are the ones that can
    # go wrong; the EM in between costs time and shows nothing new.
    for l in sorted({0, 1, nl - 2, nl - 1} if nl > 8 else range(nl)):
        if l < 0:
            continue
        bits = [(u, a, int(l in labels)) for u, a, labels in case["ratings"]]
        ref = crosscheck_ds.dawid_skene(crosscheck_ds.dense_counts(nu, na, 2, bits), 100, 1e-6, 0.01)
        for u in range(nu):
            p_ref = float(ref["posterior"][u][1])
            p = ds["p_present"][u][l]
            ck.close("ds p_present vs numpy EM", p, p_ref, where, tol=DS_TOL)
            if not rated[u]:
                continue
            chosen = l in ds["labels"][u]
            if abs(p_ref - 0.5) > DS_TOL:
                ck.same("ds consensus set vs numpy EM", chosen == (p_ref >= 0.5), where)
            ck.close("ds confidence", ds["confidence"][u][l], p if chosen else 1.0 - p, where,
                     tol=0.0)
        ck.same("ds unrated units have empty sets",
                all(ds["labels"][u] == [] for u in range(nu) if not rated[u]), where)


def main():
    driver = main_driver()
    ck = Checker(TOL)
    kinds = (("plain", 60), ("no_empty", 30), ("repeats", 25), ("wide", 15), ("many", 1))
    cases, names = [], []
    for k, (kind, count) in enumerate(kinds):
        for i in range(count):
            seed = 5000 + 1000 * k + i
            cases.append(generate(random.Random(seed), kind))
            names.append((kind, seed))
    results = run_driver(driver, cases)
    many = 0
    for case, ours, (kind, seed) in zip(cases, results, names):
        where = "%s seed %d" % (kind, seed)
        check_distances(ck, case, ours, where)
        check_alpha(ck, case, ours, kind, where)
        if kind == "many" and ours["masi"]["rc"] == 0:
            many = ours["masi"]["n_distinct"]
        if kind != "many":
            check_label_alpha(ck, case, ours, where)
            check_dawid_skene(ck, case, ours, where)
    ck.same("the 'many' case has over 300 distinct sets", many > 300, "many")
    return ck.report("label sets: %d datasets" % len(cases))


if __name__ == "__main__":
    sys.exit(main())
