#!/usr/bin/env bash
# labelqd --client-ca: client certificates for annotator fleets. With it,
# `openssl s_client` without a certificate, or with one from another CA, is
# refused in the TLS handshake (TLS 1.3 and 1.2), logged and counted as a
# handshake failure; with a certificate signed by that CA (directly or
# through an intermediate) the handshake completes, and labelq,
# labelq-annotate and labelq-bench work with --cert/--key (or LABELQ_CERT /
# LABELQ_KEY), while a token is still needed. Mistakes in the client's files
# are reported before connecting. labelqd refuses to start on an unreadable
# or invalid --client-ca, and without --client-ca no client needs a
# certificate. The CAs and certificates are made here with `openssl`.
#
# From ctest's environment: LABELQD, LABELQ_CLI, LABELQ_ANNOTATE, LABELQ_BENCH.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_ANNOTATE:?path of labelq-annotate}" "${LABELQ_BENCH:?path of labelq-bench}"
STEP_TIMEOUT=20
HANDSHAKE_MS=1500 # how long an idle accepted session lasts, so s_client ends

test_workdir client_ca
pki=$root/pki

command -v openssl >/dev/null || fail "no openssl command"
command -v curl >/dev/null || fail "no curl command"

# ---- the PKI -------------------------------------------------------------

mkdir -p "$pki"
printf 'basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n' >"$pki/ca.ext"
printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n' \
    >"$pki/client.ext"

# new_key NAME: a P-256 key and a request for CN=NAME
new_key() {
    openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" \
        -keyout "$pki/$1.key" -out "$pki/$1.csr" 2>/dev/null || fail "openssl req $1"
}
# root_ca NAME: a self-signed CA
root_ca() {
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$1" -days 2 \
        -keyout "$pki/$1.key" -out "$pki/$1.pem" 2>/dev/null || fail "openssl req -x509 $1"
}
# sign NAME ISSUER EXT: NAME's certificate, issued by ISSUER
sign() {
    openssl x509 -req -in "$pki/$1.csr" -CA "$pki/$2.pem" -CAkey "$pki/$2.key" -CAcreateserial \
        -days 2 -extfile "$pki/$3.ext" -out "$pki/$1.pem" 2>/dev/null || fail "openssl x509 $1"
}
root_ca fleet
root_ca other
new_key alice && sign alice fleet client
new_key mallory && sign mallory other client
new_key team && sign team fleet ca # an intermediate CA under fleet
new_key bob && sign bob team client
printf 'extendedKeyUsage=serverAuth\n' >"$pki/server.ext"
new_key eve && sign eve fleet server # the right CA, but not for clients
cat "$pki/bob.pem" "$pki/team.pem" >"$pki/bob-chain.pem"
cat "$pki/alice.pem" "$pki/alice.key" >"$pki/alice-both.pem"

# ---- the daemon ----------------------------------------------------------

port=$(free_port)
mport=$(free_port)
start() {
    labelqd_start "$LABELQD" "$data" "$port" "$log" --log-level debug \
        --metrics-listen "127.0.0.1:$mport" --handshake-timeout-ms "$HANDSHAKE_MS" "$@"
    labelqd_wait_ready "$data" "$port"
}
stop() {
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || fail "labelqd exited with status $? after SIGTERM"
    daemon_pid=
}
start --client-ca "$pki/fleet.pem"
grep -q 'msg="client certificates required"' "$log" || fail "no 'client certificates required' in the log"
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem
export LABELQ_TOKEN_FILE=$data/admin.token

