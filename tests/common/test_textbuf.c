/*  test_textbuf.c: the one text writer (textbuf), its JSON strings and numbers, and the one
    UTF-8 decoder (utf8). */
#include "check.h"
#include "textbuf.h"
#include "utf8.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void
test_fixed (void)
{
    char buf[8];
    textbuf_t out = textbuf_fixed (buf, sizeof buf);
    TEXTBUF_LIT (&out, "abc");
    textbuf_u64 (&out, 42);
    CHECK (!out.overflow && textbuf_length (&out) == 5 && memcmp (buf, "abc42", 5) == 0);
    TEXTBUF_LIT (&out, "toolong");
    CHECK (out.overflow && textbuf_length (&out) == 5);
    textbuf_putc (&out, 'x'); //  ignored once overflowed, though a byte would fit
    CHECK (textbuf_length (&out) == 5);
    CHECK (textbuf_take (&out) == NULL); //  a fixed buffer is not the caller's to free
}

static void
test_growing (void)
{
    textbuf_t out = textbuf_growing (4);
    for (int i = 0; i < 1000; i++)
        textbuf_u64 (&out, (uint64_t) i);
    textbuf_printf (&out, "|%s|%d", "printf", -7);
    char *text = textbuf_take (&out);
    CHECK (text && strncmp (text, "0123456789101112", 16) == 0);
    CHECK (strstr (text, "998999|printf|-7") && text[strlen (text) - 1] == '7');
    free (text);
    char digits[32];
    textbuf_t max = textbuf_fixed (digits, sizeof digits);
    textbuf_u64 (&max, UINT64_MAX);
    CHECK (textbuf_length (&max) == 20 && memcmp (digits, "18446744073709551615", 20) == 0);
}

static void
s_expect_json (const char *text, size_t length, const char *want)
{
    char buf[128];
    textbuf_t out = textbuf_fixed (buf, sizeof buf);
    textbuf_json_string (&out, text, length);
    CHECKF (!out.overflow && textbuf_length (&out) == strlen (want) &&
                memcmp (buf, want, strlen (want)) == 0,
            "got '%.*s', want '%s'", (int) textbuf_length (&out), buf, want);
}

