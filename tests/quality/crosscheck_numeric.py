#!/usr/bin/python3
"""Cross-check labelq's numeric and ordinal consensus and numeric alpha
(quality/numeric_consensus.h, quality/ordinal_median.h) against
independent implementations.

    /usr/bin/python3 crosscheck_numeric.py path/to/labeltypes_driver

- Per-unit median and MAD: numpy.median and scipy.stats.
  median_abs_deviation (scale 1, i.e. unscaled, as ours).
- Interval alpha on raw doubles: NLTK's AnnotationTask with
  interval_distance ((a - b)^2).
- Ratio alpha: NLTK's AnnotationTask with Krippendorff's ratio distance
  ((a - b) / (a + b))^2 given as a custom distance (NLTK has none built in).
  NLTK returns 1 where alpha is undefined (one value in all the data);
  ours returns an error: ours must be undefined exactly when the pairable
  values hold fewer than two distinct numbers.
- A dataset with 3000 distinct values: both alphas are exact (never
  sampled, whatever the number of distinct values) and must equal the
  value computed with numpy from the definition (NLTK would take minutes
  on 3000 values).
- Ordinal lower median: Python's statistics.median_low over the labels'
  scale positions (by value, then index, or by index without values).
Exit status 0 when everything agrees within 1e-9.
"""
import random
import statistics
import sys

from crosscheck_common import require

require("numpy", "nltk", "scipy")

import numpy as np
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import interval_distance
from scipy.stats import median_abs_deviation

from crosscheck_common import Checker, main_driver, run_driver, value_of

TOL = 1e-9


def ratio_distance(a, b):
    return 0.0 if a + b == 0 else ((a - b) / (a + b)) ** 2


def numeric_case(rng, kind):
    n_ann = rng.randint(2, 6)
    n_units = 1000 if kind == "many" else rng.randint(2, 50)
    ratings = []
    for u in range(n_units):
        truth = rng.uniform(0, 100)
        for a in range(3 if kind == "many" else n_ann):
            if kind != "many" and rng.random() < 0.3:
                continue
            x = truth + rng.gauss(0, rng.choice([0.5, 5, 30]))
            if kind == "integers":
                x = float(round(x / 10))  # few distinct values, many ties
            ratings.append((u, a, abs(x)))  # ratio needs x >= 0
            if kind == "repeats" and rng.random() < 0.2:
                ratings.append((u, a, abs(x + rng.gauss(0, 3))))
    if kind == "constant":
        ratings = [(u, a, 7.25) for u, a, _ in ratings]
    rng.shuffle(ratings)
    return dict(op="numeric", n_units=n_units, n_annotators=3 if kind == "many" else n_ann,
                ratings=ratings)


def ordinal_case(rng):
    n_labels = rng.randint(1, 7)
    n_units = rng.randint(1, 40)
    ratings = [(u, rng.randrange(4), rng.randrange(n_labels))
               for u in range(n_units) for _ in range(rng.randint(0, 6))]
    rng.shuffle(ratings)
    case = dict(op="ordinal", n_units=n_units, n_annotators=4, n_labels=n_labels,
                ratings=ratings)
    if rng.random() < 0.6:
        # Some equal values, unordered: the scale is not the index order.
        case["values"] = [float(rng.randint(-3, 3)) for _ in range(n_labels)]
    return case


def by_unit(ratings, n_units):
    units = [[] for _ in range(n_units)]
    for u, _, x in ratings:
        units[u].append(x)
    return units


def pairable_distinct(case):
    return {x for vals in by_unit(case["ratings"], case["n_units"]) if len(vals) >= 2
            for x in vals}


