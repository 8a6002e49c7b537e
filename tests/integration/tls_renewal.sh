#!/usr/bin/env bash
# The TLS material labelqd makes and keeps (docs/operations.md, "TLS"): its
# CA has basicConstraints CA:TRUE with pathlen:0 and keyUsage keyCertSign,
# cRLSign. A server certificate it made (signed by DATA/tls/ca.pem) that has
# expired, or ends within 30 days, is renewed at start: the new one runs
# about 825 days, names what the old one named, is signed by the same CA
# (ca.pem and ca.key unchanged), and a client holding the old ca.pem
# connects. One with years left is kept. A certificate from another CA (the
# operator's) that ends tomorrow is only warned about, never replaced. The
# old certificates are made here with `openssl ca`, which can date them in
# the past.
#
# Paths from ctest's environment: LABELQD, LABELQ_CLI.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
STEP_TIMEOUT=20
FAR_DAYS=800 # a renewed certificate must not end sooner than this

test_workdir tls_renewal
command -v openssl >/dev/null || fail "no openssl command"
tls=$data/tls
port=$(free_port)
touch "$log"
start() {
    before=$(wc -l <"$log")
    "$LABELQD" --data "$data" --listen "127.0.0.1:$port" --metrics-listen "" >>"$log" 2>&1 &
    daemon_pid=$!
    labelqd_wait_ready "$data" "$port"
}
# The log since the last start.
this_run() { tail -n +"$((before + 1))" "$log"; }
stop() {
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || fail "labelqd exited with status $? after SIGTERM"
    daemon_pid=
}
renewals() { grep -c 'msg="renewed TLS server certificate"' "$log" || true; }

# server_cert ISSUER SANS OUT DATES...: a server certificate for
# tls/server.key named SANS, issued by ISSUER (ISSUER.pem and ISSUER.key),
# valid as DATES say (openssl ca's -days N, or -startdate/-enddate), in OUT.
server_cert() {
    local issuer=$1 sans=$2 out=$3 ca=$root/ca-work
    shift 3
    rm -rf "$ca" && mkdir -p "$ca" && touch "$ca/index.txt" && echo 01 >"$ca/serial"
    cat >"$ca/ca.cnf" <<CNF
[ca]
default_ca = work
[work]
database = $ca/index.txt
new_certs_dir = $ca
serial = $ca/serial
default_md = sha256
policy = any
x509_extensions = server
[any]
commonName = supplied
[server]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = $sans
CNF
    openssl req -new -key "$tls/server.key" -subj "/O=labelq/CN=labelqd" -out "$ca/server.csr" ||
        fail "openssl req"
    openssl ca -batch -notext -config "$ca/ca.cnf" -cert "$issuer.pem" -keyfile "$issuer.key" \
        -in "$ca/server.csr" -out "$out" "$@" 2>"$ca/err" || fail "openssl ca: $(cat "$ca/err")"
}
# verifies CA: openssl s_client verifies the served certificate against CA
verifies() {
    timeout "$STEP_TIMEOUT" openssl s_client -connect "127.0.0.1:$port" -CAfile "$1" \
        -alpn labelq/1 -verify_return_error -verify_ip 127.0.0.1 </dev/null >"$root/out" 2>&1 &&
        grep -q 'Verify return code: 0 (ok)' "$root/out"
}

echo "== the CA labelqd makes: CA:TRUE, pathlen:0, keyCertSign and cRLSign"
start
stop
openssl x509 -in "$tls/ca.pem" -noout -ext basicConstraints >"$root/bc" || fail "openssl x509 ca.pem"
grep -q 'CA:TRUE, pathlen:0' "$root/bc" ||
    fail "the CA's basicConstraints are not 'CA:TRUE, pathlen:0': $(cat "$root/bc")"
grep -q 'critical' "$root/bc" || fail "the CA's basicConstraints are not critical"
openssl x509 -in "$tls/ca.pem" -noout -ext keyUsage | grep -q 'Certificate Sign, CRL Sign' ||
    fail "the CA's keyUsage lacks keyCertSign or cRLSign"
