#!/usr/bin/env bash
# bench/scale.sh (`make bench-scale`): labelqd with a deep queue. A fresh
# labelqd on a temporary store and a free loopback port; SCALE_TASKS small
# items (~20 bytes of data each) imported with `labelq import` over TLS;
# then the daemon's memory and store size, a kill -9 and the time until the
# restarted daemon serves its first lease, the lease path at that depth
# against a 1,000-deep project, the cost of skipping tasks an annotator has
# already declined (10,000 of them at the head of the queue) and of a head
# task 10,000 annotators declined, and export speed and memory. Prints a
# table; the raw figures go to results.json in the work directory (kept with
# SCALE_KEEP=1, or copied to SCALE_JSON).
#
# Settings (environment):
#   BUILD_DIR         where labelq was built (default build)
#   SCALE_TASKS       items in the deep project (default 10000000)
#   SCALE_SHALLOW     items in the shallow project (default 1000)
#   SCALE_SECONDS     length of one measured lease round (default 3)
#   SCALE_ROUNDS      rounds per project, alternating deep and shallow (default 3)
#   SCALE_THREADS     lease-cycle client threads (default 4)
#   SCALE_ANNOTATORS  annotators who declined the head task (default 10000)
#   SCALE_SEEN        head tasks one annotator declined (default 10000)
#   SCALE_EXPORT      labeled items exported (default the smaller of
#                     SCALE_TASKS and 1000000; the first 100,000 are a batch
#                     of their own, exported alone too)
#   SCALE_JSON=FILE   also write the raw figures to FILE
#   SCALE_KEEP=1      keep the temporary directory (store, logs, raw JSON)
#   TMPDIR            where the temporary directory goes (10M items need
#                     about 4 GB there)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
TASKS=${SCALE_TASKS:-10000000}
SHALLOW=${SCALE_SHALLOW:-1000}
ROUND_S=${SCALE_SECONDS:-3}
ROUNDS=${SCALE_ROUNDS:-3}
THREADS=${SCALE_THREADS:-4}
ANNOTATORS=${SCALE_ANNOTATORS:-10000}
SEEN=${SCALE_SEEN:-10000}
EXPORT=${SCALE_EXPORT:-$((TASKS < 1000000 ? TASKS : 1000000))}
EXPORT_HEAD=$((EXPORT < 100000 ? EXPORT : 100000))

LABELQD=$BUILD_DIR/daemon/labelqd
LABELQ=$BUILD_DIR/client/labelq
BENCH=$BUILD_DIR/bench/labelq-bench
GEN=$BUILD_DIR/bench/jsonl_gen
PROBE=$BUILD_DIR/bench/scale_probe

die() {
	printf 'scale: %s\n' "$*" >&2
	exit 1
}

for prog in "$LABELQD" "$LABELQ" "$BENCH" "$GEN" "$PROBE"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first (or 'make bench-scale', which builds)"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/labelq-scale.XXXXXX")
data=$work/data
results=$work/results.json
daemon_pid=
sampler_pid=

# shellcheck source=deploy/labelqd_control.sh
. deploy/labelqd_control.sh

