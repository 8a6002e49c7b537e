#!/usr/bin/env bash
# A full filesystem under the store: labelqd's data dir lives on a small
# tmpfs (or a loop-mounted ext4 image) that a filler file fills up. Then an
# import and a submit are refused with "unavailable" (the CLI exits 1 and
# says so; the submit's lease stays with the annotator), the daemon keeps
# serving, and nothing half-written shows in the counts. With the filler
# gone the same import and the same submit succeed, and after a restart the
# counts and the export hold exactly what was acknowledged.
#
# Needs mount(2) (root, or a user namespace that allows it); without it the
# test is skipped (exit 77, tests/skip.sh).
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_ANNOTATE.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}"
: "${LABELQ_ANNOTATE:?path of labelq-annotate}"
PY=/usr/bin/python3
FS_SIZE_MB=8
MAP_SIZE=1048576 # grows as needed; the filesystem runs out first
START_TRIES=150  # 15 s in steps of 0.1 s
WAIT_TRIES=100   # 10 s in steps of 0.1 s
STEP_TIMEOUT=60
N_BASE=20  # items imported before the disk fills
N_LATE=200 # items of the import that the full disk refuses (~70 KB)

root=$(mktemp -d "${TMPDIR:-/tmp}/labelq-diskfull-XXXXXX")
mnt=$root/fs
mounted=0
pid=
annotate_pid=
passed=0

