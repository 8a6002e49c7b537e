#!/usr/bin/env bash
# labelqd under valgrind, for the integration harness: set
# LABELQ_IT_LABELQD to this script and LQ_MEMCHECK_LABELQD to the real
# labelqd. Each daemon process writes LQ_MEMCHECK_LOGS/labelqd.PID.log
# (default: valgrind's output goes to stderr, into the test's labelqd.log).
# A memory error or a definite/indirect leak makes labelqd exit 99, which
# the harness's clean-stop check reports; run.sh also reads the logs, for
# daemons a test stopped with kill -9.
: "${LQ_MEMCHECK_LABELQD:?path of the real labelqd}"
log=()
if [ -n "${LQ_MEMCHECK_LOGS:-}" ]; then
    log=(--log-file="$LQ_MEMCHECK_LOGS/labelqd.%p.log")
fi
exec valgrind --leak-check=full --errors-for-leak-kinds=definite,indirect \
    --error-exitcode=99 "${log[@]}" "$LQ_MEMCHECK_LABELQD" "$@"
