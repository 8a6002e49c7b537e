/* The terminal labelq-annotate runs in: raw keyboard mode, the alternate
 * screen, its size, and the signals that must not leave it broken.
 *
 * Raw mode here means no line buffering and no echo, but ISIG stays on so
 * that Ctrl-C still raises SIGINT while a blocking library call (a 5 s long
 * poll) is in progress. The first SIGINT/SIGTERM only sets a flag that the
 * main loop polls, so the held lease can be released on the way out; a
 * second one restores the terminal from the handler and exits at once. */
#ifndef LQ_ANNOTATE_TERM_H
#define LQ_ANNOTATE_TERM_H

#include <stdbool.h>

/* Installs the SIGINT/SIGTERM/SIGWINCH handlers. Call once, in both tty and
 * plain mode. Returns 0 or LQ_EIO. */
int term_signals_install(void);

/* Switches the terminal on fd 0/1 to raw mode and the alternate screen;
 * term_restore (also registered with atexit) undoes both. Returns 0 or
 * LQ_EIO (with errno) when fd 0 is not a terminal. */
int term_enter(void);

/* Restores the terminal saved by term_enter. Safe to call more than once,
 * and when term_enter was never called. */
void term_restore(void);

/* The terminal's size from TIOCGWINSZ, or 80x24 when it cannot tell.
 * Cannot fail. */
void term_size(int *rows, int *cols);

/* The signal that asked us to stop (SIGINT or SIGTERM), or 0. */
int term_stop_signal(void);

/* True once after each SIGWINCH: the screen should be redrawn. */
bool term_take_resize(void);

#endif
