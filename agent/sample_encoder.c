/*  sample_encoder.c: writes one sample as a wire protocol v1 JSON object.

    Speed: snprintf ("%g") costs a few hundred ns per number, which would be
    most of a sample's budget. Integers are printed two digits per division
    and the fixed-precision numbers (percentages to 0.1 as psutil rounds them,
    CPU seconds and MiB to 0.000001) as scaled integers. The timestamp's date
    and time are formatted once a second (clock_format_iso) and only the
    microseconds are patched in between. Custom metrics, whose values can be
    anything, take the scaled-integer path when that reads back exactly and
    snprintf ("%.17g") otherwise.

    Validity: every number printed is finite (non-finite inputs become 0),
    every string is escaped, invalid UTF-8 is replaced, and running out of
    buffer makes the whole call fail rather than emit a truncated object.
*/
#include "sample_encoder.h"
#include "clock.h"
#include "textbuf.h"
#include "wire.h"

#include <errno.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_IDENTITY_STRING_MAX 255

struct _sample_encoder_t {
    size_t prefix_len; //  bytes used in prefix
    char prefix[5120]; //  "{\"v\":1,\"agent\":...,\"color\":...," precomputed
    int64_t stamp_sec; //  the whole second stamp was formatted for, -1 none
    size_t stamp_len;  //  bytes in stamp (32)
    char stamp[40];    //  ISO 8601 of stamp_sec; microseconds patched in
};

//  Writes value rounded to `decimals` places (0..6) without trailing zeros,
//  e.g. 12.5, 3, 0.25. Falls back to %.17g beyond 2^53 scaled. Non-finite
//  values are written as 0 so the output stays valid JSON.
static void
s_put_fixed (textbuf_t *out, double value, int decimals)
{
    static const uint64_t scale[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
    if (!isfinite (value)) {
        textbuf_putc (out, '0');
        return;
    }
    bool negative = value < 0;
    double magnitude = (negative ? -value : value) * (double) scale[decimals] + 0.5;
    if (magnitude >= 9007199254740992.0) {
        char text[32];
        int n = snprintf (text, sizeof text, "%.17g", value);
        textbuf_put (out, text, (size_t) n);
        return;
    }
    uint64_t scaled = (uint64_t) magnitude;
    uint64_t whole = scaled / scale[decimals];
    uint64_t frac = scaled % scale[decimals];
    if (negative && scaled)
        textbuf_putc (out, '-');
    textbuf_u64 (out, whole);
    if (frac) {
        int width = decimals;
        while (frac % 10 == 0) {
            frac /= 10;
            width--;
        }
        char text[8];
        for (int i = width - 1; i >= 0; i--) {
            text[i] = (char) ('0' + frac % 10);
            frac /= 10;
        }
        textbuf_putc (out, '.');
        textbuf_put (out, text, (size_t) width);
    }
}

//  Writes any finite double so that it reads back exactly.
static void
s_put_double (textbuf_t *out, double value)
{
    if (!isfinite (value)) {
        textbuf_putc (out, '0');
        return;
    }
    if (value == floor (value) && fabs (value) < 9007199254740992.0) {
        if (value < 0)
            textbuf_putc (out, '-');
        textbuf_u64 (out, (uint64_t) fabs (value));
        return;
    }
    //  Most gauges have few decimals: when value is exactly the double
    //  nearest to n / 10^6, printing n / 10^6 reads back as value, and costs
    //  a tenth of snprintf.
    if (fabs (value) < 1e9) {
        double scaled = nearbyint (value * 1e6);
        if (scaled / 1e6 == value) {
            s_put_fixed (out, value, 6);
            return;
        }
    }
    char text[32];
    int n = snprintf (text, sizeof text, "%.17g", value);
    textbuf_put (out, text, (size_t) n);
}

//  Writes a NUL-terminated string as a JSON string literal.
static void
s_put_string (textbuf_t *out, const char *text)
{
    textbuf_json_string (out, text, strlen (text));
}

sample_encoder_t *
sample_encoder_new (void)
{
    sample_encoder_t *self = calloc (1, sizeof *self);
    if (self) {
        self->stamp_sec = -1;
        sample_encoder_set_identity (self, "", "", "", 0);
    }
    return self;
}

void
sample_encoder_destroy (sample_encoder_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    free (*self_p);
    *self_p = NULL;
}

int
sample_encoder_set_identity (sample_encoder_t *self, const char *name, const char *host,
                             const char *color, pid_t pid)
{
    if (!name || !host || !color || strlen (name) > S_IDENTITY_STRING_MAX ||
        strlen (host) > S_IDENTITY_STRING_MAX || strlen (color) > S_IDENTITY_STRING_MAX) {
        errno = EINVAL;
        return -1;
    }
    //  Each string may grow 6x when escaped: 3 × 255 × 6 < sizeof prefix.
    textbuf_t out = textbuf_fixed (self->prefix, sizeof self->prefix);
    textbuf_putc (&out, '{');
    TEXTBUF_KEY (&out, ZAPM_KEY_VERSION);
    textbuf_u64 (&out, ZAPM_WIRE_VERSION);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_AGENT);
    s_put_string (&out, name);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_HOST);
    s_put_string (&out, host);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_PID);
    textbuf_u64 (&out, (uint64_t) (pid > 0 ? pid : 0));
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_COLOR);
    s_put_string (&out, color);
    TEXTBUF_LIT (&out, ",");
    if (out.overflow) {
        errno = EINVAL;
        return -1;
    }
    self->prefix_len = (size_t) (out.p - self->prefix);
    return 0;
}