cp "$tls/ca.pem" "$root/old-ca.pem"
cp "$tls/ca.key" "$root/old-ca.key"

echo "== an expired certificate labelqd's CA signed: renewed at start"
server_cert "$tls/ca" "DNS:localhost,IP:127.0.0.1,IP:::1,DNS:renew.example" "$tls/server.pem" \
    -startdate 20200101000000Z -enddate 20200201000000Z
if openssl verify -CAfile "$root/old-ca.pem" "$tls/server.pem" >/dev/null 2>&1; then
    fail "the expired certificate verifies: the test is wrong"
fi
start
this_run | grep 'msg="renewed TLS server certificate"' | grep -q 'old_not_after=2020-02-01T00:00:00Z' ||
    fail "no 'renewed TLS server certificate ... old_not_after=2020-02-01' in the log"
openssl x509 -in "$tls/server.pem" -noout -checkend $((FAR_DAYS * 86400)) >/dev/null ||
    fail "the renewed certificate ends within $FAR_DAYS days: $(openssl x509 -in "$tls/server.pem" -noout -enddate)"
cmp -s "$tls/ca.pem" "$root/old-ca.pem" || fail "ca.pem changed"
cmp -s "$tls/ca.key" "$root/old-ca.key" || fail "ca.key changed"
openssl x509 -in "$tls/server.pem" -noout -ext subjectAltName | grep -q 'DNS:renew.example' ||
    fail "the renewed certificate lost the name renew.example"
openssl verify -CAfile "$root/old-ca.pem" "$tls/server.pem" >/dev/null || fail "the renewed certificate does not verify"
verifies "$root/old-ca.pem" || fail "s_client with the old ca.pem: $(grep -i verif "$root/out" | head -3)"
LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$root/old-ca.pem LABELQ_TOKEN_FILE=$data/admin.token \
    run "$LABELQ_CLI" project list >/dev/null 2>"$root/err" ||
    fail "labelq with the old ca.pem: $(cat "$root/err")"
stop

echo "== a certificate with years left: kept"
cp "$tls/server.pem" "$root/renewed.pem"
start
stop
cmp -s "$tls/server.pem" "$root/renewed.pem" || fail "a certificate with years left was replaced"
[ "$(renewals)" = 1 ] || fail "$(renewals) renewals logged, want 1"

echo "== one that ends in 10 days: renewed"
server_cert "$tls/ca" "DNS:localhost,IP:127.0.0.1" "$tls/server.pem" -days 10
start
stop
[ "$(renewals)" = 2 ] || fail "a certificate ending in 10 days was not renewed"
openssl x509 -in "$tls/server.pem" -noout -checkend $((FAR_DAYS * 86400)) >/dev/null ||
    fail "the certificate ending in 10 days was not replaced by a long one"

echo "== an operator's certificate from another CA, ending tomorrow: warned about, kept"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=operator CA" \
    -days 30 -keyout "$root/op-ca.key" -out "$root/op-ca.pem" 2>/dev/null || fail "openssl req -x509"
server_cert "$root/op-ca" "DNS:localhost,IP:127.0.0.1" "$tls/server.pem" -days 1
cp "$tls/server.pem" "$root/operator.pem"
start
this_run | grep 'the TLS server certificate expires soon' | grep -Eq 'days_left=[01]( |$)' ||
    fail "no warning 'the TLS server certificate expires soon ... days_left=1' in the log"
verifies "$root/op-ca.pem" || fail "the operator's certificate is not the one served"
stop
cmp -s "$tls/server.pem" "$root/operator.pem" || fail "the operator's certificate was replaced"
[ "$(renewals)" = 2 ] || fail "the operator's certificate was renewed"
cmp -s "$tls/ca.pem" "$root/old-ca.pem" || fail "ca.pem changed"

passed=1
echo "tls_renewal: all checks passed"
