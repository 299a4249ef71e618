/*  rw_secret.c: secrets from files, checked before they are trusted.

    The mode is checked on the open descriptor (fstat), not on the path, so the
    file checked is the file read. Symbolic links are followed: Kubernetes and
    systemd hand out credentials through them.
*/
#include "rw_secret.h"
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define S_MAX_SECRET 4096

char *
rw_secret_read (const char *path, const char *what)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) {
        log_error ("remote write: cannot open the %s file %s: %s", what, path, strerror (errno));
        return NULL;
    }
    struct stat st;
    char *secret = NULL;
    if (fstat (fd, &st) || !S_ISREG (st.st_mode))
        log_error ("remote write: the %s file %s is not a regular file", what, path);
    else if (st.st_mode & (S_IROTH | S_IWOTH))
        log_error ("remote write: the %s file %s is open to others (mode %03o): "
                   "run chmod 600 on it",
                   what, path, (unsigned) (st.st_mode & 0777));
    else if (st.st_size > S_MAX_SECRET)
        log_error ("remote write: the %s file %s is larger than %d bytes", what, path,
                   S_MAX_SECRET);
    else
        secret = calloc (1, S_MAX_SECRET + 2);
    if (!secret) {
        close (fd);
        return NULL;
    }
    if (st.st_mode & (S_IRGRP | S_IWGRP))
        log_warn ("remote write: the %s file %s is open to its group (mode %03o); 600 is safer",
                  what, path, (unsigned) (st.st_mode & 0777));
    ssize_t size = read (fd, secret, S_MAX_SECRET + 1);
    close (fd);
    const char *wrong = NULL;
    if (size < 0)
        wrong = strerror (errno);
    else if (size > S_MAX_SECRET)
        wrong = "it is too large";
    else {
        if (size > 0 && secret[size - 1] == '\n')
            secret[--size] = '\0';
        if (size > 0 && secret[size - 1] == '\r')
            secret[--size] = '\0';
        if (size == 0)
            wrong = "it is empty";
        for (ssize_t i = 0; i < size && !wrong; i++)
            if ((unsigned char) secret[i] < 0x20 || secret[i] == 0x7f)
                wrong = "it holds a control character or a second line";
    }
    if (wrong) {
        log_error ("remote write: cannot use the %s file %s: %s", what, path, wrong);
        rw_secret_free (secret);
        return NULL;
    }
    return secret;
}

void
rw_secret_free (char *secret)
{
    if (secret) {
        explicit_bzero (secret, S_MAX_SECRET + 2);
        free (secret);
    }
}
