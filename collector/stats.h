/*  stats.h: the collector's own counters, exposed at /metrics and in logs.

    Plain integers updated from the one collector thread; nothing to lock.
*/
#ifndef ZAPM_STATS_H
#define ZAPM_STATS_H

#include "validate.h"

#include <stdint.h>

//  Why the ZAP handler refused an agent (gate.c names them for /metrics).
typedef enum {
    STATS_REFUSED_UNKNOWN_KEY, //  CURVE key not in --curve-allow
    STATS_REFUSED_PLAINTEXT,   //  plaintext peer while CURVE is on
    STATS_REFUSED_ADDRESS,     //  plaintext peer outside --plaintext-from
    STATS_REFUSALS
} stats_refusal_t;

//  Why an agent connection ended (watch.c names them for /metrics).
typedef enum {
    STATS_LOST_CLOSED,             //  after the handshake: closed by the peer, heartbeat
                                   //  timeout, or a frame over the cap (libzmq 4.3 says no more)
    STATS_LOST_HANDSHAKE_REFUSED,  //  the ZAP handler said no
    STATS_LOST_MECHANISM_MISMATCH, //  plaintext peer on CURVE, or the other way round
    STATS_LOST_PROTOCOL_ERROR,     //  a ZMTP error in the handshake (bad keys, bad bytes)
    STATS_LOST_HANDSHAKE_FAILED,   //  handshake failed without detail (peer gone, I/O error)
    STATS_LOST_REVOKED,            //  closed by the collector: its key was removed
    STATS_LOST_REASONS
} stats_lost_t;

typedef struct {
    uint64_t received;                  //  frames received on the SUB socket
    uint64_t invalid[VALIDATE_REASONS]; //  frames dropped, by reason
    uint64_t series_dropped;            //  valid samples of series past --max-series
    uint64_t lost;                      //  samples missing according to `seq` gaps
    uint64_t events;                    //  events appended to the ring
    uint64_t clients_rejected;          //  /feed requests past --max-clients
    uint64_t resets;                    //  `event: reset` sent to clients
    uint64_t wakes;                     //  batches of suspended clients woken
    uint64_t auth_failed;               //  logins refused (bad header, wrong password)
    uint64_t auth_busy;                 //  logins answered 429: hashing queue full
    uint64_t header_timeouts;           //  connections closed by the header deadline
    uint64_t tls_failed;                //  TLS handshakes that failed (plain HTTP, scanners)
    uint64_t refused[STATS_REFUSALS];   //  agents refused at the handshake, by reason
    uint64_t accepted;                  //  agent TCP connections accepted
    uint64_t connections;               //  agent connections open now
    uint64_t connections_lost[STATS_LOST_REASONS]; //  agent connections ended, by reason
    uint64_t revoked_frames;                       //  frames dropped because their key was revoked
} stats_t;

#endif
