#!/usr/bin/python3
"""Cross-check labelq's free-text agreement and consensus
(quality/text_distance.h) against independent implementations.

    /usr/bin/python3 crosscheck_text.py path/to/labeltypes_driver

Random strings mix ASCII, Latin-1 (é, 2 bytes), CJK (日, 3 bytes), emoji
(😀, 4 bytes), a combining accent and whitespace, so that counting bytes
instead of code points would show.
- Levenshtein: nltk.edit_distance on Python str (code points).
- Normalized distance: that, divided by the longer length; 0 for two
  empty strings.
- Alpha: NLTK's AnnotationTask.alpha() with the normalized edit distance
  above as its distance. NLTK returns 1 where alpha is undefined (one
  value in all the data); ours returns an error: ours must be undefined
  exactly when the pairable ratings hold fewer than two distinct strings.
- Sampled D_e: a dataset of ~600 mostly distinct strings run with
  max_exact 50 must be flagged as sampled and stay within 0.01 of our
  exact alpha on the same data (which the other datasets check against
  NLTK; NLTK itself would take minutes here).
- Medoid: written here from the definition with nltk.edit_distance
  (least summed distance; sums within 1e-9 tie; lowest index wins).
- Normalization: a reference with re (ASCII whitespace trimmed and
  collapsed, A-Z lowered, nothing else touched).
Exit status 0 when everything agrees within 1e-9.
"""
import functools
import random
import re
import sys

from crosscheck_common import require

require("nltk")

from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import edit_distance

from crosscheck_common import Checker, main_driver, run_driver, value_of

TOL = 1e-9
ALPHABET = ["a", "b", "c", "A", "B", "é", "É", "日", "本", "😀", "\u0301", " ", "\t", "\n", "\u00a0"]


@functools.lru_cache(maxsize=None)
def normalized(a, b):
    if not a and not b:
        return 0.0
    return edit_distance(a, b) / max(len(a), len(b))


def random_string(rng, longest=10):
    return "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, longest)))


def generate(rng, kind):
    n_ann = 2 if kind == "many" else rng.randint(2, 5)
    n_units = 300 if kind == "many" else rng.randint(2, 25)
    ratings = []
    for u in range(n_units):
        truth = random_string(rng)
        for a in range(n_ann):
            if kind != "many" and rng.random() < 0.25:
                continue
            s = truth
            if kind == "many" or rng.random() < 0.6:  # an edit or three
                s = list(truth)
                for _ in range(rng.randint(1, 3)):
                    pos = rng.randint(0, len(s))
                    op = rng.choice(["ins", "del", "sub"])
                    if op == "ins" or not s:
                        s.insert(pos, rng.choice(ALPHABET))
                    elif op == "del":
                        del s[min(pos, len(s) - 1)]
                    else:
                        s[min(pos, len(s) - 1)] = rng.choice(ALPHABET)
                s = "".join(s)
            ratings.append((u, a, s))
    rng.shuffle(ratings)
    pairs = [[random_string(rng, 14), random_string(rng, 14)] for _ in range(20)]
    pairs += [["", ""], ["kitten", "sitting"], ["😀a", "a😀"]]
    return dict(op="text", n_units=n_units, n_annotators=n_ann, ratings=ratings, pairs=pairs,
                normalize=[random_string(rng, 16) for _ in range(10)] + ["  Hello \t WORLD \n"],
                **({"max_exact": 50} if kind == "many" else {}))


def ref_normalize(s):
    s = re.sub(r"[ \t\n\v\f\r]+", " ", s).strip(" ")
    return "".join(chr(ord(c) + 32) if "A" <= c <= "Z" else c for c in s)


def ref_medoid(case):
    units = {}
    for i, (u, _, s) in enumerate(case["ratings"]):
        units.setdefault(u, []).append((i, s))
    out = {}
    for u, items in units.items():
        sums = [sum(normalized(s, t) for j, t in items if j != i) for i, s in items]
        best = min(sums)
        k = next(k for k, x in enumerate(sums) if x <= best + 1e-9)
        out[u] = (items[k][0], best / (len(items) - 1) if len(items) > 1 else 0.0)
    return out


def check_case(ck, case, ours, where):
    for (a, b), res in zip(case["pairs"], ours["pairs"]):
        ck.same("levenshtein vs nltk.edit_distance", res["rc"] == 0 and
                res["lev"] == edit_distance(a, b), where, "%r %r" % (a, b))
        ck.close("normalized distance", res["dist"], normalized(a, b), where)
    for s, res in zip(case["normalize"], ours["normalize"]):
        ck.same("normalize vs re reference", value_of(res) == ref_normalize(s), where,
                "%r -> %r" % (s, value_of(res)))
    med = ours["medoid"]
    ref = ref_medoid(case)
    for u in range(case["n_units"]):
        if u not in ref:
            ck.same("medoid of an unrated unit", med["index"][u] is None and med["mean"][u] == -1,
                    where)
            continue
        ck.same("medoid vs reference", med["index"][u] == ref[u][0], where,
                "unit %d: %r vs %r" % (u, med["index"][u], ref[u][0]))
        ck.close("medoid mean distance", med["mean"][u], ref[u][1], where)


def check_alpha(ck, case, ours, where):
    units = {}
    for u, _, s in case["ratings"]:
        units.setdefault(u, []).append(s)
    defined = len({s for v in units.values() if len(v) >= 2 for s in v}) >= 2
    mine = value_of(ours["alpha"])
    ck.same("alpha defined iff >= 2 distinct pairable strings", (mine is not None) == defined, where)
    if mine is None or not defined:
        return
    data = [(a, u, s) for u, a, s in case["ratings"]]
    ck.close("alpha vs nltk (normalized edit distance)", mine,
             AnnotationTask(data=data, distance=normalized).alpha(), where)


def main():
    driver = main_driver()
    ck = Checker(TOL)
    cases, names = [], []
    for i in range(120):
        cases.append(generate(random.Random(30000 + i), "plain"))
        names.append(("plain", 30000 + i))
    many = generate(random.Random(39999), "many")
    exact = dict(many, max_exact=1 << 20)
    results = run_driver(driver, cases + [many, exact])
    for case, ours, (kind, seed) in zip(cases, results, names):
        where = "%s seed %d" % (kind, seed)
        check_case(ck, case, ours, where)
        check_alpha(ck, case, ours, where)
    sampled, full = results[-2]["alpha"], results[-1]["alpha"]
    ck.same("many distinct strings: D_e sampled", sampled["rc"] == 0 and sampled["sampled"], "many")
    ck.same("many distinct strings: exact when allowed", full["rc"] == 0 and not full["sampled"],
            "many")
    ck.close("alpha with sampled D_e vs exact", value_of(sampled), value_of(full), "many", tol=0.01)
    print("many: %d distinct strings, sampled alpha %.6f, exact %.6f" %
          (sampled["n_distinct"], sampled["value"], full["value"]))
    return ck.report("text: %d datasets" % (len(cases) + 1))


if __name__ == "__main__":
    sys.exit(main())
