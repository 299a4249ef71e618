/*  test_rw_proto.c: the remote write encoder against byte strings worked out by
    hand from the protobuf wire format (see the comments), and every way a point
    can be refused; the queue's point records, written and read back. Prometheus and VictoriaMetrics
   decode its output in the remote write tests (tests/collector/export/test_remote_write.py). */
#include "check.h"
#include "rw_proto.h"
#include "rw_record.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

static void
s_check_bytes (const rw_buf_t *buf, const uint8_t *want, size_t size)
{
    if (buf->size != size || memcmp (buf->data, want, size)) {
        fprintf (stderr, "got %zu bytes:", buf->size);
        for (size_t i = 0; i < buf->size; i++)
            fprintf (stderr, " %02x", buf->data[i]);
        fprintf (stderr, "\nwant %zu bytes:", size);
        for (size_t i = 0; i < size; i++)
            fprintf (stderr, " %02x", want[i]);
        fprintf (stderr, "\n");
    }
    CHECK (buf->size == size);
    CHECK (memcmp (buf->data, want, size) == 0);
}

//  up{job="a"} 1 @1000: __name__ sorts before job.
static void
test_simple (void)
{
    static const uint8_t want[] = {
        0x0a, 0x28, //  WriteRequest.timeseries, 40 bytes
        0x0a, 0x0e, //  TimeSeries.labels, 14 bytes
        0x0a, 0x08, '_',  '_', 'n', 'a',  'm',  'e',  '_',  '_', //  Label.name "__name__"
        0x12, 0x02, 'u',  'p',                                   //  Label.value "up"
        0x0a, 0x08,                                              //  TimeSeries.labels, 8 bytes
        0x0a, 0x03, 'j',  'o', 'b', 0x12, 0x01, 'a',             //  job="a"
        0x12, 0x0c,                                              //  TimeSeries.samples, 12 bytes
        0x09, 0,    0,    0,   0,   0,    0,    0xf0, 0x3f,      //  Sample.value 1.0 (fixed64, LE)
        0x10, 0xe8, 0x07,                                        //  Sample.timestamp 1000 (varint)
    };
    rw_buf_t buf = {0};
    rw_label_t labels[] = {{"job", "a"}};
    rw_point_t point = {"up", labels, 1, 1.0, 1000};
    CHECK (rw_proto_append (&buf, &point) == NULL);
    s_check_bytes (&buf, want, sizeof want);

    //  A second point is a second timeseries field, appended.
    CHECK (rw_proto_append (&buf, &point) == NULL);
    CHECK (buf.size == 2 * sizeof want);
    CHECK (memcmp (buf.data + sizeof want, want, sizeof want) == 0);
    rw_buf_free (&buf);
}

//  Byte order sorting (upper case before '_' before lower case), an empty value
//  left out, a zero value left out (proto3 default), a negative timestamp as a
//  ten-byte two's complement varint, a colon in the metric name.
static void
test_sorting_and_defaults (void)
{
    static const uint8_t want[] = {
        0x0a, 0x35, //  timeseries, 53 bytes
        0x0a, 0x0a, 0x0a, 0x05, 'A',  'l',  'p',  'h',  'a',  0x12, 0x01, 'x', //  Alpha="x"
        0x0a, 0x0f, 0x0a, 0x08, '_',  '_',  'n',  'a',  'm',  'e',  '_',  '_', //  __name__=
        0x12, 0x03, 'm',  ':',  'x',                                           //    "m:x"
        0x0a, 0x09, 0x0a, 0x04, 'z',  'o',  'n',  'e',  0x12, 0x01, 'b',       //  zone="b"
        0x12, 0x0b, 0x10,                                           //  samples, timestamp
        0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01, //    -1
    };
    rw_buf_t buf = {0};
    rw_label_t labels[] = {{"zone", "b"}, {"a", ""}, {"Alpha", "x"}};
    rw_point_t point = {"m:x", labels, 3, 0.0, -1};
    CHECK (rw_proto_append (&buf, &point) == NULL);
    s_check_bytes (&buf, want, sizeof want);
    rw_buf_free (&buf);
}

