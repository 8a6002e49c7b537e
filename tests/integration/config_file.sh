#!/usr/bin/env bash
# labelqd --config and --check-config: a file sets what flags set, flags
# beat the file wherever they stand, mistakes name the file's line and exit
# 2, --check-config prints a file labelqd reads back to the same settings,
# and deploy/labelqd.conf documents only real keys with their defaults.
#
# From ctest's environment: LABELQD, LQ_SOURCE_DIR.
set -euo pipefail

: "${LABELQD:?path of labelqd}" "${LQ_SOURCE_DIR:?source directory}"
root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-config-XXXXXX")
trap 'rm -rf "$root"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# check FLAGS...: runs --check-config, output in $root/out
check() {
    "$LABELQD" --check-config "$@" >"$root/out" 2>"$root/err" ||
        fail "--check-config $* exited $?: $(cat "$root/err")"
}
has() {
    grep -Fqx -- "$1" "$root/out" || fail "want line '$1' in: $(cat "$root/out")"
}
# bad WANT_STDERR FILE_CONTENT: the file must be refused with exit 2
bad() {
    printf '%b' "$2" >"$root/bad.conf"
    local code=0
    "$LABELQD" --check-config --config "$root/bad.conf" >/dev/null 2>"$root/err" || code=$?
    [ "$code" = 2 ] || fail "exit $code, want 2, for: $2"
    grep -qF -- "$1" "$root/err" || fail "want '$1' in: $(cat "$root/err")"
}

echo "== defaults"
check
has "data = ./labelq-data"
has "listen = 127.0.0.1:7443"
has "max-frame = 4194304"
has "max-connections = 10000"
has "map-size = 1073741824"
has "log-level = info"

echo "== the example config: its defaults, and every commented key is real"
example=$LQ_SOURCE_DIR/deploy/labelqd.conf
check
cp "$root/out" "$root/defaults"
check --config "$example"
diff "$root/defaults" "$root/out" >/dev/null || fail "the example's settings differ from the defaults"
sed 's/^#\([a-z]\)/\1/' "$example" >"$root/uncommented.conf"
check --config "$root/uncommented.conf"
for key in data listen tls-san max-frame max-connections map-size log-level; do
    grep -q "^#$key = " "$example" || fail "deploy/labelqd.conf does not document $key"
done

echo "== file, then flags over it, in any order"
cat >"$root/a.conf" <<CONF
; a comment
[labelqd]
data = $root/data   ; inline comment
listen = [::1]:9443
tls-san = a.example.com
tls-san = 192.0.2.7
max-frame = 2048
max-connections = 50
map-size = 131072
log-level = warn
CONF
check --config "$root/a.conf"
has "data = $root/data"
has "listen = [::1]:9443"
has "tls-san = a.example.com"
has "tls-san = 192.0.2.7"
has "max-frame = 2048"
has "max-connections = 50"
has "map-size = 131072"
has "log-level = warn"
check --max-frame 8192 --tls-san b.example.com --config "$root/a.conf" --log-level=debug
has "max-frame = 8192"
has "log-level = debug"
has "tls-san = b.example.com"
grep -q "a.example.com" "$root/out" && fail "--tls-san should replace the file's names"
has "max-connections = 50"

echo "== --check-config output is a config file"
cp "$root/out" "$root/effective.conf"
check --config "$root/effective.conf"
diff "$root/effective.conf" "$root/out" >/dev/null || fail "re-reading the output changed it"

echo "== mistakes name the line"
bad "bad.conf:3: unknown key 'max_frame'" '[labelqd]\n# comment\nmax_frame = 10\n'
bad "bad.conf:2: unknown section [server]" 'data = x\n[server]\nlisten = 127.0.0.1:1\n'
bad "bad.conf:2: max-frame wants a byte count >= 1024, got '12'" '\nmax-frame = 12\n'
bad "bad.conf:1: max-connections wants a number" 'max-connections = lots\n'
bad "bad.conf:1: log-level is debug, info, warn or error" 'log-level = loud\n'
bad "bad.conf:1: listen wants HOST:PORT" 'listen = example.com:7443\n'
bad "bad.conf:1: tls-san wants one DNS name" 'tls-san = a.example.com, b.example.com\n'
bad "bad.conf:3: map-size is already set on line 1" 'map-size = 65536\nlog-level = info\nmap-size = 65537\n'
bad "bad.conf:2: expected 'key = value'" '[labelqd]\njust words\n'
code=0
"$LABELQD" --config "$root/missing.conf" 2>"$root/err" || code=$?
[ "$code" = 2 ] || fail "a missing config file exited $code, want 2"
grep -q "missing.conf" "$root/err" || fail "missing file not named: $(cat "$root/err")"
code=0
"$LABELQD" --check-config --max-frame 5 2>"$root/err" >/dev/null || code=$?
[ "$code" = 2 ] || fail "--check-config with a bad flag exited $code, want 2"

echo "config_file: ok"
