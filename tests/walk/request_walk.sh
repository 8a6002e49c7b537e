#!/usr/bin/env bash
# The walks of docs/architecture.md against the code: labelqd runs under
# callgrind with its code counted only around exactly one Lease and then
# exactly one Submit (walk_client makes them), and check_walk.py compares
# the files that ran with the files "The path of a Lease/Submit" names.
#
# usage: request_walk.sh LABELQD WALK_CLIENT SOURCE_DIR
set -euo pipefail
LABELQD=$1 WALK_CLIENT=$2 SRC=$3
START_TRIES=600 # under valgrind labelqd takes seconds to start
STEP_TIMEOUT=120
# shellcheck source=../integration/daemon.sh
. "$SRC/tests/integration/daemon.sh"

command -v valgrind >/dev/null && command -v callgrind_control >/dev/null ||
    skip "valgrind's callgrind is not installed"

test_workdir walk
port=$(free_port)
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$root/cg.out" \
    "$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" >"$log" 2>&1 &
pid=$!
for _ in $(seq "$START_TRIES"); do
    kill -0 "$pid" 2>/dev/null || fail "labelqd under callgrind exited during start"
    grep -q 'msg="ready"' "$log" 2>/dev/null && break
    sleep 0.1
done
grep -q 'msg="ready"' "$log" || fail "labelqd under callgrind not ready"
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem LABELQ_TOKEN_FILE=$data/admin.token

coproc client { timeout "$STEP_TIMEOUT" "$WALK_CLIENT" 2>"$root/client.err"; }
# bash forgets a coprocess's pid once it has ended: keep it.
client_pid=$client_PID
read -r -t "$STEP_TIMEOUT" line <&"${client[0]}" || fail "walk_client: $(cat "$root/client.err")"
[ "$line" = ready ] || fail "walk_client said '$line'"

# One request with labelqd's code counted: zero the counts, count, make the
# request, stop counting once its reply is in, dump (cg.out.N).
count_one() {
    callgrind_control -z "$pid" >/dev/null 2>&1
    callgrind_control -i on "$pid" >/dev/null 2>&1
    echo "$1" >&"${client[1]}"
    read -r -t "$STEP_TIMEOUT" line <&"${client[0]}" || fail "$1: $(cat "$root/client.err")"
    [ "$line" = done ] || fail "$1: walk_client said '$line'"
    callgrind_control -i off "$pid" >/dev/null 2>&1
    callgrind_control -d "$1" "$pid" >/dev/null 2>&1
}
count_one lease
count_one submit
echo quit >&"${client[1]}"
wait "$client_pid" || fail "walk_client: $(cat "$root/client.err")"

status=0
n=0
for kind in Lease Submit; do
    n=$((n + 1))
    dump=$root/cg.out.$n
    [ -s "$dump" ] || fail "no callgrind dump for the $kind"
    /usr/bin/python3 "$SRC/tests/walk/check_walk.py" "$SRC/docs/architecture.md" "$kind" \
        "$dump" || status=1
done
[ "$status" = 0 ] || fail "the code does not walk as docs/architecture.md says"
passed=1