static void
s_put_proc (textbuf_t *out, const proc_sample_t *proc)
{
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PROC);
    TEXTBUF_LIT (out, "{");
    TEXTBUF_KEY (out, ZAPM_KEY_CPU_PERCENT);
    s_put_fixed (out, proc->cpu_percent, 1);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_CPU_USER);
    s_put_fixed (out, proc->cpu_user, 6);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_CPU_SYSTEM);
    s_put_fixed (out, proc->cpu_system, 6);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_RSS);
    textbuf_u64 (out, proc->rss);
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_VMS);
    textbuf_u64 (out, proc->vms);
    if (proc->have & PROC_HAVE_SWAP) {
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_SWAP_BYTES);
        textbuf_u64 (out, proc->swap);
    }
    if (proc->have & PROC_HAVE_SMAPS) {
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_USS);
        textbuf_u64 (out, proc->uss);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PSS);
        textbuf_u64 (out, proc->pss);
    }
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_NUM_THREADS);
    textbuf_u64 (out, proc->num_threads);
    if (proc->have & PROC_HAVE_FDS) {
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_NUM_FDS);
        textbuf_u64 (out, proc->num_fds);
    }
    if (proc->have & PROC_HAVE_STATUS) {
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_NUM_CTX_SWITCHES);
        textbuf_u64 (out, proc->num_ctx_switches);
    }
    if (proc->have & PROC_HAVE_IO) {
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_IO_READ_BYTES);
        textbuf_u64 (out, proc->io_read_bytes);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_IO_WRITE_BYTES);
        textbuf_u64 (out, proc->io_write_bytes);
    }
    TEXTBUF_LIT (out, "}");
}

static void
s_put_sys (textbuf_t *out, const sys_sample_t *sys)
{
    TEXTBUF_NEXT_KEY (out, ZAPM_KEY_SYS);
    TEXTBUF_LIT (out, "{");
    bool first = true;
    if (sys->have & SYS_HAVE_CPU) {
        TEXTBUF_KEY (out, ZAPM_KEY_CPU_PERCENT);
        s_put_fixed (out, sys->cpu_percent, 1);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PERCPU);
        TEXTBUF_LIT (out, "[");
        for (size_t i = 0; i < sys->ncpu; i++) {
            if (i)
                TEXTBUF_LIT (out, ",");
            s_put_fixed (out, sys->percpu[i], 1);
        }
        TEXTBUF_LIT (out, "]");
        first = false;
    }
    if (sys->have & SYS_HAVE_LOAD) {
        if (!first)
            TEXTBUF_LIT (out, ",");
        TEXTBUF_KEY (out, ZAPM_KEY_LOAD);
        TEXTBUF_LIT (out, "[");
        for (int i = 0; i < 3; i++) {
            if (i)
                TEXTBUF_LIT (out, ",");
            s_put_fixed (out, sys->load[i], 2);
        }
        TEXTBUF_LIT (out, "]");
        first = false;
    }
    if (sys->have & SYS_HAVE_MEM) {
        if (!first)
            TEXTBUF_LIT (out, ",");
        TEXTBUF_KEY (out, ZAPM_KEY_SYS_MEM);
        TEXTBUF_LIT (out, "{");
        TEXTBUF_KEY (out, ZAPM_KEY_TOTAL);
        textbuf_u64 (out, sys->mem_total);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_AVAILABLE);
        textbuf_u64 (out, sys->mem_available);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_USED);
        textbuf_u64 (out, sys->mem_used);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PERCENT);
        s_put_fixed (out, sys->mem_percent, 1);
        TEXTBUF_LIT (out, "},");
        TEXTBUF_KEY (out, ZAPM_KEY_SYS_SWAP);
        TEXTBUF_LIT (out, "{");
        TEXTBUF_KEY (out, ZAPM_KEY_TOTAL);
        textbuf_u64 (out, sys->swap_total);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_USED);
        textbuf_u64 (out, sys->swap_used);
        TEXTBUF_NEXT_KEY (out, ZAPM_KEY_PERCENT);
        s_put_fixed (out, sys->swap_percent, 1);
        TEXTBUF_LIT (out, "}");
    }
    TEXTBUF_LIT (out, "}");
}

