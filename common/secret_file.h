/*  secret_file.h: reading a file that holds a secret (the users file, a TLS key).

    One rule for every secret on disk: the file must be a regular file that no
    one but its owner (and its group) can write, and that others cannot read;
    mode 0600 or 0640 pass, 0644 is refused. A secret readable by every local
    user is not a secret, and refusing (rather than warning) makes the mistake
    impossible to miss. The size is capped so a wrong path (a device, a huge
    file) cannot stall or exhaust the collector.
*/
#ifndef ZAPM_SECRET_FILE_H
#define ZAPM_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>

//  Largest secret file read, in bytes.
#define SECRET_FILE_MAX (1024 * 1024)

//  Reads `path` whole into a new NUL-terminated buffer (the caller frees it)
//  and sets *size. `secret` applies the mode rule above; without it (a
//  certificate, which is public) only the type and size are checked. Returns
//  NULL and writes why into `error` (`error_size` bytes) on failure.
char *secret_file_read (const char *path, bool secret, size_t *size, char *error,
                        size_t error_size);

#endif
