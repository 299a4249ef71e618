/*  stream.h: the live event stream, the face of collector/stream/.

    Takes in samples framed once as server-sent events (sse.h: framing, event
    ids, the boot token); hands them out through the shared ring (ring.h) that
    every /feed client reads with its own cursor. Loop thread only; owns no
    thread.
*/
#ifndef ZAPM_STREAM_H
#define ZAPM_STREAM_H

#include "ring.h"
#include "sse.h"

#endif
