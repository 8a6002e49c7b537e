#!/usr/bin/env bash
# Label types end to end through the command-line programs: `labelq project
# create` with each type's flags (and each bad combination refused with
# status 2 before anything is created), `status --json` / `project list`
# showing the schema, labelq-annotate fed on a pipe for single, multi,
# ordinal, numeric, text and spans items (local refusals included), and
# `labelq export` holding exactly the values meant: each annotation's label
# is the canonical string the server stored. A boxes project makes
# labelq-annotate exit 3 saying programs label it.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_ANNOTATE.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_ANNOTATE:?path of labelq-annotate}"
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=60

cli_daemon_start label_types

echo "== project create: bad type flags exit 2 with a clear message"
# bad_create MESSAGE ARGS...: `project create bad ARGS` must exit 2 and say MESSAGE.
bad_create() {
    local want=$1 code=0
    shift
    run "$LABELQ_CLI" project create bad "$@" >"$root/bad.out" 2>"$root/bad.err" || code=$?
    [ "$code" = 2 ] || fail "project create $* exited $code, want 2: $(cat "$root/bad.err")"
    grep -qF -- "$want" "$root/bad.err" ||
        fail "project create $*: want '$want' on stderr, got: $(cat "$root/bad.err")"
}
bad_create "needs a label type"
bad_create "not both --labels and --scale" --labels a,b --scale 1..5
bad_create "not both --multi-labels and --text" --multi-labels a,b --text
bad_create "LO must be below HI" --scale 5..1
bad_create "--scale takes LO..HI with whole numbers" --scale 1..x
bad_create "at least 2 steps" --scale solo
bad_create "at most 64 steps" --scale 1..100
bad_create "MIN must be below MAX" --number 5..1
bad_create "--number takes MIN..MAX" --number 1-5
bad_create "two finite numbers" --number 0..inf
bad_create "--max-text goes with --text" --labels a,b --max-text 10
bad_create "--max-text must be a whole number from 1 to 65536" --text --max-text 70000
bad_create "--field goes with --spans or --boxes" --labels a,b --field body
bad_create "gold items" --text --gold-ratio 0.1
bad_create "dynamic overlap" --multi-labels a,b --max-overlap 5 --agreement-target 0.8
bad_create "lists 'PER' twice" --spans PER,ORG,PER
bad_create "has an empty label" --boxes car,,person
run "$LABELQ_CLI" project list --json >"$root/none.json" || fail "project list --json"
[ "$($PY -c 'import json,sys; print(len(json.load(open(sys.argv[1]))))' "$root/none.json")" = 0 ] ||
    fail "a refused create made a project: $(cat "$root/none.json")"

echo "== project create: one project of each type"
create() {
    run "$LABELQ_CLI" project create "$@" --overlap 1 >>"$root/create.out" 2>"$root/create.err" ||
        fail "project create $*: $(cat "$root/create.err")"
}
create sent --labels pos,neg
create tags --multi-labels cat,dog,bird
create stars --scale 1..5
create grade --scale bad,ok,good
create score --number 0..10
create caption --text --max-text 32
create ner --spans PER,ORG,LOC
create body_ner --spans PER,LOC --field body
create cars --boxes car,person
grep -q "^created project tags: multi cat,dog,bird, overlap 1" "$root/create.out" ||
    fail "create summary: $(cat "$root/create.out")"
grep -q "^created project score: numeric 0..10, overlap 1" "$root/create.out" ||
    fail "create summary: $(cat "$root/create.out")"

run "$LABELQ_CLI" project list --json >"$root/projects.json" || fail "project list --json"
$PY -c '
import json, sys
p = {x["project"]: x for x in json.load(open(sys.argv[1]))}
def want(name, **kv):
    for k, v in kv.items():
        assert p[name].get(k) == v, (name, k, p[name].get(k), v)
