# shellcheck shell=bash
# How a test script says this machine cannot run it (no mount(2), a missing
# reference library, no libFuzzer): it exits with 77, which every test has
# as its SKIP_RETURN_CODE (tests/CMakeLists.txt), so ctest reports it as
# skipped instead of passed, and CI fails on it (tests/check_tests.py).
#
# Sourced, it defines skip. Run as a command, `bash tests/skip.sh REASON...`
# skips at once: the stand-in for a test this machine cannot build.

# skip REASON...: prints the reason and ends the test as skipped.
skip() {
    echo "SKIP: $*"
    exit 77
}

if [[ ${BASH_SOURCE[0]} == "$0" ]]; then
    skip "$@"
fi
