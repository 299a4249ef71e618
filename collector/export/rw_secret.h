/*  rw_secret.h: read a secret (password, bearer token) from a file.

    Secrets never come from the command line (any user can read another's argv
    in /proc) and never reach a log line. The file must be a regular file of at
    most 4 KiB that passes the one rule for secret files (secret_file.h: mode
    0600 or 0640). One trailing newline is removed; a secret holding other
    control characters (they would end an HTTP header) is refused.
*/
#ifndef ZAPM_RW_SECRET_H
#define ZAPM_RW_SECRET_H

//  Reads the secret in `path`; `what` names it in log lines ("bearer token").
//  Returns a heap string the caller frees with rw_secret_free, or NULL after one
//  log line saying what is wrong with the file (never what it holds).
char *rw_secret_read (const char *path, const char *what);

//  Overwrites the secret with zeros and frees it; NULL is fine.
void rw_secret_free (char *secret);

#endif