want("sent", type="single", labels_schema=["pos", "neg"])
want("tags", type="multi", labels_schema=["cat", "dog", "bird"])
want("stars", type="ordinal", steps=["1", "2", "3", "4", "5"])
want("grade", type="ordinal", steps=["bad", "ok", "good"])
want("score", type="numeric", number_min=0.0, number_max=10.0, labels_schema=[])
want("caption", type="text", max_text_bytes=32)
want("ner", type="spans", field="text", labels_schema=["PER", "ORG", "LOC"])
want("body_ner", type="spans", field="body")
want("cars", type="boxes", field="image", labels_schema=["car", "person"])
assert "steps" not in p["sent"] and "field" not in p["sent"] and "max_text_bytes" not in p["sent"], p["sent"]
' "$root/projects.json" || fail "project list --json schema: $(cat "$root/projects.json")"
run "$LABELQ_CLI" status score --json >"$root/score.json" || fail "status --json"
$PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["project"] == "score" and s["type"] == "numeric", s
assert s["number_min"] == 0 and s["number_max"] == 10, s
' "$root/score.json" || fail "status score --json: $(cat "$root/score.json")"
run "$LABELQ_CLI" status ner >"$root/ner.txt" || fail "status ner"
grep -q "^type  *spans$" "$root/ner.txt" || fail "status ner text: $(cat "$root/ner.txt")"
grep -q "^field  *text " "$root/ner.txt" || fail "status ner text: $(cat "$root/ner.txt")"
run "$LABELQ_CLI" project list >"$root/list.txt" || fail "project list"
grep -Eq '^grade +ordinal +bad,ok,good ' "$root/list.txt" || fail "project list: $(cat "$root/list.txt")"
grep -Eq '^caption +text +max 32 bytes ' "$root/list.txt" || fail "project list: $(cat "$root/list.txt")"

echo "== import"
imports=0
import_items() {
    local project=$1
    shift
    imports=$((imports + 1))
    printf '%s\n' "$@" >"$root/$project.jsonl"
    run "$LABELQ_CLI" import "$project" "$root/$project.jsonl" --batch "b$imports" >"$root/import.out" 2>&1 ||
        fail "import $project: $(cat "$root/import.out")"
}
import_items sent '{"id": "s1", "data": {"text": "fine"}}' '{"id": "s2", "data": {"text": "awful"}}'
import_items tags '{"id": "m1", "data": {"text": "a"}}' '{"id": "m2", "data": {"text": "b"}}' \
    '{"id": "m3", "data": {"text": "c"}}'
import_items stars '{"id": "o1", "data": {"text": "a"}}' '{"id": "o2", "data": {"text": "b"}}'
import_items grade '{"id": "g1", "data": {"text": "a"}}'
import_items score '{"id": "x1", "data": {"text": "a"}}' '{"id": "x2", "data": {"text": "b"}}'
import_items caption '{"id": "t1", "data": {"image": "http://example.com/1.png"}}' \
    '{"id": "t2", "data": {"image": "http://example.com/2.png"}}'
import_items ner '{"id": "e1", "data": {"text": "Ada Lovelace met Charles Babbage in London ."}}' \
    '{"id": "e2", "data": {"text": "Zoë  Müller visited\tZürich"}}'
import_items cars '{"id": "b1", "data": {"image": "http://example.com/car.jpg"}}'

alice=$(run "$LABELQ_CLI" annotator add alice 2>/dev/null) || fail "annotator add"

# annotate PROJECT INPUT: labelq-annotate as alice with INPUT (printf format)
# on its stdin; its output in $root/PROJECT.out.
annotate() {
    # shellcheck disable=SC2059 # INPUT is a printf format on purpose
    printf "$2" | LABELQ_TOKEN=$alice run "$LABELQ_ANNOTATE" "$1" >"$root/$1.out" 2>"$root/$1.err" ||
        fail "labelq-annotate $1: $(tail -n 5 "$root/$1.err")"
}
# said PROJECT TEXT: the annotate run's output must contain TEXT.
said() {
    grep -qF -- "$2" "$root/$1.out" || fail "labelq-annotate $1 did not say '$2': $(cat "$root/$1.out")"
}

