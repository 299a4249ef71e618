/*  replay_main.c: runs a fuzz target over files, without libFuzzer.

    In the normal build every fuzz target is linked with this main and run by
    ctest over its committed seed corpus (and under ASan/UBSan in the sanitizer
    build), so a crash once found by fuzzing stays fixed.
*/
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
main (int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *file = fopen (argv[i], "rb");
        if (!file) {
            perror (argv[i]);
            return 1;
        }
        uint8_t *data = malloc (1 << 20);
        size_t size = fread (data, 1, 1 << 20, file);
        fclose (file);
        LLVMFuzzerTestOneInput (data, size);
        free (data);
    }
    printf ("replayed %d input(s)\n", argc - 1);
    return 0;
}
