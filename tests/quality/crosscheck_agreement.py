#!/usr/bin/python3
"""Cross-checks quality/'s agreement metrics against independent implementations.

Usage: /usr/bin/python3 crosscheck_agreement.py PATH/TO/agreement_driver

Generates random rating sets with fixed seeds (2-8 annotators, 2-6 labels,
0-50% missing, 5-200 units; complete, fixed-count, two-annotator, repeated
and tiny degenerate sets), runs our C code through agreement_driver, and
compares every metric to 1e-9 with:

  - NLTK's AnnotationTask: alpha (binary_distance, interval_distance), Ao and
    avg_Ao, kappa (two annotators only: NLTK's kappa averages pairwise Cohen);
  - statsmodels: fleiss_kappa on aggregate_raters' table, cohens_kappa
    (unweighted, and linear/quadratic weights on the label values);
  - scikit-learn: cohen_kappa_score with weights None, linear, quadratic;
  - ordinal and ratio alpha (NLTK has neither distance), plus a second
    opinion on nominal and interval: a small reference written here from
    Krippendorff's (2011) definitions, with an explicit coincidence matrix
    and pairwise loops, then checked on the paper's own worked example.

Where NLTK's conventions differ from the standard definitions the comparison
is restricted to data NLTK handles as the definition says:
  - Ao/avg_Ao divide by every item of the task and raise on missing ratings,
    so each pair is given its own task holding only the units both rated;
    avg_Ao itself is compared on complete data.
  - alpha returns 1 when only one label occurs anywhere (we return an error,
    as the metric is undefined), so alpha is compared only where ours is
    defined; then the reference must agree on being defined, too.
  - kappa_pairwise divides label counts by all items, so it is given only
    the units both annotators rated, one (the first) rating each.
Exit status 0 when everything agrees, 1 otherwise.
"""
import collections
import itertools
import json
import math
import random
import subprocess
import sys

from crosscheck_common import require

require("numpy", "nltk", "sklearn", "statsmodels")

import numpy as np
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance, interval_distance
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, cohens_kappa, fleiss_kappa

TOL = 1e-9


class Dataset:
    """Ratings as (unit, annotator, label) triples in input order."""

    def __init__(self, n_units, n_annotators, n_labels, ratings, values):
        self.n_units = n_units
        self.n_annotators = n_annotators
        self.n_labels = n_labels
        self.ratings = ratings
        self.values = values

    def by_unit(self):
        units = collections.defaultdict(list)
        for u, a, l in self.ratings:
            units[u].append((a, l))
        return units

    def first_ratings(self):
        """{(unit, annotator): label} of each annotator's first rating of a unit."""
        first = {}
        for u, a, l in self.ratings:
            first.setdefault((u, a), l)
        return first


# --- generating data -------------------------------------------------------


def generate(rng, kind):
    n_ann = rng.randint(2, 8)
    n_lab = rng.randint(2, 6)
    n_units = rng.randint(5, 200)
    missing = rng.uniform(0.0, 0.5) if kind in ("missing", "repeats") else 0.0
    if kind == "pair":
        n_ann = 2
        missing = rng.uniform(0.0, 0.5)
    skill = [rng.uniform(0.2, 0.95) for _ in range(n_ann)]
    if kind == "tiny":
        # Few units, near-perfect annotators, much missing: often nothing to
        # pair or nothing that varies, where metrics must be undefined.
        n_ann, n_lab, n_units = rng.randint(2, 3), 2, 5
        missing = rng.uniform(0.3, 0.5)
        skill = [0.97] * n_ann
    # Distinct positive values, unevenly spaced, so that index and value
    # weightings differ and ratio's zero is never reached.
    values = sorted(rng.sample(range(1, 40), n_lab))
    k = rng.randint(2, n_ann) if kind == "fixed_k" else None
    ratings = []
    for u in range(n_units):
        truth = rng.randrange(n_lab)
        if k is not None:
            raters = rng.sample(range(n_ann), k)
        else:
            raters = [a for a in range(n_ann) if rng.random() >= missing]
        for a in raters:
            label = truth if rng.random() < skill[a] else rng.randrange(n_lab)
            ratings.append((u, a, label))
            if kind == "repeats" and rng.random() < 0.15:
                ratings.append((u, a, rng.randrange(n_lab)))
    rng.shuffle(ratings)
    return Dataset(n_units, n_ann, n_lab, ratings, values)


