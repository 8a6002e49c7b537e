# shellcheck shell=bash
# What the integration scripts share, sourced after `set -euo pipefail`:
# fail, skip (tests/skip.sh), run, a free port, reaping leftover processes,
# and waiting for a labelqd. Starting, waiting for (by port) and stopping a
# labelqd come from deploy/labelqd_control.sh, found through LQ_SOURCE_DIR
# when the environment sets it, else as ../.. of the script. The caller sets
# START_TRIES (tries 0.1 s apart) and, to use run, STEP_TIMEOUT (seconds).

# shellcheck source=SCRIPTDIR/../../deploy/labelqd_control.sh
. "${LQ_SOURCE_DIR:-$(dirname "$0")/../..}/deploy/labelqd_control.sh"

# shellcheck source=SCRIPTDIR/../skip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../skip.sh"

# Prints the reason and ends the test as failed.
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# labelqd_control.sh reports through die.
die() {
    fail "$@"
}

# Runs a program with a time limit; its output goes where the caller sends it.
run() {
    timeout "$STEP_TIMEOUT" "$@"
}

# Prints a loopback TCP port that is free now.
free_port() {
    /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

# kill_reap PID...: SIGKILL and reap each of the PIDs still running (empty
# ones are skipped); for the cleanup trap.
kill_reap() {
    local p
    for p in "$@"; do
        if [ -n "$p" ] && kill -0 "$p" 2>/dev/null; then
            kill -9 "$p" 2>/dev/null || true
            wait "$p" 2>/dev/null || true
        fi
    done
}

# wait_cli_ready PID DATA PORT CLI [NAME]: waits up to START_TRIES tenths of
# a second until the labelqd PID (on data dir DATA and 127.0.0.1:PORT) has
# written its admin token and `CLI project list` works with it; fails if
# the daemon exits first or the time runs out. NAME goes into the messages.
wait_cli_ready() {
    local pid=$1 data=$2 port=$3 cli=$4 what=labelqd
    [ $# -lt 5 ] || what="labelqd ($5)"
    for _ in $(seq "$START_TRIES"); do
        kill -0 "$pid" 2>/dev/null || fail "$what exited during start"
        if [ -s "$data/admin.token" ] &&
            LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem \
                LABELQ_TOKEN=$(head -n 1 "$data/admin.token") \
                run "$cli" project list >/dev/null 2>&1; then
            return 0
        fi
        sleep 0.1
    done
    fail "$what not ready within $((START_TRIES / 10)) s"
}

# test_workdir NAME: makes a work dir (root) with the daemon's data dir and
# log paths in it (data, log), clears pid, daemon_pid and passed, and sets an
# EXIT trap that kills the daemon (its PID in pid, or in daemon_pid where
# labelqd_start started it) and removes the work dir once the test set
# passed=1, or else keeps it and shows the log's tail.
test_workdir() {
    cli_test_name=$1
    root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-$cli_test_name-XXXXXX")
    data=$root/data
    log=$root/labelqd.log
    pid=
    daemon_pid=
    passed=0
    trap cli_daemon_cleanup EXIT
}

# cli_daemon_start NAME [LABELQD ARGS...]: the set-up every CLI test shares.
# Makes the work dir (test_workdir NAME) and starts labelqd on it on a free
# loopback port (port) without a metrics listener, exports LABELQ_SERVER,
# LABELQ_CA and LABELQ_TOKEN for the CLI. Needs LABELQD and LABELQ_CLI.
cli_daemon_start() {
    test_workdir "$1"
    shift
    port=$(free_port)
    "$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" "$@" >"$log" 2>&1 &
    pid=$!
    export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem
    wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI"
    LABELQ_TOKEN=$(head -n 1 "$data/admin.token")
    export LABELQ_TOKEN
}

# The EXIT trap of test_workdir.
cli_daemon_cleanup() {
    kill_reap "$pid" "$daemon_pid"
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "$cli_test_name failed; labelqd log: $log (work dir $root)" >&2
        tail -n 30 "$log" >&2 || true
    fi
}