cleanup() {
    exec 3>&- 2>/dev/null || true
    kill_reap "$annotate_pid" "$pid"
    if [ "$passed" != 1 ]; then
        echo "disk_full test failed; work dir $root" >&2
        tail -n 30 "$root"/*.log "$root"/*.out 2>/dev/null >&2 || true
    fi
    if [ "$mounted" = 1 ]; then
        umount "$mnt" || umount -l "$mnt" || true
    fi
    if [ "$passed" = 1 ]; then
        rm -rf "$root"
    fi
}
trap cleanup EXIT

# A small filesystem at $mnt: tmpfs, else an ext4 image on a loop device.
mount_small_fs() {
    mkdir -p "$mnt"
    if mount -t tmpfs -o "size=${FS_SIZE_MB}m" tmpfs "$mnt" 2>/dev/null; then
        mounted=1
        echo "== data dir on a ${FS_SIZE_MB} MiB tmpfs"
        return 0
    fi
    if command -v mkfs.ext4 >/dev/null &&
        dd if=/dev/zero of="$root/fs.img" bs=1M count="$FS_SIZE_MB" status=none &&
        mkfs.ext4 -q -F "$root/fs.img" &&
        mount -o loop "$root/fs.img" "$mnt" 2>/dev/null; then
        mounted=1
        echo "== data dir on a ${FS_SIZE_MB} MiB loop-mounted ext4"
        return 0
    fi
    return 1
}

if ! mount_small_fs; then
    passed=1 # nothing to keep: the cleanup removes the work dir
    skip "cannot mount a small filesystem here (needs root or a user namespace that allows mount)"
fi

data=$mnt/data
port=$(free_port)
export LABELQ_SERVER=127.0.0.1:$port LABELQ_CA=$data/tls/ca.pem

# start: starts labelqd on $data (its log outside the small filesystem) and
# waits until it answers; sets pid and LABELQ_TOKEN (the admin's).
start() {
    "$LABELQD" --data "$data" --listen "127.0.0.1:$port" --map-size "$MAP_SIZE" --metrics-listen "" \
        >>"$root/labelqd.log" 2>&1 &
    pid=$!
    wait_cli_ready "$pid" "$data" "$port" "$LABELQ_CLI"
    LABELQ_TOKEN=$(head -n 1 "$data/admin.token")
    export LABELQ_TOKEN
}

# count FIELD: one of the project's counts (tasks, done, labels, leased, pending).
count() {
    run "$LABELQ_CLI" status d.proj --json >"$root/status.json" || fail "status"
    $PY -c 'import json, sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' \
        "$root/status.json" "$1"
}

items() { # items FIRST COUNT: JSONL lines i$FIRST.. with a few hundred bytes each
    $PY - "$1" "$2" <<'PY'
import json, sys
first, n = int(sys.argv[1]), int(sys.argv[2])
for i in range(first, first + n):
    print(json.dumps({"id": "i%d" % i, "data": {"text": ("item %d " % i) * 40}}))
PY
}

start
echo "== before the disk fills"
run "$LABELQ_CLI" project create d.proj --labels yes,no --overlap 1 >/dev/null || fail "project create"
run "$LABELQ_CLI" annotator add alice >"$root/alice.out" || fail "annotator add"
alice_token=$(cat "$root/alice.out")
items 0 "$N_BASE" >"$root/base.jsonl"
items "$N_BASE" "$N_LATE" >"$root/late.jsonl"
run "$LABELQ_CLI" import d.proj "$root/base.jsonl" >/dev/null || fail "first import"

# alice takes one item and waits for her decision on a FIFO
mkfifo "$root/decisions"
LABELQ_TOKEN=$alice_token "$LABELQ_ANNOTATE" d.proj <"$root/decisions" >"$root/annotate.out" 2>&1 &
annotate_pid=$!
exec 3>"$root/decisions"
for _ in $(seq "$WAIT_TRIES"); do
    [ "$(count leased)" = 1 ] && break
    sleep 0.1
done
[ "$(count leased)" = 1 ] || fail "alice holds no lease"

echo "== fill the filesystem"
dd if=/dev/zero of="$mnt/filler" bs=64k status=none 2>/dev/null || true
avail=$(df -k --output=avail "$mnt" | tail -n 1 | tr -d ' ')
[ "$avail" -lt 64 ] || fail "the filesystem still has $avail KiB free"

echo "== import on a full disk: unavailable, nothing stored"
if run "$LABELQ_CLI" import d.proj "$root/late.jsonl" >"$root/import-full.out" 2>&1; then
    fail "an import on a full disk succeeded: $(cat "$root/import-full.out")"
else
    rc=$?
fi
[ "$rc" = 1 ] || fail "labelq import exited $rc on a full disk (want 1)"
grep -qi unavailable "$root/import-full.out" ||
    fail "labelq import did not say unavailable: $(cat "$root/import-full.out")"
[ "$(count tasks)" = "$N_BASE" ] || fail "tasks after the refused import: $(count tasks)"

echo "== submits on a full disk: one is refused, its lease stays"
# A submit that fits in pages the store already has (LMDB reuses freed
# pages) is stored; alice labels until one needs new space and is refused.
answers() { grep -c "^\(labeled item\|could not submit\)" "$root/annotate.out" || true; }
for i in $(seq "$N_BASE"); do
    echo 1 >&3
    for _ in $(seq "$WAIT_TRIES"); do
        [ "$(answers)" -ge "$i" ] && break
        sleep 0.1
    done
    [ "$(answers)" -ge "$i" ] || fail "no answer to submit $i: $(tail -n 3 "$root/annotate.out")"
    grep -q "could not submit" "$root/annotate.out" && break
done
grep "could not submit" "$root/annotate.out" | grep -i unavailable >/dev/null ||
    fail "no submit was refused as unavailable on a full disk: $(tail -n 3 "$root/annotate.out")"
acked=$(grep -c "^labeled item" "$root/annotate.out" || true)
echo "   $acked submits fit in free pages, then one was refused"
[ "$(count labels)" = "$acked" ] || fail "labels after the refused submit: $(count labels), acknowledged $acked"
[ "$(count leased)" = 1 ] || fail "alice lost her lease with the refused submit"
kill -0 "$pid" || fail "labelqd died on a full disk"
kill -0 "$annotate_pid" || fail "labelq-annotate gave up after the refused submit"

echo "== space returns: the same import and submit succeed"
rm -f "$mnt/filler"
run "$LABELQ_CLI" import d.proj "$root/late.jsonl" >"$root/import-ok.out" 2>&1 ||
    fail "import after space returned: $(cat "$root/import-ok.out")"
[ "$(count tasks)" = $((N_BASE + N_LATE)) ] || fail "tasks after the retried import: $(count tasks)"
echo 1 >&3 # the item still on screen: the refused one
for _ in $(seq "$WAIT_TRIES"); do
    [ "$(grep -c "^labeled item" "$root/annotate.out" || true)" -gt "$acked" ] && break
    sleep 0.1
done
acked=$((acked + 1))
[ "$(grep -c "^labeled item" "$root/annotate.out" || true)" = "$acked" ] ||
    fail "the retried submit was not acknowledged: $(tail -n 3 "$root/annotate.out")"
echo q >&3
exec 3>&-
wait "$annotate_pid" || fail "labelq-annotate exited $?: $(tail -n 3 "$root/annotate.out")"
annotate_pid=

echo "== restart: exactly what was acknowledged"
kill -TERM "$pid"
wait "$pid" || fail "labelqd exited $? after SIGTERM"
start
[ "$(count tasks)" = $((N_BASE + N_LATE)) ] || fail "tasks after restart: $(count tasks)"
[ "$(count labels)" = "$acked" ] || fail "labels after restart: $(count labels), acknowledged $acked"
[ "$(count done)" = "$acked" ] || fail "done after restart: $(count done), acknowledged $acked"
[ "$(count leased)" = 0 ] || fail "leased after restart: $(count leased)"
run "$LABELQ_CLI" export d.proj -o "$root/export.jsonl" >/dev/null || fail "export"
[ "$(wc -l <"$root/export.jsonl")" = "$acked" ] ||
    fail "export lines: $(wc -l <"$root/export.jsonl"), acknowledged $acked"
# every acknowledged item once, labeled yes by alice
grep "^labeled item" "$root/annotate.out" | sed 's/^labeled item \([^:]*\):.*/\1/' >"$root/acked.txt"
$PY - "$root/export.jsonl" "$root/acked.txt" <<'PY' || fail "export content: $(head -c 2000 "$root/export.jsonl")"
import json, sys
lines = [json.loads(l) for l in open(sys.argv[1])]
acked = open(sys.argv[2]).read().split()
assert sorted(l["id"] for l in lines) == sorted(acked), ([l["id"] for l in lines], acked)
for line in lines:
    assert line["label"] == "yes", line
    assert [a["annotator"] for a in line["annotations"]] == ["alice"], line
PY
kill -TERM "$pid"
wait "$pid" || fail "labelqd exited $? after the last SIGTERM"
pid=
passed=1
echo "PASS"
