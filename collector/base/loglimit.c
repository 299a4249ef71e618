/*  loglimit.c: at most N lines a window per kind of event, and a summary of
    the rest (loglimit.h). */
#include "loglimit.h"
#include "log.h"

#include <assert.h>
#include <inttypes.h>
#include <stdio.h>

//  `value` with a comma every three digits, as people read counts: 1,234.
static const char *
s_grouped (uint64_t value, char out[32])
{
    char digits[24];
    int length = snprintf (digits, sizeof digits, "%" PRIu64, value);
    char *p = out;
    for (int i = 0; i < length; i++) {
        if (i > 0 && (length - i) % 3 == 0)
            *p++ = ',';
        *p++ = digits[i];
    }
    *p = '\0';
    return out;
}

bool
loglimit_flush (loglimit_t *self, int64_t mono_ns)
{
    assert (self);
    assert (self->what); //  a counted limiter's lines are the caller's
    if (self->window_end == 0 || mono_ns < self->window_end)
        return false;
    bool wrote = self->held > 0;
    if (wrote) {
        char count[32];
        int64_t seconds = self->window_ns / 1000000000LL;
        if (seconds == 60)
            log_info ("... and %s more %s in the last minute", s_grouped (self->held, count),
                      self->what);
        else
            log_info ("... and %s more %s in the last %" PRId64 " s", s_grouped (self->held, count),
                      self->what, seconds);
    }
    self->window_end = 0;
    self->lines = 0;
    self->held = 0;
    return wrote;
}

bool
loglimit_allow (loglimit_t *self, int64_t mono_ns)
{
    assert (self);
    assert (self->what);
    loglimit_flush (self, mono_ns);
    if (self->window_end == 0)
        self->window_end = mono_ns + self->window_ns;
    if (self->lines < self->lines_max) {
        self->lines++;
        return true;
    }
    self->held++;
    self->held_all++;
    return false;
}

int64_t
loglimit_due (const loglimit_t *self)
{
    assert (self);
    if (self->held == 0)
        return 0;
    return self->window_end > 0 ? self->window_end : 1;
}

int64_t
loglimit_earlier (int64_t a, int64_t b)
{
    return a == 0 ? b : b == 0 ? a : a < b ? a : b;
}

void
loglimit_hold (loglimit_t *self, uint64_t events)
{
    assert (self);
    assert (!self->what); //  LOGLIMIT_COUNTED
    self->held += events;
}

uint64_t
loglimit_take (loglimit_t *self, int64_t mono_ns)
{
    assert (self);
    assert (!self->what);
    if (self->held == 0 || (self->window_end != 0 && mono_ns < self->window_end))
        return 0;
    uint64_t events = self->held;
    self->held = 0;
    self->window_end = mono_ns + self->window_ns;
    return events;
}

uint64_t
loglimit_count (loglimit_t *self, int64_t mono_ns)
{
    loglimit_hold (self, 1);
    return loglimit_take (self, mono_ns);
}
