# shellcheck shell=bash
# Starting, waiting for and stopping a labelqd from a script: sourced by
# deploy/demo.sh and bench/*.sh so they all do it the same way. The caller
# defines die() (print a message, exit non-zero). Sets daemon_pid and
# daemon_status as described below.

# Whether something accepts TCP connections on 127.0.0.1:$1.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Starts LABELQD ($1) on a data dir ($2) and loopback port ($3), logging to
# $4; sets daemon_pid. Extra arguments go to labelqd.
labelqd_start() {
	local labelqd=$1 data=$2 port=$3 log=$4
	shift 4
	"$labelqd" --data "$data" --listen "127.0.0.1:$port" "$@" >"$log" 2>&1 &
	daemon_pid=$!
}

# Waits up to 15 s until the daemon has written its admin token and CA into
# $1 and accepts connections on port $2; dies if it exits or times out.
labelqd_wait_ready() {
	local data=$1 port=$2 i
	for ((i = 0; i < 150; i++)); do
		kill -0 "$daemon_pid" 2>/dev/null || die "labelqd exited during start-up"
		if [[ -s $data/admin.token && -s $data/tls/ca.pem ]] && port_open "$port"; then
			return 0
		fi
		sleep 0.1
	done
	die "labelqd was not ready after 15 s"
}

# Sends SIGTERM and waits up to $1 seconds; SIGKILL after that. Sets
# daemon_status to the daemon's exit status (137 if it had to be killed)
# and clears daemon_pid.
# shellcheck disable=SC2034 # daemon_status is for the caller
labelqd_stop() {
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
