/*  store_db.c: opens the store's SQLite file, creates its schema, sets a
    broken file aside (see store_db.h).

    Pragmas and why: WAL with synchronous=NORMAL (a commit is one append to the
    WAL, no fsync; a power cut may lose the last commits, a kill -9 loses
    nothing committed), auto_vacuum=INCREMENTAL (the file can give pages back
    when the cap is lowered), journal_size_limit and wal_autocheckpoint sized
    from the cap so that the WAL stays a small part of it, secure_delete=FAST
    (Debian builds SQLite with SECURE_DELETE on, which zeroes every page a
    deleted chunk freed and so writes retention's deletes through the WAL a
    second time; the file is the operator's own, mode 0600 in a 0700
    directory, and FAST still clears deleted cells where that costs no I/O).
*/
#include "store_db.h"
#include "base.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

//  The schema, version STORE_DB_FORMAT. Times are Unix nanoseconds.
static const char *s_schema =
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE series (id INTEGER PRIMARY KEY, key TEXT NOT NULL UNIQUE,"
    " service TEXT NOT NULL, agent TEXT, host TEXT, pid INTEGER, color TEXT,"
    " first_ns INTEGER NOT NULL, last_ns INTEGER NOT NULL);"
    "CREATE TABLE metric (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);"
    "CREATE TABLE head (id INTEGER PRIMARY KEY, t_ns INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE TABLE chunk (id INTEGER PRIMARY KEY, tier INTEGER NOT NULL, series INTEGER NOT NULL,"
    " t0 INTEGER NOT NULL, t1 INTEGER NOT NULL, rows INTEGER NOT NULL, data BLOB NOT NULL);"
    "CREATE INDEX chunk_series ON chunk (tier, series, t0);"
    "CREATE INDEX chunk_age ON chunk (tier, t1);";

typedef enum { S_OPEN_OK, S_OPEN_CORRUPT, S_OPEN_UNWRITABLE } s_open_t;

sqlite3_stmt *
store_db_prepare (sqlite3 *db, const char *sql)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db, sql, -1, &stmt, NULL) != SQLITE_OK) {
        log_error ("store: cannot prepare '%.60s': %s", sql, sqlite3_errmsg (db));
        return NULL;
    }
    return stmt;
}

int
store_db_exec (sqlite3 *db, const char *sql)
{
    return sqlite3_exec (db, sql, NULL, NULL, NULL);
}

bool
store_db_meta_get (sqlite3 *db, const char *key, int64_t *value)
{
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db, "SELECT value FROM meta WHERE key = ?", -1, &stmt, NULL) !=
        SQLITE_OK)
        return false;
    sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
    bool found = sqlite3_step (stmt) == SQLITE_ROW;
    if (found)
        *value = sqlite3_column_int64 (stmt, 0);
    sqlite3_finalize (stmt);
    return found;
}