def run_driver(driver, d, with_values):
    lines = ["%d %d %d %d" % (d.n_units, d.n_annotators, d.n_labels, 1 if with_values else 0)]
    if with_values:
        lines.append(" ".join(repr(float(v)) for v in d.values))
    lines += ["%d %d %d" % r for r in d.ratings]
    out = subprocess.run([driver], input="\n".join(lines) + "\n", capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out)


# --- independent references, written from the definitions -----------------


def ref_alpha(d, delta_kind):
    """Krippendorff (2011): coincidence matrix o_ck = sum_u (c-k pairs)/(m_u - 1)
    over pairable units, n_c its marginals, alpha = 1 - D_o / D_e. Returns None
    when undefined."""
    units = d.by_unit()
    o = collections.defaultdict(float)
    for vals in units.values():
        labels = [l for _, l in vals]
        m = len(labels)
        if m < 2:
            continue
        for i, j in itertools.permutations(range(m), 2):
            o[(labels[i], labels[j])] += 1.0 / (m - 1)
    n_c = collections.defaultdict(float)
    for (c, _), w in o.items():
        n_c[c] += w
    n = sum(n_c.values())
    if n == 0:
        return None
    labels = sorted(n_c, key=lambda l: d.values[l])

    def delta(c, k):
        if delta_kind == "nominal":
            return 0.0 if c == k else 1.0
        vc, vk = d.values[c], d.values[k]
        if delta_kind == "interval":
            return (vc - vk) ** 2
        if delta_kind == "ratio":
            return 0.0 if vc + vk == 0 else ((vc - vk) / (vc + vk)) ** 2
        # ordinal: sum of the marginals from rank c to rank k, minus half of
        # the two ends; labels are ranked by value.
        lo, hi = sorted((labels.index(c), labels.index(k)))
        s = sum(n_c[labels[g]] for g in range(lo, hi + 1))
        return (s - (n_c[c] + n_c[k]) / 2.0) ** 2

    d_o = sum(w * delta(c, k) for (c, k), w in o.items()) / n
    d_e = sum(n_c[c] * n_c[k] * delta(c, k) for c in n_c for k in n_c) / (n * (n - 1))
    if d_e == 0:
        return None
    return 1.0 - d_o / d_e


def ref_item_agreement(d):
    units = d.by_unit()
    out = []
    for u in range(d.n_units):
        labels = [l for _, l in units.get(u, [])]
        if len(labels) < 2:
            out.append(-1.0)
            continue
        pairs = list(itertools.permutations(labels, 2))
        out.append(sum(1 for a, b in pairs if a == b) / len(pairs))
    return out


def shared_pair(d, a, b):
    """The units both a and b rated, with each one's first rating."""
    first = d.first_ratings()
    return [(u, first[(u, a)], first[(u, b)]) for u in range(d.n_units)
            if (u, a) in first and (u, b) in first]


def nltk_pair_ao(d, a, b):
    rows = shared_pair(d, a, b)
    if not rows:
        return None
    data = [(a, u, la) for u, la, _ in rows] + [(b, u, lb) for u, _, lb in rows]
    return AnnotationTask(data=data, distance=binary_distance).Ao(a, b)


# --- comparisons ------------------------------------------------------------


class Checker:
    def __init__(self):
        self.max_diff = collections.defaultdict(float)
        self.compared = collections.Counter()
        self.failures = []

    def close(self, name, ours, theirs, where):
        diff = abs(ours - theirs)
        self.compared[name] += 1
        self.max_diff[name] = max(self.max_diff[name], diff)
        if not (math.isfinite(ours) and diff <= TOL):
            self.failures.append("%s: ours %r, theirs %r (%s)" % (name, ours, theirs, where))

    def same(self, name, ok, where):
        self.compared[name] += 1
        if not ok:
            self.failures.append("%s (%s)" % (name, where))


def value_of(m):
    return m["value"] if m["rc"] == 0 else None


