#!/usr/bin/env bash
# bench/hostile.sh (`make bench-hostile`): what a hostile client costs
# everyone else. A fresh labelqd; a bystander (the admin) times its requests
# one at a time for HOSTILE_SECONDS each:
#   quiet   nobody else
#   flood   an annotator sends GetProject (64 KiB of instructions each) and
#           reads no reply
#   unauth  three connections each send, before any Hello, 4 MiB frames of
#           ~2M tiny fields, reconnecting whenever they are closed
# and labelqd's RSS is read before and at its peak during each. Prints a
# table; the targets (issue 15): a flood adds at most 64 MiB, and the
# bystander's p99 stays under 5 ms under either attack.
#
# Settings (environment): BUILD_DIR (default build), HOSTILE_SECONDS
# (default 5).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
BUILD_DIR=${BUILD_DIR:-build}
SECONDS_EACH=${HOSTILE_SECONDS:-5}
LABELQD=$BUILD_DIR/daemon/labelqd
LABELQ=$BUILD_DIR/client/labelq
PROBE=$BUILD_DIR/bench/hostile
die() {
	printf 'hostile: %s\n' "$*" >&2
	exit 1
}
# shellcheck source=../deploy/labelqd_control.sh
. deploy/labelqd_control.sh
for prog in "$LABELQD" "$LABELQ" "$PROBE"; do
	[[ -x $prog ]] || die "$prog not found: run 'make build' first"
done
work=$(mktemp -d "${TMPDIR:-/tmp}/labelq-hostile.XXXXXX")
trap '[[ -n ${daemon_pid:-} ]] && kill -9 "$daemon_pid" 2>/dev/null; rm -rf "$work"' EXIT
port=$(/usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
labelqd_start "$LABELQD" "$work/data" "$port" "$work/labelqd.log" --metrics-listen "" --log-level error
labelqd_wait_ready "$work/data" "$port"
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$work/data/tls/ca.pem
export LABELQ_TOKEN_FILE=$work/data/admin.token
"$LABELQ" project create big --labels a,b --overlap 1 \
	--instructions "$(head -c 65536 /dev/zero | tr '\0' i)" >/dev/null
token=$("$LABELQ" annotator add flooder)

results=()
run() {
	echo "==> $1 ($SECONDS_EACH s)"
	local out
	out=$("$PROBE" "${@:2}") || die "the probe failed ($1); log: $work/labelqd.log"
	echo "$out"
	results+=("$1|$out")
}
run quiet quiet "$SECONDS_EACH" "$daemon_pid"
run flood flood big "$token" "$SECONDS_EACH" "$daemon_pid"
run unauth unauth 4 3 "$SECONDS_EACH" "$daemon_pid"
labelqd_stop 20
echo
/usr/bin/python3 - "${results[@]}" <<'PY'
import json, sys
print("%-8s %9s %9s %9s %9s %14s" % ("attack", "requests", "p50 ms", "p99 ms", "max ms", "RSS added"))
for row in sys.argv[1:]:
    name, text = row.split("|", 1)
    r = json.loads(text)
    print("%-8s %9d %9.3f %9.3f %9.3f %11.1f MB" % (name, r["requests"], r["p50_ms"], r["p99_ms"],
          r["max_ms"], (r["rss_peak_kb"] - r["rss_before_kb"]) / 1024))
PY
