#!/usr/bin/env bash
# One labelqd per data directory. While a labelqd serves DATA, a second
# `labelqd --data DATA` (on another port) exits 1 at start with a message
# naming DATA and the first one's pid, and the first serves on; `labelqd
# --check-config` on DATA still works. After `kill -9` of the first, the
# lock file it leaves behind does not block a new labelqd on DATA, and the
# new one's pid is in it.
#
# Paths from ctest's environment: LABELQD, LABELQ_CLI.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
STEP_TIMEOUT=20
START_TRIES=150
SECOND_S=10 # a refused second daemon exits at once; a started one runs on

cli_daemon_start data_dir_lock
first=$pid

echo "== a second labelqd on the same data directory is refused"
port2=$(free_port)
code=0
timeout "$SECOND_S" "$LABELQD" --data "$data" --listen "127.0.0.1:$port2" --metrics-listen "" \
    >"$root/second.log" 2>&1 || code=$?
[ "$code" != 124 ] || fail "the second labelqd on $data started and served (killed after $SECOND_S s)"
[ "$code" = 1 ] || fail "the second labelqd exited $code, want 1: $(cat "$root/second.log")"
grep 'in use by another labelqd' "$root/second.log" | grep -F "data=$data " | grep -q "pid=$first\b" ||
    fail "the refusal does not name $data and pid $first: $(cat "$root/second.log")"
grep -q 'msg="ready"' "$root/second.log" && fail "the second labelqd said ready"

echo "== the first serves on"
run "$LABELQ_CLI" project create lock --labels a,b >/dev/null || fail "project create on the first"
run "$LABELQ_CLI" project list | grep -q lock || fail "project list on the first"
[ "$(head -n 1 "$data/labelqd.lock")" = "$first" ] ||
    fail "labelqd.lock holds '$(cat "$data/labelqd.lock")', want the first's pid $first"

echo "== --check-config needs no lock"
run "$LABELQD" --check-config --data "$data" >"$root/check.out" 2>&1 ||
    fail "--check-config on a locked data directory: $(cat "$root/check.out")"

echo "== after kill -9, a new labelqd starts on the lock file left behind"
kill -9 "$first"
wait "$first" 2>/dev/null || true
pid=
[ -e "$data/labelqd.lock" ] || fail "no labelqd.lock in $data"
"$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" >>"$log" 2>&1 &
pid=$!
wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI" "after kill -9"
run "$LABELQ_CLI" project list | grep -q lock || fail "the project is gone after the restart"
[ "$(head -n 1 "$data/labelqd.lock")" = "$pid" ] ||
    fail "labelqd.lock holds '$(cat "$data/labelqd.lock")', want the new pid $pid"
kill -TERM "$pid"
wait "$pid" || fail "labelqd exited with status $? after SIGTERM"
pid=

passed=1
echo "data_dir_lock: all checks passed"
