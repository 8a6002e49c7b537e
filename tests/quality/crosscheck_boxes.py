#!/usr/bin/python3
"""Cross-check labelq's box agreement and consensus (quality/boxes.h).

    /usr/bin/python3 crosscheck_boxes.py path/to/labeltypes_driver

- IoU: shapely (Debian's python3-shapely, GEOS underneath) intersects the
  boxes as polygons; IoU = intersection / (area_a + area_b - intersection),
  0 when that is 0. Random real-valued boxes, zero-area ones included.
- Matched F1 and clustering: no Debian package implements either with
  these rules, so the greedy matching and the complete-linkage clustering
  are written here from the contract in boxes.h (not from the C code),
  with shapely's IoU. Boxes for these sit on an integer grid, so that many
  IoUs tie exactly and the tie rules are exercised; on such boxes the two
  IoU computations agree to the last bit.
Exit status 0 when everything agrees within 1e-9.
"""
import math
import random
import sys

from crosscheck_common import require

require("shapely")

from shapely.geometry import box as polygon

from crosscheck_common import Checker, main_driver, run_driver

TOL = 1e-9


def iou(a, b):
    pa = polygon(a[0], a[1], a[0] + a[2], a[1] + a[3])
    pb = polygon(b[0], b[1], b[0] + b[2], b[1] + b[3])
    inter = pa.intersection(pb).area
    union = pa.area + pb.area - inter
    return inter / union if union > 0 else 0.0


def random_real_box(rng):
    w = 0.0 if rng.random() < 0.1 else rng.uniform(0, 30)
    h = 0.0 if rng.random() < 0.1 else rng.uniform(0, 30)
    return [rng.uniform(-20, 40), rng.uniform(-20, 40), w, h, 0]


def grid_box(rng, n_labels, near=None):
    if near is not None and rng.random() < 0.8:  # a rater's version of an object
        x, y, w, h, label = near
        box = [x + rng.randint(-2, 2), y + rng.randint(-2, 2), max(0, w + rng.randint(-2, 2)),
               max(0, h + rng.randint(-2, 2)), label]
        if rng.random() < 0.1:
            box[4] = rng.randrange(n_labels)
        return box
    return [rng.randint(0, 40), rng.randint(0, 40), rng.randint(0, 12), rng.randint(0, 12),
            rng.randrange(n_labels)]


def generate(rng):
    n_units = rng.randint(1, 6)
    n_ann = rng.randint(1, 5)
    n_labels = rng.randint(1, 3)
    anns = []
    for u in range(n_units):
        objects = [grid_box(rng, n_labels) for _ in range(rng.randint(0, 5))]
        for a in range(n_ann):
            if rng.random() < 0.2:
                continue
            boxes = [grid_box(rng, n_labels, o) for o in objects if rng.random() < 0.85]
            boxes += [grid_box(rng, n_labels) for _ in range(rng.choice([0, 0, 1, 2]))]
            if boxes and rng.random() < 0.1:
                boxes.append(list(rng.choice(boxes)))  # a double-drawn box
            rng.shuffle(boxes)
            anns.append([u, a, boxes])
    rng.shuffle(anns)
    case = dict(op="boxes", n_units=n_units, n_annotators=n_ann, n_labels=n_labels,
                annotations=anns, threshold=rng.choice([0.5, 0.5, 0.3, 0.7, 1.0]),
                any_label=rng.random() < 0.3)
    case["iou_pairs"] = [[random_real_box(rng), random_real_box(rng)] for _ in range(20)]
    return case


