#!/usr/bin/env bash
# labelqd's metrics endpoint (--metrics-listen): after a little work with the
# command-line programs, GET /metrics is Prometheus text that parses into
# families with the right task counts, counters and cumulative histograms;
# GET /healthz says ok; other paths, other methods and an oversized header
# block get errors and the daemon serves on; --metrics-listen "" opens no
# port at all.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_ANNOTATE.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_ANNOTATE:?path of labelq-annotate}"
PY=/usr/bin/python3
START_TRIES=150 # 15 s in steps of 0.1 s
STEP_TIMEOUT=60

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-metrics-XXXXXX")
pids=()
passed=0

cleanup() {
    kill_reap "${pids[@]}"
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    else
        echo "metrics test failed; work dir $root" >&2
        tail -n 20 "$root"/*.log >&2 || true
    fi
}
trap cleanup EXIT

# start NAME ARGS...: starts labelqd on $root/NAME and a free TLS port, waits
# until it answers, and sets pid and port.
start() {
    local name=$1
    shift
    port=$(free_port)
    "$LABELQD" --data "$root/$name" --listen "127.0.0.1:$port" "$@" >"$root/$name.log" 2>&1 &
    pid=$!
    pids+=("$pid")
    wait_cli_ready "$pid" "$root/$name" "$port" "$LABELQ_CLI" "$name"
}

# listening PID: how many TCP sockets of process PID are listening.
listening() {
    $PY - "$1" <<'PY'
import os, sys
pid = sys.argv[1]
inodes = set()
for fd in os.listdir("/proc/%s/fd" % pid):
    try:
        target = os.readlink("/proc/%s/fd/%s" % (pid, fd))
    except OSError:
        continue
    if target.startswith("socket:["):
        inodes.add(target[8:-1])
n = 0
for table in ("/proc/net/tcp", "/proc/net/tcp6"):
    try:
        lines = open(table).read().splitlines()[1:]
    except OSError:
        continue
    for line in lines:
        f = line.split()
        if f[3] == "0A" and f[9] in inodes: # 0A: LISTEN
            n += 1
print(n)
PY
}

mport=$(free_port)
start main --metrics-listen "127.0.0.1:$mport"
main_pid=$pid
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$root/main/tls/ca.pem
export LABELQ_TOKEN=$(head -n 1 "$root/main/admin.token")
base=http://127.0.0.1:$mport
[ "$(listening "$main_pid")" = 2 ] || fail "want 2 listening sockets (TLS and metrics)"

echo "== a little work"
run "$LABELQ_CLI" project create "m.proj" --labels yes,no --overlap 1 >/dev/null || fail "project create"
run "$LABELQ_CLI" annotator add alice >"$root/alice.out" || fail "annotator add"
alice_token=$(cat "$root/alice.out")
for i in 1 2 3 4 5; do
    echo "{\"id\": \"i$i\", \"data\": {\"text\": \"item $i\"}}"
done >"$root/items.jsonl"
run "$LABELQ_CLI" import m.proj "$root/items.jsonl" >/dev/null || fail "import"
# label two tasks (yes, no), then quit
printf '1\n2\nq\n' | LABELQ_TOKEN=$alice_token run "$LABELQ_ANNOTATE" m.proj \
    >"$root/annotate.out" 2>&1 || fail "labelq-annotate: $(tail -n 5 "$root/annotate.out")"
# one refused Hello, one failed TLS handshake
if LABELQ_TOKEN=not-a-token run "$LABELQ_CLI" project list >/dev/null 2>&1; then
    fail "a bad token was accepted"
fi
$PY -c '
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=5)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
try:
    while s.recv(4096):
        pass
except OSError:
    pass
' "$port"

echo "== GET /metrics"
curl -sf --max-time 10 "$base/metrics" >"$root/metrics.txt" || fail "curl /metrics"
curl -sf --max-time 10 -o /dev/null -w '%{content_type}\n' "$base/metrics" >"$root/ctype"
grep -q '^text/plain; version=0.0.4' "$root/ctype" || fail "content type: $(cat "$root/ctype")"
$PY - "$root/metrics.txt" <<'PY' || fail "/metrics content (in $root/metrics.txt)"
import math, re, sys

sample_re = re.compile(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})? (\S+)$')
label_re = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"(,|$)')
families = {}  # name -> {"type", "help", "samples": [(name, labels, value)]}
current = None
for n, line in enumerate(open(sys.argv[1]).read().split("\n"), 1):
    if line == "":
        continue
    if line.startswith("# HELP "):
        name = line.split(" ", 3)[2]
        assert name not in families, "family %s twice (line %d)" % (name, n)
        families[name] = {"help": line.split(" ", 3)[3], "type": None, "samples": []}
        current = name
        continue
    if line.startswith("# TYPE "):
        _, _, name, kind = line.split(" ")
        assert name == current, "TYPE for %s without its HELP first (line %d)" % (name, n)
        assert kind in ("counter", "gauge", "histogram"), line
        families[name]["type"] = kind
        continue
    assert not line.startswith("#"), "stray comment line %d: %s" % (n, line)
    m = sample_re.match(line)
    assert m, "line %d does not parse: %r" % (n, line)
    name, labels_text, value = m.group(1), m.group(3) or "", float(m.group(4))
    labels = {}
    pos = 0
    while pos < len(labels_text):
        lm = label_re.match(labels_text, pos)
        assert lm, "bad labels on line %d: %r" % (n, line)
        labels[lm.group(1)] = lm.group(2)
        pos = lm.end()
    assert current is not None and families[current]["type"], "sample before HELP/TYPE: %s" % line
    base = current
    if families[current]["type"] == "histogram":
        assert name in (base + "_bucket", base + "_sum", base + "_count"), (name, base)
    else:
        assert name == base, "sample %s under family %s (line %d)" % (name, base, n)
    families[current]["samples"].append((name, labels, value))

def value(family, **labels):
    hits = [v for (_, l, v) in families[family]["samples"] if l == labels]
    assert len(hits) == 1, (family, labels, families[family]["samples"])
    return hits[0]

want = ["labelq_tasks", "labelq_labels_total", "labelq_gold_items", "labelq_connections",
        "labelq_tls_handshake_failures_total", "labelq_auth_failures_total",
        "labelq_lease_seconds", "labelq_commit_seconds", "labelq_commits_total",
        "labelq_write_ops_total", "labelq_map_grows_total", "labelq_commit_batch_ops_max",
        "labelq_lmdb_map_bytes", "labelq_lmdb_used_bytes"]
for f in want:
    assert f in families, "missing family " + f

assert value("labelq_tasks", project="m.proj", state="pending") == 3
assert value("labelq_tasks", project="m.proj", state="leased") == 0
assert value("labelq_tasks", project="m.proj", state="done") == 2
assert value("labelq_labels_total", project="m.proj") == 2
assert value("labelq_gold_items", project="m.proj") == 0
assert value("labelq_auth_failures_total") >= 1
assert value("labelq_tls_handshake_failures_total") >= 1
assert value("labelq_commits_total") >= 1
assert value("labelq_write_ops_total") >= 4  # project, annotator, import, 2 labels
assert 0 < value("labelq_lmdb_used_bytes") <= value("labelq_lmdb_map_bytes")

for name, f in families.items():
    for sname, _, v in f["samples"]:
        assert not math.isnan(v), sname
        if f["type"] in ("counter", "histogram"):
            assert v >= 0, "%s is negative" % sname

def histogram(family):
    buckets = [(l["le"], v) for (n, l, v) in families[family]["samples"] if n.endswith("_bucket")]
    count = [v for (n, _, v) in families[family]["samples"] if n == family + "_count"]
    total = [v for (n, _, v) in families[family]["samples"] if n == family + "_sum"]
    assert len(count) == 1 and len(total) == 1, family
    assert buckets and buckets[-1][0] == "+Inf", "%s does not end with +Inf" % family
    bounds = [float(le) for le, _ in buckets]
    assert bounds == sorted(bounds), "%s bounds out of order" % family
    counts = [v for _, v in buckets]
    assert all(a <= b for a, b in zip(counts, counts[1:])), "%s not cumulative" % family
    assert counts[-1] == count[0], "%s: +Inf %s != _count %s" % (family, counts[-1], count[0])
    return count[0], total[0]

n, s = histogram("labelq_lease_seconds")
assert n >= 2 and s > 0, ("leases", n, s)  # at least the two labeled tasks
n, s = histogram("labelq_commit_seconds")
assert n == 2 and s > 0, ("commits", n, s)  # the two submits
print("metrics: %d families parse" % len(families))
PY

echo "== /healthz, errors"
[ "$(curl -s --max-time 10 -w '%{http_code}' -o "$root/health" "$base/healthz")" = 200 ] ||
    fail "/healthz status"
[ "$(cat "$root/health")" = ok ] || fail "/healthz body: $(cat "$root/health")"
[ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' "$base/nope")" = 404 ] ||
    fail "unknown path is not 404"
[ "$(curl -s --max-time 10 -o /dev/null -w '%{http_code}' -X POST -d x=1 "$base/metrics")" = 405 ] ||
    fail "POST is not 405"
$PY - "$mport" <<'PY' || fail "oversized header block"
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])), timeout=10)
try:
    s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 9000 + b"\r\n\r\n")
except OSError:
    sys.exit(0)  # closed on us: fine
reply = b""
try:
    while True:
        chunk = s.recv(4096)
        if not chunk:
            break
        reply += chunk
except OSError:
    pass
status = reply.split(b"\r\n", 1)[0]
assert reply == b"" or (status.startswith(b"HTTP/1.1 4") and b" 200 " not in status), reply[:200]
print("oversized header block:", status.decode() or "closed")
PY
[ "$(curl -s --max-time 10 "$base/healthz")" = ok ] || fail "/healthz after the oversized request"
run "$LABELQ_CLI" project list | grep '^m.proj ' >/dev/null || fail "TLS service after the metrics tests"
kill -0 "$main_pid" || fail "labelqd died"

echo "== --metrics-listen \"\" opens nothing"
start off --metrics-listen ""
[ "$(listening "$pid")" = 1 ] || fail "with --metrics-listen \"\" want only the TLS port listening"
grep -q 'metrics endpoint off' "$root/off.log" || fail "no 'metrics endpoint off' in the log"

echo "== SIGTERM still stops cleanly"
kill -TERM "$main_pid"
for _ in $(seq 100); do
    kill -0 "$main_pid" 2>/dev/null || break
    sleep 0.1
done
kill -0 "$main_pid" 2>/dev/null && fail "labelqd still running 10 s after SIGTERM"
code=0
wait "$main_pid" || code=$?
[ "$code" = 0 ] || fail "labelqd exited $code after SIGTERM"

passed=1
echo "metrics: ok"
