/*  endpoint.h: the one check of a ZeroMQ endpoint given by a person.

    libzmq answers a malformed endpoint (`http://host:5555`, an empty
    element of a list, `tcp://host` without a port) with EINVAL and nothing
    else, which reaches the user as "Invalid argument". Every endpoint the
    programs and the library take (--connect, ZAPM_ENDPOINT, the collector's
    --bind and --forward) is checked here first, so the error names the
    endpoint and the transports that work.
*/
#ifndef ZAPM_ENDPOINT_H
#define ZAPM_ENDPOINT_H

#include <stdbool.h>
#include <stddef.h>

//  The transports, as error messages list them.
#define ENDPOINT_TRANSPORTS "tcp://HOST:PORT, ipc://PATH or inproc://NAME"

//  True when `endpoint` is one endpoint of a transport this libzmq has, in
//  the form libzmq takes; else false and "'X' is not a ZeroMQ endpoint: use
//  tcp://HOST:PORT, ipc://PATH or inproc://NAME" (or what is wrong with it)
//  in `why` (`why_size` bytes).
bool endpoint_check (const char *endpoint, char *why, size_t why_size);

//  The same for a comma-separated list: every element must pass, and none may
//  be empty. `what` names where the list came from in `why`.
bool endpoint_list_check (const char *list, const char *what, char *why, size_t why_size);

#endif
