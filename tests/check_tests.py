#!/usr/bin/python3
"""Reads ctest's results after `make test`: names every test that was
skipped or did not pass, with its reason, and in CI fails a run that did
not pass exactly the expected number of tests.

    check_tests.py JUNIT         list the tests that did not pass; exit 0
    check_tests.py JUNIT RUN     the same, then exit 1 unless every test
                                 passed and as many as tests/expected-tests
                                 gives for RUN

JUNIT is ctest's --output-junit file (`make test` writes
BUILD_DIR/ctest-junit.xml). In CI (.ci/run gives RUN) every dependency is
installed, so a skipped test (exit 77, see tests/CMakeLists.txt) fails the
check as much as a missing one: either way the suite shrank.
"""
import os
import sys
import xml.etree.ElementTree as ET

EXPECTED = os.path.join(os.path.dirname(os.path.abspath(__file__)), "expected-tests")


def expected_count(run):
    """The count tests/expected-tests gives for run."""
    with open(EXPECTED) as f:
        for line in f:
            fields = line.split("#", 1)[0].split()
            if len(fields) == 2 and fields[0] == run:
                return int(fields[1])
    sys.exit("check_tests: tests/expected-tests has no line for run %r" % run)


def reason(case):
    """Why a test did not pass: the first SKIP:/FAIL: line of its output,
    else the junit element's message."""
    out = case.findtext("system-out") or ""
    for line in out.splitlines():
        if line.startswith(("SKIP:", "FAIL:")):
            return line.strip()
    for tag in ("skipped", "failure", "error"):
        el = case.find(tag)
        if el is not None:
            return "%s: %s" % (tag, el.get("message", ""))
    return "status " + case.get("status", "?")


def results(junit):
    """(passed, not passed) test cases of the junit file."""
    passed, not_passed = [], []
    for case in ET.parse(junit).getroot().iter("testcase"):
        ok = case.get("status") == "run" and case.find("failure") is None
        (passed if ok else not_passed).append(case)
    return passed, not_passed


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    passed, not_passed = results(sys.argv[1])
    for case in not_passed:
        kind = "skipped" if case.find("skipped") is not None else "did not pass"
        print("check_tests: %s %s: %s" % (kind, case.get("name"), reason(case)))
    if len(sys.argv) == 2:
        return 0
    run = sys.argv[2]
    want = expected_count(run)
    print("check_tests: %s run: %d tests passed, tests/expected-tests expects %d"
          % (run, len(passed), want))
    if not_passed:
        print("check_tests: in CI every test must run and pass; a skipped test means this "
              "machine lacks something the suite needs")
    if len(passed) < want:
        print("check_tests: the suite shrank: %d fewer tests than expected" % (want - len(passed)))
    elif len(passed) > want:
        print("check_tests: %d more tests than expected: if tests were added, raise the "
              "count of run %r in tests/expected-tests to %d" % (len(passed) - want, run,
                                                                   len(passed)))
    return 0 if len(passed) == want and not not_passed else 1


if __name__ == "__main__":
    sys.exit(main())