def check_alpha(ck, d, ours_plain, ours_valued, where):
    for kind in ("nominal", "ordinal", "interval", "ratio"):
        res = ours_plain if kind == "nominal" else ours_valued
        ours, ref = value_of(res["alpha"][kind]), ref_alpha(d, kind)
        ck.same("alpha_%s defined iff reference defined" % kind, (ours is None) == (ref is None),
                where)
        if ours is None:
            ck.same("alpha_%s undefined" % kind, True, where)
        if ours is not None and ref is not None:
            ck.close("alpha_%s vs reference" % kind, ours, ref, where)
    triples = [(a, u, l) for u, a, l in d.ratings]
    nominal = value_of(ours_plain["alpha"]["nominal"])
    if nominal is not None:
        ck.close("alpha_nominal vs nltk", nominal,
                 AnnotationTask(data=triples, distance=binary_distance).alpha(), where)
    interval = value_of(ours_valued["alpha"]["interval"])
    if interval is not None:
        valued = [(a, u, float(d.values[l])) for a, u, l in triples]
        ck.close("alpha_interval vs nltk", interval,
                 AnnotationTask(data=valued, distance=interval_distance).alpha(), where)


def check_pairs(ck, d, ours, where):
    """Percent agreement and the annotator matrix against NLTK's Ao per pair."""
    na = d.n_annotators
    matrix = value_of(ours["pairwise"])
    rated = {a for _, a, _ in d.ratings}
    aos = []
    for a in range(na):
        ck.same("pairwise diagonal", matrix[a * na + a] == (1.0 if a in rated else -1.0), where)
        for b in range(a + 1, na):
            ao = nltk_pair_ao(d, a, b)
            if ao is None:
                ck.same("pairwise -1 without shared units", matrix[a * na + b] == -1.0, where)
                continue
            aos.append(ao)
            ck.close("pairwise vs nltk Ao", matrix[a * na + b], ao, where)
            ck.close("pairwise symmetric", matrix[b * na + a], ao, where)
    percent = value_of(ours["percent_agreement"])
    ck.same("percent defined iff a pair shares a unit", (percent is None) == (not aos), where)
    if aos:
        ck.close("percent vs mean of nltk Ao", percent, sum(aos) / len(aos), where)


def check_complete(ck, d, ours, where):
    """Complete data without repeats: NLTK's avg_Ao as is; Fleiss."""
    triples = [(a, u, l) for u, a, l in d.ratings]
    task = AnnotationTask(data=triples, distance=binary_distance)
    ck.close("percent vs nltk avg_Ao", value_of(ours["percent_agreement"]), task.avg_Ao(), where)


def check_fleiss(ck, d, ours, where):
    units = d.by_unit()
    rows = [[l for _, l in units[u]] for u in sorted(units)]
    table, _ = aggregate_raters(np.array(rows), n_cat=d.n_labels)
    used = int((table.sum(axis=0) > 0).sum())
    mine = value_of(ours["fleiss"])
    ck.same("fleiss defined iff two labels used", (mine is None) == (used < 2), where)
    if mine is not None:
        ck.close("fleiss vs statsmodels", mine, fleiss_kappa(table, method="fleiss"), where)


def check_cohen(ck, d, ours_plain, ours_valued, where):
    rated = sorted({a for _, a, _ in d.ratings})
    if len(rated) != 2:
        for res in (ours_plain, ours_valued):
            ck.same("cohen rejects != 2 annotators",
                    all(res["cohen"][w]["rc"] == -1 for w in res["cohen"]), where)
        return
    rows = shared_pair(d, rated[0], rated[1])
    y1 = [r[1] for r in rows]
    y2 = [r[2] for r in rows]
    labels = list(range(d.n_labels))
    table = np.zeros((d.n_labels, d.n_labels))
    for i, j in zip(y1, y2):
        table[i, j] += 1
    for w, skw in (("none", None), ("linear", "linear"), ("quadratic", "quadratic")):
        ours = value_of(ours_plain["cohen"][w])
        if not rows:
            ck.same("cohen without shared units is an error", ours is None, where)
            continue
        with np.errstate(all="ignore"):
            theirs = cohen_kappa_score(y1, y2, labels=labels, weights=skw)
        ck.same("cohen_%s defined iff sklearn finite" % w, (ours is None) == (not np.isfinite(theirs)),
                where)
        if ours is not None:
            ck.close("cohen_%s vs sklearn" % w, ours, theirs, where)
        valued = value_of(ours_valued["cohen"][w])
        if valued is None:
            continue
        if w == "none":
            res = cohens_kappa(table, return_results=False)
        else:
            res = cohens_kappa(table, weights=np.array(d.values, float), wt=w,
                               return_results=False)
        ck.close("cohen_%s (values) vs statsmodels" % w, valued, res, where)
        if w == "none":
            pair = [(rated[0], u, a) for u, a, _ in rows] + [(rated[1], u, b) for u, _, b in rows]
            ck.close("cohen vs nltk kappa", ours, AnnotationTask(data=pair).kappa(), where)


