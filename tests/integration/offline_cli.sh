#!/usr/bin/env bash
# labelq's offline commands, `agreement` and `aggregate`, on small CSVs whose
# answers are known: computed by hand, or published (Krippendorff's 2011
# worked example), and on malformed CSVs that must fail with the line number.
# No server is involved.
#
# The labelq binary is the first argument (ctest passes $<TARGET_FILE:labelq>)
# or $LABELQ_CLI.
set -euo pipefail

LABELQ=${1:-${LABELQ_CLI:?path of labelq}}
PY=/usr/bin/python3

CHECK_PRELUDE=''
# shellcheck source=SCRIPTDIR/offline.sh
. "$(dirname "${BASH_SOURCE[0]}")/offline.sh"

# --- Two annotators, ten units, labels worked out by hand -----------------
# ann: y y y y y y n n n n     bob: y y y y n n n n n y
# Agreement on 7 of 10 units. Cohen: p_o = .7; ann says y 6/10, bob 5/10, so
# p_e = .6*.5 + .4*.5 = .5 and kappa = (.7 - .5) / .5 = .4. Fleiss: label
# shares y 11/20, n 9/20, P_e = .505, kappa = (.7 - .505) / .495 = 13/33.
# Krippendorff (nominal): D_o = 3/10, D_e = 2*11*9 / (20*19) = 99/190,
# alpha = 1 - (3/10) / (99/190) = 14/33.
{
    echo "item,rater,answer,comment" # extra columns are ignored
    ann=(y y y y y y n n n n)
    bob=(y y y y n n n n n y)
    for i in $(seq 0 9); do
        echo "i$((i + 1)),ann,${ann[$i]},seen"
        echo "i$((i + 1)),bob,${bob[$i]}"
    done
} >two.csv

"$LABELQ" agreement two.csv --json >two.json
check two.json '
assert (d["units"], d["annotators"], d["ratings"], d["missing"]) == (10, 2, 20, 0), d
near(d["percent_agreement"], 0.7)
near(d["cohen_kappa"], 0.4)
near(d["fleiss_kappa"], 13 / 33)
near(d["krippendorff_alpha"], 14 / 33)'

"$LABELQ" agreement two.csv >two.txt
grep -Eq '^Cohen kappa +0\.4000' two.txt || fail "text block lacks Cohen's kappa: $(cat two.txt)"
grep -Eq '^percent agreement +0\.7000' two.txt || fail "text block lacks agreement: $(cat two.txt)"

# The same file from stdin.
"$LABELQ" agreement - --json <two.csv >stdin.json
check stdin.json 'near(d["cohen_kappa"], 0.4)'

# Majority vote on it, with the schema order y, n given: ties (i5, i6, i10:
# one y, one n) go to the label first in --labels, y. Consensus: y on i1-i6
# and i10, n on i7-i9, so ann agrees on 9 units, bob on 8; of ann's ratings
# on consensus-y units 6 of 7 are y.
"$LABELQ" aggregate two.csv --method majority --labels y,n --json >maj.json
check maj.json '
assert d["method"] == "majority" and d["iterations"] == 0, d
assert list(d["units"]) == ["i%d" % i for i in range(1, 11)]
labels = "".join(d["units"]["i%d" % i]["label"] for i in range(1, 11))
assert labels == "yyyyyynnny", labels
u5 = d["units"]["i5"]
assert u5["tie"] is True and not d["units"]["i1"]["tie"]
near(u5["confidence"], 0.5); near(d["units"]["i1"]["confidence"], 1.0)
near(u5["posterior"]["y"], 0.5); near(u5["posterior"]["n"], 0.5)
near(d["class_priors"]["y"], 0.7); near(d["class_priors"]["n"], 0.3)
ann, bob = d["annotators"]["ann"], d["annotators"]["bob"]
assert ann["ratings"] == 10 and bob["ratings"] == 10
near(ann["accuracy"], 0.9); near(bob["accuracy"], 0.8)
near(ann["confusion"]["y"]["y"], 6 / 7); near(ann["confusion"]["y"]["n"], 1 / 7)
near(ann["confusion"]["n"]["n"], 1.0); near(bob["confusion"]["y"]["n"], 2 / 7)
# Per unit, the share of agreeing rating pairs: 1 where both agree, 0 on a tie.
near(d["units"]["i1"]["agreement"], 1.0); near(u5["agreement"], 0.0)'

# Without --labels the labels are in byte order, n before y, so those ties
# go to n; the rows' order changes nothing (the same file reversed gives
# the same consensus), where "the label seen first" would flip it.
"$LABELQ" aggregate two.csv --method majority --json >bytes.json
{ head -n 1 two.csv; tail -n +2 two.csv | tac; } >reversed.csv
"$LABELQ" aggregate reversed.csv --method majority --json >reversed.json
for f in bytes.json reversed.json; do
    check "$f" '
