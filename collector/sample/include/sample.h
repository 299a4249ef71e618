/*  sample.h: the validated sample, the face of collector/sample/.

    Takes in the bytes of one frame; hands out a sample_t (validate.h) with
    its identity, the numbers every exporter publishes (metric_map.h: the one
    table from wire fields to metric families) and the numbers the store keeps
    (store_numbers.h), or the reason the frame was dropped. This is the trust
    boundary: nothing after it parses JSON from an agent. Owns no thread; safe
    from several threads (each parses in an arena of its own).
*/
#ifndef ZAPM_SAMPLE_H
#define ZAPM_SAMPLE_H

#include "validate.h"
#include "metric_map.h"
#include "store_numbers.h"

#endif
