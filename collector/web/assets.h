/*  assets.h: the dashboard's files, embedded into the collector at build time.

    web/CMakeLists.txt generates the matching assets.c from the staged site (the
    files in web/src, the wire.js generated from common/wire.h, and the pinned
    npm packages), so the daemon is one self-contained binary and
    never serves from the filesystem.
*/
#ifndef ZAPM_ASSETS_H
#define ZAPM_ASSETS_H

#include <stddef.h>

typedef struct {
    const char *path;          //  URL path, e.g. "/index.html", "/vendor/uPlot.esm.js"
    const char *content_type;  //  e.g. "text/html; charset=utf-8"
    const unsigned char *data; //  file bytes
    size_t size;               //  number of bytes
} asset_t;

//  Returns the embedded file served at `path` ("/" is "/index.html"), or NULL.
const asset_t *assets_find (const char *path);

#endif