on_exit() {
	local rc=$?
	[[ -z $sampler_pid ]] || kill "$sampler_pid" 2>/dev/null || true
	[[ -z $daemon_pid ]] || labelqd_stop 30
	if ((rc != 0)); then
		echo "scale: FAILED (exit status $rc); store, logs and output kept in $work" >&2
		[[ ! -s $work/labelqd.log ]] || tail -n 15 "$work/labelqd.log" >&2
	elif [[ ${SCALE_KEEP:-} == 1 ]]; then
		echo "scale: store, logs and raw JSON kept in $work"
	else
		rm -rf "$work"
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM
trap 'echo "scale: command failed (line $LINENO): $BASH_COMMAND" >&2' ERR

now_ms() { date +%s%3N; }

# Records one figure: note KEY VALUE (a number, or JSON).
note() { printf '{"%s": %s}\n' "$1" "$2" >>"$results"; }

# "VmRSS RssAnon RssFile" of the daemon, in kB.
rss() { awk '/^(VmRSS|RssAnon|RssFile):/ { v[$1] = $2 } END { print v["VmRSS:"], v["RssAnon:"], v["RssFile:"] }' "/proc/$daemon_pid/status"; }
note_rss() {
	local when=$1 vm anon file
	read -r vm anon file < <(rss)
	note "rss_$when" "{\"vm_kb\": $vm, \"anon_kb\": $anon, \"file_kb\": $file}"
	echo "    labelqd RSS $when: $vm kB (heap and other anonymous $anon kB, mapped files $file kB)"
}

# Largest VmRSS of the daemon seen while "$@" runs (sampled every 50 ms)
# into $peak_kb.
with_rss_peak() {
	local out=$work/rss.samples
	: >"$out"
	(while :; do awk '/^VmRSS:/ { print $2 }' "/proc/$daemon_pid/status" >>"$out"; sleep 0.05; done) &
	sampler_pid=$!
	"$@"
	kill "$sampler_pid" 2>/dev/null || true
	wait "$sampler_pid" 2>/dev/null || true
	sampler_pid=
	peak_kb=$(sort -n "$out" | tail -n 1)
}

start_daemon() {
	labelqd_start "$LABELQD" "$data" "$port" "$work/labelqd.log" "$@"
}

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
echo "==> labelqd on 127.0.0.1:$port, store in $data; $TASKS tasks"
df -h "$work" | tail -n 1 | awk '{ print "    free space where the store goes: " $4 }'
start_daemon
labelqd_wait_ready "$data" "$port"
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem LABELQ_TOKEN_FILE=$data/admin.token
unset LABELQ_TOKEN
note tasks "$TASKS"
note_rss empty

# --- import -------------------------------------------------------------------
echo "==> generating $TASKS items"
"$GEN" "$TASKS" >"$work/items.jsonl"
note import_bytes "$(stat -c %s "$work/items.jsonl")"
"$LABELQ" project create deep --labels a,b --overlap 1 >/dev/null
echo "==> labelq import deep ($(du -h "$work/items.jsonl" | cut -f1))"
t0=$(now_ms)
"$LABELQ" import deep "$work/items.jsonl" >"$work/import.out"
t1=$(now_ms)
rm -f "$work/items.jsonl"
note import_ms $((t1 - t0))
echo "    $((t1 - t0)) ms: $((TASKS * 1000 / (t1 - t0 + 1))) items/s"
note_rss imported
note store_bytes "$(stat -c %s "$data/store/data.mdb")"
note store_used_bytes "$(($(du -k "$data/store/data.mdb" | cut -f1) * 1024))"

# --- kill -9, restart, first lease ------------------------------------------------
echo "==> kill -9, restart, until the first lease is served"
kill -KILL "$daemon_pid"
wait "$daemon_pid" 2>/dev/null || true
daemon_pid=
# What a restart right after a crash reads is mostly in the page cache; say
# so rather than drop caches (which needs root and hits everyone on the box).
t0=$(now_ms)
start_daemon
"$PROBE" first-lease deep 600 >"$work/first_lease.json"
first_at=$(python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["unix_ms"])' "$work/first_lease.json")
note restart_ms $((first_at - t0))
echo "    first lease after $((first_at - t0)) ms"
labelqd_wait_ready "$data" "$port"
note_rss restarted

# --- the lease path at depth TASKS against SHALLOW ---------------------------------
"$LABELQ" project create shallow --labels a,b --overlap 1 >/dev/null
"$GEN" "$SHALLOW" | "$LABELQ" import shallow - >/dev/null
echo "==> lease + release, $THREADS clients, $ROUNDS x ${ROUND_S}s per project (deep, shallow alternating)"
for ((r = 1; r <= ROUNDS; r++)); do
	for project in deep shallow; do
		"$PROBE" lease-cycle "$project" "$ROUND_S" "$THREADS" >"$work/cycle.json"
		note "cycle_$project" "$(cat "$work/cycle.json")"
		echo "    $project: $(cat "$work/cycle.json")"
	done
done
echo "==> labelq-bench lease + submit on deep: 32 connections, ${ROUND_S}s"
"$BENCH" deep --connections 32 --inflight 1 --lease-batch 1 --duration "$ROUND_S" --json >"$work/load.json"
note load_deep "$(cat "$work/load.json")"

# --- skipping what an annotator declined -----------------------------------------------
echo "==> one annotator declines the $SEEN tasks at the head of a queue"
"$LABELQ" project create seen --labels a,b --overlap 2 >/dev/null
"$GEN" $((SEEN * 2)) | "$LABELQ" import seen - >/dev/null
token=$("$LABELQ" annotator add skipper 2>/dev/null)
"$PROBE" skip-many seen "$SEEN" "$token" >"$work/skip_many.json"
note skip_many "$(cat "$work/skip_many.json")"
echo "    $(cat "$work/skip_many.json")"
"$PROBE" lease-cycle seen "$ROUND_S" 1 "$token" >"$work/cycle.json"
note cycle_seen_skipper "$(cat "$work/cycle.json")"
echo "    the annotator who declined them: $(cat "$work/cycle.json")"
"$PROBE" lease-cycle seen "$ROUND_S" 1 >"$work/cycle.json"
note cycle_seen_fresh "$(cat "$work/cycle.json")"
echo "    a new annotator:                 $(cat "$work/cycle.json")"

echo "==> $ANNOTATORS annotators decline the head task"
# Overlap 100 (the most a project may ask) so that the decliners, four at
# a time, can all hold a lease on the head at once.
"$LABELQ" project create wide --labels a,b --overlap 100 >/dev/null
"$GEN" "$SHALLOW" | "$LABELQ" import wide - >/dev/null
"$PROBE" skip-head wide "$ANNOTATORS" 4 "$work/head.tokens" >"$work/skip_head.json"
note skip_head "$(cat "$work/skip_head.json")"
echo "    $(cat "$work/skip_head.json")"
"$PROBE" lease-cycle wide "$ROUND_S" 1 "$(awk 'NR == 1 { print $2 }' "$work/head.tokens")" >"$work/cycle.json"
note cycle_wide_decliner "$(cat "$work/cycle.json")"
echo "    one of them:      $(cat "$work/cycle.json")"
"$PROBE" lease-cycle wide "$ROUND_S" 1 >"$work/cycle.json"
note cycle_wide_fresh "$(cat "$work/cycle.json")"
echo "    a new annotator:  $(cat "$work/cycle.json")"
"$PROBE" lease-cycle shallow "$ROUND_S" 1 >"$work/cycle.json"
note cycle_shallow_1 "$(cat "$work/cycle.json")"
echo "    shallow project:  $(cat "$work/cycle.json")"

# --- export ---------------------------------------------------------------------------
echo "==> labeling $EXPORT items for export (overlap 1)"
# A short lease TTL: each load run ends holding leases it never submits.
"$LABELQ" project create labeled --labels a,b --overlap 1 --lease-ttl 2 >/dev/null
"$GEN" "$EXPORT_HEAD" 1 | "$LABELQ" import labeled - --batch first >/dev/null
if ((EXPORT > EXPORT_HEAD)); then
	"$GEN" $((EXPORT - EXPORT_HEAD)) $((EXPORT_HEAD + 1)) | "$LABELQ" import labeled - --batch rest >/dev/null
fi
# Load mode (pipelined, batched leases) labels far faster than the fleet
# mode's blocking annotators; it runs for a set time, so repeat until done.
t0=$(now_ms)
while :; do
	"$LABELQ" status labeled --json >"$work/status.json"
	python3 -c 'import json, sys; s = json.load(open(sys.argv[1])); sys.exit(s["done"] < s["tasks"])' "$work/status.json" && break
	"$BENCH" labeled --connections 32 --inflight 4 --lease-batch 16 --duration 5 --json >/dev/null
done
echo "    labeled in $(($(now_ms) - t0)) ms"
note_rss labeled
for what in first all; do
	args=()
	n=$EXPORT
	if [[ $what == first ]]; then
		args=(--batch first)
		n=$EXPORT_HEAD
	fi
	echo "==> labelq export labeled ${args[*]} ($n items)"
	t0=$(now_ms)
	with_rss_peak /usr/bin/time -f '%M' -o "$work/export.time" \
		"$LABELQ" export labeled "${args[@]}" -o "$work/export.jsonl"
	t1=$(now_ms)
	lines=$(wc -l <"$work/export.jsonl")
	((lines == n)) || die "export wrote $lines lines, expected $n"
	note "export_$what" "{\"items\": $n, \"ms\": $((t1 - t0)), \"client_peak_kb\": $(cat "$work/export.time"), \"daemon_peak_kb\": $peak_kb, \"bytes\": $(stat -c %s "$work/export.jsonl")}"
	echo "    $((t1 - t0)) ms: $((n * 1000 / (t1 - t0 + 1))) items/s; client peak RSS $(cat "$work/export.time") kB, daemon peak $peak_kb kB"
	rm -f "$work/export.jsonl"
done

read -r utime stime < <(awk '{ sub(/^.*\) /, ""); print $12, $13 }' "/proc/$daemon_pid/stat")
labelqd_stop 60
((daemon_status == 0)) || die "labelqd exited with status $daemon_status after SIGTERM (expected 0)"
note labelqd_cpu_s "$(python3 -c "import sys; print((int(sys.argv[1]) + int(sys.argv[2])) / int(sys.argv[3]))" "$utime" "$stime" "$(getconf CLK_TCK)")"

echo
python3 bench/scale_table.py "$results"
[[ -z ${SCALE_JSON:-} ]] || python3 bench/scale_table.py --json "$results" >"$SCALE_JSON"
