#!/usr/bin/env bash
# The quality engine's speed (part of `make bench`): Krippendorff's alpha on
# 1,000,000 units x 5 ratings, Dawid-Skene on 1,000,000 ratings / 4 classes /
# 1,000 annotators / 50 iterations, one thread each; and NLTK's alpha on data
# of the same size for the ratio (about 10 s; QB_NLTK_UNITS makes it smaller).
#
# Settings (environment): BUILD_DIR (default build), QB_UNITS (1000000),
# QB_RATINGS (1000000), QB_ANNOTATORS (1000), QB_ITERATIONS (50),
# QB_NLTK_UNITS (as QB_UNITS: the same size for NLTK).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

QB=${BUILD_DIR:-build}/bench/quality_bench
[[ -x $QB ]] || { echo "quality: $QB not built: run 'make build'" >&2; exit 1; }
UNITS=${QB_UNITS:-1000000}
NLTK_UNITS=${QB_NLTK_UNITS:-$UNITS}

alpha=$("$QB" alpha "$UNITS")
ds=$("$QB" ds "${QB_RATINGS:-1000000}" "${QB_ANNOTATORS:-1000}" "${QB_ITERATIONS:-50}")
ours_small=$("$QB" alpha "$NLTK_UNITS")
nltk=$(/usr/bin/python3 bench/nltk_alpha.py "$NLTK_UNITS")

/usr/bin/python3 - "$alpha" "$ds" "$ours_small" "$nltk" <<'PY'
import json, sys
alpha, ds, small, nltk = (json.loads(a) for a in sys.argv[1:])
print("quality engine, one thread")
print(f"  Krippendorff alpha (nominal), {alpha['units']:,} units x 5: {alpha['seconds']:.3f} s"
      f"  (target < 1 s)")
print(f"  Dawid-Skene, {ds['ratings']:,} ratings, {ds['annotators']:,} annotators, "
      f"{ds['classes']} classes, {ds['iterations']} iterations: {ds['seconds']:.3f} s"
      f"  (target < 5 s; {100 * ds['units_right']:.1f}% of units right)")
ratio = nltk["seconds"] / small["seconds"] if small["seconds"] > 0 else float("inf")
print(f"  NLTK alpha on {nltk['units']:,} units: {nltk['seconds']:.3f} s; quality/ on the same "
      f"size: {small['seconds']:.4f} s; NLTK/quality/ = {ratio:.0f}x")
PY
