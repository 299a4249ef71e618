/*  test_clock.c: ISO 8601 timestamps as the book's Python agents print them. */
#include "check.h"
#include "clock.h"

#include <string.h>

int
main (void)
{
    int64_t ns = 0;
    CHECK (clock_parse_iso ("2026-11-23T10:00:00.123456+00:00", 32, &ns));
    CHECK (ns == 1795428000123456000LL);
    CHECK (clock_parse_iso ("2026-11-23T12:00:00+02:00", 25, &ns) && ns == 1795428000000000000LL);
    CHECK (clock_parse_iso ("2026-11-23T10:00:00Z", 20, &ns) && ns == 1795428000000000000LL);
    CHECK (clock_parse_iso ("2026-11-23 10:00:00", 19, &ns) && ns == 1795428000000000000LL);
    CHECK (clock_parse_iso ("1970-01-01T00:00:00.5-0100", 26, &ns) && ns == 3600500000000LL);
    CHECK (!clock_parse_iso ("2026-13-01T00:00:00", 19, &ns));
    CHECK (!clock_parse_iso ("2026-11-23T10:00", 16, &ns));
    CHECK (!clock_parse_iso ("2026-11-23T10:00:00.+00:00", 26, &ns));
    CHECK (!clock_parse_iso ("2026-11-23T10:00:00+0", 21, &ns));
    CHECK (!clock_parse_iso ("2026-11-23T10:00:00 junk", 24, &ns));
    CHECK (!clock_parse_iso ("", 0, &ns));
    //  dates whose nanoseconds do not fit in int64_t are refused, not overflowed
    CHECK (!clock_parse_iso ("9999-12-31T23:59:59Z", 20, &ns));
    CHECK (!clock_parse_iso ("0001-01-01T00:00:00Z", 20, &ns));
    CHECK (clock_parse_iso ("2261-12-31T23:59:59Z", 20, &ns) && ns > 0);

    char buf[40];
    CHECK (clock_format_iso (1795428000123456789LL, buf, sizeof buf) == 32);
    CHECK (strcmp (buf, "2026-11-23T10:00:00.123456+00:00") == 0);
    CHECK (clock_format_iso (0, buf, 10) == 0);
    //  round trip of now
    int64_t now = clock_wall_ns ();
    CHECK (clock_format_iso (now, buf, sizeof buf) == 32);
    CHECK (clock_parse_iso (buf, 32, &ns) && ns == now / 1000 * 1000);
    return CHECK_DONE ();
}
