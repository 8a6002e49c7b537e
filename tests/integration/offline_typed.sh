#!/usr/bin/env bash
# labelq agreement / aggregate --type multi|ordinal|numeric|text|spans|boxes
# on small CSVs whose answers were worked out by hand (in the comments) or
# are computed independently here with NLTK's AnnotationTask (Debian's
# python3-nltk): MASI and Jaccard alpha, per-label alpha, nominal and
# interval alpha, edit-distance alpha, token alpha. Malformed cells must
# fail with the file and line. No server is involved.
#
# The labelq binary is the first argument (ctest passes $<TARGET_FILE:labelq>)
# or $LABELQ_CLI.
set -euo pipefail

LABELQ=${1:-${LABELQ_CLI:?path of labelq}}
PY=/usr/bin/python3

CHECK_PRELUDE='import re
from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import jaccard_distance, binary_distance, interval_distance, edit_distance
def masi_distance(a, b):
    # Passonneau (2006) with 2/3 and 1/3; NLTK rounds them to 0.67 and 0.33.
    m = 1.0 if a == b else 2 / 3 if a <= b or b <= a else 1 / 3 if a & b else 0.0
    return 1.0 - len(a & b) / len(a | b) * m
def normalized(t):
    # lq_text_normalize: runs of ASCII whitespace are one space, trimmed; ASCII lowercased.
    t = re.sub("[ \t\n\v\f\r]+", " ", t).strip(" ")
    return "".join(c.lower() if "A" <= c <= "Z" else c for c in t)'
# shellcheck source=SCRIPTDIR/offline.sh
. "$(dirname "${BASH_SOURCE[0]}")/offline.sh"

# --- multi: both cell forms (';' and a JSON array) -------------------------
cat >multi.csv <<'EOF'
unit,annotator,labels
u1,a,cat;dog
u1,b,"[""cat""]"
u2,a, dog
u2,b,dog
u3,a,dog
u3,b,cat
u4,a,bird
u4,b,bird ; cat
EOF
"$LABELQ" agreement multi.csv --type multi --json >multi.json
check multi.json '
S = frozenset
rows = [("a","u1",S({"cat","dog"})),("b","u1",S({"cat"})),("a","u2",S({"dog"})),("b","u2",S({"dog"})),
        ("a","u3",S({"dog"})),("b","u3",S({"cat"})),("a","u4",S({"bird"})),("b","u4",S({"bird","cat"}))]
assert (d["type"], d["units"], d["annotators"], d["ratings"], d["labels"]) == ("multi", 4, 2, 8, 3), d
near(d["alpha_masi"], AnnotationTask(rows, distance=masi_distance).alpha())
near(d["alpha_jaccard"], AnnotationTask(rows, distance=jaccard_distance).alpha())
for l in ("cat", "dog", "bird"):
    binary = [(c, u, l in s) for c, u, s in rows]
    near(d["per_label_alpha"][l], AnnotationTask(binary, distance=binary_distance).alpha())'

# Dawid-Skene per label: three careful annotators and one who adds "dog"
# to everything; the consensus follows the careful ones.
{
    echo "unit,annotator,label"
    for u in $(seq 1 20); do
        set_="cat"
        [ $((u % 2)) = 0 ] && set_="cat;bird"
        [ $((u % 5)) = 0 ] && set_="[]"
        for a in ann bea cid; do echo "u$u,$a,$set_"; done
        if [ "$set_" = "[]" ]; then echo "u$u,sloppy,dog"; else echo "u$u,sloppy,$set_;dog"; fi
    done
} >multi_ds.csv
"$LABELQ" aggregate multi_ds.csv --type multi --method dawid-skene --labels cat,bird,dog --json >multi_ds.json
check multi_ds.json '
assert d["type"] == "multi" and d["method"] == "dawid-skene", d
for u in range(1, 21):
    want = [] if u % 5 == 0 else ["cat", "bird"] if u % 2 == 0 else ["cat"]
    unit = d["units"]["u%d" % u]
    assert unit["label"] == want, (u, unit)  # in --labels (schema) order
    # The confidence is the mean over the schema labels of the posterior of the
    # decision taken for each (as labelqd); "dog", which one annotator in four
    # always adds, is the least sure of them.
    assert unit["ratings"] == 4 and 0.5 < unit["confidence"] < 1, unit
    assert unit["p_present"]["dog"] < 0.5 and unit["p_present"]["cat"] > 0.99 * (want != []), unit
    decisions = [p if p >= 0.5 else 1 - p for p in unit["p_present"].values()]
    near(unit["confidence"], sum(decisions) / 3, 1e-9)'