static void
test_json_string (void)
{
    s_expect_json ("", 0, "\"\"");
    s_expect_json ("a\"b\\c\x1f\x7f", 7, "\"a\\\"b\\\\c\\u001f\\u007f\"");
    s_expect_json ("\xc3\xa9t\xc3\xa9", 5, "\"\xc3\xa9t\xc3\xa9\"");
    s_expect_json ("a\xff"
                   "b",
                   3,
                   "\"a\xef\xbf\xbd"
                   "b\""); //  not UTF-8: U+FFFD
    s_expect_json ("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\""); // surrogate
    s_expect_json ("\xe2\x82", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");                 //  cut short
    char small[4];
    textbuf_t out = textbuf_fixed (small, sizeof small);
    textbuf_json_string (&out, "abcdef", 6);
    CHECK (out.overflow);
}

//  Writes `value` (or, when `ns`, the time `value` ns) and compares.
static void
s_expect_number (double value, bool ns, const char *want)
{
    char buf[64];
    textbuf_t out = textbuf_fixed (buf, sizeof buf);
    if (ns)
        textbuf_json_seconds (&out, (int64_t) value);
    else
        textbuf_json_number (&out, value);
    CHECKF (!out.overflow && textbuf_length (&out) == strlen (want) &&
                memcmp (buf, want, strlen (want)) == 0,
            "got '%.*s', want '%s'", (int) textbuf_length (&out), buf, want);
}

static void
test_json_number (void)
{
    s_expect_number (0, false, "0");
    s_expect_number (-0.0, false, "-0"); //  %.10g below 10^-4, sign kept
    s_expect_number (42, false, "42");
    s_expect_number (-7, false, "-7");
    s_expect_number (123456789012345.0, false, "123456789012345"); //  integers exactly
    s_expect_number (1e15, false, "1e+15");                        //  past 10^15: %.10g
    s_expect_number (0.5, false, "0.5");
    s_expect_number (-2.25, false, "-2.25");
    s_expect_number (1.0 / 3, false, "0.3333333333"); //  10 significant digits
    s_expect_number (2.0 / 3 * 100, false, "66.66666667");
    s_expect_number (12345.678901234, false, "12345.6789");
    s_expect_number (0.00012, false, "0.00012");
    s_expect_number (0.00001, false, "1e-05");
    s_expect_number (9.9999999999, false, "10"); //  rounds up to a whole
    s_expect_number (0.1 + 0.2, false, "0.3");   //  no binary noise
    s_expect_number (NAN, false, "null");
    s_expect_number (INFINITY, false, "null");
    s_expect_number (-INFINITY, false, "null");
    //  Seconds from nanoseconds, to the millisecond.
    s_expect_number (0, true, "0");
    s_expect_number (1700000000000000000.0, true, "1700000000");
    s_expect_number (1700000000123000000.0, true, "1700000000.123");
    s_expect_number (1700000000100000000.0, true, "1700000000.1");
    s_expect_number (1700000000120400000.0, true, "1700000000.12");
    s_expect_number (1700000000999600000.0, true, "1700000001"); //  rounds to the next second
    s_expect_number (-1500000000.0, true, "-1.5");
    //  A fixed buffer takes a number while it fits, however little room is left.
    char small[6];
    textbuf_t out = textbuf_fixed (small, sizeof small);
    TEXTBUF_LIT (&out, "[");
    textbuf_json_number (&out, 12.5);
    CHECK (!out.overflow && textbuf_length (&out) == 5 && memcmp (small, "[12.5", 5) == 0);
    textbuf_json_number (&out, 12.5);
    CHECK (out.overflow && textbuf_length (&out) == 5);
    textbuf_json_seconds (&out, 0); //  ignored once overflowed
    CHECK (textbuf_length (&out) == 5);
    //  A growing one grows for them.
    textbuf_t grow = textbuf_growing (1);
    for (int i = 0; i < 100; i++)
        textbuf_json_number (&grow, 0.25);
    textbuf_json_seconds (&grow, 1500000000);
    char *text = textbuf_take (&grow);
    CHECK (text && strlen (text) == 100 * 4 + 3 && strcmp (text + 400, "1.5") == 0);
    free (text);
    //  Rewound, a buffer writes from its start again.
    textbuf_t again = textbuf_growing (8);
    TEXTBUF_LIT (&again, "first");
    textbuf_rewind (&again);
    textbuf_json_number (&again, -3);
    CHECK (textbuf_length (&again) == 2 && memcmp (again.start, "-3", 2) == 0);
    textbuf_free (&again);
}

//  Writes `text` of textbuf_json_micros (ns) or textbuf_json_float (value) and compares.
static void
s_expect_text (textbuf_t *out, char *buf, const char *want)
{
    CHECKF (!out->overflow && textbuf_length (out) == strlen (want) &&
                memcmp (buf, want, strlen (want)) == 0,
            "got '%.*s', want '%s'", (int) textbuf_length (out), buf, want);
}

static void
test_json_micros_and_float (void)
{
    static const struct {
        int64_t ns;
        const char *want;
    } times[] = {
        {1795000000123456000LL, "1795000000.123456"}, //  an agent's ISO time, exactly
        {1795000000123456499LL, "1795000000.123456"}, //  rounded to the microsecond
        {1795000000123456500LL, "1795000000.123457"},
        {1795000000120000000LL, "1795000000.12"}, //  no trailing zeros
        {1795000000000000000LL, "1795000000"},
        {1795000000000001000LL, "1795000000.000001"}, //  leading zeros kept
        {-1500000LL, "-0.0015"},
    };
    for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
        char buf[64];
        textbuf_t out = textbuf_fixed (buf, sizeof buf);
        textbuf_json_micros (&out, times[i].ns);
        s_expect_text (&out, buf, times[i].want);
    }
    static const struct {
        float value;
        const char *want;
    } floats[] = {
        {30.1f, "30.1"}, {12.5f, "12.5"}, {0.1f, "0.1"}, {3.0f, "3"}, {1.0f / 3.0f, "0.33333334"},
    };
    for (size_t i = 0; i < sizeof floats / sizeof floats[0]; i++) {
        char buf[64];
        textbuf_t out = textbuf_fixed (buf, sizeof buf);
        textbuf_json_float (&out, floats[i].value);
        s_expect_text (&out, buf, floats[i].want);
    }
    char buf[8];
    textbuf_t out = textbuf_fixed (buf, sizeof buf);
    textbuf_json_float (&out, NAN);
    s_expect_text (&out, buf, "null");
}

static void
test_utf8 (void)
{
    CHECK (utf8_valid ("plain", 5));
    CHECK (utf8_valid ("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", 9)); //  é € 😀
    CHECK (!utf8_valid ("a\0b", 3));                                //  NUL
    CHECK (!utf8_valid ("\x80", 1));                                //  stray continuation
    CHECK (!utf8_valid ("\xc0\xaf", 2));                            //  overlong
    CHECK (!utf8_valid ("\xe0\x80\xaf", 3));                        //  overlong
    CHECK (!utf8_valid ("\xed\xa0\x80", 3));                        //  surrogate
    CHECK (!utf8_valid ("\xf4\x90\x80\x80", 4));                    //  above U+10FFFF
    CHECK (!utf8_valid ("\xe2\x82", 2));                            //  truncated
    const unsigned char euro[] = {0xe2, 0x82, 0xac};
    CHECK (utf8_char_length (euro, 3) == 3 && utf8_char_length (euro, 2) == 0);
}

int
main (void)
{
    test_fixed ();
    test_growing ();
    test_json_string ();
    test_json_number ();
    test_json_micros_and_float ();
    test_utf8 ();
    return CHECK_DONE ();
}
