/*  zmq_event.c: read one socket monitor event (zmq_event.h). */
#include "zmq_event.h"

#include <string.h>
#include <zmq.h>

bool
zmq_event_recv (void *pair, uint16_t *event, uint32_t *value, char *text, size_t size)
{
    zmq_msg_t head, endpoint;
    zmq_msg_init (&head);
    if (zmq_msg_recv (&head, pair, ZMQ_DONTWAIT) < 0) {
        zmq_msg_close (&head);
        return false;
    }
    zmq_msg_init (&endpoint);
    if (zmq_msg_more (&head))
        zmq_msg_recv (&endpoint, pair, 0);
    *event = 0;
    *value = 0;
    if (zmq_msg_size (&head) >= sizeof *event + sizeof *value) {
        const uint8_t *data = zmq_msg_data (&head);
        memcpy (event, data, sizeof *event);
        memcpy (value, data + sizeof *event, sizeof *value);
    }
    if (text && size > 0) {
        size_t length = zmq_msg_size (&endpoint) < size - 1 ? zmq_msg_size (&endpoint) : size - 1;
        memcpy (text, zmq_msg_data (&endpoint), length);
        text[length] = '\0';
    }
    zmq_msg_close (&endpoint);
    zmq_msg_close (&head);
    return true;
}