# 80 ratings: without --method the default is labelqd's, the per-label
# majority below 100 ratings; its confidence is the mean vote share of the
# decisions, here (1 + 1 + 3/4) / 3 on every unit that has a set.
"$LABELQ" aggregate multi_ds.csv --type multi --json >multi_maj.json
check multi_maj.json '
assert d["method"] == "majority", d
unit = d["units"]["u1"]
assert unit["label"] == ["cat"], unit
near(unit["confidence"], (1 + 1 + 0.75) / 3)'

# --- ordinal, on a named scale --------------------------------------------
# a: low high low mid, b: mid high low high (steps 0, 1, 2).
# Linear kappa: observed mean |i-j| = (1+0+0+1)/4 = .5; the marginals
# (a: 2,1,1; b: 1,1,2 quarters) expect 1.0, so kappa = 1 - .5/1 = .5.
# Quadratic: observed .5, expected 1.625, kappa = 1 - .5/1.625 = 9/13.
# Ordinal alpha: n = 8, counts low 3, mid 2, high 3; delta(low,mid) =
# delta(mid,high) = (5 - 2.5)^2 = 6.25, delta(low,high) = (8 - 3)^2 = 25;
# D_o = (2*6.25 + 2*6.25)/8 = 3.125, D_e = 2(37.5 + 37.5 + 225)/56 = 600/56,
# alpha = 1 - 3.125*56/600 = 17/24.
cat >ordinal.csv <<'EOF'
unit,annotator,label
u1,a,low
u1,b,mid
u2,a,high
u2,b,high
u3,a,low
u3,b,low
u4,a,mid
u4,b,high
EOF
"$LABELQ" agreement ordinal.csv --type ordinal --scale low,mid,high --json >ordinal.json
check ordinal.json '
near(d["kappa_linear"], 0.5); near(d["kappa_quadratic"], 9 / 13)
near(d["alpha_ordinal"], 17 / 24); near(d["percent_agreement"], 0.5)
assert d["fleiss_kappa"] is not None, d
rows = [(c, u, l) for u, c, l in [("u1","a","low"),("u1","b","mid"),("u2","a","high"),("u2","b","high"),
        ("u3","a","low"),("u3","b","low"),("u4","a","mid"),("u4","b","high")]]
near(d["alpha_nominal"], AnnotationTask(rows, distance=binary_distance).alpha())
assert d["labels"] == 3, d'
# Median: the lower of two different middle steps, flagged as split.
"$LABELQ" aggregate ordinal.csv --type ordinal --scale low,mid,high --method median --json >ordinal_agg.json
check ordinal_agg.json '
u = d["units"]
assert d["method"] == "median", d
assert [u[k]["label"] for k in ("u1","u2","u3","u4")] == ["low","high","low","mid"], u
assert u["u1"]["split"] is True and u["u2"]["split"] is False, u
near(u["u1"]["confidence"], 0.5); near(u["u2"]["confidence"], 1.0)'
"$LABELQ" aggregate ordinal.csv --type ordinal --scale low,mid,high --method dawid-skene --json >ordinal_ds.json
check ordinal_ds.json '
assert d["method"] == "dawid-skene"
for unit in d["units"].values():
    near(sum(unit["posterior"].values()), 1.0, 1e-6)
    near(unit["confidence"], unit["posterior"][unit["label"]])'
