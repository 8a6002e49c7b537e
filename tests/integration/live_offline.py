#!/usr/bin/env python3
"""The two halves of live_offline.sh's check that labelqd and the offline
labelq compute every figure one way.

    live_offline.py csv TYPE EXPORT.jsonl OUT.csv [FIELD]
        A project's JSONL export turned back into a CSV of ratings, as
        `labelq agreement|aggregate --type TYPE` reads one: unit (the item's
        id), annotator, label (the annotation's value; JSON for multi, spans
        and boxes), and for spans the item's data[FIELD] in column 4.

    live_offline.py schema TYPE PROJECTS_JSON
        The offline options that give the project's schema (--labels,
        --scale, --range), one per line.

    live_offline.py compare TYPE EXPORT.jsonl REPORT.json AGGREGATE.json AGREEMENT.json
        For every item, the export's label, confidence and agreement must be
        the offline aggregate's (the export prints reals with 6 significant
        digits), its method the same; and every agreement figure of the
        server's report (the headline alpha, percent agreement, Fleiss'
        kappa, type_agreement) must be the offline agreement's.

Exits non-zero with what differs.
"""

import csv
import json
import math
import sys

# The report's name of each figure -> the offline agreement's JSON key.
FIGURES = {
    "ordinal_alpha": "alpha_ordinal",
    "masi_alpha": "alpha_masi",
    "jaccard_alpha": "alpha_jaccard",
    "interval_alpha": "alpha_interval",
    "ratio_alpha": "alpha_ratio",
    "text_alpha": "alpha_edit",
    "span_f1": "span_f1",
    "token_alpha": "token_alpha",
    "box_f1": "box_f1",
}
# The headline alpha (report "krippendorff_alpha") of each type, offline.
HEADLINE = {
    "single": "krippendorff_alpha",
    "ordinal": "alpha_ordinal",
    "multi": "alpha_masi",
    "numeric": "alpha_interval",
    "text": "alpha_edit",
    "spans": "token_alpha",
    "boxes": None,
}
REPORTED = 6   # significant digits of the export's reals
EXACT = 1e-9   # the report's and the offline command's figures: both full doubles


def load_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def cell(kind, value):
    if kind in ("multi", "spans", "boxes"):
        return json.dumps(value, separators=(",", ":"))
    if kind == "numeric":
        return repr(float(value))
    return value


def to_csv(kind, export, out, field="text"):
    with open(out, "w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["unit", "annotator", "label", "text"])
        for item in load_jsonl(export):
            for k, a in enumerate(item["annotations"]):
                text = item["data"].get(field, "") if kind == "spans" and k == 0 else ""
                w.writerow([item["id"], a["annotator"], cell(kind, a["label"]), text])


def schema(kind, projects):
    p = json.load(open(projects))[kind]
    if kind in ("single", "multi", "spans", "boxes"):
        print("--labels\n" + ",".join(p["labels"]))
    elif kind == "ordinal":
        print("--scale\n" + ",".join(p["labels"]))
    elif kind == "numeric":
        print("--range\n%r..%r" % (float(p["min"]), float(p["max"])))


def close(x, y, tol):
    return x is not None and y is not None and abs(x - y) <= tol * max(1.0, abs(y))


def same_label(kind, mine, theirs):
    if kind == "numeric":
        return close(mine, theirs, EXACT)
    if kind == "boxes":
        return len(mine) == len(theirs) and all(
            a["label"] == b["label"] and all(close(a[k], b[k], EXACT) for k in "xywh")
            for a, b in zip(mine, theirs))
    return mine == theirs


class Checker:
    def __init__(self, kind):
        self.kind, self.failures, self.checked = kind, [], 0

    def same(self, what, ok, detail):
        self.checked += 1
        if not ok:
            self.failures.append("%s: %s (%s)" % (self.kind, what, detail))


def compare_items(ck, kind, export, agg):
    units = agg["units"]
    rounding = 10 ** -(REPORTED - 1)  # relative: 6 significant digits
    for item in load_jsonl(export):
        u = units.get(item["id"])
        ck.same("item in the offline output", u is not None, item["id"])
        if u is None:
            continue
        ck.same("label", same_label(kind, u["label"], item["label"]),
                "%s: live %r, offline %r" % (item["id"], item["label"], u["label"]))
        for key in ("confidence", "agreement"):
            ck.same(key, close(u[key], item[key], rounding),
                    "%s: live %r, offline %r" % (item["id"], item[key], u[key]))
        if kind == "ordinal":
            ck.same("median", u["median"] == item["median"],
                    "%s: live %r, offline %r" % (item["id"], item["median"], u["median"]))
        if kind == "numeric":
            ck.same("spread", close(u["spread"], item["spread"], EXACT),
                    "%s: live %r, offline %r" % (item["id"], item["spread"], u["spread"]))
    methods = {item["method"] for item in load_jsonl(export)}
    ck.same("one method", methods == {agg["method"]},
            "live %s, offline %s" % (sorted(methods), agg["method"]))
    ck.same("every item", len(units) == len(load_jsonl(export)), "%d units" % len(units))


def compare_figures(ck, kind, report, agreement):
    def figure(what, live, offline):
        if live is None:
            ck.same(what + " undefined both", offline is None, "offline %r" % offline)
        else:
            ck.same(what, close(offline, live, EXACT), "live %r, offline %r" % (live, offline))

    headline = HEADLINE[kind]
    if headline:
        figure("headline alpha", report["krippendorff_alpha"], agreement[headline])
    else:
        ck.same("no headline alpha", report["krippendorff_alpha"] is None, report)
    figure("percent agreement", report["percent_agreement"], agreement["percent_agreement"])
    if kind in ("single", "ordinal"):
        figure("fleiss kappa", report["fleiss_kappa"], agreement["fleiss_kappa"])
    listed = report.get("type_agreement", [])
    for f in listed:
        if f["metric"] == "label_alpha":
            figure("label_alpha " + f["label"], f["value"], agreement["per_label_alpha"][f["label"]])
        else:
            figure(f["metric"], f["value"], agreement[FIGURES[f["metric"]]])
    # The report leaves undefined figures out: the offline ones must be too.
    names = {f["metric"] for f in listed}
    for metric, key in FIGURES.items():
        if key in agreement and metric not in names and metric != "label_alpha":
            ck.same(metric + " undefined both", agreement[key] is None, agreement[key])
    ck.same("the type has figures", bool(listed) or kind == "single", listed)


def compare(kind, export, report_path, agg_path, agreement_path):
    ck = Checker(kind)
    compare_items(ck, kind, export, json.load(open(agg_path)))
    compare_figures(ck, kind, json.load(open(report_path)), json.load(open(agreement_path)))
    for f in ck.failures[:20]:
        print("FAIL:", f, file=sys.stderr)
    print("%s: %d checks, %d differ" % (kind, ck.checked, len(ck.failures)))
    return 1 if ck.failures else 0


def main(argv):
    if argv[1] == "csv":
        to_csv(argv[2], argv[3], argv[4], *(argv[5:6]))
        return 0
    if argv[1] == "schema":
        schema(argv[2], argv[3])
        return 0
    return compare(*argv[2:7])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
