"""Shared by the crosscheck_*.py scripts: the check that the reference
libraries are there (require), and for the label types running
labeltypes_driver on a batch of cases and recording how far our numbers
are from the references'. Not a test by itself."""
import collections
import importlib
import json
import math
import subprocess
import sys

# The exit status ctest reports as SKIP (LQ_TEST_SKIP in tests/CMakeLists.txt).
SKIP = 77

# The Debian package of each reference library the scripts import.
DEBIAN_PACKAGE = {
    "nltk": "python3-nltk",
    "numpy": "python3-numpy",
    "scipy": "python3-scipy",
    "shapely": "python3-shapely",
    "sklearn": "python3-sklearn",
    "statsmodels": "python3-statsmodels",
}


def require(*modules):
    """Returns when every module imports; otherwise the machine cannot run
    the cross-check: prints which package is missing and exits with SKIP."""
    for name in modules:
        try:
            importlib.import_module(name)
        except ImportError as e:
            print("SKIP: %s cannot import %s (%s); install %s"
                  % (sys.executable, name, e, DEBIAN_PACKAGE[name]))
            sys.exit(SKIP)


def run_driver(driver, cases):
    """Our results for cases (a list of dicts with "op"), one per case."""
    out = subprocess.run([driver], input=json.dumps(cases), capture_output=True, text=True,
                         check=True).stdout
    results = json.loads(out)
    assert len(results) == len(cases)
    return results


def value_of(m):
    """A driver result's value, None when it returned an error."""
    return m.get("value") if m["rc"] == 0 else None


class Checker:
    """Counts comparisons, keeps the largest absolute difference of each
    kind, and collects failures with the case that caused them."""

    def __init__(self, tol):
        self.tol = tol
        self.max_diff = collections.defaultdict(float)
        self.compared = collections.Counter()
        self.failures = []

    def close(self, name, ours, theirs, where, tol=None):
        tol = self.tol if tol is None else tol
        self.compared[name] += 1
        if ours is None or theirs is None or not math.isfinite(ours):
            self.failures.append("%s: ours %r, theirs %r (%s)" % (name, ours, theirs, where))
            return
        diff = abs(ours - theirs)
        self.max_diff[name] = max(self.max_diff[name], diff)
        if not diff <= tol:
            self.failures.append("%s: ours %r, theirs %r, diff %.3g (%s)"
                                 % (name, ours, theirs, diff, where))

    def close_all(self, name, ours, theirs, where, tol=None):
        if ours is None or theirs is None or len(ours) != len(theirs):
            self.same(name + " (shape)", False, where, "%r vs %r" % (ours, theirs))
            return
        for x, y in zip(ours, theirs):
            self.close(name, x, y, where, tol)

    def same(self, name, ok, where, detail=""):
        self.compared[name] += 1
        if not ok:
            self.failures.append("%s (%s) %s" % (name, where, detail))

    def report(self, title):
        print(title)
        for name in sorted(self.compared):
            diff = self.max_diff.get(name)
            print("  %-58s %5d checks%s" % (name, self.compared[name],
                                             "" if diff is None else "  max |diff| %.3g" % diff))
        for f in self.failures[:30]:
            print("FAIL", f)
        print("%d passed, %d failed" % (sum(self.compared.values()) - len(self.failures),
                                        len(self.failures)))
        return 1 if self.failures else 0


def main_driver():
    if len(sys.argv) < 2:
        sys.exit("usage: %s path/to/labeltypes_driver" % sys.argv[0])
    return sys.argv[1]
