/*  sockopt.h: set an option on the agents' SUB socket, or say why not.

    Every zmq_setsockopt return is checked (issue 9): a refused option (a
    libzmq built without CURVE, a bad key) must stop the collector with a
    line naming the option, never leave a socket less safe than configured.
*/
#ifndef ZAPM_SOCKOPT_H
#define ZAPM_SOCKOPT_H

#include <stdbool.h>
#include <stddef.h>

//  zmq_setsockopt on `socket`; logs "cannot set NAME on the SUB socket:
//  reason" and returns false when libzmq refuses.
bool sockopt_set (void *socket, int option, const void *value, size_t size, const char *name);

#endif
