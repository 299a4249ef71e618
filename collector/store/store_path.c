/*  store_path.c: the default store path (store_path.h). */
#include "store_path.h"
#include "base.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

//  Creates `dir` and its missing parents, each mode 0700.
static bool
s_make_dirs (char *dir)
{
    for (char *slash = strchr (dir + 1, '/');; slash = strchr (slash + 1, '/')) {
        if (slash)
            *slash = '\0';
        bool made = mkdir (dir, 0700) == 0 || errno == EEXIST;
        if (slash)
            *slash = '/';
        if (!made) {
            log_error ("cannot create %s for the store: %s (give --store PATH or --store none)",
                       dir, strerror (errno));
            return false;
        }
        if (!slash)
            return true;
    }
}

bool
store_path_default (char *path, size_t size)
{
    const char *state = getenv ("STATE_DIRECTORY");
    const char *xdg = getenv ("XDG_STATE_HOME");
    const char *home = getenv ("HOME");
    char dir[4096];
    int length;
    if (state && *state) {
        //  systemd may list several directories, separated by ':'; take the
        //  first, which must be absolute (as systemd always makes it).
        if (*state != '/') {
            log_error ("STATE_DIRECTORY=%s does not start with an absolute directory: "
                       "give --store PATH or --store none",
                       state);
            return false;
        }
        length = snprintf (dir, sizeof dir, "%.*s", (int) strcspn (state, ":"), state);
    }
    else if (xdg && *xdg == '/')
        length = snprintf (dir, sizeof dir, "%s/zapm", xdg);
    else if (home && *home == '/')
        length = snprintf (dir, sizeof dir, "%s/.local/state/zapm", home);
    else {
        log_error ("no STATE_DIRECTORY, XDG_STATE_HOME or HOME to keep the store in: "
                   "give --store PATH or --store none");
        return false;
    }
    if (length < 0 || (size_t) length >= sizeof dir ||
        (size_t) length + sizeof "/" STORE_PATH_FILE > size) {
        log_error ("the store's directory path is too long: give --store PATH");
        return false;
    }
    if (!s_make_dirs (dir))
        return false;
    snprintf (path, size, "%s/%s", dir, STORE_PATH_FILE);
    return true;
}
