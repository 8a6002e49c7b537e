/* Progress bars: the import's on stderr, and the bar itself, which
 * `labelq batch watch` draws too. */
#include "client/cli/cli.h"

#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define BAR_WIDTH 30
#define REDRAW_MS 100

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void cli_progress_bar(char *buf, int width, double share)
{
    /* NaN fails both tests and draws an empty bar; the epsilon keeps a
     * share like 0.7 (0.69999...) from losing a cell to rounding. */
    int full = share >= 1.0 ? width : share > 0.0 ? (int)(share * width + 1e-9) : 0;
    for (int i = 0; i < width; i++)
        buf[i] = i < full ? '#' : ' ';
    buf[width] = '\0';
}

void cli_progress_start(cli_progress *p, const char *what, FILE *in)
{
    struct stat st;
    p->on = isatty(STDERR_FILENO);
    p->total = fstat(fileno(in), &st) == 0 && S_ISREG(st.st_mode) ? (long long)st.st_size : 0;
    p->last_ms = 0;
    p->what = what;
}

void cli_progress_update(cli_progress *p, long long done_bytes, unsigned long long items)
{
    if (!p->on)
        return;
    long long now = now_ms();
    if (now - p->last_ms < REDRAW_MS)
        return;
    p->last_ms = now;
    if (p->total <= 0) {
        fprintf(stderr, "\r%s: %llu items", p->what, items);
        return;
    }
    int pct = (int)(done_bytes * 100 / p->total);
    pct = pct > 100 ? 100 : pct;
    char bar[BAR_WIDTH + 1];
    cli_progress_bar(bar, BAR_WIDTH, pct / 100.0);
    fprintf(stderr, "\r%s: [%s] %3d%%  %llu items", p->what, bar, pct, items);
}

void cli_progress_end(cli_progress *p)
{
    if (p->on && p->last_ms != 0)
        fputs("\r\033[K", stderr);
}
