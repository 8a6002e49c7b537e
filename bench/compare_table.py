"""Prints bench/compare.sh's table from the raw results in its work dir.

Each NAME.jsonl holds one JSON object per measured round (a load client's
summary plus server_cpu_s). syncs.N.csv and flushes.N.csv are perf stat's
100 ms interval counts during labelqd's --chain round N (the daemon's
fsync-family calls; the machine's block requests carrying a cache flush),
each headed by the Unix time its perf started. Figures are medians over
the rounds.
labelq-half.jsonl, when there, holds labelqd's open-loop rounds at half its
peak (labelq-bench --rate); they get a line of their own under the table,
and hiccup.json (bench/hiccup) the machine's own stalls next to it.

The labelq row is labelq-bench --chain (each Submit also leases the next
task: one round trip per task) and its ratios are the "labelq x" column;
labelq-plain is the same load with a Lease and a Submit per task (two
round trips, as beanstalkd's reserve + delete and Redis's XREADGROUP + XACK).
"""
import json
import os
import statistics
import sys

ROWS = [
    ("labelq", "labelqd --chain (TLS, fsync, overlap 1)"),
    ("labelq-plain", "labelqd plain (Lease, then Submit)"),
    ("beanstalkd-f0", "beanstalkd -f 0 (fsync each write)"),
    ("beanstalkd-f50", "beanstalkd -f 50 (fsync <= 50 ms)"),
    ("redis-always", "redis Streams, appendfsync always"),
]


def rounds(work, name):
    path = os.path.join(work, name + ".jsonl")
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def dry(r):
    """The queue ran out during the round: not a throughput measurement."""
    return r.get("empty_leases", r.get("empty", 0)) > 0


def figures(name, rs):
    """Medians over the rounds that did not run dry (all of them if every
    round did): tasks/s, p50 ms, p99 ms, server CPU us/task and cores."""
    def lat(r, q):
        return r["latency_us"][q] if name.startswith("labelq") else r[q + "_us"]

    ndry = sum(dry(r) for r in rs)
    rs = [r for r in rs if not dry(r)] or rs
    return {
        "rate": statistics.median(r["tasks_per_second"] for r in rs),
        "p50": statistics.median(lat(r, "p50") for r in rs) / 1000,
        "p99": statistics.median(lat(r, "p99") for r in rs) / 1000,
        "cpu": statistics.median(
            r["server_cpu_s"] * 1e6 / r["completed"] if r["completed"] else 0 for r in rs
        ),
        "cores": statistics.median(r["server_cpu_s"] / r["seconds"] for r in rs),
        "client": statistics.median(r["client_cpu_seconds"] / r["seconds"] for r in rs),
        "dry": ndry,
    }


INTERVAL_S = 0.1  # perf stat -I 100


def interval_counts(path, lo, hi):
    """Events per second, by event name, in perf stat -I's intervals that lie
    wholly inside [lo, hi) (Unix seconds); None when the file is missing."""
    if not os.path.exists(path):
        return None
    with open(path) as f:
        lines = f.read().splitlines()
    start = float(lines[0])
    sums, ends = {}, set()
    for line in lines[1:]:
        parts = line.split(",")
        if line.startswith("#") or len(parts) < 4:
            continue
        try:
            end, count = start + float(parts[0]), float(parts[1])
        except ValueError:
            continue  # "<not counted>"
        if lo <= end - INTERVAL_S and end <= hi:
            sums[parts[3]] = sums.get(parts[3], 0) + count
            ends.add(round(end, 3))
    covered = len(ends) * INTERVAL_S
    return {k: v / covered for k, v in sums.items()} if covered else {}


def sync_counts(work, rs):
    """Per labelq --chain round that did not run dry: (fsync-family calls/s
    of labelqd, cache-flush block requests/s of the machine, acks/s)."""
    out = []
    for n, r in enumerate(rs, start=1):
        if dry(r) and not all(dry(x) for x in rs):
            continue
        lo, hi = (t / 1000 for t in r["window_unix_ms"])
        syncs = interval_counts(os.path.join(work, f"syncs.{n}.csv"), lo, hi)
        flushes = interval_counts(os.path.join(work, f"flushes.{n}.csv"), lo, hi)
        if syncs is None or flushes is None:
            continue
        out.append((sum(syncs.values()), sum(flushes.values()), r["completed"] / r["seconds"]))
    return out


