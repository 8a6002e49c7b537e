#!/usr/bin/env bash
# The whole job in one go (`make demo`): start labelqd on a fresh store, create
# a project, import the sample reviews, let 8 simulated annotators label them,
# show the status and the label quality (each annotator's true accuracy next
# to the server's Dawid-Skene estimate), export the labeled dataset, and the
# confident part of it, stop the daemon cleanly.
#
# Run from anywhere after `make build`. Settings (environment):
#   LABELQ_DEMO_PORT  loopback port for the daemon (default 7443)
#   BUILD_DIR         where the programs were built (default build)
#
# Writes ./labelq-data (the store; removed first) and ./demo-out (daemon log,
# exported datasets, the bench and report JSON).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PORT=${LABELQ_DEMO_PORT:-7443}
BUILD_DIR=${BUILD_DIR:-build}
DATA=labelq-data
OUT=demo-out
LOG=$OUT/labelqd.log
PROJECT=sentiment
ITEMS=bench/data/sentiment.jsonl
TRUTH=bench/data/sentiment.truth.jsonl
MIN_CONFIDENCE=0.9
PY=/usr/bin/python3 # Debian's, which install-deps guarantees: reads the JSON

LABELQD=$BUILD_DIR/daemon/labelqd
LABELQ=$BUILD_DIR/client/labelq
BENCH=$BUILD_DIR/bench/labelq-bench