//  The names of the custom metrics that are counters, as `counters`, when any
//  is: the `custom` object stays name -> number for readers that know no more.
static void
s_put_counters (textbuf_t *out, const custom_metric_t *custom, size_t count)
{
    bool first = true;
    for (size_t i = 0; i < count; i++) {
        if (!custom[i].counter)
            continue;
        if (first) {
            TEXTBUF_LIT (out, ",");
            TEXTBUF_KEY (out, ZAPM_KEY_COUNTERS);
            TEXTBUF_LIT (out, "[");
        }
        else
            TEXTBUF_LIT (out, ",");
        first = false;
        s_put_string (out, custom[i].name);
    }
    if (!first)
        TEXTBUF_LIT (out, "]");
}

size_t
sample_encoder_encode (sample_encoder_t *self, const sample_parts_t *parts, char *buf, size_t size)
{
    textbuf_t out = textbuf_fixed (buf, size);
    textbuf_put (&out, self->prefix, self->prefix_len);

    //  The date and time change once a second: format them then, and only
    //  patch the microseconds ("...:SS.uuuuuu+00:00", bytes 20..25) otherwise.
    int64_t sec = parts->wall_ns >= 0 ? parts->wall_ns / 1000000000 : -1;
    if (sec < 0 || sec != self->stamp_sec) {
        self->stamp_len = clock_format_iso (parts->wall_ns, self->stamp, sizeof self->stamp);
        self->stamp_sec = self->stamp_len == 32 ? sec : -1;
    }
    else {
        long micros = (long) (parts->wall_ns % 1000000000 / 1000);
        for (int i = 25; i >= 20; i--, micros /= 10)
            self->stamp[i] = (char) ('0' + micros % 10);
    }
    TEXTBUF_KEY (&out, ZAPM_KEY_TIMESTAMP);
    textbuf_putc (&out, '"');
    textbuf_put (&out, self->stamp, self->stamp_len);
    textbuf_putc (&out, '"');

    //  Book core: process CPU percent and RSS MiB, or the system's.
    double cpu = 0.0, mem_mib = 0.0;
    if (parts->proc) {
        cpu = parts->proc->cpu_percent;
        mem_mib = (double) parts->proc->rss / (1024.0 * 1024.0);
    }
    else if (parts->sys) {
        cpu = parts->sys->cpu_percent;
        mem_mib = (double) parts->sys->mem_used / (1024.0 * 1024.0);
    }
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_CPU);
    s_put_fixed (&out, cpu, 1);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_MEM);
    s_put_fixed (&out, mem_mib, 6);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_SEQ);
    textbuf_u64 (&out, parts->seq);
    TEXTBUF_LIT (&out, ",");
    TEXTBUF_KEY (&out, ZAPM_KEY_INTERVAL);
    s_put_fixed (&out, parts->interval, 6);

    if (parts->proc)
        s_put_proc (&out, parts->proc);
    if (parts->sys)
        s_put_sys (&out, parts->sys);
    if (parts->ncustom) {
        TEXTBUF_LIT (&out, ",");
        TEXTBUF_KEY (&out, ZAPM_KEY_CUSTOM);
        TEXTBUF_LIT (&out, "{");
        for (size_t i = 0; i < parts->ncustom; i++) {
            if (i)
                TEXTBUF_LIT (&out, ",");
            s_put_string (&out, parts->custom[i].name);
            TEXTBUF_LIT (&out, ":");
            s_put_double (&out, parts->custom[i].value);
        }
        TEXTBUF_LIT (&out, "}");
        s_put_counters (&out, parts->custom, parts->ncustom);
    }
    TEXTBUF_LIT (&out, "}");
    return out.overflow ? 0 : textbuf_length (&out);
}