def project_pair(d, a, b):
    """The ratings of annotators a and b alone, renumbered 0 and 1."""
    ratings = [(u, 0 if x == a else 1, l) for u, x, l in d.ratings if x in (a, b)]
    return Dataset(d.n_units, 2, d.n_labels, ratings, d.values)


def check_dataset(ck, driver, d, kind, where):
    plain = run_driver(driver, d, False)
    valued = run_driver(driver, d, True)
    check_alpha(ck, d, plain, valued, where)
    check_pairs(ck, d, plain, where)
    ck.same("item agreement", all(abs(x - y) <= TOL for x, y in
                                  zip(value_of(plain["item"]), ref_item_agreement(d))), where)
    check_cohen(ck, d, plain, valued, where)
    if kind in ("complete", "fixed_k"):
        check_fleiss(ck, d, plain, where)
    if kind == "complete":
        check_complete(ck, d, plain, where)
    if d.n_annotators > 2 and kind != "repeats":
        pair = project_pair(d, 0, 1)
        check_cohen(ck, pair, run_driver(driver, pair, False), run_driver(driver, pair, True),
                    where + " pair 0-1")


def check_published(ck, driver):
    """Krippendorff (2011)'s example, through both our code and the reference."""
    grid = ["1 2 3 3 2 1 4 1 2 . . .", "1 2 3 3 2 2 4 1 2 5 . 3",
            ". 3 3 3 2 3 4 2 2 5 1 .", "1 2 3 3 2 4 4 1 2 5 1 ."]
    ratings = [(u, a, int(x) - 1) for a, row in enumerate(grid)
               for u, x in enumerate(row.split()) if x != "."]
    d = Dataset(12, 4, 5, ratings, [1, 2, 3, 4, 5])
    ours = run_driver(driver, d, True)["alpha"]
    for kind, published in (("nominal", 0.743), ("ordinal", 0.815), ("interval", 0.849),
                            ("ratio", 0.797)):
        ck.same("published alpha_%s (reference)" % kind,
                abs(ref_alpha(d, kind) - published) < 5e-4, "Krippendorff 2011")
        ck.same("published alpha_%s (ours)" % kind,
                abs(value_of(ours[kind]) - published) < 5e-4, "Krippendorff 2011")


def main():
    driver = sys.argv[1]
    ck = Checker()
    check_published(ck, driver)
    n = 0
    kinds = (("missing", 120), ("complete", 80), ("fixed_k", 80), ("pair", 80), ("repeats", 60),
             ("tiny", 40))
    for k, (kind, count) in enumerate(kinds):
        for i in range(count):
            seed = 1000 * (k + 1) + i
            d = generate(random.Random(seed), kind)
            check_dataset(ck, driver, d, kind, "%s seed %d" % (kind, seed))
            n += 1
    print("datasets: %d" % n)
    for name in sorted(ck.compared):
        diff = ck.max_diff.get(name)
        print("  %-52s %5d checks%s" % (name, ck.compared[name],
                                         "" if diff is None else "  max |diff| %.3g" % diff))
    for f in ck.failures[:30]:
        print("FAIL", f)
    print("%d failures" % len(ck.failures))
    return 1 if ck.failures else 0


if __name__ == "__main__":
    sys.exit(main())