labels = "".join(d["units"]["i%d" % i]["label"] for i in range(1, 11))
assert labels == "yyyynnnnnn", labels
assert list(d["class_priors"]) == ["n", "y"], d["class_priors"]'
done
expect_fail 1 "two.csv: line 2: label 'y' is not one of --labels" \
    aggregate two.csv --method majority --labels n,maybe
expect_fail 2 "--scale is for --type ordinal" aggregate two.csv --method majority --scale a,b

# --- Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability" -----
# Four observers, twelve units, values 1-5 with missing data. Published:
# nominal .743, ordinal .815, interval .849, ratio .797.
{
    echo "unit,observer,value"
    i=0
    for row in "A 1 2 3 3 2 1 4 1 2 . . ." "B 1 2 3 3 2 2 4 1 2 5 . 3" \
        "C . 3 3 3 2 3 4 2 2 5 1 ." "D 1 2 3 3 2 4 4 1 2 5 1 ."; do
        read -r -a cells <<<"$row"
        obs=${cells[0]}
        u=1
        for v in "${cells[@]:1}"; do
            [ "$v" = . ] && v= # missing: an empty label
            echo "unit$u,$obs,$v"
            u=$((u + 1))
        done
    done
} >kripp.csv

for pair in nominal:0.743 ordinal:0.815 interval:0.849 ratio:0.797; do
    metric=${pair%%:*} want=${pair#*:}
    "$LABELQ" agreement kripp.csv --metric "$metric" --json >"kripp-$metric.json"
    check "kripp-$metric.json" "
assert round(d['krippendorff_alpha'], 3) == $want, ('$metric', d['krippendorff_alpha'])
assert d['metric'] == '$metric'
assert (d['units'], d['annotators'], d['ratings'], d['missing']) == (12, 4, 41, 7), d
assert d['fleiss_kappa'] is None  # units have 1 to 4 ratings
assert d['cohen_kappa'] is None   # four annotators"
done
"$LABELQ" agreement kripp.csv >kripp.txt
grep -Eq '^Fleiss kappa +n/a \(' kripp.txt || fail "Fleiss should be n/a with a reason: $(cat kripp.txt)"
grep -Eq '^Cohen kappa +n/a \(' kripp.txt || fail "Cohen should be n/a with a reason: $(cat kripp.txt)"

# Numeric labels are one label per number ("1" and "1.0"), ordered by value.
printf 'u,a,l\nu1,a,10\nu1,b,1.0\nu2,a,1\nu2,b,2\nu3,a,2e0\nu3,b,2\n' >num.csv
"$LABELQ" agreement num.csv --metric ordinal >num.txt
grep -q '^labels  *3: 1.0, 2, 10$' num.txt || fail "numeric labels not merged and sorted: $(cat num.txt)"

# --- RFC 4180 details: BOM, CRLF, quoted commas, doubled quotes, a quoted
# line break; spaces around unquoted fields dropped; an empty label is a
# missing rating whose unit still counts.
printf '\xef\xbb\xbf"unit","annotator","label"\r\n' >quoted.csv
printf '"u,1","Bob ""B""",pos\r\n"u,1", alice ,"pos"\r\n' >>quoted.csv
printf '"line\nbreak",alice,neg\r\nu3,alice,\r\n' >>quoted.csv
"$LABELQ" aggregate quoted.csv --method majority --json >quoted.json
check quoted.json '
assert list(d["units"]) == ["u,1", "line\nbreak", "u3"], list(d["units"])
assert list(d["annotators"]) == ["Bob \"B\"", "alice"], list(d["annotators"])
assert d["units"]["u,1"]["label"] == "pos"
assert d["units"]["u3"]["label"] is None  # seen, but only a missing rating
assert d["annotators"]["alice"]["ratings"] == 2'

# --- Dawid-Skene on an easy case: three careful annotators and one who
# always says "cat"; the consensus must follow the careful ones and rate the
# careless one lowest.
{
    echo "unit,annotator,label"
    for u in $(seq 1 30); do
        truth="cat"
        [ $((u % 3)) = 0 ] && truth="dog"
        [ $((u % 5)) = 0 ] && truth="bird"
        for a in ann bea cid; do echo "u$u,$a,$truth"; done
        echo "u$u,lazy,cat"
    done
} >ds.csv
sed -i 's/^u4,bea,cat$/u4,bea,dog/' ds.csv # one slip
"$LABELQ" aggregate ds.csv --method dawid-skene --json >ds.json
check ds.json '
assert d["method"] == "dawid-skene" and d["iterations"] >= 1, d["iterations"]
for u in range(1, 31):
    want = "bird" if u % 5 == 0 else "dog" if u % 3 == 0 else "cat"
    unit = d["units"]["u%d" % u]
    assert unit["label"] == want, (u, unit)
    near(sum(unit["posterior"].values()), 1.0, 1e-6)
    near(unit["confidence"], unit["posterior"][want])
near(sum(d["class_priors"].values()), 1.0, 1e-6)
acc = {a: v["accuracy"] for a, v in d["annotators"].items()}
assert min(acc, key=acc.get) == "lazy" and acc["ann"] > 0.9, acc
for a, v in d["annotators"].items():
    for row in v["confusion"].values():
        near(sum(row.values()), 1.0, 1e-6)'

# The text table lists 20 units and counts the rest.
"$LABELQ" aggregate ds.csv --method dawid-skene >ds.txt
grep -Eq '^bea +30 ' ds.txt || fail "annotator table: $(cat ds.txt)"
grep -Eq '^u20 +bird ' ds.txt || fail "unit table: $(cat ds.txt)"
grep -q 'u21' ds.txt && fail "more than 20 units listed: $(cat ds.txt)"
grep -q '10 more units (30 in all' ds.txt || fail "no count of the rest: $(cat ds.txt)"

# --- An annotator rates a unit once: a second rating is an error for every
# metric alike (percent agreement and Cohen's kappa would compare one of
# them, alpha and Dawid-Skene count both), naming both lines.
printf 'u,a,l\nu1,a,x\nu1,b,x\nu2,a,x\nu1,a,y\n' >twice.csv
expect_fail 1 "twice.csv: line 5: annotator 'a' already rated unit 'u1' on line 2" agreement twice.csv
expect_fail 1 "twice.csv: line 5: annotator 'a' already rated unit 'u1' on line 2" \
    aggregate twice.csv --method dawid-skene
expect_fail 1 "already rated unit 'u1'" agreement twice.csv --type multi
# A missing rating (an empty cell) is no rating: no clash.
printf 'u,a,l\nu1,a,\nu1,a,x\nu1,b,x\n' >empty_then.csv
"$LABELQ" agreement empty_then.csv --json >/dev/null || fail "a missing rating counted as a rating"

# --- The ratio metric's zero is absolute: a negative value is an error
# that says so (not "all paired ratings are equal").
printf 'u,a,l\nu1,a,-1\nu1,b,2\nu2,a,3\nu2,b,3\n' >negative.csv
expect_fail 1 "negative.csv: line 2: label '-1' is negative; the ratio metric needs values >= 0" \
    agreement negative.csv --metric ratio
"$LABELQ" agreement negative.csv --metric interval --json >negative.json
check negative.json 'assert d["krippendorff_alpha"] is not None, d'

# --- Malformed input: exit 1, "labelq: FILE: line N: ..." -----------------
printf 'u,a,l\nu1,a,x\nu2,"b,y\nu3,c,x\n' >unterminated.csv
expect_fail 1 "unterminated.csv: line 3: unterminated quote" agreement unterminated.csv
expect_fail 1 "unterminated.csv: line 3: unterminated quote" aggregate unterminated.csv --method majority

printf 'u,a,l\nu1,a,1\nu1,b,2.5\nu2,a,high\n' >words.csv
expect_fail 1 "words.csv: line 4: label 'high' is not a number (needed by --metric interval)" \
    agreement words.csv --metric interval
"$LABELQ" agreement words.csv --metric nominal >/dev/null || fail "nominal labels need not be numbers"

: >empty.csv
expect_fail 1 "no ratings in empty.csv" agreement empty.csv
echo "unit,annotator,label" >header.csv
expect_fail 1 "no ratings in header.csv" aggregate header.csv --method dawid-skene
printf 'u,a,l\nu1,a,x\nu2,b\n' >short.csv
expect_fail 1 "short.csv: line 3: 2 columns" agreement short.csv
printf 'u,a,l\nu1,a,x\n,b,y\n' >nounit.csv
expect_fail 1 "nounit.csv: line 3: empty unit" agreement nounit.csv
printf 'u,a,l\nu1,"a"x,y\n' >afterquote.csv
expect_fail 1 "afterquote.csv: line 2: text after the closing quote" agreement afterquote.csv
expect_fail 1 "cannot open missing.csv" agreement missing.csv

# --- Bad command lines: exit 2 --------------------------------------------
expect_fail 2 "--metric must be" agreement two.csv --metric fuzzy
expect_fail 2 "--method is required" aggregate two.csv
expect_fail 2 "--method must be" aggregate two.csv --method vote
expect_fail 2 "takes one FILE.csv" agreement

echo "offline_cli: all checks passed"
