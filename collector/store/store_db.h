/*  store_db.h: the store's SQLite file: opening, the schema, the corrupt-file rule.

    Both threads of the store open their own connection, through
    store_db_open_writer and store_db_open_reader.
    The schema is created here and only here (docs/STORE.md prints it); every
    other part of the store uses the names below.

    A zapm store is a SQLite database whose header carries application_id
    STORE_DB_APPLICATION_ID and whose `meta` table says `format` = 1. Anything
    else at the path (another file, another database, a truncated or corrupt
    file) is renamed aside to PATH.corrupt-<unix time> and a fresh store is
    created. The checks read the 100-byte header, the file size and the small
    tables only, so opening costs the same for 1 MiB and 1 GiB.
*/
#ifndef ZAPM_STORE_DB_H
#define ZAPM_STORE_DB_H

#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

//  'zapm' in the database header (PRAGMA application_id).
#define STORE_DB_APPLICATION_ID 0x7a61706d

//  Version of the schema in meta.format.
#define STORE_DB_FORMAT 1

//  Opens the store at `path` for the writer (creating or replacing it as the
//  header comment says) and returns the connection, or NULL after a log line
//  when the path cannot be used. `wal_limit` bytes bound the WAL between
//  checkpoints.
sqlite3 *store_db_open_writer (const char *path, int64_t wal_limit);

//  Opens a second connection to an existing store, for queries. NULL on error.
sqlite3 *store_db_open_reader (const char *path);

//  Prepares `sql` on `db`; NULL (with a log line) on error.
sqlite3_stmt *store_db_prepare (sqlite3 *db, const char *sql);

//  Runs `sql` (no results). Returns the SQLite result code.
int store_db_exec (sqlite3 *db, const char *sql);

//  Reads the integer meta value `key` into *value. Returns false if absent.
bool store_db_meta_get (sqlite3 *db, const char *key, int64_t *value);

//  Writes the integer meta value `key`. Returns the SQLite result code.
int store_db_meta_set (sqlite3 *db, const char *key, int64_t value);

//  Database bytes in use (pages not on the free list), the file's bytes and
//  the WAL's bytes.
void store_db_sizes (sqlite3 *db, const char *path, int64_t *used, int64_t *file, int64_t *wal);

//  Takes an exclusive flock(2) on the store's file, so that a second collector
//  started on the same file stops at start instead of writing into it (SQLite
//  would let it: its locks last one transaction). *fd_p holds the locked file
//  (-1 for none); a lock already on the file now at `path` is kept, one on a
//  file set aside is moved to the new one. With !must_exist a file that cannot
//  be opened is not an error (*fd_p stays -1): the store's open says why. False (logged) when
//  another process holds the lock or the file cannot be opened.
bool store_db_lock (const char *path, bool must_exist, int *fd_p);

#endif