# Numbers are steps in numeric order without --scale.
printf 'u,a,l\nu1,a,10\nu1,b,9\nu2,a,1\nu2,b,2\n' >steps.csv
"$LABELQ" aggregate steps.csv --type ordinal --json >steps.json
check steps.json 'assert d["units"]["u1"]["label"] == "9" and d["units"]["u2"]["label"] == "1", d'

# --- numeric ----------------------------------------------------------------
# u1: 1.5, 2, 10: median 2, |deviations| .5 0 8, MAD .5; u2: 3, 3.5: median
# 3.25, MAD .25. Confidence, as labelqd's: 1 - min(1, MAD / (range / 4)),
# the range being the file's (1.5..10, 8.5) without --range: u1
# 1 - .5 / 2.125, u2 1 - .25 / 2.125; with --range 0..100, 1 - .5 / 25 and
# 1 - .25 / 25. Agreement: 1 - the mean |a - b| / range over pairs.
cat >numeric.csv <<'EOF'
unit,annotator,value
u1,a,1.5
u1,b,2
u1,c,10
u2,a,3
u2,b,3.5
u3,a,
EOF
"$LABELQ" agreement numeric.csv --type numeric --json >numeric.json
check numeric.json '
rows = [("a","u1",1.5),("b","u1",2.0),("c","u1",10.0),("a","u2",3.0),("b","u2",3.5)]
near(d["alpha_interval"], AnnotationTask(rows, distance=interval_distance).alpha())
ratio = lambda a, b: ((a - b) / (a + b)) ** 2
near(d["alpha_ratio"], AnnotationTask(rows, distance=ratio).alpha())
assert (d["units"], d["ratings"], d["missing"]) == (3, 5, 1), d'
"$LABELQ" aggregate numeric.csv --type numeric --json >numeric_agg.json
check numeric_agg.json '
u = d["units"]
near(u["u1"]["label"], 2.0); near(u["u1"]["spread"], 0.5); near(u["u1"]["confidence"], 1 - 0.5 / 2.125)
near(u["u2"]["label"], 3.25); near(u["u2"]["spread"], 0.25); near(u["u2"]["confidence"], 1 - 0.25 / 2.125)
near(u["u1"]["agreement"], 1 - (0.5 + 8.5 + 8) / 3 / 8.5); near(u["u2"]["agreement"], 1 - 0.5 / 8.5)
assert u["u3"]["label"] is None and u["u3"]["ratings"] == 0, u'
"$LABELQ" aggregate numeric.csv --type numeric --range 0..100 --json >numeric_range.json
check numeric_range.json '
u = d["units"]
near(u["u1"]["confidence"], 1 - 0.5 / 25); near(u["u2"]["confidence"], 1 - 0.25 / 25)
near(u["u2"]["agreement"], 1 - 0.5 / 100)'
expect_fail 1 "numeric.csv: line 4: label '10' is not a valid numeric label: 10 is outside" \
    aggregate numeric.csv --type numeric --range 0..5
expect_fail 2 "--range is for --type numeric" agreement numeric.csv --type text --range 0..5
printf 'u,a,l\nu1,a,-1\nu1,b,2\nu2,a,3\nu2,b,3\n' >negative.csv
"$LABELQ" agreement negative.csv --type numeric --json >negative.json
check negative.json 'assert d["alpha_ratio"] is None and d["alpha_interval"] is not None, d'
"$LABELQ" agreement negative.csv --type numeric >negative.txt
grep -q "^alpha (ratio) .*n/a (a value is negative; the ratio metric needs values >= 0)" negative.txt ||
    fail "ratio alpha with a negative value: $(cat negative.txt)"

