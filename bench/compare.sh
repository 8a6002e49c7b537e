#!/usr/bin/env bash
# bench/compare.sh (`make compare`): labelqd next to beanstalkd and Redis
# Streams on one cycle, "hand one task to a worker, the worker completes it",
# with durable acknowledgements. Each server runs on loopback on a free port
# with its own temporary data dir, gets the same preload (COMPARE_TASKS tasks
# of COMPARE_PAYLOAD bytes) and the same COMPARE_WORKERS workers, each with
# one cycle in flight; then COMPARE_ROUNDS rounds of COMPARE_SECONDS each
# are measured, the rounds going round the servers (all four stay up). Prints medians over the rounds: completed tasks/s, p50/p99
# latency, the server's CPU (from /proc/PID/stat), and labelq's ratio to
# each; for labelqd also fsyncs/s and device cache flushes/s next to acks/s,
# counted by the kernel (perf stat on tracepoints; nothing stops the daemon,
# unlike strace, which cost it 10 to 20 % of its rate). Then labelqd
# again (--chain), open loop at half its median peak (labelq-bench --rate
# peak/2, same workers, COMPARE_ROUNDS rounds of COMPARE_SECONDS): the tasks/s it achieved
# and its p50/p99 from each cycle's scheduled start, against issue 4's
# target of p99 <= 2 ms there, next to the machine's own stalls (bench/hiccup:
# how long a busy thread waits while something else has its CPU).
#
#   labelqd           TLS, group commit with fsync, overlap 1 (labelq-bench
#                     --connections W --inflight 1 --lease-batch 1 --chain:
#                     each Submit also leases the next task, one round trip
#                     per task; the ratios are this row's)
#   labelqd plain     the same without --chain: Lease then Submit, two round
#                     trips per task as beanstalkd and Redis take
#   beanstalkd -f 0   binlog, fsync on every write     (bench/beanstalk_load)
#   beanstalkd -f 50  binlog, fsync at most every 50 ms
#   redis always      Streams + consumer group, XREADGROUP COUNT 1 + XACK,
#                     appendonly yes, appendfsync always (bench/redis_load)
#
# Settings (environment):
#   BUILD_DIR        where labelq was built (default build)
#   LABELQD          the daemon to run (default $BUILD_DIR/daemon/labelqd)
#   COMPARE_TASKS    tasks preloaded into each server (default 200000);
#                    labelqd gets four times as many, as it runs three
#                    series on one store (chained, plain, half peak)
#   COMPARE_PAYLOAD  bytes per task (default 256)
#   COMPARE_WORKERS  workers per server (default 64)
#   COMPARE_SECONDS  length of one measured round (default 2: beanstalkd -f 50
#                    completes ~24k tasks/s here, so 3 rounds use 150k of the
#                    200k; a round that runs out of tasks is left out of the medians)
#   COMPARE_ROUNDS   measured rounds per server (default 3)
#   COMPARE_HALF_THREADS  labelq-bench loops for the half-peak run (default 1)
#   COMPARE_KEEP=1   keep the temporary directory (data, logs, raw JSON)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

BUILD_DIR=${BUILD_DIR:-build}
TASKS=${COMPARE_TASKS:-200000}
LQ_TASKS=$((TASKS * 4))
PAYLOAD=${COMPARE_PAYLOAD:-256}
WORKERS=${COMPARE_WORKERS:-64}
SECONDS_PER_ROUND=${COMPARE_SECONDS:-2}
ROUNDS=${COMPARE_ROUNDS:-3}
# labelq-bench event loops for the half-peak run. One loop paces half the
# peak with CPU to spare, as the single-loop beanstalkd and Redis clients
# do; a second one would only compete with the server for the 2 CPUs and
# put scheduler delays into the tail it measures. The peak rows use the
# default (a loop per CPU), so the client does not cap the peak.
HALF_THREADS=${COMPARE_HALF_THREADS:-1}

LABELQD=${LABELQD:-$BUILD_DIR/daemon/labelqd}
LABELQ=$BUILD_DIR/client/labelq
BENCH=$BUILD_DIR/bench/labelq-bench
BEANSTALK_LOAD=$BUILD_DIR/bench/beanstalk_load
REDIS_LOAD=$BUILD_DIR/bench/redis_load
HICCUP=$BUILD_DIR/bench/hiccup

die() {
	printf 'compare: %s\n' "$*" >&2
	exit 1
}

