#!/usr/bin/env python3
"""Prints bench/scale.sh's table from its results.json (one {"key": value}
object per line; keys measured in several rounds appear once per round).

    scale_table.py RESULTS            the table, with the issue's targets
    scale_table.py --json RESULTS     the figures as one JSON object
"""
import json
import statistics
import sys


def load(path):
    rounds = {}
    for line in open(path):
        for key, value in json.loads(line).items():
            rounds.setdefault(key, []).append(value)
    return rounds


def median_of(values, field):
    return statistics.median(v[field] for v in values)


def summary(r):
    one = {k: v[-1] for k, v in r.items()}
    n = one["tasks"]
    base, restarted = one["rss_empty"], one["rss_restarted"]
    s = {
        "tasks": n,
        "import_items_per_s": n / (one["import_ms"] / 1000),
        "import_s": one["import_ms"] / 1000,
        "store_bytes": one["store_bytes"],
        "store_used_bytes": one["store_used_bytes"],
        "store_bytes_per_task": one["store_used_bytes"] / n,
        "restart_s": one["restart_ms"] / 1000,
        "rss_base_kb": base["vm_kb"],
        "rss_restarted_kb": restarted["vm_kb"],
        # Heap: the in-memory queues; file: LMDB pages the recovery touched,
        # which the kernel may drop under pressure and re-read.
        "heap_bytes_per_task": (restarted["anon_kb"] - base["anon_kb"]) * 1024 / n,
        "file_bytes_per_task": (restarted["file_kb"] - base["file_kb"]) * 1024 / n,
        "rss_bytes_per_task": (restarted["vm_kb"] - base["vm_kb"]) * 1024 / n,
        "heap_after_import_bytes_per_task": (one["rss_imported"]["anon_kb"] - base["anon_kb"]) * 1024 / n,
        "cycle_deep_per_s": median_of(r["cycle_deep"], "per_s"),
        "cycle_shallow_per_s": median_of(r["cycle_shallow"], "per_s"),
        "cycle_deep_p50_us": median_of(r["cycle_deep"], "lease_p50_us"),
        "cycle_shallow_p50_us": median_of(r["cycle_shallow"], "lease_p50_us"),
        "cycle_rounds": len(r["cycle_deep"]),
        "cycle_ratios": [d["per_s"] / s_["per_s"] for d, s_ in zip(r["cycle_deep"], r["cycle_shallow"])],
        "load_deep_tasks_per_s": one["load_deep"].get("tasks_per_second"),
        "skip_many": one["skip_many"],
        "seen_skipper_p50_us": one["cycle_seen_skipper"]["lease_p50_us"],
        "seen_fresh_p50_us": one["cycle_seen_fresh"]["lease_p50_us"],
        "skip_head": one["skip_head"],
        "wide_decliner_p50_us": one["cycle_wide_decliner"]["lease_p50_us"],
        "wide_fresh_p50_us": one["cycle_wide_fresh"]["lease_p50_us"],
        "shallow_1_p50_us": one["cycle_shallow_1"]["lease_p50_us"],
        "labelqd_cpu_s": one["labelqd_cpu_s"],
    }
    s["cycle_ratio"] = s["cycle_deep_per_s"] / s["cycle_shallow_per_s"]
    for what in ("first", "all"):
        e = one[f"export_{what}"]
        s[f"export_{what}"] = dict(e, items_per_s=e["items"] / (e["ms"] / 1000))
    return s


def table(s):
    n = s["tasks"]
    ef, ea = s["export_first"], s["export_all"]
    mark = lambda ok: "yes" if ok else "NO"
    rows = [
        ("pending tasks", f"{n:,}", ""),
        ("import (labelq import, TLS)", f"{s['import_items_per_s']:,.0f} items/s ({s['import_s']:.1f} s)",
         f">= 200,000: {mark(s['import_items_per_s'] >= 200000)}"),
        ("data.mdb", f"{s['store_bytes'] / 2**20:,.0f} MiB file, {s['store_used_bytes'] / 2**20:,.0f} MiB on disk "
         f"({s['store_bytes_per_task']:.0f} B/task)", ""),
        ("RSS base (empty store)", f"{s['rss_base_kb']:,} kB", ""),
        ("RSS after restart", f"{s['rss_restarted_kb']:,} kB", ""),
        ("  heap per pending task", f"{s['heap_bytes_per_task']:.1f} B (RssAnon)",
         f"<= 150: {mark(s['heap_bytes_per_task'] <= 150)}"),
        ("  mapped store per task", f"{s['file_bytes_per_task']:.1f} B (RssFile: LMDB pages touched)", ""),
        ("  all RSS per task", f"{s['rss_bytes_per_task']:.1f} B (VmRSS)", ""),
        ("  heap per task after import", f"{s['heap_after_import_bytes_per_task']:.1f} B (before the restart)", ""),
        ("restart to first lease", f"{s['restart_s']:.2f} s (kill -9, page cache warm)",
         f"<= 10 s: {mark(s['restart_s'] <= 10)}"),
        ("lease+release deep", f"{s['cycle_deep_per_s']:,.0f}/s, lease p50 {s['cycle_deep_p50_us']:.0f} us", ""),
        ("lease+release 1k-deep", f"{s['cycle_shallow_per_s']:,.0f}/s, lease p50 {s['cycle_shallow_p50_us']:.0f} us", ""),
        ("  deep / 1k-deep", f"{s['cycle_ratio']:.2f} (median of {s['cycle_rounds']} rounds each; per round "
         + ", ".join(f"{x:.2f}" for x in s["cycle_ratios"]) + ")",
         f">= 0.80: {mark(s['cycle_ratio'] >= 0.8)}"),
        ("lease+submit deep (labelq-bench)", f"{s['load_deep_tasks_per_s'] or 0:,.0f} tasks/s", ""),
        (f"1 annotator declined {s['skip_many']['skipped']:,} head tasks",
         f"its lease p50 {s['seen_skipper_p50_us']} us; a new annotator's {s['seen_fresh_p50_us']} us", ""),
        (f"{s['skip_head']['annotators']:,} annotators declined the head",
         f"one of them: lease p50 {s['wide_decliner_p50_us']} us; a new one {s['wide_fresh_p50_us']} us; "
         f"plain queue {s['shallow_1_p50_us']} us", ""),
        (f"export {ef['items']:,} items", f"{ef['items_per_s']:,.0f} items/s; peak RSS client {ef['client_peak_kb']:,} kB, "
         f"labelqd {ef['daemon_peak_kb']:,} kB", ""),
        (f"export {ea['items']:,} items", f"{ea['items_per_s']:,.0f} items/s; peak RSS client {ea['client_peak_kb']:,} kB, "
         f"labelqd {ea['daemon_peak_kb']:,} kB",
         f">= 500,000/s: {mark(ea['items_per_s'] >= 500000)}"),
        ("labelqd CPU", f"{s['labelqd_cpu_s']:.1f} s over the whole run", ""),
    ]
    w0 = max(len(r[0]) for r in rows)
    w1 = max(len(r[1]) for r in rows)
    for a, b, c in rows:
        print(f"{a:<{w0}}  {b:<{w1}}  {c}".rstrip())


def main():
    args = sys.argv[1:]
    as_json = args[:1] == ["--json"]
    if as_json:
        args = args[1:]
    if len(args) != 1:
        sys.exit(__doc__)
    s = summary(load(args[0]))
    if as_json:
        print(json.dumps(s, indent=2))
    else:
        table(s)


if __name__ == "__main__":
    main()
