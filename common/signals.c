/*  signals.c: the stop and reload flags, and the self-pipe that wakes a poll.
 */
#include "signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

static volatile sig_atomic_t s_stop = 0;
static volatile sig_atomic_t s_reload = 0;
static int s_pipe[2] = {-1, -1};

static void
s_on_signal (int signum)
{
    int saved = errno;
    if (signum == SIGHUP)
        s_reload = 1;
    else
        s_stop = 1;
    if (s_pipe[1] >= 0 && write (s_pipe[1], "x", 1) < 0) {
        //  The pipe is full: a wake-up is already pending.
    }
    errno = saved;
}

bool
signals_catch (bool reload)
{
    if (s_pipe[0] < 0 && pipe2 (s_pipe, O_NONBLOCK | O_CLOEXEC) != 0)
        return false;
    struct sigaction action = {.sa_handler = s_on_signal};
    sigemptyset (&action.sa_mask);
    sigaction (SIGINT, &action, NULL);
    sigaction (SIGTERM, &action, NULL);
    if (reload)
        sigaction (SIGHUP, &action, NULL);
    signal (SIGPIPE, SIG_IGN);
    //  A write past the file size limit (RLIMIT_FSIZE) then fails with EFBIG,
    //  which the store counts and logs as a write error, instead of killing
    //  the process as a full disk would not.
    signal (SIGXFSZ, SIG_IGN);
    return true;
}

bool
signals_stop_requested (void)
{
    return s_stop != 0;
}

bool
signals_take_reload (void)
{
    if (!s_reload)
        return false;
    s_reload = 0;
    return true;
}

int
signals_fd (void)
{
    return s_pipe[0];
}

void
signals_drain (void)
{
    char bytes[64];
    while (s_pipe[0] >= 0 && read (s_pipe[0], bytes, sizeof bytes) > 0) {
    }
}