step() { printf '\n==> %s\n' "$*"; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# --- stopping the daemon, on success and on any failure --------------------

daemon_pid=
daemon_started=

# shellcheck source=deploy/labelqd_control.sh
. deploy/labelqd_control.sh

on_exit() {
	local rc=$?
	if [[ -n $daemon_pid ]]; then
		echo "demo: stopping labelqd (pid $daemon_pid)" >&2
		labelqd_stop 5
	fi
	if ((rc != 0)); then
		echo "demo: FAILED (exit status $rc)" >&2
		if [[ -n $daemon_started && -s $LOG ]]; then
			echo "demo: last lines of the daemon log ($LOG):" >&2
			tail -n 15 "$LOG" >&2
		fi
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "demo: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

# --- the demo ---------------------------------------------------------------

step "checking the programs in $BUILD_DIR/ and port $PORT"
for prog in "$LABELQD" "$LABELQ" "$BENCH" "$PY"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first (or 'make demo', which builds)"
done
[[ -f $ITEMS && -f $TRUTH ]] || die "$ITEMS or $TRUTH missing: run 'python3 bench/data/make_sentiment.py'"
if port_open "$PORT"; then
	die "port $PORT on 127.0.0.1 is already in use. Stop whatever listens there, or pick another port: LABELQ_DEMO_PORT=7444 make demo"
fi

step "starting labelqd on a fresh store in $DATA (log: $LOG)"
rm -rf "$DATA" "$OUT"
mkdir -p "$OUT"
labelqd_start "$LABELQD" "$DATA" "$PORT" "$LOG"
daemon_started=1

step "waiting for labelqd to create its admin token and CA and accept connections"
labelqd_wait_ready "$DATA" "$PORT"
echo "labelqd is up (pid $daemon_pid)"

export LABELQ_SERVER=127.0.0.1:$PORT
export LABELQ_CA=$PWD/$DATA/tls/ca.pem
export LABELQ_TOKEN_FILE=$PWD/$DATA/admin.token
unset LABELQ_TOKEN # an admin token from the caller's shell would win over the file
echo "LABELQ_SERVER=$LABELQ_SERVER"
echo "LABELQ_CA=$LABELQ_CA"
echo "LABELQ_TOKEN_FILE=$LABELQ_TOKEN_FILE"

step "creating project '$PROJECT' (labels pos,neg,neutral; 3 labels per item)"
"$LABELQ" project create "$PROJECT" --labels pos,neg,neutral --overlap 3 \
	--instructions "Read the product review and pick its sentiment. pos: the writer is happy with the product. neg: the writer is unhappy. neutral: facts only, or praise and complaint in equal measure."
"$LABELQ" project list

step "importing $ITEMS ($(wc -l <"$ITEMS") reviews) as batch reviews-1"
"$LABELQ" import "$PROJECT" "$ITEMS" --batch reviews-1
"$LABELQ" batch list "$PROJECT"

step "labeling with 8 simulated annotators (accuracy 60-95 %) until every item is done"
# --json keeps each annotator's drawn accuracy for the quality check below.
"$BENCH" "$PROJECT" --annotators 8 --truth "$TRUTH" --accuracy 0.6-0.95 --until-done --seed 1 \
	--json >"$OUT/bench.json"
"$PY" -c '
import json, sys
b = json.load(open(sys.argv[1]))
acc = "-" if b["accuracy"] is None else "%.3f" % b["accuracy"]
print("%d labels by %d annotators in %.1f s (%.0f/s), %d errors; accuracy on the truth %s; done: %s"
      % (b["labels"], b["annotators"], b["seconds"], b["labels_per_second"], b["errors"], acc,
         "yes" if b["done"] else "no"))
' "$OUT/bench.json"

step "labelq status $PROJECT, and its batch"
"$LABELQ" status "$PROJECT"
"$LABELQ" batch show "$PROJECT" reviews-1

step "labelq report $PROJECT: agreement, consensus, annotators, confidence"
"$LABELQ" report "$PROJECT"

step "each annotator's true accuracy (drawn by labelq-bench) next to the server's estimate"
"$LABELQ" report "$PROJECT" --json >"$OUT/report.json"
"$PY" -c '
import json, sys
bench = json.load(open(sys.argv[1]))
report = json.load(open(sys.argv[2]))
print("consensus method: %s" % report["method"])
print("%-22s %14s %14s %10s" % ("ANNOTATOR", "TRUE-ACCURACY", "DS-ESTIMATE", "DIFFERENCE"))
for a in bench["annotators_detail"]:
    est = report["annotators"].get(a["name"], {}).get("ds_accuracy")
    shown = "n/a" if est is None else "%.3f" % est
    diff = "" if est is None else "%+.3f" % (est - a["true_accuracy"])
    print("%-22s %14.3f %14s %10s" % (a["name"], a["true_accuracy"], shown, diff))
' "$OUT/bench.json" "$OUT/report.json"

step "exporting the labeled dataset to $OUT/$PROJECT.jsonl"
# The server re-estimates Dawid-Skene in the background every few hundred
# labels, so right after labeling the last items may still carry the
# majority vote. Give it a few seconds; show the mix whatever it is.
for ((i = 0; i < 10; i++)); do
	"$LABELQ" export "$PROJECT" -o "$OUT/$PROJECT.jsonl" 2>"$OUT/export.err" ||
		die "export failed: $(cat "$OUT/export.err")"
	methods=$("$PY" -c '
import collections, json, sys
c = collections.Counter(json.loads(l)["method"] for l in open(sys.argv[1]) if l.strip())
print(", ".join("%s %d" % kv for kv in sorted(c.items())))
' "$OUT/$PROJECT.jsonl")
	[[ $methods == "dawid-skene "* && $methods != *,* ]] && break
	sleep 0.5
done
echo "exported $(wc -l <"$OUT/$PROJECT.jsonl") items to $OUT/$PROJECT.jsonl"
echo "consensus by method: $methods"
if [[ $methods == *,* ]]; then
	echo "(items done after the server's last background estimate keep the majority vote until the next one)"
fi
echo "first 3 lines:"
head -n 3 "$OUT/$PROJECT.jsonl"
exported=$(wc -l <"$OUT/$PROJECT.jsonl")
imported=$(wc -l <"$ITEMS")
echo "$exported labeled items exported (of $imported imported)"
((exported > 0)) || die "the export is empty"
if ((exported != imported)); then
	echo "demo: note: expected all $imported items in the export" >&2
fi

step "exporting only items whose consensus confidence is at least $MIN_CONFIDENCE"
"$LABELQ" export "$PROJECT" --min-confidence "$MIN_CONFIDENCE" -o "$OUT/$PROJECT.confident.jsonl"
confident=$(wc -l <"$OUT/$PROJECT.confident.jsonl")
echo "the filter keeps $confident of the $imported items ($OUT/$PROJECT.confident.jsonl)"
((confident <= exported)) || die "the filtered export has more items than the full one"

step "stopping labelqd (SIGTERM)"
labelqd_stop 15
((daemon_status == 0)) || die "labelqd exited with status $daemon_status after SIGTERM (expected 0)"
echo "labelqd exited cleanly"

step "done. To carry on by hand, label a few items yourself:"
cat <<EOF
  # start the daemon again; the store in $DATA is kept
  $LABELQD --data $DATA --listen 127.0.0.1:$PORT 2>>$LOG &
  export LABELQ_SERVER=$LABELQ_SERVER LABELQ_CA=$LABELQ_CA
  export LABELQ_TOKEN_FILE=$LABELQ_TOKEN_FILE

  # a small project with one label per item, and an annotator for you
  $LABELQ project create mine --labels pos,neg,neutral --overlap 1
  head -n 20 $ITEMS > mine.jsonl
  $LABELQ import mine mine.jsonl
  (umask 077; $LABELQ annotator add alice > alice.token)   # the token is shown only once

  # label as alice, then export
  LABELQ_TOKEN=\$(cat alice.token) $BUILD_DIR/client/labelq-annotate mine
  $LABELQ status mine
  $LABELQ export mine -o mine-labeled.jsonl
  kill %1   # stop the daemon
EOF
