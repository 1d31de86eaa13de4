// The C side of Cutaway's line editor: libedit's readline-compatible API, plus small inline
// helpers. Swift 6 rejects touching C globals (rl_*) directly, and `sigaction`'s handler union
// is awkward from Swift, so those few accesses live here.
#include <stdio.h>
#include <signal.h>
#include <string.h>
#include <editline/readline.h>

/// Names the program for libedit, installs the completion function and the word breaks.
static inline void cutaway_rl_setup(rl_completion_func_t *complete) {
    rl_readline_name = "cutaway";
    rl_attempted_completion_function = complete;
    rl_basic_word_break_characters = " \t\n\"`@$><=;|&{(,";
}

/// Tells libedit not to fall back to file-name completion.
static inline void cutaway_rl_completion_over(void) { rl_attempted_completion_over = 1; }

/// The line being edited (valid inside the completion function).
static inline const char *cutaway_rl_line_buffer(void) { return rl_line_buffer; }

/// Installs `handler` for SIGINT *without* SA_RESTART, so Ctrl-C interrupts a blocked read and
/// the REPL gets control back instead of the process dying.
static inline int cutaway_on_sigint(void (*handler)(int)) {
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = 0;
    return sigaction(SIGINT, &action, NULL);
}
