/*  sockopt.c: checked socket options for the SUB socket (sockopt.h). */
#include "sockopt.h"
#include "log.h"

#include <errno.h>
#include <zmq.h>

bool
sockopt_set (void *socket, int option, const void *value, size_t size, const char *name)
{
    if (zmq_setsockopt (socket, option, value, size) == 0)
        return true;
    log_error ("cannot set %s on the SUB socket: %s", name, zmq_strerror (errno));
    return false;
}
