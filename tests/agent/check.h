/*  check.h: the one assertion the agent's unit tests use.

    CHECK works in every build type (assert vanishes under NDEBUG), prints
    where and what failed, and exits 1 so that ctest reports the failure.
*/
#ifndef ZAPM_TEST_CHECK_H
#define ZAPM_TEST_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond);              \
            exit (1);                                                                              \
        }                                                                                          \
    } while (0)

//  CHECK with a printf-style explanation of the values involved.
#define CHECKF(cond, ...)                                                                          \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf (stderr, "%s:%d: CHECK failed: %s: ", __FILE__, __LINE__, #cond);              \
            fprintf (stderr, __VA_ARGS__);                                                         \
            fputc ('\n', stderr);                                                                  \
            exit (1);                                                                              \
        }                                                                                          \
    } while (0)

#endif
