/*  test_cli_rules.c: the rules every program's command line shares (issue 19,
    item 6), each in its one home: KEY|FILE (cert_peer_key: an existing file
    always wins, even at a path of 40 Z85-legal characters; a value that is
    neither says which it tried), lists (CLI_LIST: repeated options
    accumulate, an empty element is refused, the total is capped, each
    element is checked) and endpoints (endpoint_check: a bad one is named
    with the transports that work).
*/
#include "cert.h"
#include "check.h"
#include "cli.h"
#include "endpoint.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir[] = "/tmp/zapm-cli-rules-XXXXXX";

//  Writes a public certificate holding `public_text` at `name` (relative to s_dir).
static void
s_cert (const char *name, const char *public_text)
{
    FILE *file = fopen (name, "w");
    CHECK (file);
    fprintf (file, "#   a public certificate\nmetadata\ncurve\n    public-key = \"%s\"\n",
             public_text);
    CHECK (fclose (file) == 0);
}

static void
test_key_or_file (void)
{
    char public_text[41], secret_text[41];
    CHECK (zmq_curve_keypair (public_text, secret_text) == 0);
    uint8_t want[CERT_KEY_BYTES], got[CERT_KEY_BYTES];
    CHECK (cert_key_decode (public_text, want));
    char why[1024];

    //  A certificate at a path of exactly 40 Z85-legal characters that also
    //  decodes as a key: the file wins.
    const char *name = "cccccccccccccccccccccccccccccccccccc.crt";
    CHECK (strlen (name) == CERT_KEY_TEXT);
    uint8_t as_key[CERT_KEY_BYTES];
    CHECKF (cert_key_decode (name, as_key), "%s does not decode: the case proves nothing", name);
    s_cert (name, public_text);
    CHECKF (cert_peer_key (name, "--curve-server", got, why, sizeof why) == 0, "%s", why);
    CHECK (memcmp (got, want, sizeof want) == 0);

    //  The key itself, when no file has that name.
    memset (got, 0, sizeof got);
    CHECKF (cert_peer_key (public_text, "--curve-server", got, why, sizeof why) == 0, "%s", why);
    CHECK (memcmp (got, want, sizeof want) == 0);

    //  Neither: the error says both were tried, and does not echo the value.
    const char *neither[] = {"nope", "x", "0123456789012345678901234567890123456789x"};
    for (size_t i = 0; i < sizeof neither / sizeof neither[0]; i++) {
        CHECK (cert_peer_key (neither[i], "--curve-server", got, why, sizeof why) == -1);
        CHECKF (strstr (why, "--curve-server is neither a certificate file") &&
                    strstr (why, "nor a key (40 Z85 characters"),
                "%s: %s", neither[i], why);
    }
    //  An existing file of 40 characters that is not a certificate: the
    //  file's error, not "not a key".
    const char *junk = "jjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjjj.crt";
    FILE *file = fopen (junk, "w");
    CHECK (file && fputs ("hello\n", file) >= 0 && fclose (file) == 0);
    CHECK (cert_peer_key (junk, "--forward-curve-server", got, why, sizeof why) == -1);
    CHECKF (strstr (why, "--forward-curve-server: ") && strstr (why, junk) &&
                !strstr (why, "nor a key"),
            "%s", why);
}

static int s_checked; //  elements the list's check saw

static bool
s_check_element (const char *prog, const cli_option_t *option, const char *value)
{
    s_checked++;
    if (strcmp (value, "bad") == 0) {
        cli_usage_error (prog, "--%s: '%s' is bad", option->name, value);
        return false;
    }
    return true;
}

