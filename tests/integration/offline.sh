# shellcheck shell=bash
# What the offline-command scripts (offline_cli.sh, offline_typed.sh) share,
# sourced after `set -euo pipefail` with LABELQ (the labelq binary), PY
# (a python3) and CHECK_PRELUDE (Python lines run before each check, e.g.
# imports; may be empty) set: a work dir removed at exit, fail, skip
# (tests/skip.sh), check and expect_fail. When CHECK_PRELUDE does not run
# (a reference library is missing), the test is skipped.

# shellcheck source=SCRIPTDIR/../skip.sh
. "$(dirname "${BASH_SOURCE[0]}")/../skip.sh"

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

# A reference library that CHECK_PRELUDE imports and this python lacks
# makes the test one the machine cannot run; any other error is a failure.
if ! why=$($PY -c "$CHECK_PRELUDE" 2>&1); then
    last=$(tail -n 1 <<<"$why")
    case $last in
    ModuleNotFoundError:* | ImportError:*) skip "$PY cannot import what the checks use: $last" ;;
    *) fail "CHECK_PRELUDE does not run: $why" ;;
    esac
fi

dir=$(mktemp -d "${TMPDIR:-/tmp}/labelq-offline-XXXXXX")
trap 'rm -rf "$dir"' EXIT
cd "$dir" || exit 1

# check FILE PYTHON: runs PYTHON with d = the JSON in FILE (after
# CHECK_PRELUDE); it asserts.
check() {
    $PY -c "
import json, math, sys
$CHECK_PRELUDE
d = json.load(open(sys.argv[1]))
def near(x, want, tol=1e-9):
    assert x is not None and abs(x - want) <= tol, (x, want)
$2
" "$1" || fail "check on $1: $2 (output: $(head -c 2000 "$1"))"
}

# expect_fail STATUS PATTERN ARGS...: labelq ARGS must exit STATUS with
# PATTERN (a fixed string) in its stderr.
expect_fail() {
    local want=$1 pattern=$2 status=0
    shift 2
    "$LABELQ" "$@" >out.txt 2>err.txt || status=$?
    [ "$status" = "$want" ] || fail "labelq $* exited $status, not $want: $(cat err.txt)"
    grep -qF -- "$pattern" err.txt || fail "labelq $*: stderr lacks '$pattern': $(cat err.txt)"
}