//  Lengths of 128 bytes and more take two varint bytes; the sizes add up.
static void
test_long_value (void)
{
    char value[301];
    memset (value, 'v', 300);
    value[300] = '\0';
    rw_label_t labels[] = {{"k", value}};
    rw_point_t point = {"m", labels, 1, -2.5, 1700000000123};
    rw_buf_t buf = {0};
    CHECK (rw_proto_append (&buf, &point) == NULL);
    //  label k: 0a 01 'k' 12 ac 02 <300> = 306 bytes, its field 0a b2 02 + 306 = 309
    //  label __name__: 0a 08 <8> 12 01 'm' = 13, field 15
    //  sample: 09 <8> 10 <varint of 1700000000123: 6 bytes> = 16, field 18
    //  series: 309 + 15 + 18 = 342 = 0xd6 0x02; total 1 + 2 + 342 = 345
    CHECK (buf.size == 345);
    CHECK (buf.data[0] == 0x0a && buf.data[1] == 0xd6 && buf.data[2] == 0x02);
    CHECK (buf.data[3] == 0x0a && buf.data[4] == 0x0d); //  __name__ first
    const uint8_t k_head[] = {0x0a, 0xb2, 0x02, 0x0a, 0x01, 'k', 0x12, 0xac, 0x02};
    CHECK (memcmp (buf.data + 3 + 15, k_head, sizeof k_head) == 0);
    CHECK (buf.data[3 + 15 + 309] == 0x12 && buf.data[3 + 15 + 309 + 1] == 16);
    double back;
    memcpy (&back, buf.data + 3 + 15 + 309 + 3, 8); //  little-endian host
    CHECK (back == -2.5);
    rw_buf_free (&buf);
}

static void
s_refused (const rw_point_t *point, const char *why)
{
    rw_buf_t buf = {0};
    rw_label_t ok[] = {{"job", "a"}};
    rw_point_t good = {"up", ok, 1, 1, 1};
    CHECK (rw_proto_append (&buf, &good) == NULL);
    size_t before = buf.size;
    const char *got = rw_proto_append (&buf, point);
    CHECKF (got && strcmp (got, why) == 0, "got \"%s\", want \"%s\"", got ? got : "(ok)", why);
    CHECK (buf.size == before); //  the buffer is as it was
    rw_buf_free (&buf);
}

static void
test_refused (void)
{
    rw_label_t good[] = {{"a", "1"}};
    s_refused (&(rw_point_t){"1up", good, 1, 1, 1}, "bad metric name");
    s_refused (&(rw_point_t){"", good, 1, 1, 1}, "bad metric name");
    s_refused (&(rw_point_t){"up-time", good, 1, 1, 1}, "bad metric name");
    s_refused (&(rw_point_t){NULL, good, 1, 1, 1}, "bad metric name");
    rw_label_t colon[] = {{"a:b", "1"}};
    s_refused (&(rw_point_t){"up", colon, 1, 1, 1}, "bad label name");
    rw_label_t digit[] = {{"9a", "1"}};
    s_refused (&(rw_point_t){"up", digit, 1, 1, 1}, "bad label name");
    rw_label_t utf8[] = {{"caf\xc3\xa9", "1"}};
    s_refused (&(rw_point_t){"up", utf8, 1, 1, 1}, "bad label name");
    rw_label_t twice[] = {{"a", "1"}, {"b", "2"}, {"a", "3"}};
    s_refused (&(rw_point_t){"up", twice, 3, 1, 1}, "duplicate label name");
    rw_label_t name[] = {{"__name__", "other"}};
    s_refused (&(rw_point_t){"up", name, 1, 1, 1}, "duplicate label name");
    rw_label_t null_value[] = {{"a", NULL}};
    s_refused (&(rw_point_t){"up", null_value, 1, 1, 1}, "label value missing");
    static char long_value[RW_MAX_VALUE + 2];
    memset (long_value, 'x', RW_MAX_VALUE + 1);
    rw_label_t too_long[] = {{"a", long_value}};
    s_refused (&(rw_point_t){"up", too_long, 1, 1, 1}, "label value too long");
    static char long_name[RW_MAX_NAME + 2];
    memset (long_name, 'n', RW_MAX_NAME + 1);
    s_refused (&(rw_point_t){long_name, good, 1, 1, 1}, "bad metric name");
    rw_label_t many[RW_MAX_LABELS + 1];
    static char names[RW_MAX_LABELS + 1][8];
    for (int i = 0; i <= RW_MAX_LABELS; i++) {
        snprintf (names[i], sizeof names[i], "l%d", i);
        many[i] = (rw_label_t){names[i], "v"};
    }
    s_refused (&(rw_point_t){"up", many, RW_MAX_LABELS + 1, 1, 1}, "too many labels");
    //  The most labels allowed are fine; so are NaN and infinities.
    rw_buf_t buf = {0};
    CHECK (rw_proto_append (&buf, &(rw_point_t){"up", many, RW_MAX_LABELS, NAN, 1}) == NULL);
    CHECK (rw_proto_append (&buf, &(rw_point_t){"up", NULL, 0, INFINITY, 1}) == NULL);
    rw_buf_free (&buf);
    //  32 labels of the longest values are larger than a point may be.
    rw_label_t big[RW_MAX_LABELS];
    for (int i = 0; i < RW_MAX_LABELS; i++)
        big[i] = (rw_label_t){names[i], long_value + 1};
    s_refused (&(rw_point_t){"up", big, RW_MAX_LABELS, 1, 1}, "point too large");
}

