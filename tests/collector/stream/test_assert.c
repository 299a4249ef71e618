/*  test_assert.c: the build under test keeps its asserts (ZAPM_ASSERTS).

    RelWithDebInfo defines NDEBUG, which would compile every assert out; the test
    builds turn ZAPM_ASSERTS on to keep them. This shows it: a child process
    breaks ring_reserve's documented precondition (at most a quarter of the
    arena) and must die of SIGABRT with that assert's message, while a child
    that keeps the precondition exits 0. Registered only with ZAPM_ASSERTS. */
#include "check.h"
#include "stream.h"

#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

//  Runs ring_reserve (ring of 4096 bytes, `size`) in a child; returns its wait
//  status and puts the first bytes of its stderr in `err`.
static int
s_reserve_in_child (size_t size, char *err, size_t err_size)
{
    int fds[2];
    CHECK (pipe (fds) == 0);
    pid_t pid = fork ();
    CHECK (pid >= 0);
    if (pid == 0) {
        struct rlimit no_core = {0, 0};
        setrlimit (RLIMIT_CORE, &no_core);
        dup2 (fds[1], STDERR_FILENO);
        close (fds[0]);
        ring_t *ring = ring_new (4096, 16);
        if (!ring)
            _exit (3);
        ring_reserve (ring, size);
        ring_destroy (&ring);
        _exit (0);
    }
    close (fds[1]);
    size_t got = 0;
    ssize_t n;
    while (got + 1 < err_size && (n = read (fds[0], err + got, err_size - 1 - got)) > 0)
        got += (size_t) n;
    err[got] = '\0';
    close (fds[0]);
    int status;
    CHECK (waitpid (pid, &status, 0) == pid);
    return status;
}

int
main (void)
{
    char err[1024];
    //  The control: within the precondition the child exits 0.
    int status = s_reserve_in_child (4096 / 4, err, sizeof err);
    CHECKF (WIFEXITED (status) && WEXITSTATUS (status) == 0, "status %d, stderr: %s", status, err);

    //  One byte over a quarter of the arena: the assert fires and aborts.
    status = s_reserve_in_child (4096 / 4 + 1, err, sizeof err);
    CHECKF (WIFSIGNALED (status) && WTERMSIG (status) == SIGABRT,
            "expected SIGABRT from the violated precondition, got status %d: asserts are "
            "compiled out (NDEBUG)?",
            status);
    CHECKF (strstr (err, "max_size <= self->arena_size / 4"), "stderr: %s", err);
    printf ("violated precondition aborted: %s", err);
    return CHECK_DONE ();
}