echo "== labelq-annotate: single"
annotate sent '1\n2\n'
echo "== labelq-annotate: multi (numbers toggle, an empty line is the empty set)"
annotate tags '3 1\n\n9\n2,1\n'
said tags "'9' is not a label"
said tags "[1][ ] cat  [2][ ] dog  [3][ ] bird"
echo "== labelq-annotate: ordinal"
annotate stars 'x\n4\n2\n'
said stars "'x' is not a choice: 1-5"
annotate grade 'good\n'
echo "== labelq-annotate: numeric (refused locally: not a number, out of range)"
annotate score 'abc\n11\n7.50\n1e1\n'
said score "'abc' is not a number"
said score "11 is outside the project's range 0..10"
echo "== labelq-annotate: text (UTF-8, too long refused, Ctrl-S skips)"
annotate caption ' héllo wörld \nthis caption is longer than thirty-two bytes\n\023\n'
said caption "at most 32"
said caption "skipped item t2"
echo "== labelq-annotate: spans (token ranges, overlap refused, undo)"
annotate ner '1-2 PER\n4-5 PER\n7 LOC\n5 ORG\n9 LOC\n3-2 PER\n1 NOPE\nu\n7 3\n\n1-2 PER\n4 LOC\n\n'
said ner "[1]Ada [2]Lovelace [3]met [4]Charles [5]Babbage [6]in [7]London [8]."
said ner "overlaps the span 4-5 PER"
said ner "span 7 LOC \"London\" removed"
said ner "'NOPE' is not a span label"

echo "== labelq-annotate on a terminal (a pty): keys toggle, the line editor"
# on_tty PROJECT ITEM KEYS [ITEM KEYS...]: runs labelq-annotate on a pty and
# types KEYS (Python escapes) once ITEM is on screen; then waits for it to exit.
on_tty() {
    LABELQ_TOKEN=$alice run $PY - "$LABELQ_ANNOTATE" "$@" <<'PYEOF' >"$root/tty.out" 2>&1
import os, pty, select, sys, time
prog, project, steps = sys.argv[1], sys.argv[2], sys.argv[3:]
pid, fd = pty.fork()
if pid == 0:
    os.execv(prog, [prog, project])
seen, deadline = b"", time.time() + 30
def read_some():
    global seen
    r, _, _ = select.select([fd], [], [], 0.2)
    if r:
        try:
            seen += os.read(fd, 65536)
        except OSError:
            return False
    return True
for item, keys in zip(steps[0::2], steps[1::2]):
    mark = ("item " + item + " ").encode()
    while mark not in seen:
        if time.time() > deadline or not read_some():
            sys.exit("never saw %r; screen: %r" % (mark, seen[-2000:]))
    seen = b""
    for k in keys.encode().decode("unicode_escape").encode("latin-1"):
        os.write(fd, bytes([k]))
        time.sleep(0.01)
while time.time() < deadline:
    alive = read_some()
    wpid, status = os.waitpid(pid, os.WNOHANG if alive else 0)
    if wpid:
        sys.exit(os.waitstatus_to_exitcode(status))
sys.exit("labelq-annotate did not exit; screen: %r" % seen[-2000:])
PYEOF
}
import_items caption '{"id": "t3", "data": {"image": "http://example.com/3.png"}}' \
    '{"id": "t4", "data": {"image": "http://example.com/4.png"}}'
# "wörld", four Backspaces (the last removes the two-byte ö), "ü", Enter;
# then Ctrl-D quits with t4 on screen.
on_tty caption t3 'w\xc3\xb6rld\x7f\x7f\x7f\x7f\xc3\xbc\r' t4 '\x04' ||
    fail "labelq-annotate on a pty (text): $(tail -c 2000 "$root/tty.out")"