# s_client_try OPTIONS...: one session that reads until the server closes
# it (-ign_eof), so that a refusal sent after a TLS 1.3 client's side of
# the handshake is seen; output in $root/out, s_client's status returned.
s_client_try() {
    timeout "$STEP_TIMEOUT" openssl s_client -connect "127.0.0.1:$port" -CAfile "$LABELQ_CA" \
        -alpn labelq/1 -ign_eof "$@" </dev/null >"$root/out" 2>&1
}
# refused WHAT WANT_ALERT WANT_LOG OPTIONS...: the server refuses the handshake
refused() {
    local what=$1 alert=$2 logged=$3 before
    shift 3
    before=$(wc -l <"$log")
    if s_client_try "$@"; then
        fail "$what: s_client succeeded: $(tail -n 5 "$root/out")"
    fi
    grep -q "$alert" "$root/out" || fail "$what: no '$alert' in: $(tail -n 5 "$root/out")"
    sleep 0.2
    tail -n +"$((before + 1))" "$log" | grep 'msg="tls handshake failed"' | grep -q "$logged" ||
        fail "$what: the log has no 'tls handshake failed ... $logged'"
}
# accepted WHAT OPTIONS...: the handshake completes and the session lasts
# until the server ends it for want of a Hello
accepted() {
    local what=$1
    shift
    s_client_try "$@" || fail "$what: s_client failed: $(tail -n 5 "$root/out")"
    grep -Eq '^ *New, TLS' "$root/out" || fail "$what: no session: $(tail -n 5 "$root/out")"
    grep -qi 'alert' "$root/out" && fail "$what: an alert: $(grep -i alert "$root/out")"
    return 0
}
tls_failures() {
    curl -sf --max-time 10 "http://127.0.0.1:$mport/metrics" |
        sed -n 's/^labelq_tls_handshake_failures_total \([0-9]*\)$/\1/p'
}

echo "== openssl s_client: refused without a certificate or with another CA's"
refused "TLS 1.3, no certificate" 'alert certificate required' 'peer did not return a certificate' -tls1_3
refused "TLS 1.2, no certificate" 'alert handshake failure' 'peer did not return a certificate' -tls1_2
refused "TLS 1.3, another CA" 'alert unknown ca' 'certificate verify failed' -tls1_3 \
    -cert "$pki/mallory.pem" -key "$pki/mallory.key"
refused "TLS 1.2, another CA" 'alert unknown ca' 'certificate verify failed' -tls1_2 \
    -cert "$pki/mallory.pem" -key "$pki/mallory.key"
refused "TLS 1.3, not a client certificate" 'alert unsupported certificate' 'certificate verify failed' \
    -tls1_3 -cert "$pki/eve.pem" -key "$pki/eve.key"
grep 'msg="client certificate refused"' "$log" | grep -q 'subject="/CN=mallory"' ||
    fail "the log does not say which certificate was refused"
grep 'msg="client certificate refused"' "$log" | grep 'subject="/CN=eve"' | grep -q 'purpose' ||
    fail "the log does not say why eve's certificate was refused"
[ "$(tls_failures)" = 5 ] || fail "labelq_tls_handshake_failures_total is '$(tls_failures)', want 5"

echo "== openssl s_client: accepted with a certificate the CA signed"
accepted "TLS 1.3, fleet certificate" -tls1_3 -cert "$pki/alice.pem" -key "$pki/alice.key"
accepted "TLS 1.2, fleet certificate" -tls1_2 -cert "$pki/alice.pem" -key "$pki/alice.key"
accepted "through an intermediate" -cert "$pki/bob.pem" -cert_chain "$pki/team.pem" -key "$pki/bob.key"
grep -q 'fleet' "$root/out" || fail "the server did not name its client CA to s_client"
[ "$(tls_failures)" = 5 ] || fail "an accepted handshake was counted as failed"

# cli_fails WANT ARGS...: labelq exits 1 with WANT on stderr
cli_fails() {
    local want=$1 code=0
    shift
    run "$LABELQ_CLI" "$@" >/dev/null 2>"$root/err" || code=$?
    [ "$code" = 1 ] || fail "labelq $*: exit $code, want 1"
    grep -qF -- "$want" "$root/err" || fail "labelq $*: want '$want' in: $(cat "$root/err")"
}

echo "== labelq: --cert/--key, LABELQ_CERT/LABELQ_KEY, and the mistakes"
cli_fails "pass --cert and --key" project list
cli_fails "did not accept our client certificate" --cert "$pki/mallory.pem" --key "$pki/mallory.key" project list
cli_fails "made for client authentication" --cert "$pki/eve.pem" --key "$pki/eve.key" project list
run "$LABELQ_CLI" --cert "$pki/alice.pem" --key "$pki/alice.key" project create fleet \
    --labels pos,neg --overlap 2 >/dev/null || fail "project create with --cert"
LABELQ_CERT=$pki/alice.pem LABELQ_KEY=$pki/alice.key run "$LABELQ_CLI" project list >/dev/null ||
    fail "project list with LABELQ_CERT/LABELQ_KEY"
