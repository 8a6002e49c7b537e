#!/usr/bin/env bash
# labelqd speaks systemd's notify protocol (Type=notify in
# deploy/labelqd.service): with NOTIFY_SOCKET set it sends READY=1 once its
# port accepts connections, and STOPPING=1 when SIGTERM arrives, then exits 0.
# The socket here is a unix datagram socket this test binds, as systemd would.
# It also starts labelqd from a config file, as the unit does.
#
# Path from ctest's environment: LABELQD.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}"
PY=/usr/bin/python3

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-notify-XXXXXX")
trap 'rm -rf "$root"' EXIT

port=$(free_port)
cat >"$root/labelqd.conf" <<CONF
[labelqd]
data = $root/data
listen = 127.0.0.1:$port
log-level = debug
CONF

$PY - "$LABELQD" "$root" "$port" <<'PY'
import os, signal, socket, subprocess, sys, time

labelqd, root, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
START_S, STOP_S = 15, 20

def fail(msg):
    print("FAIL:", msg, file=sys.stderr)
    try:
        print(open(log_path).read()[-3000:], file=sys.stderr)
    except OSError:
        pass
    if proc.poll() is None:
        proc.kill()
    sys.exit(1)

def port_open():
    try:
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
        return True
    except OSError:
        return False

def receive(deadline):
    """The next notification as a dict, or None when the deadline passes."""
    while time.monotonic() < deadline:
        sock.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            msg = sock.recv(4096).decode()
        except socket.timeout:
            return None
        return dict(line.split("=", 1) for line in msg.split("\n") if "=" in line)
    return None

path = os.path.join(root, "notify.sock")
sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
sock.bind(path)
log_path = os.path.join(root, "labelqd.log")
env = dict(os.environ, NOTIFY_SOCKET=path)
with open(log_path, "w") as log:
    proc = subprocess.Popen([labelqd, "--config", os.path.join(root, "labelqd.conf")],
                            stdout=log, stderr=log, env=env)

ready = receive(time.monotonic() + START_S)
if ready is None:
    fail("no notification within %d s" % START_S)
if ready.get("READY") != "1":
    fail("first notification is %r, want READY=1" % ready)
# READY=1 means "serving": the port must accept connections already.
if not port_open():
    fail("READY=1 came before 127.0.0.1:%d accepted connections" % port)
if ready.get("STATUS") != "listening on 127.0.0.1:%d" % port:
    fail("STATUS is %r" % ready.get("STATUS"))
if not os.path.exists(os.path.join(root, "data", "admin.token")):
    fail("the config file's data directory was not used")

proc.send_signal(signal.SIGTERM)
stopping = receive(time.monotonic() + STOP_S)
if stopping is None or stopping.get("STOPPING") != "1":
    fail("after SIGTERM got %r, want STOPPING=1" % stopping)
try:
    code = proc.wait(STOP_S)
except subprocess.TimeoutExpired:
    fail("labelqd still running %d s after SIGTERM" % STOP_S)
if code != 0:
    fail("labelqd exited %d after SIGTERM, want 0" % code)
extra = receive(time.monotonic() + 0.2)
if extra is not None:
    fail("unexpected notification after STOPPING=1: %r" % extra)
print("sd_notify: ok")
PY
