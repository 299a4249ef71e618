/*  web.h: the HTTP side, the face of collector/web/.

    Takes in requests on the HTTP port (libmicrohttpd, driven by the loop);
    hands out the dashboard, the /feed streams (feed.h), the JSON API,
    /metrics (metrics.h) and /healthz, behind the logins and TLS of web/auth/
    (auth.h). http.h is the server and its routes. Loop thread only; password
    hashing runs on web/auth's worker.
*/
#ifndef ZAPM_WEB_H
#define ZAPM_WEB_H

#include "http.h"
#include "feed.h"
#include "metrics.h"
#include "web_stats.h"

#endif