import_items tags '{"id": "m4", "data": {"text": "d"}}' '{"id": "m5", "data": {"text": "e"}}'
# 1, 3, 1 again (off), Enter: the set {bird}; then q with m5 on screen.
on_tty tags m4 '131\r' m5 'q' || fail "labelq-annotate on a pty (multi): $(tail -c 2000 "$root/tty.out")"

import_items ner '{"id": "e3", "data": {"text": "Grace Hopper"}}' '{"id": "e4", "data": {"text": "x"}}'
# "1-2 1" (label 1 is PER), Enter adds the span; Enter on the empty line submits.
on_tty ner e3 '1-2 1\r\r' e4 'q' || fail "labelq-annotate on a pty (spans): $(tail -c 2000 "$root/tty.out")"

echo "== labelq-annotate: boxes are for programs"
code=0
LABELQ_TOKEN=$alice run "$LABELQ_ANNOTATE" cars </dev/null >"$root/cars.out" 2>"$root/cars.err" || code=$?
[ "$code" = 3 ] || fail "labelq-annotate on a boxes project exited $code, want 3"
grep -q "labeled by programs through liblabelq" "$root/cars.err" ||
    fail "labelq-annotate boxes message: $(cat "$root/cars.err")"

echo "== export: the stored labels"
for p in sent tags stars grade score caption ner; do
    run "$LABELQ_CLI" export "$p" -o "$root/$p.export.jsonl" 2>"$root/export.err" ||
        fail "export $p: $(cat "$root/export.err")"
done
$PY - "$root" <<'EOF' || fail "exported labels differ from what was typed"
import json, sys
root = sys.argv[1]
def stored(project):
    out = {}
    for line in open(f"{root}/{project}.export.jsonl"):
        if line.strip():
            item = json.loads(line)
            out[item["id"]] = [a["label"] for a in item["annotations"] if a["annotator"] == "alice"]
    return out
# The export may carry a stored value as its canonical string or, for the
# JSON-valued types, already parsed: a string must match exactly; anything
# else must equal the parsed canonical string.
def same(got, want):
    if isinstance(got, str):
        return got == want
    return got == json.loads(want)
def check(project, want):
    got = stored(project)
    assert sorted(got) == sorted(want), (project, "items", got, "want", want)
    for k in want:
        assert len(got[k]) == len(want[k]) and all(same(g, w) for g, w in zip(got[k], want[k])), \
            (project, k, "got", got[k], "want", want[k])
def spans(text, *marks):
    b = text.encode()
    res = []
    for first, last, label in marks:
        s = b.index(first.encode())
        e = b.index(last.encode(), s) + len(last.encode())
        res.append({"start": s, "end": e, "label": label})
    return json.dumps(res, separators=(",", ":"), ensure_ascii=False)
check("sent", {"s1": ["pos"], "s2": ["neg"]})
check("tags", {"m1": ['["cat","bird"]'], "m2": ["[]"], "m3": ['["cat","dog"]'],
              "m4": ['["bird"]']})
check("stars", {"o1": ["4"], "o2": ["2"]})
check("grade", {"g1": ["good"]})
check("score", {"x1": ["7.5"], "x2": ["10"]})
check("caption", {"t1": [" héllo wörld "], "t3": ["wü"]})
e1 = "Ada Lovelace met Charles Babbage in London ."
e2 = "Zoë  Müller visited\tZürich"
check("ner", {"e1": [spans(e1, ("Ada", "Lovelace", "PER"), ("Charles", "Babbage", "PER"),
                           ("London", "London", "LOC"))],
              "e2": [spans(e2, ("Zoë", "Müller", "PER"), ("Zürich", "Zürich", "LOC"))],
              "e3": [spans("Grace Hopper", ("Grace", "Hopper", "PER"))]})
EOF

passed=1
echo "label_types: ok"
