/*  check.h: the one assertion every C unit test uses.

    CHECK works in every build type (assert vanishes under NDEBUG), prints where
    and what failed, and exits 1 at once so ctest reports it, and so that a test
    never goes on to use a pointer a failed check was about. CHECK_DONE () ends
    main with a line saying the checks passed. check_read_file reads a case
    table (a tests/ JSON file of cases) whole.
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

#define CHECK_DONE() (printf ("all checks passed\n"), 0)

//  The whole file at `path`, NUL-terminated; the caller frees. A file that
//  cannot be read fails the test.
static inline char *
check_read_file (const char *path)
{
    FILE *file = fopen (path, "rb");
    CHECKF (file, "cannot open %s", path);
    fseek (file, 0, SEEK_END);
    long size = ftell (file);
    fseek (file, 0, SEEK_SET);
    char *text = calloc (1, (size_t) size + 1);
    CHECK (text && fread (text, 1, (size_t) size, file) == (size_t) size);
    fclose (file);
    return text;
}

#endif
