/*  secret_file.h: the one rule for a file that holds a secret, and its reader.

    Every secret the collector reads from disk is held to one rule: the TLS key
    (--tls-key), the users file (--users), the CURVE secret certificates of the
    collector (--curve-cert) and of its forwarding links (--forward-curve-cert),
    and remote write's password and bearer token files. The file must be a
    regular file that only its owner can write and that no one but its owner
    and its group can read: modes 0600, 0640, 0400 and 0440 pass; 0644, 0604,
    0660 and 0666 are refused, with one line that names the file and the fix:

        /etc/zapm/key.pem is open to others (mode 0644): it holds a secret; run chmod 600
   /etc/zapm/key.pem

    Group read is allowed because root:zapm 0640 is the usual way to hand a
    daemon a secret; group write is not (a member could swap the key). Refused,
    not warned: a secret readable by every local user is not a secret, and a
    daemon that will not start makes the mistake impossible to miss. The mode
    is read from the open descriptor (fstat), so the file checked is the file
    read; symbolic links are followed (systemd and Kubernetes hand out
    credentials through them). The size is capped so that a wrong path (a
    device, a huge file) cannot stall or exhaust the daemon.

    The agent library is not held to it: it warns about a CURVE secret that
    others can read (cert_load_own) and goes on, as it runs inside other
    programs.
*/
#ifndef ZAPM_SECRET_FILE_H
#define ZAPM_SECRET_FILE_H

#include <stdbool.h>
#include <stddef.h>

//  Largest secret file read (a users file, a TLS key), in bytes.
#define SECRET_FILE_MAX (1024 * 1024)

//  The rule, applied to the mode (st_mode) of the file at `path`: returns true
//  when it passes, else false with the refusal line above in `error`
//  (`error_size` bytes).
bool secret_file_mode_ok (const char *path, unsigned mode, char *error, size_t error_size);

//  Reads `path` whole, at most `max` bytes, into a new NUL-terminated buffer
//  (the caller frees it) and sets *size. `secret` applies the rule above;
//  without it (a certificate, which is public) only the type and size are
//  checked. Returns NULL and writes why into `error` (`error_size` bytes) on
//  failure: "cannot open PATH: ...", "PATH is not a regular file", the rule's
//  line, "PATH is larger than MAX bytes".
char *secret_file_read (const char *path, bool secret, size_t max, size_t *size, char *error,
                        size_t error_size);

#endif