//  Records read back exactly what was written, one after another, and the
//  size limits refuse a point without touching the buffer.
static void
test_records (void)
{
    rw_buf_t buf = {0};
    rw_label_t labels[] = {{"b", "caf\xc3\xa9"}, {"a", ""}};
    rw_point_t first = {"m1", labels, 2, -0.5, -7};
    rw_point_t second = {"m2", NULL, 0, 1e300, 1700000000123};
    CHECK (rw_record_write (&buf, &first) == NULL);
    CHECK (rw_record_write (&buf, &second) == NULL);
    rw_point_t back;
    rw_label_t back_labels[RW_MAX_LABELS];
    size_t size = rw_record_read (buf.data, &back, back_labels);
    CHECK (strcmp (back.metric, "m1") == 0 && back.label_count == 2);
    CHECK (back.value == -0.5 && back.timestamp_ms == -7);
    CHECK (strcmp (back.labels[0].name, "b") == 0);
    CHECK (strcmp (back.labels[0].value, "caf\xc3\xa9") == 0);
    CHECK (strcmp (back.labels[1].name, "a") == 0 && back.labels[1].value[0] == '\0');
    size += rw_record_read (buf.data + size, &back, back_labels);
    CHECK (strcmp (back.metric, "m2") == 0 && back.label_count == 0);
    CHECK (back.value == 1e300 && back.timestamp_ms == 1700000000123);
    CHECK (size == buf.size);

    static char long_value[RW_MAX_VALUE + 2];
    memset (long_value, 'x', RW_MAX_VALUE + 1);
    rw_label_t too_long[] = {{"a", long_value}};
    rw_label_t null_value[] = {{"a", NULL}};
    rw_label_t many[RW_MAX_LABELS + 1];
    for (int i = 0; i <= RW_MAX_LABELS; i++)
        many[i] = (rw_label_t){"l", "v"};
    rw_label_t big[RW_MAX_LABELS];
    for (int i = 0; i < RW_MAX_LABELS; i++)
        big[i] = (rw_label_t){"l", long_value + 1};
    struct {
        rw_point_t point;
        const char *why;
    } refused[] = {
        {{"m", too_long, 1, 1, 1}, "label value too long"},
        {{"m", null_value, 1, 1, 1}, "missing name or value"},
        {{NULL, NULL, 0, 1, 1}, "missing name or value"},
        {{"m", many, RW_MAX_LABELS + 1, 1, 1}, "too many labels"},
        {{"m", big, RW_MAX_LABELS, 1, 1}, "point too large"},
    };
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
        const char *why = rw_record_write (&buf, &refused[i].point);
        CHECKF (why && strcmp (why, refused[i].why) == 0, "case %zu: %s", i, why ? why : "ok");
        CHECK (size == buf.size);
    }
    rw_buf_free (&buf);
}

int
main (void)
{
    test_records ();
    test_simple ();
    test_sorting_and_defaults ();
    test_long_value ();
    test_refused ();
    return CHECK_DONE ();
}
