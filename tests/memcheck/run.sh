#!/usr/bin/env bash
# make memcheck: a chosen part of the integration suite with every labelqd
# under valgrind (labelqd-valgrind.sh). Fails when a test fails or any
# valgrind log reports an error. Slow (minutes), so not part of `make test`.
#
#   run.sh BUILD_DIR     BUILD_DIR is configured and built
#
# MEMCHECK_TESTS overrides the tests (a ctest -R regex of integration.NAME).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
build=$(cd "${1:?usage: run.sh BUILD_DIR}" && pwd)
tests=${MEMCHECK_TESTS:-project_flow|lease_lifecycle|idempotent_submit|restart|report|backup|gold|dynamic_overlap|batches}

command -v valgrind >/dev/null || {
    echo "memcheck: valgrind is not installed (apt-get install valgrind)" >&2
    exit 2
}
[ -x "$build/daemon/labelqd" ] || {
    echo "memcheck: $build/daemon/labelqd not built" >&2
    exit 2
}
logs=$build/memcheck
rm -rf "$logs"
mkdir -p "$logs"
export LABELQ_IT_LABELQD=$here/labelqd-valgrind.sh
export LQ_MEMCHECK_LABELQD=$build/daemon/labelqd
export LQ_MEMCHECK_LOGS=$logs

start=$SECONDS
status=0
ctest --test-dir "$build" --output-on-failure -j2 -R "^integration\\.($tests)\$" || status=1
n_logs=$(find "$logs" -name 'labelqd.*.log' | wc -l)
bad=$(grep -lE 'ERROR SUMMARY: [1-9]|Invalid (read|write|free)|uninitialised|Mismatched free' "$logs"/labelqd.*.log 2>/dev/null || true)
if [ -n "$bad" ]; then
    status=1
    for f in $bad; do
        echo "== valgrind found errors: $f" >&2
        head -n 60 "$f" >&2
    done
fi
echo "memcheck: $n_logs labelqd processes under valgrind, $((SECONDS - start)) s," \
    "$([ "$status" = 0 ] && echo clean || echo FAILED)"
exit "$status"
