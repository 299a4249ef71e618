/*  check.h: the smallest test harness that says what failed.

    CHECK (cond) records a failure with file, line and the expression, and the
    test goes on so one run shows every broken assertion; CHECK_DONE () returns
    the process exit status ctest reads. No framework, nothing to install.
*/
#ifndef ZAPM_CHECK_H
#define ZAPM_CHECK_H

#include <stdio.h>

static int check_failures = 0;

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            check_failures++;                                                                      \
        }                                                                                          \
    } while (0)

#define CHECK_DONE()                                                                               \
    (check_failures ? (fprintf (stderr, "%d check(s) failed\n", check_failures), 1)                \
                    : (printf ("all checks passed\n"), 0))

#endif