# Alpha is exact whatever the number of distinct values (it used to sample
# D_e beyond 1024 of them, so --type numeric and --metric ratio disagreed
# on such a file): both commands give the same number, the definition's,
# computed here with numpy over the coincidences of the 3000 values.
$PY -c '
import random
rng = random.Random(7)
print("unit,annotator,value")
for u in range(1500):
    x = round(rng.uniform(1, 1000), 6)
    print("u%d,a,%r" % (u, x))
    print("u%d,b,%r" % (u, round(x * rng.uniform(0.8, 1.25), 6)))
' >many.csv
"$LABELQ" agreement many.csv --type numeric --json >many_typed.json
"$LABELQ" agreement many.csv --metric ratio --json >many_ratio.json
"$LABELQ" agreement many.csv --metric interval --json >many_interval.json
check many_typed.json '
import csv, numpy as np
ratio = json.load(open("many_ratio.json"))["krippendorff_alpha"]
interval = json.load(open("many_interval.json"))["krippendorff_alpha"]
assert d["alpha_ratio"] == ratio, (d["alpha_ratio"], ratio)
assert d["alpha_interval"] == interval, (d["alpha_interval"], interval)
units = {}
for row in csv.DictReader(open("many.csv")):
    units.setdefault(row["unit"], []).append(float(row["value"]))
pooled = np.array([x for v in units.values() for x in v])
n = len(pooled)
def delta(a, b):
    return ((a[:, None] - b[None, :]) / (a[:, None] + b[None, :])) ** 2
observed = sum(delta(np.array(v), np.array(v)).sum() / (len(v) - 1) for v in units.values()) / n
values, counts = np.unique(pooled, return_counts=True)
assert len(values) > 2000, len(values)
expected = (np.outer(counts, counts) * delta(values, values)).sum() / (n * (n - 1))
near(ratio, 1 - observed / expected)'

# --- text: normalized edit distance over code points ("é" is one) --------
cat >text.csv <<'EOF'
unit,annotator,text
u1,a,hello world
u1,b,hello word
u1,c,helo world
u2,a,café
u2,b,cafe
u3,a,"two
lines"
u3,b,"two
lines"
u4,a,"  Hello   World"
u4,b,hello world
EOF
# Every comparison of texts is after normalization (ASCII case and runs of
# whitespace do not count), as labelqd compares them: u4's two answers are
# the same answer.
"$LABELQ" agreement text.csv --type text --json >text.json
check text.json '
dist = lambda a, b: edit_distance(a, b) / max(len(a), len(b)) if a or b else 0.0
rows = [("a","u1","hello world"),("b","u1","hello word"),("c","u1","helo world"),
        ("a","u2","café"),("b","u2","cafe"),("a","u3","two\nlines"),("b","u3","two\nlines"),
        ("a","u4","  Hello   World"),("b","u4","hello world")]
rows = [(c, u, normalized(t)) for c, u, t in rows]
near(d["alpha_edit"], AnnotationTask(rows, distance=dist).alpha())
# identical answers: a-b agree on u3 and u4 of 4 units, a-c on none of 1, b-c on none of 1
near(d["percent_agreement"], (2 / 4 + 0 + 0) / 3)'
# Medoid of u1: "hello world" is one edit from each other answer (1/11 each).
# u4: the first answer, as written, at distance 0 from the other.
"$LABELQ" aggregate text.csv --type text --json >text_agg.json
check text_agg.json '
u = d["units"]
assert u["u1"]["label"] == "hello world" and u["u3"]["label"] == "two\nlines", u
near(u["u1"]["confidence"], 1 - 1 / 11); near(u["u1"]["mean_distance"], 1 / 11)
near(u["u2"]["confidence"], 0.75)
assert u["u4"]["label"] == "  Hello   World", u
near(u["u4"]["confidence"], 1.0); near(u["u4"]["agreement"], 1.0)
near(u["u1"]["agreement"], 1 - (1 / 11 + 1 / 11 + 2 / 10) / 3)  # "hello word" to "helo world": 2 of 10'

