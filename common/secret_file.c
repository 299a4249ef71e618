/*  secret_file.c: reading a file that holds a secret, with its mode checked. */
#include "secret_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

char *
secret_file_read (const char *path, bool secret, size_t *size, char *error, size_t error_size)
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
    else if (secret && (info.st_mode & (S_IROTH | S_IWOTH | S_IWGRP)))
        snprintf (error, error_size,
                  "%s is readable or writable by others (mode %04o): it holds a secret; "
                  "run chmod 600 %s",
                  path, (unsigned) (info.st_mode & 07777), path);
    else if (info.st_size > SECRET_FILE_MAX)
        snprintf (error, error_size, "%s is larger than %d bytes", path, SECRET_FILE_MAX);
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
