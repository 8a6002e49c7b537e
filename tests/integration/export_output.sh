#!/usr/bin/env bash
# Where `labelq export -o PATH` and `labelq backup PATH` write (docs/cli.md,
# "Output files"): a new path and an existing regular file get PATH.tmp
# renamed over them (a hard link to the old file keeps the old data); a
# symbolic link stays a link and its target gets the data; a character
# device (made with mknod in the work dir: /dev/null's and /dev/full's
# numbers) stays a device and is written in place, so a full device is an
# error; a FIFO stays a FIFO and its reader gets the data; a directory and a
# link that leads nowhere are refused (exit 1) and left as they were, and so
# is a link or a FIFO at PATH.tmp (never written through); /dev/stdout is
# labelq's own stdout, appending where the shell appends. labelq-bench does
# the labeling.
#
# Paths come from ctest's environment: LABELQD, LABELQ_CLI, LABELQ_BENCH.
set -euo pipefail
# shellcheck source-path=SCRIPTDIR
# shellcheck source=daemon.sh
. "$(dirname "$0")/daemon.sh"

: "${LABELQD:?path of labelqd}" "${LABELQ_CLI:?path of labelq}" "${LABELQ_BENCH:?path of labelq-bench}"
START_TRIES=150
STEP_TIMEOUT=60
N=30 # items

cli_daemon_start export_output
cd "$root"
# Device nodes of our own, so that no test ever touches the real /dev/null.
if ! mknod null c 1 3 2>/dev/null || ! mknod full c 1 7 2>/dev/null || [ ! -c null ]; then
    skip "cannot mknod character devices here (needs root with CAP_MKNOD)"
fi

for i in $(seq "$N"); do printf '{"id":"o%d","data":{"n":%d}}\n' "$i" "$i"; done >items.jsonl
run "$LABELQ_CLI" project create out --labels a,b --overlap 1 >/dev/null || fail "project create"
run "$LABELQ_CLI" import out items.jsonl >/dev/null 2>&1 || fail "import"
run "$LABELQ_BENCH" out --annotators 1 --until-done --seed 5 >bench.out 2>bench.err ||
    fail "labelq-bench: $(tail -n 3 bench.err)"

# export_ok PATH: labelq export out -o PATH exits 0
export_ok() {
    run "$LABELQ_CLI" export out -o "$1" 2>err || fail "export -o $1: $(cat err)"
}
# refused CMD PATH WANT: labelq CMD (export or backup) to PATH exits 1 with WANT
refused() {
    local code=0
    if [ "$1" = export ]; then
        run "$LABELQ_CLI" export out -o "$2" 2>err || code=$?
    else
        run "$LABELQ_CLI" backup "$2" 2>err || code=$?
    fi
    [ "$code" = 1 ] || fail "$1 to $2: exit $code, want 1: $(cat err)"
    grep -qF -- "$3" err || fail "$1 to $2: want '$3' in: $(cat err)"
}
inode() { stat -c %i "$1"; }

echo "== a new path: written through PATH.tmp"
export_ok ref.jsonl
[ "$(wc -l <ref.jsonl)" = "$N" ] || fail "the export has $(wc -l <ref.jsonl) lines, want $N"
[ ! -e ref.jsonl.tmp ] || fail "ref.jsonl.tmp left behind"

echo "== a symbolic link: it stays a link, its target gets the data"
mkdir -p elsewhere
echo old >elsewhere/target.jsonl
ln -s elsewhere/target.jsonl link.jsonl
export_ok link.jsonl
[ -L link.jsonl ] || fail "link.jsonl is no longer a symbolic link"
[ "$(readlink link.jsonl)" = elsewhere/target.jsonl ] || fail "link.jsonl points elsewhere now"
cmp -s elsewhere/target.jsonl ref.jsonl || fail "the link's target does not hold the export"
[ ! -e link.jsonl.tmp ] || fail "link.jsonl.tmp left behind"
[ ! -e elsewhere/target.jsonl.tmp ] || fail "elsewhere/target.jsonl.tmp left behind"

echo "== a character device: written in place, never replaced"
export_ok null
[ -c null ] || fail "the device node 'null' was replaced by a $(stat -c %F null)"
[ ! -e null.tmp ] || fail "null.tmp was made for a device"
refused export full "No space left on device"
[ -c full ] || fail "the device node 'full' was replaced by a $(stat -c %F full)"