# --- spans: byte ranges over column 4 -------------------------------------
# s1 "Alice met Bob": a marks Alice; b and c mark Alice and Bob. s2
# "Nothing here": a marks nothing, b marks "Nothing" as ORG.
# Span F1 per pair: (a,b) = (a,c) = 2*1/3, (b,c) = 1, s2 (a,b) = 0; the mean
# over the 4 pairs is 7/12. Vote: s1 Alice (3 of 3), Bob (2 of 3, B-PER
# beats O); s2 "Nothing": O and B-ORG tie, O wins. Confidence: mean winning
# share over the tokens, s1 (1 + 1 + 2/3)/3 = 8/9, s2 (1/2 + 1)/2 = 3/4.
cat >spans.csv <<'EOF'
unit,annotator,spans,text
s1,a,"[{""start"":0,""end"":5,""label"":""PER""}]",Alice met Bob
s1,b,"[{""start"":0,""end"":5,""label"":""PER""},{""start"":10,""end"":13,""label"":""PER""}]",
s1,c,"[{""start"":10,""end"":13,""label"":""PER""},{""start"":0,""end"":5,""label"":""PER""}]",Alice met Bob
s2,a,[],Nothing here
s2,b,"[{""start"":0,""end"":7,""label"":""ORG""}]",
EOF
"$LABELQ" agreement spans.csv --type spans --json >spans.json
check spans.json '
near(d["span_f1"], 7 / 12)
tags = {"a": {"s1": ["B-PER", "O", "O"], "s2": ["O", "O"]},
        "b": {"s1": ["B-PER", "O", "B-PER"], "s2": ["B-ORG", "O"]},
        "c": {"s1": ["B-PER", "O", "B-PER"]}}
rows = [(c, "%s/%d" % (u, i), t) for c, units in tags.items() for u, ts in units.items() for i, t in enumerate(ts)]
near(d["token_alpha"], AnnotationTask(rows, distance=binary_distance).alpha())
assert d["labels"] == 2, d'
"$LABELQ" aggregate spans.csv --type spans --json >spans_agg.json
check spans_agg.json '
u = d["units"]
assert d["method"] == "token-vote", d
assert u["s1"]["label"] == [{"start": 0, "end": 5, "label": "PER"}, {"start": 10, "end": 13, "label": "PER"}], u
assert u["s2"]["label"] == [], u
near(u["s1"]["span_confidence"][1], 2 / 3); near(u["s1"]["confidence"], 8 / 9)
near(u["s2"]["confidence"], 0.75)'

# Ties of the token vote, by the rule docs/protocol.md states: O first, then
# any B tag before any I tag, then the label first in the schema (byte
# order here: LOC, ORG, PER). "New York City": a marks it all LOC, b marks
# New as ORG and York City as PER. New: B-LOC, B-ORG tie, LOC; York: I-LOC
# and B-PER tie, B-PER (the lowest tag number, I-LOC, would have won
# before); City: I-LOC and I-PER, LOC, which after PER starts a span. The
# order of the rows changes nothing.
cat >spans_tie.csv <<'EOF'
unit,annotator,spans,text
s3,a,"[{""start"":0,""end"":13,""label"":""LOC""}]",New York City
s3,b,"[{""start"":0,""end"":3,""label"":""ORG""},{""start"":4,""end"":13,""label"":""PER""}]",
EOF
{ head -n 1 spans_tie.csv; tail -n +2 spans_tie.csv | tac; } >spans_tie_reversed.csv
sed -i 's/,$/,New York City/' spans_tie_reversed.csv
for f in spans_tie spans_tie_reversed; do
    "$LABELQ" aggregate $f.csv --type spans --json >$f.json
    check $f.json '