run "$LABELQ_CLI" project list --cert "$pki/alice-both.pem" >/dev/null ||
    fail "project list with the key in the --cert file"
run "$LABELQ_CLI" project list --cert "$pki/bob-chain.pem" --key "$pki/bob.key" >/dev/null ||
    fail "project list with a chain through an intermediate"
cli_fails "authentication failed" --cert "$pki/alice.pem" --key "$pki/alice.key" --token not-a-token project list
cli_fails "does not match client certificate" --cert "$pki/alice.pem" --key "$pki/mallory.key" project list
cli_fails "cannot read client certificate $pki/nope.pem" --cert "$pki/nope.pem" --key "$pki/alice.key" project list
cli_fails "no usable private key" --cert "$pki/alice.pem" project list
cli_fails "without its certificate" --key "$pki/alice.key" project list

echo "== labelq-annotate and labelq-bench with --cert/--key"
export LABELQ_CERT=$pki/alice.pem LABELQ_KEY=$pki/alice.key
printf '{"id":"f%d","data":{"text":"item %d"}}\n' 1 1 2 2 3 3 4 4 >"$root/items.jsonl"
run "$LABELQ_CLI" import fleet "$root/items.jsonl" >/dev/null 2>&1 || fail "import"
ann_token=$(run "$LABELQ_CLI" annotator add carol) || fail "annotator add"
unset LABELQ_CERT LABELQ_KEY
code=0
printf '1\nq\n' | LABELQ_TOKEN=$ann_token run "$LABELQ_ANNOTATE" fleet >/dev/null 2>"$root/err" || code=$?
[ "$code" != 0 ] || fail "labelq-annotate without a certificate worked"
grep -q -- "--cert" "$root/err" || fail "labelq-annotate: no hint at --cert: $(cat "$root/err")"
printf '1\n2\nq\n' | LABELQ_TOKEN=$ann_token run "$LABELQ_ANNOTATE" fleet \
    --cert "$pki/bob-chain.pem" --key "$pki/bob.key" >/dev/null 2>"$root/err" ||
    fail "labelq-annotate --cert: $(tail -n 3 "$root/err")"
run "$LABELQ_BENCH" fleet --until-done --annotators 2 --seed 3 --cert "$pki/alice.pem" \
    --key "$pki/alice.key" >"$root/bench.out" 2>"$root/bench.err" ||
    fail "labelq-bench --cert: $(tail -n 3 "$root/bench.err")"
run "$LABELQ_CLI" --cert "$pki/alice.pem" --key "$pki/alice.key" status fleet --json >"$root/status.json" ||
    fail "status"
/usr/bin/python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert s["done"] == 4 and s["labels"] == 8, s
' "$root/status.json" || fail "want 4 items done with 8 labels: $(cat "$root/status.json")"
stop

echo "== labelqd refuses to start on a bad --client-ca"
# bad_start WANT ARGS...: labelqd exits 1 at start with WANT in its log
bad_start() {
    local want=$1 code=0
    shift
    timeout "$STEP_TIMEOUT" "$LABELQD" --data "$data" --listen "127.0.0.1:$port" \
        --metrics-listen "" "$@" >"$root/bad.log" 2>&1 || code=$?
    [ "$code" = 1 ] || fail "labelqd $*: exit $code, want 1"
    grep -qF -- "$want" "$root/bad.log" || fail "labelqd $*: want '$want' in: $(cat "$root/bad.log")"
}
bad_start 'cannot read the client CA file (--client-ca)' --client-ca "$pki/missing.pem"
echo "not a certificate" >"$root/garbage.pem"
bad_start 'cannot load the client CA file' --client-ca "$root/garbage.pem"

echo "== without --client-ca no client needs a certificate"
start
accepted "no certificate" -tls1_3
grep -q 'No client certificate CA names sent' "$root/out" ||
    fail "the server asked for a client certificate without --client-ca"
run "$LABELQ_CLI" project list >/dev/null || fail "project list without a certificate"
run "$LABELQ_CLI" --cert "$pki/mallory.pem" --key "$pki/mallory.key" project list >/dev/null ||
    fail "a certificate nobody asked for got in the way"
stop

passed=1
echo "client_ca: all checks passed"
