#!/usr/bin/env bash
# What `make install` gives a user is enough to build and run a program on
# liblabelq: install into a temporary prefix, compile
# client/examples/annotator_bot.c with nothing but
# `pkg-config --cflags --libs labelq`, start the installed labelqd with the
# installed config, and let the bot label a whole project.
#
# From ctest's environment: CMAKE (cmake), LQ_BUILD_DIR (the build tree to
# install), LQ_SOURCE_DIR.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${CMAKE:?path of cmake}" "${LQ_BUILD_DIR:?build directory}" "${LQ_SOURCE_DIR:?source directory}"
PY=/usr/bin/python3
CC=${CC:-cc}
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=120

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-installed-XXXXXX")
prefix=$root/prefix
data=$root/data
log=$root/labelqd.log
pid=
passed=0

cleanup() {
    kill_reap "$pid"
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "installed_bot failed; work dir $root" >&2
        tail -n 30 "$log" >&2 2>/dev/null || true
    fi
}
trap cleanup EXIT

echo "== install into $prefix"
"$CMAKE" --install "$LQ_BUILD_DIR" --prefix "$prefix" >"$root/install.log" ||
    fail "cmake --install: $(tail -n 5 "$root/install.log")"
for f in bin/labelqd bin/labelq include/labelq/labelq.h include/labelq/proto/labelq.pb-c.h \
    include/labelq/proto/error.h lib/systemd/system/labelqd.service etc/labelq/labelqd.conf \
    share/doc/labelq/labelqd.conf.example; do
    [ -e "$prefix/$f" ] || fail "not installed: $f"
done
grep -qx "ExecStart=$prefix/bin/labelqd --config $prefix/etc/labelq/labelqd.conf --data /var/lib/labelq" \
    "$prefix/lib/systemd/system/labelqd.service" || fail "unit's ExecStart does not use the prefix"
# lib/ or lib/<multiarch>/, whichever GNUInstallDirs chose
pc=$(find "$prefix" -name labelq.pc -path '*/pkgconfig/*' | head -n 1)
[ -n "$pc" ] || fail "no labelq.pc installed"
export PKG_CONFIG_PATH=${pc%/labelq.pc}
ls "$(pkg-config --variable=libdir labelq)"/liblabelq.so.1 >/dev/null || fail "no versioned liblabelq.so.1"

echo "== build annotator_bot against the install"
# A sanitized build installs a sanitized liblabelq, whose runtime must come
# first in the program that loads it: build the bot the same way then.
sanitize=()
[[ ${LQ_SANITIZE:-OFF} == ON ]] && sanitize=("-fsanitize=address,undefined")
# shellcheck disable=SC2046 # pkg-config's output is a list of flags
"$CC" -std=c11 -Wall -Wextra -Wshadow -Werror "${sanitize[@]}" -o "$root/annotator_bot" \
    "$LQ_SOURCE_DIR/client/examples/annotator_bot.c" $(pkg-config --cflags --libs labelq) \
    -Wl,-rpath,"$(pkg-config --variable=libdir labelq)" || fail "annotator_bot does not build"
# Captured first: with pipefail, `ldd | grep -q` fails whenever grep exits
# before ldd has written everything (ldd then dies of SIGPIPE).
linked=$(ldd "$root/annotator_bot")
grep -q "liblabelq.so.1 => $prefix/" <<<"$linked" ||
    fail "annotator_bot does not load the installed liblabelq: $(grep labelq <<<"$linked")"

echo "== start the installed labelqd with the installed config"
port=$(free_port)
"$prefix/bin/labelqd" --config "$prefix/etc/labelq/labelqd.conf" --data "$data" \
    --listen "127.0.0.1:$port" >"$log" 2>&1 &
pid=$!
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem
cli=$prefix/bin/labelq
wait_cli_ready "$pid" "$data" "$port" "$cli"
export LABELQ_TOKEN
LABELQ_TOKEN=$(head -n 1 "$data/admin.token")

run "$cli" project create tickets --labels bug,feature --overlap 1 >/dev/null || fail "project create"
bot_token=$(run "$cli" annotator add bot 2>/dev/null) || fail "annotator add"
cat >"$root/items.jsonl" <<'JSONL'
{"id": "t1", "data": {"text": "crash on save, a bug"}}
{"id": "t2", "data": {"text": "please add a feature: dark mode"}}
{"id": "t3", "data": {"text": "it is slow"}}
{"id": "t4", "data": {"text": "feature request: export to csv"}}
{"id": "t5", "data": {"text": "another bug in login"}}
JSONL
run "$cli" import tickets "$root/items.jsonl" >/dev/null || fail "import"

echo "== run the bot"
LABELQ_TOKEN=$bot_token run "$root/annotator_bot" tickets >"$root/bot.out" 2>"$root/bot.err" ||
    fail "annotator_bot: $(cat "$root/bot.err")"
[ "$(cat "$root/bot.out")" = "labeled 5" ] || fail "bot printed: $(cat "$root/bot.out")"

run "$cli" status tickets --json >"$root/status.json" || fail "status"
$PY -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["tasks"] == 5 and s["done"] == 5 and s["labels"] == 5, s
' "$root/status.json" || fail "project not done: $(cat "$root/status.json")"
run "$cli" export tickets -o "$root/export.jsonl" >/dev/null 2>&1 || fail "export"
$PY -c '
import json, sys
got = {l["id"]: l["label"] for l in map(json.loads, open(sys.argv[1])) if l}
want = {"t1": "bug", "t2": "feature", "t3": "bug", "t4": "feature", "t5": "bug"}
assert got == want, got
' "$root/export.jsonl" || fail "labels from the bot: $(cat "$root/export.jsonl")"

kill -TERM "$pid"
code=0
wait "$pid" || code=$?
pid=
[ "$code" = 0 ] || fail "labelqd exited $code after SIGTERM, want 0"

passed=1
echo "installed_bot: ok"