int
store_db_meta_set (sqlite3 *db, const char *key, int64_t value)
{
    sqlite3_stmt *stmt = NULL;
    int rc = sqlite3_prepare_v2 (db, "INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", -1,
                                 &stmt, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text (stmt, 1, key, -1, SQLITE_STATIC);
    sqlite3_bind_int64 (stmt, 2, value);
    rc = sqlite3_step (stmt);
    sqlite3_finalize (stmt);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int64_t
s_file_size (const char *path)
{
    struct stat info;
    return stat (path, &info) == 0 ? (int64_t) info.st_size : 0;
}

void
store_db_sizes (sqlite3 *db, const char *path, int64_t *used, int64_t *file, int64_t *wal)
{
    int64_t pages = 0, free_pages = 0, page_size = 4096;
    sqlite3_stmt *stmt = NULL;
    if (sqlite3_prepare_v2 (db,
                            "SELECT * FROM pragma_page_count, pragma_freelist_count,"
                            " pragma_page_size",
                            -1, &stmt, NULL) == SQLITE_OK &&
        sqlite3_step (stmt) == SQLITE_ROW) {
        pages = sqlite3_column_int64 (stmt, 0);
        free_pages = sqlite3_column_int64 (stmt, 1);
        page_size = sqlite3_column_int64 (stmt, 2);
    }
    sqlite3_finalize (stmt);
    char wal_path[4096];
    snprintf (wal_path, sizeof wal_path, "%s-wal", path);
    *used = (pages - free_pages) * page_size;
    *file = s_file_size (path);
    *wal = s_file_size (wal_path);
}

static uint32_t
s_be32 (const unsigned char *p)
{
    return (uint32_t) p[0] << 24 | (uint32_t) p[1] << 16 | (uint32_t) p[2] << 8 | p[3];
}

//  Checks the file at `path` before SQLite sees it: *fresh is set when there
//  is nothing there yet (absent or empty). *why names what is wrong.
static s_open_t
s_check_file (const char *path, bool *fresh, const char **why)
{
    struct stat info;
    *fresh = false;
    if (stat (path, &info) != 0) {
        if (errno != ENOENT) {
            *why = strerror (errno);
            return S_OPEN_UNWRITABLE;
        }
        //  Made here, mode 0600, since SQLite would make it 0644 less the
        //  umask; its WAL and shared-memory files take the file's mode.
        int fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
        if (fd < 0 && errno != EEXIST) {
            *why = strerror (errno);
            return S_OPEN_UNWRITABLE;
        }
        if (fd >= 0)
            close (fd);
        *fresh = true;
        return S_OPEN_OK;
    }
    if (!S_ISREG (info.st_mode)) {
        *why = "not a regular file";
        return S_OPEN_UNWRITABLE;
    }
    if (info.st_size == 0) {
        *fresh = true;
        return S_OPEN_OK;
    }
    unsigned char header[100];
    FILE *file = fopen (path, "rb");
    if (!file) {
        *why = strerror (errno);
        return S_OPEN_UNWRITABLE;
    }
    size_t got = fread (header, 1, sizeof header, file);
    fclose (file);
    if (got < sizeof header || memcmp (header, "SQLite format 3", 16) != 0) {
        *why = "not a SQLite database";
        return S_OPEN_CORRUPT;
    }
    uint32_t page_size = (uint32_t) header[16] << 8 | header[17];
    if (page_size == 1)
        page_size = 65536;
    uint32_t pages = s_be32 (header + 28);
    bool size_valid = s_be32 (header + 24) == s_be32 (header + 92);
    if (page_size < 512 || (page_size & (page_size - 1))) {
        *why = "corrupt header";
        return S_OPEN_CORRUPT;
    }
    if (size_valid && (int64_t) info.st_size < (int64_t) pages * page_size) {
        *why = "truncated";
        return S_OPEN_CORRUPT;
    }
    if (s_be32 (header + 68) != STORE_DB_APPLICATION_ID) {
        *why = "a SQLite database, but not a zapm store";
        return S_OPEN_CORRUPT;
    }
    return S_OPEN_OK;
}

static s_open_t
s_classify (int rc)
{
    rc &= 0xff;
    return rc == SQLITE_CORRUPT || rc == SQLITE_NOTADB || rc == SQLITE_ERROR ? S_OPEN_CORRUPT
                                                                             : S_OPEN_UNWRITABLE;
}

//  Creates the schema in an empty database.
static int
s_create (sqlite3 *db)
{
    char sql[256];
    int rc = store_db_exec (db, "PRAGMA page_size = 4096; PRAGMA auto_vacuum = INCREMENTAL;");
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "PRAGMA journal_mode = WAL");
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, s_schema);
    snprintf (sql, sizeof sql, "PRAGMA application_id = %d", STORE_DB_APPLICATION_ID);
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, sql);
    if (rc == SQLITE_OK)
        rc = store_db_meta_set (db, "format", STORE_DB_FORMAT);
    if (rc == SQLITE_OK)
        rc = store_db_meta_set (db, "created", (int64_t) time (NULL));
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "COMMIT");
    //  The schema and application_id must reach the file itself, not only the
    //  WAL: s_check_file reads the file's header before SQLite replays the
    //  WAL, and would set a store killed before its first checkpoint aside.
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "PRAGMA wal_checkpoint(TRUNCATE)");
    if (rc != SQLITE_OK)
        store_db_exec (db, "ROLLBACK");
    return rc;
}

//  Checks an existing store: the format, every table, and that it can be written.
static int
s_verify (sqlite3 *db)
{
    int rc = store_db_exec (db, "PRAGMA journal_mode = WAL");
    int64_t format = 0;
    if (rc == SQLITE_OK &&
        (!store_db_meta_get (db, "format", &format) || format != STORE_DB_FORMAT))
        rc = sqlite3_errcode (db) == SQLITE_OK || sqlite3_errcode (db) == SQLITE_DONE
                 ? SQLITE_NOTADB
                 : sqlite3_errcode (db);
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "SELECT count(*) FROM series; SELECT count(*) FROM metric;"
                                "SELECT id FROM head ORDER BY id DESC LIMIT 1;"
                                "SELECT id FROM chunk WHERE tier = 0 AND series = 0 LIMIT 1;"
                                "SELECT id FROM chunk WHERE tier = 0 ORDER BY t1 LIMIT 1;");
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = store_db_meta_set (db, "opened", (int64_t) time (NULL));
    if (rc == SQLITE_OK)
        rc = store_db_exec (db, "COMMIT");
    if (rc != SQLITE_OK)
        store_db_exec (db, "ROLLBACK");
    return rc;
}