# --- what this script needs beyond labelq's own dependencies ---------------
install_extras() {
	local missing=() pkg
	for pkg in beanstalkd redis-server libhiredis-dev linux-perf; do
		dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'ok installed' || missing+=("$pkg")
	done
	((${#missing[@]})) || return 0
	echo "==> installing ${missing[*]}"
	local sudo=
	((EUID == 0)) || sudo=sudo
	$sudo apt-get update -qq
	# Installing redis-server may start the system's own instance where
	# services run; this script never uses or stops it.
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
}
install_extras
if [[ ! -x $REDIS_LOAD || ! -x $BEANSTALK_LOAD || ! -x $BENCH || ! -x $HICCUP ]]; then
	echo "==> building the load clients in $BUILD_DIR"
	cmake -S . -B "$BUILD_DIR" >/dev/null
	cmake --build "$BUILD_DIR" -j"$(nproc)" --target labelq labelq-bench beanstalk_load redis_load \
		hiccup >/dev/null
fi
for prog in "$LABELQD" "$LABELQ" "$BENCH" "$BEANSTALK_LOAD" "$REDIS_LOAD" "$HICCUP"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first (or 'make compare')"
done

work=$(mktemp -d "${TMPDIR:-/tmp}/labelq-compare.XXXXXX")
pids=()
lq_pid=

# Stops every server this script started, by PID: labelqd first, then the
# rest; SIGKILL for any still there after 15 s.
stop_all() {
	local pid watchdog
	[[ -z $lq_pid ]] || kill -TERM "$lq_pid" 2>/dev/null || true
	lq_pid=
	perf_stop
	for pid in "${pids[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${pids[@]}"; do
		(sleep 15 && kill -KILL "$pid" 2>/dev/null) &
		watchdog=$!
		wait "$pid" 2>/dev/null || true
		kill "$watchdog" 2>/dev/null || true
		wait "$watchdog" 2>/dev/null || true
	done
	pids=()
}
on_exit() {
	local rc=$?
	# bash may report PIDs it already reaped; nothing to act on.
	stop_all 2>/dev/null
	if ((rc != 0)); then
		echo "compare: FAILED (exit status $rc); data and logs kept in $work" >&2
	elif [[ ${COMPARE_KEEP:-} == 1 ]]; then
		echo "compare: data, logs and raw JSON kept in $work"
	else
		rm -rf "$work"
	fi
}
trap on_exit EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# labelqd_start, labelqd_wait_ready and port_open (for wait_port below).
# shellcheck source=deploy/labelqd_control.sh
. deploy/labelqd_control.sh

free_port() {
	python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
wait_port() {
	local port=$1 pid=$2 i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || die "server (pid $pid) exited during start-up"
		port_open "$port" && return 0
		sleep 0.1
	done
	die "nothing listening on port $port after 15 s"
}
# utime + stime of PID in clock ticks.
cpu_ticks() { awk '{ sub(/^.*\) /, ""); print $12 + $13 }' "/proc/$1/stat"; }
stop_pid() {
	kill -TERM "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
	local keep=() pid
	for pid in "${pids[@]}"; do [[ $pid == "$1" ]] || keep+=("$pid"); done
	pids=("${keep[@]}")
}

# Runs "$@" (a load client printing one JSON object) once against server
# PID and appends its object, with the server's CPU seconds added, to
# NAME.jsonl.
measure() {
	local name=$1 pid=$2 before after
	shift 2
	before=$(cpu_ticks "$pid")
	"$@" >"$work/$name.round"
	after=$(cpu_ticks "$pid")
	python3 -c 'import json, sys
o = json.load(open(sys.argv[1])); o["server_cpu_s"] = (int(sys.argv[3]) - int(sys.argv[2])) / int(sys.argv[4])
print(json.dumps(o))' "$work/$name.round" "$before" "$after" "$(getconf CLK_TCK)" >>"$work/$name.jsonl"
}

# --- labelqd -----------------------------------------------------------------
# Sets lq_pid (the daemon's PID) and LABELQ_* for it.
start_labelq() {
	local port
	port=$(free_port)
	lq_metrics=127.0.0.1:$(free_port)
	echo "==> labelqd on 127.0.0.1:$port (TLS, group commit + fsync, overlap 1)"
	labelqd_start "$LABELQD" "$work/labelq-data" "$port" "$work/labelqd.log" \
		--metrics-listen "$lq_metrics"
	lq_pid=$daemon_pid
	pids+=("$lq_pid")
	labelqd_wait_ready "$work/labelq-data" "$port"
	export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$work/labelq-data/tls/ca.pem
	export LABELQ_TOKEN_FILE=$work/labelq-data/admin.token
	unset LABELQ_TOKEN
	"$LABELQ" project create compare --labels a,b,c --overlap 1 >/dev/null
	echo "    preloading $LQ_TASKS tasks"
	"$BENCH" compare --preload "$LQ_TASKS" --payload "$PAYLOAD" --json
}

# Saves labelqd's /metrics page to FILE: its labelq_commit_seconds before and
# after a round give the daemon's own view of the round's submits.
scrape() {
	python3 -c 'import sys, urllib.request
sys.stdout.write(urllib.request.urlopen("http://" + sys.argv[1] + "/metrics", timeout=10).read().decode())' \
		"$lq_metrics" >"$1"
}

# --- counting labelqd's syncs ----------------------------------------------------
# The kernel counts them, so the daemon runs untouched: perf stat on the
# syscall tracepoints of labelqd's threads (fsync, fdatasync, msync), and,
# machine-wide, on the block layer's requests that carry a cache flush (what
# an fdatasync and LMDB's O_DSYNC write of the meta page each cost the disk).
# Both print 100 ms intervals; compare_table.py adds up those inside each
# round's measured window. perf_ok is set by perf_check.
perf_ok=0
perf_pids=()
SYNC_EVENTS=syscalls:sys_enter_fsync,syscalls:sys_enter_fdatasync,syscalls:sys_enter_msync
perf_check() {
	if perf stat -x, -e "$SYNC_EVENTS" -e block:block_rq_issue --filter 'rwbs ~ "*F*"' -a \
		-o "$work/perf-check" -- true 2>/dev/null; then
		perf_ok=1
	else
		echo "    perf stat cannot count tracepoints here (not installed, or not root and" \
			"kernel.perf_event_paranoid > -1):" \
			"fsyncs are not counted" >&2
	fi
}
# Starts the counters for round N; each file's first line is the Unix time
# just before its perf started (perf's interval times count from there).
perf_start() {
	((perf_ok)) || return 0
	local n=$1
	bash -c 'date +%s.%N >"$1"; exec perf stat -I 100 -x, -p "$2" -e "$3" --append -o "$1"' \
		_ "$work/syncs.$n.csv" "$lq_pid" "$SYNC_EVENTS" &
	perf_pids+=($!)
	bash -c 'date +%s.%N >"$1"; exec perf stat -I 100 -x, -a -e block:block_rq_issue --filter "rwbs ~ \"*F*\"" --append -o "$1"' \
		_ "$work/flushes.$n.csv" &
	perf_pids+=($!)
	sleep 0.2 # perf's own start-up, before the window opens
}
perf_stop() {
	local pid
	for pid in "${perf_pids[@]}"; do
		kill -INT "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	done
	perf_pids=()
}

# --- beanstalkd ----------------------------------------------------------------
# Preloads once without fsync (a -f 0 put costs an fsync each), then starts
# each variant on its own copy of that binlog, which beanstalkd replays.
# Sets bs_pid[F] and bs_port[F] for F in 0 50.
declare -A bs_pid bs_port
start_beanstalk() {
	local port pid fsync
	port=$(free_port)
	mkdir -p "$work/beanstalk-seed"
	echo "==> beanstalkd: preloading $TASKS jobs (binlog, no fsync during the preload)"
	beanstalkd -l 127.0.0.1 -p "$port" -b "$work/beanstalk-seed" -F >"$work/beanstalkd-seed.log" 2>&1 &
	pid=$!
	pids+=("$pid")
	wait_port "$port" "$pid"
	"$BEANSTALK_LOAD" 127.0.0.1 "$port" preload "$TASKS" "$PAYLOAD"
	stop_pid "$pid"
	for fsync in 0 50; do
		port=$(free_port)
		cp -a "$work/beanstalk-seed" "$work/beanstalk-f$fsync"
		echo "==> beanstalkd -b DIR -f $fsync on 127.0.0.1:$port"
		beanstalkd -l 127.0.0.1 -p "$port" -b "$work/beanstalk-f$fsync" -f "$fsync" \
			>"$work/beanstalkd-f$fsync.log" 2>&1 &
		pid=$!
		pids+=("$pid")
		wait_port "$port" "$pid"
		bs_pid[$fsync]=$pid
		bs_port[$fsync]=$port
	done
}

# --- redis ---------------------------------------------------------------------
# Sets rd_pid and rd_port.
start_redis() {
	rd_port=$(free_port)
	mkdir -p "$work/redis"
	cat >"$work/redis/redis.conf" <<-EOF
		bind 127.0.0.1
		port $rd_port
		dir $work/redis
		daemonize no
		save ""
		appendonly yes
		appendfsync no
	EOF
	echo "==> redis-server on 127.0.0.1:$rd_port (Streams, appendonly, appendfsync always)"
	redis-server "$work/redis/redis.conf" >"$work/redis.log" 2>&1 &
	rd_pid=$!
	pids+=("$rd_pid")
	wait_port "$rd_port" "$rd_pid"
	echo "    preloading $TASKS entries (appendfsync no during the preload)"
	"$REDIS_LOAD" 127.0.0.1 "$rd_port" preload "$TASKS" "$PAYLOAD"
	redis-cli -p "$rd_port" CONFIG SET appendfsync always >/dev/null
	[[ $(redis-cli -p "$rd_port" CONFIG GET appendfsync | tail -n 1) == always ]] ||
		die "redis did not take appendfsync always"
}

echo "compare: $TASKS tasks of $PAYLOAD bytes, $WORKERS workers (one cycle in flight each)," \
	"$ROUNDS rounds of ${SECONDS_PER_ROUND}s per server; $(nproc) CPUs"
start_labelq
perf_check
start_beanstalk
start_redis

# The rounds go round the servers, so that each sees the same spells of a
# busy machine (other load, a slow disk) as the others.
for ((round = 1; round <= ROUNDS; round++)); do
	echo "==> round $round of $ROUNDS"
	perf_start "$round"
	measure labelq "$lq_pid" "$BENCH" compare --connections "$WORKERS" --inflight 1 \
		--lease-batch 1 --chain --duration "$SECONDS_PER_ROUND" --json
	perf_stop
	measure labelq-plain "$lq_pid" "$BENCH" compare --connections "$WORKERS" --inflight 1 \
		--lease-batch 1 --duration "$SECONDS_PER_ROUND" --json
	for fsync in 0 50; do
		measure "beanstalkd-f$fsync" "${bs_pid[$fsync]}" "$BEANSTALK_LOAD" 127.0.0.1 \
			"${bs_port[$fsync]}" run "$WORKERS" "$SECONDS_PER_ROUND"
	done
	measure redis-always "$rd_pid" "$REDIS_LOAD" 127.0.0.1 "$rd_port" run "$WORKERS" \
		"$SECONDS_PER_ROUND"
done

# labelqd at half its peak: the median tasks/s of the rounds above that did
# not run dry, halved, as an open-loop schedule (latency from each cycle's
# scheduled start, so falling behind is charged).
half=$(python3 -c 'import json, statistics, sys
rs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
ok = [r for r in rs if not r["empty_leases"]] or rs
print(max(1, round(statistics.median(r["tasks_per_second"] for r in ok) / 2)))' "$work/labelq.jsonl")
# The machine's own stalls, with the servers idle and every CPU busy as
# under load: how often, and for how long, a thread at normal priority
# loses its CPU to something else (the table prints them by the half-peak
# p99, which they bound from below).
echo "==> the machine's stalls: bench/hiccup, a busy thread on every CPU for 3 s"
if ! "$HICCUP" 3 >"$work/hiccup.json"; then
	rm -f "$work/hiccup.json"
	echo "    bench/hiccup failed: the machine's stalls are not measured" >&2
fi
for ((round = 1; round <= ROUNDS; round++)); do
	echo "==> labelqd at half its peak, $half tasks/s, round $round of $ROUNDS"
	scrape "$work/half.$round.before"
	measure labelq-half "$lq_pid" "$BENCH" compare --connections "$WORKERS" --inflight 1 \
		--lease-batch 1 --chain --threads "$HALF_THREADS" --duration "$SECONDS_PER_ROUND" \
		--rate "$half" --json
	scrape "$work/half.$round.after"
done
stop_all 2>/dev/null

echo
python3 bench/compare_table.py "$work" "$ROUNDS"