assert d["units"]["s3"]["label"] == [{"start": 0, "end": 3, "label": "LOC"}, {"start": 4, "end": 8, "label": "PER"},
                                     {"start": 9, "end": 13, "label": "LOC"}], d'
done
# With the schema order given (PER, ORG, LOC): New goes to ORG, City to PER.
"$LABELQ" aggregate spans_tie.csv --type spans --labels PER,ORG,LOC --json >spans_schema.json
check spans_schema.json '
assert d["units"]["s3"]["label"] == [{"start": 0, "end": 3, "label": "ORG"}, {"start": 4, "end": 13, "label": "PER"}], d'

# --- boxes -------------------------------------------------------------------
# b1: a (0,0,10,10) and b (1,0,10,10) overlap with IoU 90/110; c's box is
# elsewhere. Pairwise F1: (a,b) 1, (a,c) 0, (b,c) 0; b2's two empty answers
# agree, 1: mean 1/2. Consensus: the a-b cluster has 2 of 3 annotators (at
# least half), averaged to (0.5,0,10,10); each box's IoU with it is
# 95/105, so confidence = 2/3 * 95/105. c's box alone is dropped.
cat >boxes.csv <<'EOF'
unit,annotator,boxes
b1,a,"[{""x"":0,""y"":0,""w"":10,""h"":10,""label"":""car""}]"
b1,b,"[{""x"":1,""y"":0,""w"":10,""h"":10,""label"":""car""}]"
b1,c,"[{""x"":50,""y"":50,""w"":10,""h"":10,""label"":""car""}]"
b2,a,[]
b2,b,[]
EOF
"$LABELQ" agreement boxes.csv --type boxes --json >boxes.json
check boxes.json 'near(d["box_f1"], 0.5); assert d["labels"] == 1, d'
"$LABELQ" aggregate boxes.csv --type boxes --json >boxes_agg.json
check boxes_agg.json '
u = d["units"]
assert d["method"] == "iou-cluster", d
assert u["b1"]["label"] == [{"x": 0.5, "y": 0.0, "w": 10.0, "h": 10.0, "label": "car"}], u
assert u["b1"]["support"] == [2], u
near(u["b1"]["confidence"], 2 / 3 * 95 / 105)
near(u["b1"]["agreement"], 1 / 3)
assert u["b2"]["label"] == [] and u["b2"]["confidence"] == 1.0, u'

# --- text output -------------------------------------------------------------
"$LABELQ" agreement spans.csv --type spans >spans.txt
grep -Eq '^span F1 +0\.5833$' spans.txt || fail "text block: $(cat spans.txt)"
"$LABELQ" aggregate boxes.csv --type boxes >boxes.txt
grep -Eq '^b1 +0\.603 +0\.333  \[\{"x":0\.5,' boxes.txt || fail "text table: $(cat boxes.txt)"

# --type single is the default and changes nothing.
printf 'u,a,l\nu1,a,x\nu1,b,y\nu2,a,x\nu2,b,x\n' >single.csv
"$LABELQ" agreement single.csv --json >plain.json
"$LABELQ" agreement single.csv --type single --json >typed.json
cmp -s plain.json typed.json || fail "--type single changed agreement's output"
"$LABELQ" aggregate single.csv --method majority >plain.txt
"$LABELQ" aggregate single.csv --type single --method majority >typed.txt
cmp -s plain.txt typed.txt || fail "--type single changed aggregate's output"

# --- malformed cells: exit 1 and the line ------------------------------------
printf 'u,a,l\nu1,a,cat\nu2,a,"[""cat"",3]"\n' >bad_multi.csv
expect_fail 1 "bad_multi.csv: line 3: label '[\"cat\",3]' is not a valid multi label: entry 2 of the label set is not a string" \
    agreement bad_multi.csv --type multi
printf 'u,a,l\nu1,a,cat;;dog\n' >empty_name.csv
expect_fail 1 "empty_name.csv: line 2: label 'cat;;dog' is not a valid multi label: an empty name" \
    aggregate empty_name.csv --type multi
