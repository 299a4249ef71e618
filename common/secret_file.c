/*  secret_file.c: the one rule for a file that holds a secret (see secret_file.h). */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool
secret_file_mode_ok (const char *path, unsigned mode, char *error, size_t error_size)
{
    if ((mode & (S_IWGRP | S_IROTH | S_IWOTH)) == 0)
        return true;
    snprintf (error, error_size,
              "%s is open to others (mode %04o): it holds a secret; run chmod 600 %s", path,
              mode & 07777, path);
    return false;
}

char *
secret_file_read (const char *path, bool secret, size_t max, size_t *size, char *error,
                  size_t error_size)
{
    int fd = open (path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0) {
        snprintf (error, error_size, "cannot open %s: %s", path, strerror (errno));
        return NULL;
    }
    struct stat info;
    char *text = NULL;
    if (fstat (fd, &info) != 0)
        snprintf (error, error_size, "cannot stat %s: %s", path, strerror (errno));
    else if (!S_ISREG (info.st_mode))
        snprintf (error, error_size, "%s is not a regular file", path);
    else if (secret && !secret_file_mode_ok (path, info.st_mode, error, error_size))
        text = NULL; //  the rule wrote why
    else if ((size_t) info.st_size > max)
        snprintf (error, error_size, "%s is larger than %zu bytes", path, max);
    else if (!(text = malloc ((size_t) info.st_size + 1)))
        snprintf (error, error_size, "out of memory reading %s", path);
    else {
        ssize_t n = read (fd, text, (size_t) info.st_size);
        if (n != info.st_size) {
            snprintf (error, error_size, "cannot read %s: %s", path,
                      n < 0 ? strerror (errno) : "short read");
            free (text);
            text = NULL;
        }
        else {
            text[n] = '\0';
            *size = (size_t) n;
        }
    }
    close (fd);
    return text;
}
