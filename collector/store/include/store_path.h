/*  store_path.h: where the store lives when --store names no path.

    The default works without root: systemd's $STATE_DIRECTORY (the unit's
    StateDirectory=zapm), else $XDG_STATE_HOME/zapm, else
    ~/.local/state/zapm, each holding zapm.db. The directory is created
    (mode 0700) when missing.
*/
#ifndef ZAPM_STORE_PATH_H
#define ZAPM_STORE_PATH_H

#include <stdbool.h>
#include <stddef.h>

//  The file name inside the state directory.
#define STORE_PATH_FILE "zapm.db"

//  Writes the default store path into `path` (`size` bytes) and creates its
//  directory. Returns false, after logging why, when there is no usable
//  directory (no HOME, a path too long, mkdir failed).
bool store_path_default (char *path, size_t size);

#endif
