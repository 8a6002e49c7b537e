#!/usr/bin/env bash
# The whole job in one go (`make demo`): start labelqd on a fresh store, create
# a project, import the sample reviews, let 8 simulated annotators label them,
# show the status, export the labeled dataset, stop the daemon cleanly.
#
# Run from anywhere after `make build`. Settings (environment):
#   LABELQ_DEMO_PORT  loopback port for the daemon (default 7443)
#   BUILD_DIR         where the programs were built (default build)
#
# Writes ./labelq-data (the store; removed first) and ./demo-out (daemon log,
# exported dataset).
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

LABELQD=$BUILD_DIR/daemon/labelqd
LABELQ=$BUILD_DIR/client/labelq
BENCH=$BUILD_DIR/client/labelq-bench

step() { printf '\n==> %s\n' "$*"; }
die() {
	printf 'demo: %s\n' "$*" >&2
	exit 1
}

# --- stopping the daemon, on success and on any failure --------------------

daemon_pid=
daemon_started=

# Sends SIGTERM and waits up to $1 seconds; SIGKILL after that. Sets
# daemon_status to the daemon's exit status (137 if it had to be killed).
stop_daemon() {
	local grace=$1 watchdog
	kill -TERM "$daemon_pid" 2>/dev/null || true
	(sleep "$grace" && kill -KILL "$daemon_pid" 2>/dev/null) &
	watchdog=$!
	daemon_status=0
	wait "$daemon_pid" || daemon_status=$?
	kill "$watchdog" 2>/dev/null || true
	wait "$watchdog" 2>/dev/null || true
	daemon_pid=
}

on_exit() {
	local rc=$?
	if [[ -n $daemon_pid ]]; then
		echo "demo: stopping labelqd (pid $daemon_pid)" >&2
		stop_daemon 5
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

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }

# --- the demo ---------------------------------------------------------------

step "checking the programs in $BUILD_DIR/ and port $PORT"
for prog in "$LABELQD" "$LABELQ" "$BENCH"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first (or 'make demo', which builds)"
done
[[ -f $ITEMS && -f $TRUTH ]] || die "$ITEMS or $TRUTH missing: run 'python3 bench/data/make_sentiment.py'"
if port_open; then
	die "port $PORT on 127.0.0.1 is already in use. Stop whatever listens there, or pick another port: LABELQ_DEMO_PORT=7444 make demo"
fi

step "starting labelqd on a fresh store in $DATA (log: $LOG)"
rm -rf "$DATA" "$OUT"
mkdir -p "$OUT"
"$LABELQD" --data "$DATA" --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
daemon_pid=$!
daemon_started=1

step "waiting for labelqd to create its admin token and CA and accept connections"
for ((i = 0; i < 150; i++)); do
	kill -0 "$daemon_pid" 2>/dev/null || die "labelqd exited during start-up"
	if [[ -s $DATA/admin.token && -s $DATA/tls/ca.pem ]] && port_open; then
		break
	fi
	sleep 0.1
done
((i < 150)) || die "labelqd was not ready after 15 s"
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

step "importing $ITEMS ($(wc -l <"$ITEMS") reviews)"
"$LABELQ" import "$PROJECT" "$ITEMS"

step "labeling with 8 simulated annotators (accuracy 60-95 %) until every item is done"
"$BENCH" "$PROJECT" --annotators 8 --truth "$TRUTH" --accuracy 0.6-0.95 --until-done --seed 1

step "labelq status $PROJECT"
"$LABELQ" status "$PROJECT"

step "exporting the labeled dataset to $OUT/$PROJECT.jsonl"
"$LABELQ" export "$PROJECT" -o "$OUT/$PROJECT.jsonl"
echo "first 3 lines:"
head -n 3 "$OUT/$PROJECT.jsonl"
exported=$(wc -l <"$OUT/$PROJECT.jsonl")
imported=$(wc -l <"$ITEMS")
echo "$exported labeled items exported (of $imported imported)"
((exported > 0)) || die "the export is empty"
if ((exported != imported)); then
	echo "demo: note: expected all $imported items in the export" >&2
fi

step "stopping labelqd (SIGTERM)"
stop_daemon 15
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
