#!/usr/bin/env bash
# labelqd --config and --check-config: a file sets what flags set, for every
# key; flags beat the file wherever they stand; mistakes name the key, its
# range and the value (and the file's line) and exit 2; --check-config
# prints every key, as a file labelqd reads back to the same settings; and
# deploy/labelqd.conf, --help and docs/operations.md document every key.
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
# badflag WANT_STDERR FLAGS...: the flags must be refused with exit 2
badflag() {
    local want=$1 code=0
    shift
    "$LABELQD" --check-config "$@" >/dev/null 2>"$root/err" || code=$?
    [ "$code" = 2 ] || fail "exit $code, want 2, for: $*"
    grep -qF -- "$want" "$root/err" || fail "want '$want' in: $(cat "$root/err")"
}

# The keys that were compiled-in limits before: key|unit and range as the
# error gives them|a value for the file|one for a flag|below the range (-:
# none, 0 is allowed)|above it. The file's values fit max-frame = 2048 below.
new_keys='
max-refusals|a number 0..1000000|3|7|-|1000001
handshake-timeout-ms|milliseconds 100..600000|300|400|99|600001
auth-fail-threshold|a number 0..1000000|1|2|-|1000001
auth-fail-window-ms|milliseconds 1000..86400000|30000|40000|999|86400001
auth-delay-first-ms|milliseconds 1..600000|100|150|0|600001
auth-delay-max-ms|milliseconds 1..600000|2000|3000|0|600001
auth-throttle-addrs|a number 0..4096|128|256|-|4097
max-lease-batch|a number 1..65536|16|32|0|65537
max-wait-ms|milliseconds 0..3600000|1000|2000|-|3600001
max-lease-scan|a number 1..1048576|100|200|0|1048577
export-chunk-bytes|a byte count 512..67108864|1024|2048|511|67108865
write-queue-high|a byte count 1024..1073741824|16384|32768|1023|1073741825
stall-timeout-ms|milliseconds 1000..3600000|5000|6000|999|3600001
metrics-max-connections|a number 1..10000|8|9|0|10001
metrics-timeout-ms|milliseconds 100..600000|1500|2500|99|600001
metrics-max-request|a byte count 1024..1048576|2048|4096|1023|1048577
max-writes-per-connection|a number 1..65536|8|9|0|65537
max-parked-per-connection|a number 1..65536|2|3|0|65537
max-connections-per-annotator|a number 1..1000000|3|4|0|1000001
max-frame-unauthenticated|a byte count 1024..1073741824|1024|4096|1023|1073741825
max-frame-fields|a number 256..16777216|300|400|255|16777217
'
# each_new_key FUNCTION: calls FUNCTION KEY RANGE FILE_VALUE FLAG_VALUE BELOW ABOVE
each_new_key() {
    local key range fv gv below above
    while IFS='|' read -r key range fv gv below above; do
        if [ -n "$key" ]; then
            "$1" "$key" "$range" "$fv" "$gv" "$below" "$above"
        fi
    done <<<"$new_keys"
}

echo "== defaults"
check
has "data = ./labelq-data"
has "listen = 127.0.0.1:7443"
has "max-frame = 4194304"
has "max-frame-unauthenticated = 65536"
has "max-frame-fields = 32768"
has "max-connections = 10000"
has "map-size = 1073741824"
has "log-level = info"
has "client-ca = "
grep -q "^# client-ca: empty" "$root/out" || fail "no comment on the empty client-ca"
has "max-refusals = 64"
has "handshake-timeout-ms = 10000"
has "auth-fail-threshold = 5"
has "auth-fail-window-ms = 60000"
has "auth-delay-first-ms = 250"
has "auth-delay-max-ms = 8000"
has "auth-throttle-addrs = 4096"
has "max-lease-batch = 256"
has "max-wait-ms = 60000"
has "max-lease-scan = 4096"
has "export-chunk-bytes = 262144"
has "write-queue-high = 1048576"
has "stall-timeout-ms = 60000"
has "metrics-max-connections = 64"
has "metrics-timeout-ms = 5000"
has "metrics-max-request = 8192"
has "max-writes-per-connection = 128"
has "max-parked-per-connection = 16"
has "max-connections-per-annotator = 64"
# Every key, as --check-config prints them (tls-san as its comment).
keys=$(sed -n 's/^\([a-z-]*\) = .*/\1/p' "$root/out")
grep -q "^# tls-san: " "$root/out" || fail "no tls-san comment in the defaults"
keys="$keys tls-san"
[ "$(echo $keys | wc -w)" = 30 ] || fail "want 30 keys, --check-config printed: $keys"

