/*  series.h: what the collector knows of each agent, the face of collector/series/.

    Takes in validated samples (sample.h); hands out each series' state,
    liveness and in-memory history (series_map.h), its latest exported numbers
    (latest.h) and their Prometheus rendering (series_metrics.h). Loop thread
    only; owns no thread.
*/
#ifndef ZAPM_SERIES_H
#define ZAPM_SERIES_H

#include "series_map.h"
#include "latest.h"
#include "series_metrics.h"

#endif