def ref_pair_f1(a, b, t):
    if not a and not b:
        return 1.0, 0
    cand = sorted((-iou(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)
                  if x[4] == y[4] and iou(x, y) >= t)
    used_a, used_b, m = set(), set(), 0
    for _, i, j in cand:
        if i in used_a or j in used_b:
            continue
        used_a.add(i), used_b.add(j)
        m += 1
    return 2.0 * m / (len(a) + len(b)), m


def ref_vote_unit(anns, t, any_label):
    items = [(slot, b) for slot, boxes in enumerate(anns) for b in boxes]
    k = len(anns)

    def fits(i, j):
        (si, bi), (sj, bj) = items[i], items[j]
        return si != sj and (any_label or bi[4] == bj[4]) and iou(bi, bj) >= t
    cand = sorted((-iou(items[i][1], items[j][1]), i, j) for i in range(len(items))
                  for j in range(i + 1, len(items)) if fits(i, j))
    cluster = {i: [i] for i in range(len(items))}
    of = list(range(len(items)))
    for _, i, j in cand:
        ra, rb = of[i], of[j]
        if ra == rb or not all(fits(x, y) for x in cluster[ra] for y in cluster[rb]):
            continue
        cluster[ra] += cluster.pop(rb)
        for x in cluster[ra]:
            of[x] = ra
    out = []
    for members in sorted(cluster.values(), key=min):
        if len(members) < math.ceil(k / 2):
            continue
        boxes = [items[m][1] for m in members]
        avg = [sum(b[c] for b in boxes) / len(boxes) for c in range(4)]
        labels = [b[4] for b in boxes]
        label = min(set(labels), key=lambda l: (-labels.count(l), l))
        conf = len(boxes) / k * (sum(iou(b, avg) for b in boxes) / len(boxes))
        out.append(avg + [label, len(boxes), conf])
    return out


def check_case(ck, case, ours, where):
    t, any_label = case["threshold"], case["any_label"]
    for (a, b), mine in zip(case["iou_pairs"], ours["iou"]):
        ck.close("IoU vs shapely", mine, iou(a, b), where)
    anns = case["annotations"]
    for i, j, f1, m, rc in ours["pair_f1"]:
        ref, ref_m = ref_pair_f1(anns[i][2], anns[j][2], t)
        ck.same("pair F1 rc", rc == 0, where)
        ck.same("pair F1 matches vs greedy reference", m == ref_m, where, "%d vs %d" % (m, ref_m))
        ck.close("pair F1 vs greedy reference", f1, ref, where)
    total, pairs = 0.0, 0
    for u in range(case["n_units"]):
        mine = [a[2] for a in anns if a[0] == u]
        f1s = [ref_pair_f1(mine[i], mine[j], t)[0] for i in range(len(mine))
               for j in range(i + 1, len(mine))]
        if f1s and ours["f1"]["rc"] == 0:
            ck.close("unit box F1", ours["f1"]["unit"][u], sum(f1s) / len(f1s), where)
        total, pairs = total + sum(f1s), pairs + len(f1s)
        if ours["vote"]["rc"] == 0:
            ref = ref_vote_unit(mine, t, any_label)
            got = ours["vote"]["boxes"][u]
            ck.same("consensus boxes: label and support", [b[4:6] for b in got] ==
                    [b[4:6] for b in ref], where, "unit %d: %r vs %r" % (u, got, ref))
            if len(got) == len(ref):
                for g, r in zip(got, ref):
                    ck.close_all("consensus box coordinates", g[:4], r[:4], where)
                    ck.close("consensus box confidence", g[6], r[6], where)
    ck.same("box F1 defined iff a unit has two annotations", (ours["f1"]["rc"] == 0) == (pairs > 0),
            where)
    if pairs:
        ck.close("overall box F1", ours["f1"]["overall"], total / pairs, where)
    ck.same("vote rc", ours["vote"]["rc"] == 0, where)


def main():
    driver = main_driver()
    ck = Checker(TOL)
    cases = [generate(random.Random(50000 + i)) for i in range(250)]
    results = run_driver(driver, cases)
    for i, (case, ours) in enumerate(zip(cases, results)):
        check_case(ck, case, ours, "seed %d" % (50000 + i))
    return ck.report("boxes: %d datasets" % len(cases))


if __name__ == "__main__":
    sys.exit(main())
