/*  zmq_event.h: one socket monitor event, read from the PAIR that
    zmq_socket_monitor publishes on.

    The agent (redial.c) and the collector (watch.c) both watch a socket; the
    event format (two frames: 16-bit event and 32-bit value in host order,
    then the endpoint) is read here, once.
*/
#ifndef ZAPM_ZMQ_EVENT_H
#define ZAPM_ZMQ_EVENT_H

#include <stdbool.h>
#include <stdint.h>

#include <stddef.h>

//  Receives one event from `pair` without waiting. Returns false when there
//  is none; *event and *value are 0 for a malformed one. The event's
//  endpoint goes into endpoint[size] when endpoint is not NULL (cut to fit).
bool zmq_event_recv (void *pair, uint16_t *event, uint32_t *value, char *endpoint, size_t size);

#endif