def exact_alpha(case, metric):
    """Krippendorff's definition with numpy: sums over the pairs within
    units and over the marginals of the distinct pairable values."""
    units = [np.array(v) for v in by_unit(case["ratings"], case["n_units"]) if len(v) >= 2]
    pooled = np.concatenate(units)
    n = len(pooled)

    def delta(a, b):
        if metric == "interval":
            return (a[:, None] - b[None, :]) ** 2
        s = a[:, None] + b[None, :]
        d = np.where(s == 0, 0.0, (a[:, None] - b[None, :]) / np.where(s == 0, 1, s))
        return d * d
    observed = sum(delta(v, v).sum() / (len(v) - 1) for v in units) / n
    values, counts = np.unique(pooled, return_counts=True)
    expected = (np.outer(counts, counts) * delta(values, values)).sum() / (n * (n - 1))
    return 1 - observed / expected


def check_numeric(ck, case, ours, kind, where):
    units = by_unit(case["ratings"], case["n_units"])
    cons = ours["consensus"]
    for u, vals in enumerate(units):
        ck.same("count per unit", cons["count"][u] == len(vals), where)
        if vals:
            ck.close("median vs numpy", cons["median"][u], float(np.median(vals)), where)
            ck.close("mad vs scipy", cons["mad"][u], float(median_abs_deviation(vals)), where)
        else:
            ck.same("unrated unit gets 0, 0", cons["median"][u] == 0 and cons["mad"][u] == 0, where)
    defined = len(pairable_distinct(case)) >= 2
    triples = [(a, u, x) for u, a, x in case["ratings"]]
    for metric, dist in (("interval", interval_distance), ("ratio", ratio_distance)):
        mine = value_of(ours[metric])
        ck.same("%s alpha defined iff >= 2 distinct pairable values" % metric,
                (mine is not None) == defined, where)
        if mine is None or not defined:
            continue
        ck.same("%s alpha is never sampled" % metric, not ours[metric]["sampled"], where)
        if kind == "many":
            ck.same("3000 distinct values", ours[metric]["n_distinct"] >= 3000, where)
            ck.close("%s alpha, 3000 values, vs numpy exact" % metric, mine,
                     exact_alpha(case, metric), where)
            continue
        theirs = AnnotationTask(data=triples, distance=dist).alpha()
        ck.close("%s alpha vs nltk" % metric, mine, theirs, where)
        ck.close("%s alpha vs numpy definition" % metric, mine, exact_alpha(case, metric), where)


def check_ordinal(ck, case, ours, where):
    values = case.get("values")
    order = sorted(range(case["n_labels"]), key=lambda l: (values[l] if values else l, l))
    rank = {l: p for p, l in enumerate(order)}
    for u, labels in enumerate(by_unit(case["ratings"], case["n_units"])):
        if not labels:
            ck.same("ordinal median of an unrated unit is null", ours["label"][u] is None, where)
            continue
        positions = sorted(rank[l] for l in labels)
        want = order[statistics.median_low(positions)]
        m = len(positions)
        split = m % 2 == 0 and positions[m // 2 - 1] != positions[m // 2]
        ck.same("ordinal median vs statistics.median_low", ours["label"][u] == want, where,
                "%r vs %r" % (ours["label"][u], want))
        ck.same("ordinal split flag", ours["split"][u] == split, where)


def main():
    driver = main_driver()
    ck = Checker(TOL)
    cases, names = [], []
    kinds = (("plain", 60), ("integers", 40), ("repeats", 30), ("constant", 5), ("many", 1))
    for k, (kind, count) in enumerate(kinds):
        for i in range(count):
            seed = 7000 + 1000 * k + i
            cases.append(numeric_case(random.Random(seed), kind))
            names.append((kind, seed))
    for i in range(150):
        cases.append(ordinal_case(random.Random(20000 + i)))
        names.append(("ordinal", 20000 + i))
    results = run_driver(driver, cases)
    for case, ours, (kind, seed) in zip(cases, results, names):
        where = "%s seed %d" % (kind, seed)
        if kind == "ordinal":
            ck.same("ordinal median rc", ours["rc"] == 0, where)
            if ours["rc"] == 0:
                check_ordinal(ck, case, ours, where)
        else:
            check_numeric(ck, case, ours, kind, where)
    return ck.report("numeric and ordinal: %d datasets" % len(cases))


if __name__ == "__main__":
    sys.exit(main())
