"""Times NLTK's Krippendorff alpha (nominal) on UNITS units x 5 ratings, 4
labels, random — the reference the quality benchmark compares with. NLTK is
far slower than quality/, so bench/quality.sh runs it on a subset and
compares per-rating rates. Run with Debian's /usr/bin/python3."""
import json
import random
import sys
import time

from nltk.metrics.agreement import AnnotationTask
from nltk.metrics.distance import binary_distance


def main():
    units = int(sys.argv[1])
    rnd = random.Random(1979)
    data = [(str(c), str(u), rnd.randrange(4)) for u in range(units) for c in range(5)]
    t0 = time.perf_counter()
    task = AnnotationTask(data=data, distance=binary_distance)
    alpha = task.alpha()
    secs = time.perf_counter() - t0
    print(json.dumps({"bench": "nltk_alpha_nominal", "units": units, "ratings": len(data),
                      "seconds": round(secs, 4), "alpha": round(alpha, 6)}))


if __name__ == "__main__":
    main()
