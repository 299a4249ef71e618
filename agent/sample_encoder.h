/*  sample_encoder.h: writes one sample as a wire protocol v1 JSON object.

    The encoder prints straight into a caller's buffer, with no JSON tree and
    no allocation per sample. The parts that do not change between samples
    (version, names, host, pid, colour) are escaped once, when set, and
    copied as one block. Every key comes from wire.h.
*/
#ifndef ZAPM_SAMPLE_ENCODER_H
#define ZAPM_SAMPLE_ENCODER_H

#include "custom_metrics.h"
#include "proc_sampler.h"
#include "sys_sampler.h"

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef struct _sample_encoder_t sample_encoder_t;

//  Everything one sample carries besides the fixed identity. NULL parts are
//  left out; with no proc, `cpu` and `mem` carry the system's CPU percent
//  and used memory so that book-style charts still draw.
typedef struct {
    uint64_t seq;                  //  sample number, from 0
    int64_t wall_ns;               //  when it was taken, ns since the epoch
    double interval;               //  seconds between samples
    const proc_sample_t *proc;     //  process metrics, or NULL
    const sys_sample_t *sys;       //  system metrics, or NULL
    const custom_metric_t *custom; //  custom metrics, ncustom of them
    size_t ncustom;                //  may be 0
} sample_parts_t;

//  Creates an encoder with an empty identity. Returns NULL on failure.
sample_encoder_t *sample_encoder_new (void);

//  Frees the encoder; sets *self_p to NULL.
void sample_encoder_destroy (sample_encoder_t **self_p);

//  Sets the fixed fields of every following sample: service `name`, `host`,
//  `color` (any UTF-8; escaped here) and `pid`. Returns 0, or -1 with errno
//  EINVAL if a string is NULL or longer than 255 bytes.
int sample_encoder_set_identity (sample_encoder_t *self, const char *name, const char *host,
                                 const char *color, pid_t pid);

//  Writes one sample as JSON into buf (not NUL-terminated). Returns its
//  length, or 0 if it does not fit in `size` bytes.
size_t sample_encoder_encode (sample_encoder_t *self, const sample_parts_t *parts, char *buf,
                              size_t size);

#endif
