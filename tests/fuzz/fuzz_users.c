/*  fuzz_users.c: libFuzzer target for the users file (users.h).

    Whatever parses must answer lookups: every listed user's hash is found,
    starts with '$', and a name that cannot be in the file is not.
*/
#include "users.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data, size_t size)
{
    char error[256];
    users_t *users = users_parse ((const char *) data, size, error, sizeof error);
    if (users) {
        if (users_count (users) == 0 || !users_any_hash (users) || users_any_hash (users)[0] != '$')
            abort ();
        if (users_hash (users, "no such user!"))
            abort ();
        users_destroy (&users);
    }
    else if (!memchr (error, '\0', sizeof error) || !*error)
        abort (); //  a refusal always says why
    return 0;
}