echo "== a FIFO: written in place, its reader gets the data"
mkfifo pipe
timeout "$STEP_TIMEOUT" cat pipe >pipe.out &
reader=$!
export_ok pipe
wait "$reader" || fail "the FIFO's reader ended with status $?"
[ -p pipe ] || fail "the FIFO was replaced by a $(stat -c %F pipe)"
cmp -s pipe.out ref.jsonl || fail "the FIFO's reader did not get the export"

echo "== a directory, a link that leads nowhere: refused, left as they were"
mkdir adir
refused export adir "it is a directory"
[ -d adir ] || fail "the directory was replaced"
[ -z "$(ls -A adir)" ] || fail "something was written into the directory: $(ls -A adir)"
[ ! -e adir.tmp ] || fail "adir.tmp left behind"
ln -s missing.jsonl dangling.jsonl
refused export dangling.jsonl "symbolic link that leads nowhere"
[ -L dangling.jsonl ] || fail "the dangling link was replaced"
[ ! -e missing.jsonl ] || fail "the dangling link was followed"

echo "== an existing regular file: replaced by rename, never written in place"
echo old >file.jsonl
ln file.jsonl file.hardlink
before=$(inode file.jsonl)
export_ok file.jsonl
cmp -s file.jsonl ref.jsonl || fail "file.jsonl does not hold the export"
[ "$(inode file.jsonl)" != "$before" ] || fail "file.jsonl was written in place, not renamed over"
[ "$(cat file.hardlink)" = old ] || fail "the old file changed under its other name"

echo "== a link or a FIFO at PATH.tmp: refused, not written through"
echo secret >victim
ln -s victim trap.jsonl.tmp
refused export trap.jsonl "cannot create trap.jsonl.tmp"
[ "$(cat victim)" = secret ] || fail "the export wrote through the link at trap.jsonl.tmp"
[ ! -e trap.jsonl ] || fail "trap.jsonl was made"
mkfifo stuck.jsonl.tmp
refused export stuck.jsonl "not a regular file is there"
[ -p stuck.jsonl.tmp ] || fail "the FIFO at stuck.jsonl.tmp was replaced"
[ ! -e stuck.jsonl ] || fail "stuck.jsonl was made"

echo "== backup: the same rule"
run "$LABELQ_CLI" backup store.mdb 2>err || fail "backup to a new path: $(cat err)"
[ "$(stat -c %a store.mdb)" = 600 ] || fail "the backup's mode is $(stat -c %a store.mdb), want 600"
size=$(stat -c %s store.mdb)
[ "$size" -gt 0 ] || fail "the backup is empty"
echo old >elsewhere/backup.mdb
ln -s elsewhere/backup.mdb backup-link.mdb
run "$LABELQ_CLI" backup backup-link.mdb 2>err || fail "backup to a link: $(cat err)"
[ -L backup-link.mdb ] || fail "backup replaced the symbolic link"
[ "$(stat -c %s elsewhere/backup.mdb)" = "$size" ] || fail "the link's target does not hold the backup"
run "$LABELQ_CLI" backup null 2>err || fail "backup to a device: $(cat err)"
[ -c null ] || fail "backup replaced the device node"
refused backup full "No space left on device"
mkfifo bpipe
timeout "$STEP_TIMEOUT" cat bpipe >bpipe.out &
reader=$!
run "$LABELQ_CLI" backup bpipe 2>err || fail "backup to a FIFO: $(cat err)"
wait "$reader" || fail "the FIFO's reader ended with status $?"
[ -p bpipe ] || fail "backup replaced the FIFO"
[ "$(stat -c %s bpipe.out)" = "$size" ] || fail "the FIFO's reader got $(stat -c %s bpipe.out) bytes, want $size"
refused backup adir "it is a directory"

# Last: labelq before this rule renamed a file over /dev/stdout itself.
echo "== /dev/stdout is labelq's stdout, appended to as the shell opened it"
echo first >appended.jsonl
run "$LABELQ_CLI" export out -o /dev/stdout >>appended.jsonl 2>err || fail "export -o /dev/stdout: $(cat err)"
{
    echo first
    cat ref.jsonl
} | cmp -s - appended.jsonl || fail "export -o /dev/stdout >> FILE did not append the export to FILE"
[ -L /dev/stdout ] || [ -c /dev/stdout ] || fail "/dev/stdout was replaced"
run "$LABELQ_CLI" export out -o /dev/stdout 2>err | cmp -s - ref.jsonl || fail "export -o /dev/stdout into a pipe"

passed=1
echo "export_output: all checks passed"
