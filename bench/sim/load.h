/* labelq-bench's load mode (`--connections C`): many annotator connections,
 * each with several requests in flight, driven by a few event loops
 * (bench_load_loop.h) instead of a thread per annotator, to find how many
 * tasks per second labelqd completes and at what latency. Optionally
 * imports tasks first (--preload). */
#ifndef LQ_BENCH_LOAD_H
#define LQ_BENCH_LOAD_H

#include <signal.h>

#include "bench/sim/bench.h"

/* Runs the load mode with cfg (parsed flags): imports cfg->preload tasks,
 * then, when cfg->connections > 0, runs for cfg->duration_s (or until
 * *cancel) and prints the summary. Returns the process's exit status. */
int bench_load_main(bench_config *cfg, const volatile sig_atomic_t *cancel);

#endif
