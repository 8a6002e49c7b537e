#!/usr/bin/env bash
# labelqd's TLS as a stock client sees it, with `openssl s_client`: TLS 1.3
# and ALPN labelq/1 are negotiated; TLS 1.1 and a TLS 1.2 offer of only a
# weak (non-ECDHE, CBC) cipher are refused by the server, not by the
# client's own security level; the certificate verifies against
# DATA/tls/ca.pem for 127.0.0.1 and localhost.
#
# Path from ctest's environment: LABELQD.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}"
STEP_TIMEOUT=10

test_workdir tls_openssl

command -v openssl >/dev/null || fail "no openssl command"

port=$(free_port)
labelqd_start "$LABELQD" "$data" "$port" "$log" --log-level debug
ca=$data/tls/ca.pem
labelqd_wait_ready "$data" "$port"

# One s_client session with the given options; its stdout and stderr go to
# $root/out. Returns s_client's status (0 when the handshake succeeded).
s_client() {
    timeout "$STEP_TIMEOUT" openssl s_client -connect "127.0.0.1:$port" -CAfile "$ca" "$@" \
        </dev/null >"$root/out" 2>&1
}

# Whether $root/out shows an established session.
established() {
    grep -Eq '^ *(New|Reused), TLS' "$root/out" && ! grep -q 'Cipher is (NONE)' "$root/out"
}

echo "== TLS 1.3 accepted"
s_client -tls1_3 -alpn labelq/1 || fail "TLS 1.3 handshake failed: $(tail -n 5 "$root/out")"
established || fail "TLS 1.3: no session: $(tail -n 5 "$root/out")"
grep -q 'TLSv1.3' "$root/out" || fail "TLS 1.3 was not negotiated"

echo "== ALPN labelq/1 negotiated"
grep -q '^ALPN protocol: labelq/1' "$root/out" || fail "no 'ALPN protocol: labelq/1' in s_client output"

echo "== certificate verifies for 127.0.0.1 and localhost"
s_client -alpn labelq/1 -verify_return_error -verify_ip 127.0.0.1 ||
    fail "certificate does not verify for IP 127.0.0.1: $(grep -i verify "$root/out" | head -3)"
grep -q 'Verify return code: 0 (ok)' "$root/out" || fail "verify return code for 127.0.0.1 is not 0"
s_client -alpn labelq/1 -verify_return_error -verify_hostname localhost -servername localhost ||
    fail "certificate does not verify for localhost: $(grep -i verify "$root/out" | head -3)"
grep -q 'Verify return code: 0 (ok)' "$root/out" || fail "verify return code for localhost is not 0"
# The same checks can fail: a name the certificate does not carry is refused.
if s_client -alpn labelq/1 -verify_return_error -verify_hostname not-this-host.example; then
    fail "the certificate verified for not-this-host.example"
fi

# SECLEVEL=0 lets this client offer what Debian's defaults would not, so a
# refusal below is the server's.
echo "== TLS 1.1 refused"
lines_before=$(wc -l <"$log")
if s_client -tls1_1 -cipher 'DEFAULT:@SECLEVEL=0' -alpn labelq/1 && established; then
    fail "the server accepted TLS 1.1"
fi
grep -Eqi 'wrong version|unsupported protocol|no protocols available|protocol version|handshake failure|alert' "$root/out" ||
    fail "TLS 1.1: s_client shows no protocol refusal: $(tail -n 5 "$root/out")"
sleep 0.2
tail -n +"$((lines_before + 1))" "$log" | grep 'tls handshake failed' | grep 'unsupported protocol' >/dev/null ||
    fail "the server's log does not show it refused TLS 1.1 as an unsupported protocol"

echo "== TLS 1.2 with only AES128-SHA refused"
lines_before=$(wc -l <"$log")
if s_client -tls1_2 -cipher 'AES128-SHA:@SECLEVEL=0' -alpn labelq/1 && established; then
    fail "the server accepted TLS 1.2 with AES128-SHA"
fi
grep -Eqi 'handshake failure|no shared cipher|alert' "$root/out" ||
    fail "TLS 1.2 AES128-SHA: s_client shows no refusal: $(tail -n 5 "$root/out")"
sleep 0.2
tail -n +"$((lines_before + 1))" "$log" | grep 'tls handshake failed' | grep 'no shared cipher' >/dev/null ||
    fail "the server's log does not show it refused AES128-SHA (no shared cipher)"

echo "== TLS 1.2 with ECDHE-AES-GCM accepted (the refusals above can pass)"
s_client -tls1_2 -cipher 'ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256' -alpn labelq/1 ||
    fail "TLS 1.2 with ECDHE AES-GCM failed: $(tail -n 5 "$root/out")"
established || fail "TLS 1.2 ECDHE AES-GCM: no session"

kill -0 "$daemon_pid" 2>/dev/null || fail "labelqd died during the TLS checks"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "labelqd exited with status $?"
daemon_pid=
passed=1
echo "tls_openssl: all checks passed"
