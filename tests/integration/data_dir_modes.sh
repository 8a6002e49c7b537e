#!/usr/bin/env bash
# labelqd refuses to start (exit 1) on a data directory other users could
# change or read secrets from (docs/operations.md, "The data directory"):
# DATA or DATA/tls writable by others, or tls/ca.key, tls/server.key or
# admin.token readable or writable by them. Each such path is logged with its
# mode and the chmod that fixes it, all of them in one start, and nothing is
# changed. Group bits count when the group is not labelqd's own (the test
# makes it gid 65534); bits for labelqd's own group do not. With the modes
# fixed, it starts.
#
# Paths from ctest's environment: LABELQD, LABELQ_CLI.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
STEP_TIMEOUT=10 # a refused start ends at once; one that serves runs on
START_TRIES=150
OTHER_GID=65534 # a group labelqd is not in

test_workdir data_dir_modes
port=$(free_port)
"$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" >"$log" 2>&1 &
pid=$!
wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI"
kill -TERM "$pid"
wait "$pid" || fail "labelqd exited with status $? after SIGTERM"
pid=
[ "$(id -g)" != "$OTHER_GID" ] || skip "this test runs in group $OTHER_GID, the one it uses as another's"

# refused: labelqd exits 1 at start (its log in $root/bad.log)
refused() {
    local code=0
    timeout "$STEP_TIMEOUT" "$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" \
        >"$root/bad.log" 2>&1 || code=$?
    [ "$code" != 124 ] || fail "labelqd started and served with $*"
    [ "$code" = 1 ] || fail "labelqd exited $code with $*, want 1: $(cat "$root/bad.log")"
    grep -q 'msg="ready"' "$root/bad.log" && fail "labelqd said ready with $*"
    grep -q 'refusing to start: fix the modes above' "$root/bad.log" ||
        fail "no 'refusing to start' with $*: $(cat "$root/bad.log")"
}
# names PATH MODE FIX: the refusal names PATH with MODE and `chmod FIX PATH`
names() {
    grep -F "path=$1 mode=$2 fix=\"chmod $3 $1\"" "$root/bad.log" >/dev/null ||
        fail "the log does not name $1 with mode $2 and 'chmod $3 $1': $(cat "$root/bad.log")"
}
# one PATH MODE FIX MSG: with PATH at MODE alone, the start is refused with
# MSG naming it; then PATH goes back to 0600 (a file) or 0700 (a directory)
one() {
    local path=$1 mode=$2 fix=$3 msg=$4
    chmod "$mode" "$path"
    refused "$path at $mode"
    grep "$msg" "$root/bad.log" >/dev/null || fail "no '$msg' for $path at $mode: $(cat "$root/bad.log")"
    names "$path" "$mode" "$fix"
    if [ -d "$path" ]; then chmod 0700 "$path"; else chmod 0600 "$path"; fi
}

echo "== world bits: refused, one path at a time"
one "$data/tls/server.key" 0644 o-r "other users can read or change the server's private key"
one "$data/tls/ca.key" 0604 o-r "other users can read or change the CA's private key"
one "$data/admin.token" 0606 o-rw "other users can read or change the admin token"
one "$data" 0703 o-w "other users can write to the data directory"
one "$data/tls" 0777 o-w "other users can write to the TLS directory"

echo "== another group's bits: refused; labelqd's own group's: allowed"
chgrp "$OTHER_GID" "$data/admin.token" "$data/tls" "$data/tls/server.key" 2>/dev/null ||
    skip "giving a file another group (gid $OTHER_GID) needs root"
one "$data/admin.token" 0640 g-r "the admin token"
one "$data/tls" 0770 g-w "the TLS directory"
one "$data/tls/server.key" 0660 g-rw "the server's private key"
chgrp "$(id -g)" "$data/admin.token" "$data/tls" "$data/tls/server.key"
chmod 0640 "$data/admin.token" "$data/tls/server.key"
chmod 0770 "$data/tls" "$data"

echo "== every unsafe path in one refusal, nothing changed"
chmod 0644 "$data/tls/ca.key"
chmod 0666 "$data/admin.token"
listing() { find "$data" -maxdepth 2 -printf '%p %m %g %s %T@\n' | sort; }
listing >"$root/before"
refused "ca.key 0644 and admin.token 0666"
names "$data/tls/ca.key" 0644 o-r
names "$data/admin.token" 0666 o-rw
listing | cmp -s - "$root/before" || fail "a refused start changed the data directory"
[ ! -e "$data/tls/ca.key.tmp" ] || fail "something was written"

echo "== fixed (own group's bits left): labelqd starts"
chmod 0600 "$data/tls/ca.key"
chmod 0640 "$data/admin.token"
"$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" >>"$log" 2>&1 &
pid=$!
wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI" "modes fixed"
kill -TERM "$pid"
wait "$pid" || fail "labelqd exited with status $? after SIGTERM"
pid=

passed=1
echo "data_dir_modes: all checks passed"