//  Parses "prog" and `args` against one CLI_LIST option of `max` bytes.
static int
s_parse_list (cli_list_t *list, size_t max, const char **args, int nargs)
{
    const cli_option_t options[] = {
        {"connect", 0, CLI_LIST, list, 1, (double) max, "ENDPOINT", "where", NULL, s_check_element},
        {NULL, 0, CLI_FLAG, NULL, 0, 0, NULL, NULL, NULL, NULL}};
    const cli_spec_t spec = {.prog = "test", .summary = "", .options = options};
    char *argv[16] = {"test"};
    for (int i = 0; i < nargs; i++)
        argv[i + 1] = (char *) args[i];
    memset (list, 0, sizeof *list);
    s_checked = 0;
    return cli_parse (&spec, nargs + 1, argv);
}

static void
test_lists (void)
{
    cli_list_t list;
    const char *repeated[] = {"--connect", "a", "--connect=b,c", "--connect", "d"};
    CHECK (s_parse_list (&list, 100, repeated, 5) == CLI_RUN);
    CHECKF (strcmp (list.text, "a,b,c,d") == 0, "'%s'", list.text);
    CHECK (s_checked == 4);
    CHECK (s_parse_list (&list, 100, NULL, 0) == CLI_RUN && list.text[0] == '\0');
    const char *bad[][2] = {{"--connect", ""},          {"--connect", "a,,b"},
                            {"--connect", ",a"},        {"--connect", "a,"},
                            {"--connect", "bad"},       {"--connect", "a,bad"},
                            {"--connect", "0123456789"}};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        CHECKF (s_parse_list (&list, 8, bad[i], 2) == CLI_EXIT_USAGE, "'%s' was taken", bad[i][1]);
    //  The cap counts every use.
    const char *over[] = {"--connect", "abcd", "--connect", "efgh"};
    CHECK (s_parse_list (&list, 8, over, 4) == CLI_EXIT_USAGE);
    CHECK (s_parse_list (&list, 9, over, 4) == CLI_RUN && strcmp (list.text, "abcd,efgh") == 0);
}

static void
test_endpoints (void)
{
    static const struct {
        const char *endpoint;
        bool ok;
    } cases[] = {{"tcp://localhost:5555", true},   {"tcp://127.0.0.1:5555", true},
                 {"tcp://*:5555", true},           {"tcp://[::1]:5555", true},
                 {"ipc:///run/zapm.sock", true},   {"inproc://agents", true},
                 {"http://localhost:5555", false}, {"", false},
                 {"tcp://localhost", false},       {"tcp://:5555", false},
                 {"tcp://host:port", false},       {"ipc://", false},
                 {"localhost:5555", false},        {"tcp://a:1,tcp://b:2", false},
                 {"udp://host:5555", false}};
    char why[256];
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        bool ok = endpoint_check (cases[i].endpoint, why, sizeof why);
        CHECKF (ok == cases[i].ok, "'%s': %s", cases[i].endpoint, ok ? "taken" : why);
        if (!ok)
            CHECKF (strstr (why, cases[i].endpoint) && strstr (why, "tcp://"), "%s", why);
    }
    CHECK (endpoint_list_check ("tcp://a:1,ipc:///x", "ZAPM_ENDPOINT", why, sizeof why));
    CHECK (!endpoint_list_check ("tcp://a:1,,ipc:///x", "ZAPM_ENDPOINT", why, sizeof why));
    CHECKF (strstr (why, "ZAPM_ENDPOINT") && strstr (why, "empty element"), "%s", why);
    CHECK (!endpoint_list_check ("tcp://a:1,http://b:2", "ZAPM_ENDPOINT", why, sizeof why));
    CHECKF (strstr (why, "'http://b:2'") && strstr (why, ENDPOINT_TRANSPORTS), "%s", why);
}

int
main (void)
{
    CHECK (mkdtemp (s_dir) && chdir (s_dir) == 0);
    test_key_or_file ();
    test_lists ();
    test_endpoints ();
    char command[128];
    snprintf (command, sizeof command, "rm -rf %s", s_dir);
    CHECK (chdir ("/") == 0 && system (command) == 0);
    return CHECK_DONE ();
}
