/* Terminal mode and signals for labelq-annotate; see annotate_term.h. */
#include "client/annotate/term.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <termios.h>
#include <unistd.h>

#include "proto/error.h"

#define FALLBACK_ROWS 24
#define FALLBACK_COLS 80

/* Show the cursor again, leave the alternate screen. */
#define LEAVE_SCREEN "\x1b[?25h\x1b[?1049l"
/* Enter the alternate screen (so the shell's scrollback survives), hide
 * the cursor (it would sit blinking on the last drawn character). */
#define ENTER_SCREEN "\x1b[?1049h\x1b[?25l"

static struct termios saved;
static volatile sig_atomic_t raw_active;
static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t resized;

/* Only async-signal-safe calls: this also runs from the signal handler. */
static void restore_now(void)
{
    if (!raw_active)
        return;
    raw_active = 0;
    tcsetattr(STDIN_FILENO, TCSAFLUSH, &saved);
    (void)!write(STDOUT_FILENO, LEAVE_SCREEN, sizeof LEAVE_SCREEN - 1);
}

static void on_stop(int sig)
{
    if (stop_signal) {
        /* Asked twice: the person wants out now, lease or not. */
        restore_now();
        _exit(128 + sig);
    }
    stop_signal = sig;
}

static void on_winch(int sig)
{
    (void)sig;
    resized = 1;
}

int term_signals_install(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sigemptyset(&sa.sa_mask);
    /* No SA_RESTART: a blocked read of the keyboard should return EINTR so
     * the loop sees the flag at once. */
    sa.sa_handler = on_stop;
    if (sigaction(SIGINT, &sa, NULL) < 0 || sigaction(SIGTERM, &sa, NULL) < 0)
        return LQ_EIO;
    sa.sa_handler = on_winch;
    if (sigaction(SIGWINCH, &sa, NULL) < 0)
        return LQ_EIO;
    return 0;
}

int term_enter(void)
{
    static int registered;
    struct termios raw;
    if (tcgetattr(STDIN_FILENO, &saved) < 0)
        return LQ_EIO;
    raw = saved;
    raw.c_lflag &= (tcflag_t) ~(ICANON | ECHO | IEXTEN);
    raw.c_iflag &= (tcflag_t) ~(IXON | ICRNL);
    raw.c_cc[VMIN] = 1;
    raw.c_cc[VTIME] = 0;
    if (!registered) {
        atexit(term_restore);
        registered = 1;
    }
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) < 0)
        return LQ_EIO;
    raw_active = 1;
    (void)!write(STDOUT_FILENO, ENTER_SCREEN, sizeof ENTER_SCREEN - 1);
    return 0;
}

void term_restore(void)
{
    restore_now();
}

void term_size(int *rows, int *cols)
{
    struct winsize ws;
    *rows = FALLBACK_ROWS;
    *cols = FALLBACK_COLS;
    if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0) {
        *rows = ws.ws_row;
        *cols = ws.ws_col;
    }
}

int term_stop_signal(void)
{
    return stop_signal;
}

bool term_take_resize(void)
{
    if (!resized)
        return false;
    resized = 0;
    return true;
}