def main():
    work, _ = sys.argv[1], sys.argv[2]
    got = {name: figures(name, rs) for name, _ in ROWS if (rs := rounds(work, name))}
    lq = got.get("labelq")
    print(f"{'server':<42}{'tasks/s':>9}{'p50 ms':>9}{'p99 ms':>9}"
          f"{'srv CPU us/task':>17}{'srv cores':>11}{'labelq x':>10}")
    for name, title in ROWS:
        if name not in got:
            print(f"{title:<42}  (not run)")
            continue
        g = got[name]
        ratio = f"{lq['rate'] / g['rate']:.2f}" if lq and g["rate"] else "-"
        flag = "  (%d rounds ran dry, left out)" % g["dry"] if g["dry"] else ""
        print(f"{title:<42}{g['rate']:>9.0f}{g['p50']:>9.2f}{g['p99']:>9.2f}"
              f"{g['cpu']:>17.1f}{g['cores']:>11.2f}{ratio:>10}{flag}")
    if lq:
        counts = sync_counts(work, rounds(work, "labelq"))
        print()
        if counts:
            fs = statistics.median(c[0] for c in counts)
            fl = statistics.median(c[1] for c in counts)
            acks = statistics.median(c[2] for c in counts)
            print(f"labelqd --chain rounds, counted by the kernel (perf stat): {fs:.0f} fsync-family "
                  f"calls/s and {fl:.0f} disk cache flushes/s for {acks:.0f} acknowledged "
                  f"submits/s ({acks / fs if fs else 0:.1f} acks per fsync, "
                  f"{acks / fl if fl else 0:.1f} per flush)")
        else:
            print("labelqd fsyncs: not counted (perf could not count tracepoints)")
        print("labelq x: labelqd --chain (one round trip per task: Submit carries the next "
              "lease) over each row; the plain row is the two-round-trip cycle")
        print("client CPU (cores busy, median): " + ", ".join(
            f"{name} {g['client']:.2f}" for name, g in got.items()))
        half = rounds(work, "labelq-half")
        if half:
            print_half_peak(work, half)
            print_stalls(work)


def commit_buckets(path):
    """labelq_commit_seconds of a saved /metrics page: [(upper bound s, cumulative count)]."""
    out = []
    with open(path) as f:
        for line in f:
            if line.startswith('labelq_commit_seconds_bucket{le="'):
                le = line.split('"')[1]
                out.append((float("inf") if le == "+Inf" else float(le), float(line.split()[-1])))
    return out


def server_view(work, n_rounds):
    """The daemon's own p50 and p99 bucket bounds (ms) for the submits of the
    half-peak rounds (arrival to answer), from labelq_commit_seconds scraped
    around each round; None without the pages."""
    total = None
    for n in range(1, n_rounds + 1):
        before, after = (os.path.join(work, f"half.{n}.{w}") for w in ("before", "after"))
        if not (os.path.exists(before) and os.path.exists(after)):
            return None
        d = [(le, a - b) for (le, a), (_, b) in zip(commit_buckets(after), commit_buckets(before))]
        total = d if total is None else [(le, t + x) for (le, t), (_, x) in zip(total, d)]
    if not total or total[-1][1] <= 0:
        return None

    def bound(q):
        return next(le for le, c in total if c >= q * total[-1][1]) * 1000

    return bound(0.5), bound(0.99)


def print_half_peak(work, rs):
    """labelqd open loop at half its peak, against issue 4's p99 <= 2 ms."""
    g = figures("labelq-half", rs)
    target = statistics.median(r["target_rate"] for r in rs)
    if all(dry(r) for r in rs):
        print(f"labelq at half peak ({target:.0f} tasks/s target): not measured, the queue ran "
              "out in every round (raise COMPARE_TASKS)")
        return
    verdict = "met" if g["p99"] <= 2 else "not met"
    flag = "  (%d rounds ran dry, left out)" % g["dry"] if g["dry"] else ""
    print(f"labelq at half peak ({target:.0f} tasks/s target): achieved {g['rate']:.0f}/s, "
          f"p50 {g['p50']:.2f} ms, p99 {g['p99']:.2f} ms (target \u2264 2 ms: {verdict}){flag}")
    view = server_view(work, len(rs))
    if view:
        print(f"  labelqd's own view of those submits (labelq_commit_seconds, arrival to answer "
              f"after the group commit): p50 \u2264 {view[0]:g} ms, p99 \u2264 {view[1]:g} ms; "
              "a chained cycle waits for two commits (the previous submit's, which carries "
              "its lease, and its own)")



def print_stalls(work):
    """The machine's stalls (bench/hiccup), which bound the half-peak p99
    from below: a cycle that meets a stall on its event loop's or its
    client's CPU waits as long as the stall."""
    path = os.path.join(work, "hiccup.json")
    if not os.path.exists(path):
        print("  the machine's stalls: not measured (bench/hiccup failed)")
        return
    with open(path) as f:
        h = json.load(f)
    secs = h["seconds"]
    per_cpu = "; ".join(
        f"CPU {c['cpu']} {c['stalls_over_1ms'] / secs:.1f}/s over 1 ms, longest {c['longest_ms']:.1f} ms, "
        f"{100 * c['stalled_ms'] / (secs * 1000):.2f} % of the time"
        for c in h["cpus"])
    print(f"  the machine's stalls with every CPU busy (bench/hiccup, {secs} s, gaps over "
          f"{h['stall_threshold_ms']:g} ms): {per_cpu}. A cycle that meets one waits as long as "
          "it lasts, so these set a floor under the p99 (once the stalled share of the CPUs a "
          "cycle crosses nears 1 %, the p99 is made of them); the rest of the tail is where the "
          "scheduler puts three busy threads on these CPUs (bench/README.md)")


main()