echo "== the example config: its defaults, and every commented key is real"
example=$LQ_SOURCE_DIR/deploy/labelqd.conf
check
cp "$root/out" "$root/defaults"
check --config "$example"
diff "$root/defaults" "$root/out" >/dev/null || fail "the example's settings differ from the defaults"
sed 's/^#\([a-z]\)/\1/' "$example" >"$root/uncommented.conf"
check --config "$root/uncommented.conf"
"$LABELQD" --help >"$root/help"
for key in $keys; do
    grep -q "^#$key = " "$example" || fail "deploy/labelqd.conf does not document $key"
    grep -q -- "--$key " "$root/help" || fail "labelqd --help does not document --$key"
    grep -q "^| \`$key\` |" "$LQ_SOURCE_DIR/docs/operations.md" ||
        fail "docs/operations.md has no table row for $key"
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
metrics-listen = 127.0.0.1:9444
client-ca = $root/file-ca.pem
CONF
file_value() { echo "$1 = $3" >>"$root/a.conf"; }
each_new_key file_value
check --config "$root/a.conf"
has_file_value() { has "$1 = $3"; }
each_new_key has_file_value
has "metrics-listen = 127.0.0.1:9444"
has "data = $root/data"
has "listen = [::1]:9443"
has "tls-san = a.example.com"
has "tls-san = 192.0.2.7"
has "max-frame = 2048"
has "max-connections = 50"
has "map-size = 131072"
has "log-level = warn"
has "client-ca = $root/file-ca.pem"
cp "$root/out" "$root/file-only.conf"
check --config "$root/file-only.conf"
diff "$root/file-only.conf" "$root/out" >/dev/null || fail "re-reading the file's settings changed them"
flag_args=()
flag_value() { flag_args+=("--$1" "$4"); }
each_new_key flag_value
half=$((${#flag_args[@]} / 4 * 2)) # whole pairs before --config, the rest after
check "${flag_args[@]:0:$half}" --max-frame 8192 --tls-san b.example.com --config "$root/a.conf" \
    --log-level=debug --client-ca "$root/flag ca.pem" "${flag_args[@]:$half}"
has_flag_value() { has "$1 = $4"; }
each_new_key has_flag_value
has "max-frame = 8192"
has "log-level = debug"
has "tls-san = b.example.com"
has "client-ca = $root/flag ca.pem"
grep -q "a.example.com" "$root/out" && fail "--tls-san should replace the file's names"
has "max-connections = 50"

echo "== --check-config output is a config file"
cp "$root/out" "$root/effective.conf"
check --config "$root/effective.conf"
diff "$root/effective.conf" "$root/out" >/dev/null || fail "re-reading the output changed it"
check --config "$root/a.conf" --client-ca "" # an empty flag turns the file's client-ca off
has "client-ca = "

echo "== mistakes name the line"
bad "bad.conf:3: unknown key 'max_frame'" '[labelqd]\n# comment\nmax_frame = 10\n'
bad "bad.conf:2: unknown section [server]" 'data = x\n[server]\nlisten = 127.0.0.1:1\n'
bad "bad.conf:2: max-frame wants a byte count 1024..1073741824, got '12'" '\nmax-frame = 12\n'
bad "bad.conf:1: max-connections wants a number" 'max-connections = lots\n'
bad "bad.conf:1: log-level is debug, info, warn or error" 'log-level = loud\n'
bad "bad.conf:1: listen wants HOST:PORT" 'listen = example.com:7443\n'
bad "bad.conf:1: tls-san wants one DNS name" 'tls-san = a.example.com, b.example.com\n'
bad "bad.conf:3: map-size is already set on line 1" 'map-size = 65536\nlog-level = info\nmap-size = 65537\n'
bad "bad.conf:2: expected 'key = value'" '[labelqd]\njust words\n'
bad "bad.conf:2: handshake-timeout-ms is already set on line 1" \
    'handshake-timeout-ms = 300\nhandshake-timeout-ms = 400\n'
bad "unknown key 'max_refusals' (keys: data, listen," 'max_refusals = 3\n'
grep -qF "auth-throttle-addrs, max-lease-batch" "$root/err" || fail "new keys not listed: $(cat "$root/err")"

echo "== each new key: out of range and malformed values, in the file and as flags"
refused() {
    local key=$1 range=$2 v
    for v in $5 $6 abc -1 +5 12ms 1e3 0x10 99999999999999999999999; do
        [ "$v" = - ] && continue
        bad "bad.conf:2: $key wants $range, got '$v'" "[labelqd]\n$key = $v\n"
        badflag "labelqd: --$key wants $range, got '$v'" "--$key" "$v"
    done
    bad "bad.conf:1: $key wants $range, got ''" "$key =\n"
    badflag "--$key" "--$key"
}
each_new_key refused

echo "== settings that must agree"
bad "auth-delay-first-ms wants milliseconds 1..8000 (at most auth-delay-max-ms 8000), got '9000'" \
    'auth-delay-first-ms = 9000\nauth-delay-max-ms = 8000\n'
printf 'auth-delay-max-ms = 8000\n' >"$root/max.conf"
badflag "auth-delay-first-ms wants milliseconds 1..8000 (at most auth-delay-max-ms 8000), got '9000'" \
    --config "$root/max.conf" --auth-delay-first-ms 9000
check --auth-delay-first-ms 8000 --auth-delay-max-ms 8000
has "auth-delay-first-ms = 8000"
check --auth-delay-max-ms 100 # the first delay, left at its default, follows
has "auth-delay-first-ms = 100"
has "auth-delay-max-ms = 100"
bad "export-chunk-bytes wants a byte count 512..1024 (at most half of max-frame 2048), got '4096'" \
    'max-frame = 2048\nexport-chunk-bytes = 4096\n'
badflag "export-chunk-bytes wants a byte count 512..2097152 (at most half of max-frame 4194304), got '4194304'" \
    --export-chunk-bytes 4194304
check --max-frame 2048 # as before export-chunk-bytes was a key: it shrinks to fit
has "export-chunk-bytes = 1024"
bad "write-queue-high wants a byte count 65536..1073741824 (at least export-chunk-bytes 65536), got '4096'" \
    'export-chunk-bytes = 65536\nwrite-queue-high = 4096\n'
check --export-chunk-bytes 2097152
has "write-queue-high = 2097152"
bad "auth-throttle-addrs wants a number 0..4096, got '4097'" 'auth-throttle-addrs = 4097\n'
bad "max-frame-unauthenticated wants a byte count 1024..2048 (at most max-frame 2048), got '4096'" \
    'max-frame = 2048\nmax-frame-unauthenticated = 4096\n'
check --max-frame 2048 # the limit before Hello, left at its default, follows
has "max-frame-unauthenticated = 2048"
code=0
"$LABELQD" --config "$root/missing.conf" 2>"$root/err" || code=$?
[ "$code" = 2 ] || fail "a missing config file exited $code, want 2"
grep -q "missing.conf" "$root/err" || fail "missing file not named: $(cat "$root/err")"
code=0
"$LABELQD" --check-config --max-frame 5 2>"$root/err" >/dev/null || code=$?
[ "$code" = 2 ] || fail "--check-config with a bad flag exited $code, want 2"

echo "config_file: ok"