printf 'u,a,l\nu1,a,1\nu1,b,two\n' >bad_number.csv
expect_fail 1 "bad_number.csv: line 3: label 'two' is not a number (needed by --type numeric)" \
    agreement bad_number.csv --type numeric
expect_fail 1 "bad_number.csv: line 3: label 'two' is not a number (needed by --type ordinal without --scale)" \
    agreement bad_number.csv --type ordinal
printf 'u,a,l\nu1,a,low\n\nu1,b,medium\n' >off_scale.csv
expect_fail 1 "off_scale.csv: line 4: label 'medium' is not a valid ordinal label: not a step of --scale" \
    agreement off_scale.csv --type ordinal --scale low,mid,high
printf 'u,a,l,text\ns1,a,"[{""start"":0,""end"":9,""label"":""X""}]",short\n' >long_span.csv
expect_fail 1 "long_span.csv: line 2: label" agreement long_span.csv --type spans
expect_fail 1 "start < end <= 5" agreement long_span.csv --type spans
printf 'u,a,l,text\ns1,a,"[{""start"":0,""end"":3,""label"":""X""},{""start"":2,""end"":5,""label"":""X""}]",short\n' >overlap.csv
expect_fail 1 "overlap.csv: line 2: label" aggregate overlap.csv --type spans
expect_fail 1 "spans 0..3 and 2..5 overlap" aggregate overlap.csv --type spans
printf 'u,a,l\ns1,a,[]\n' >no_text.csv
expect_fail 1 "no_text.csv: line 2: label '[]' is not a valid spans label: unit 's1' has no text" \
    agreement no_text.csv --type spans
printf 'u,a,l,text\ns1,a,[],one\ns1,b,[],two\n' >two_texts.csv
expect_fail 1 "two_texts.csv: line 3: the text (column 4) of unit 's1' differs from the one on line 2" \
    agreement two_texts.csv --type spans
printf 'u,a,l,text\ns1,a,[],one\ns1,a,[],\n' >twice.csv
expect_fail 1 "twice.csv: line 3: annotator 'a' already rated unit 's1' on line 2" \
    agreement twice.csv --type spans
printf 'u,a,l\nb1,a,"[{""x"":0,""y"":0,""w"":-1,""h"":2,""label"":""car""}]"\n' >bad_box.csv
expect_fail 1 "bad_box.csv: line 2: label" agreement bad_box.csv --type boxes
expect_fail 1 "box 1: x and y must be >= 0, w and h > 0" agreement bad_box.csv --type boxes
printf 'u,a,l\nb1,a,{}\n' >not_array.csv
expect_fail 1 "not_array.csv: line 2: label '{}' is not a valid boxes label: a boxes label is a JSON array" \
    aggregate not_array.csv --type boxes

# --- bad command lines: exit 2 -------------------------------------------------
expect_fail 2 "--type must be" agreement multi.csv --type tags
expect_fail 2 "--metric is for --type single" agreement multi.csv --type multi --metric ordinal
expect_fail 2 "--scale is for --type ordinal" agreement multi.csv --type multi --scale a,b
expect_fail 2 "--method for --type numeric must be median, not 'majority'" \
    aggregate numeric.csv --type numeric --method majority
expect_fail 2 "--scale needs at least 2 steps" agreement ordinal.csv --type ordinal --scale low
expect_fail 2 "--scale lists 'low' twice" agreement ordinal.csv --type ordinal --scale low,low
expect_fail 1 "multi.csv: line 2: label 'cat;dog' is not a valid multi label: 'dog' is not one of the project's labels" \
    agreement multi.csv --type multi --labels cat,bird
expect_fail 2 "--labels is for --type single, multi, spans or boxes" \
    agreement ordinal.csv --type ordinal --labels low,mid

echo "offline_typed: all checks passed"