static s_open_t
s_try_open (const char *path, int64_t wal_limit, sqlite3 **db_p, const char **why)
{
    bool fresh;
    s_open_t state = s_check_file (path, &fresh, why);
    if (state != S_OPEN_OK)
        return state;
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK) {
        *why = db ? sqlite3_errmsg (db) : sqlite3_errstr (rc);
        log_error ("store: cannot open %s: %s", path, *why);
        sqlite3_close (db);
        *why = "cannot open";
        return S_OPEN_UNWRITABLE;
    }
    sqlite3_extended_result_codes (db, 1);
    sqlite3_busy_timeout (db, 2000);
    rc = fresh ? s_create (db) : s_verify (db);
    if (rc != SQLITE_OK) {
        static char message[256];
        snprintf (message, sizeof message, "%s (%s)", fresh ? "not writable" : "corrupt",
                  sqlite3_errstr (rc));
        *why = message;
        sqlite3_close (db);
        return fresh ? S_OPEN_UNWRITABLE : s_classify (rc);
    }
    char sql[256];
    snprintf (sql, sizeof sql,
              "PRAGMA synchronous = NORMAL; PRAGMA secure_delete = FAST;"
              " PRAGMA journal_size_limit = %lld;"
              "PRAGMA wal_autocheckpoint = %lld; PRAGMA cache_size = -8192;",
              (long long) wal_limit, (long long) (wal_limit / 4096 > 16 ? wal_limit / 4096 : 16));
    store_db_exec (db, sql);
    //  The writer is the only writer: it waits only for a checkpoint that
    //  readers hold back, and must not stall the queue for long.
    sqlite3_busy_timeout (db, 100);
    *db_p = db;
    return S_OPEN_OK;
}

//  Renames PATH (and its WAL, and drops its shared-memory file) to
//  PATH.corrupt-<time>. Returns false if it could not.
static bool
s_set_aside (const char *path, char *aside, size_t size)
{
    snprintf (aside, size, "%s.corrupt-%lld", path, (long long) time (NULL));
    if (rename (path, aside) != 0)
        return false;
    char from[4400], to[4400];
    snprintf (from, sizeof from, "%s-wal", path);
    snprintf (to, sizeof to, "%s-wal", aside);
    if (rename (from, to) != 0 && errno != ENOENT)
        unlink (from);
    snprintf (from, sizeof from, "%s-shm", path);
    unlink (from);
    return true;
}

sqlite3 *
store_db_open_writer (const char *path, int64_t wal_limit)
{
    for (int attempt = 0; attempt < 2; attempt++) {
        sqlite3 *db = NULL;
        const char *why = "";
        s_open_t state = s_try_open (path, wal_limit, &db, &why);
        if (state == S_OPEN_OK)
            return db;
        if (state == S_OPEN_UNWRITABLE || attempt == 1) {
            log_error ("store: cannot use %s (%s): check the path and its permissions, or run"
                       " with --store none",
                       path, why);
            return NULL;
        }
        char aside[4200];
        if (!s_set_aside (path, aside, sizeof aside)) {
            log_error ("store: %s is %s and cannot be renamed aside: %s", path, why,
                       strerror (errno));
            return NULL;
        }
        log_warn ("store: %s is %s; renamed it to %s and started a fresh store", path, why, aside);
    }
    return NULL;
}

sqlite3 *
store_db_open_reader (const char *path)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2 (path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        log_error ("store: cannot open %s for queries: %s", path,
                   db ? sqlite3_errmsg (db) : "out of memory");
        sqlite3_close (db);
        return NULL;
    }
    sqlite3_extended_result_codes (db, 1);
    sqlite3_busy_timeout (db, 2000);
    store_db_exec (db, "PRAGMA query_only = 1; PRAGMA cache_size = -16384;");
    return db;
}

bool
store_db_lock (const char *path, bool must_exist, int *fd_p)
{
    struct stat held, named;
    if (*fd_p >= 0 && fstat (*fd_p, &held) == 0 && stat (path, &named) == 0 &&
        held.st_dev == named.st_dev && held.st_ino == named.st_ino)
        return true; //  the lock is on the file at `path` already
    if (*fd_p >= 0)
        close (*fd_p);
    *fd_p = open (path, O_RDWR | O_CLOEXEC);
    if (*fd_p < 0) {
        if (!must_exist)
            return true; //  nothing to lock yet: opening the store says what is wrong
        log_error ("store: cannot open %s to lock it: %s", path, strerror (errno));
        return false;
    }
    if (flock (*fd_p, LOCK_EX | LOCK_NB) != 0) {
        if (errno == EWOULDBLOCK)
            log_error ("store: %s is in use by another zapm-collector: give each collector its"
                       " own --store PATH",
                       path);
        else
            log_error ("store: cannot lock %s: %s", path, strerror (errno));
        close (*fd_p);
        *fd_p = -1;
        return false;
    }
    return true;
}
