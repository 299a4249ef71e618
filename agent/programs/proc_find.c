/*  proc_find.c: find a process by name or pid file, for zapm-agent's follow mode.

    One pass over /proc's numeric entries, reading `stat` (state and start
    time) only of the processes whose `comm` matches. The oldest match wins: a
    service's first process is its main one (nginx's master, a shell's
    parent), and its workers start later. This runs only while the agent looks
    for a target, at most once per poll interval.
*/
#include "proc_find.h"

#include <ctype.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

//  Reads a small /proc file of `pid` into buf; returns its length or -1.
static long
s_read (pid_t pid, const char *file, char *buf, size_t size)
{
    char path[64];
    snprintf (path, sizeof path, "/proc/%ld/%s", (long) pid, file);
    FILE *f = fopen (path, "r");
    if (!f)
        return -1;
    size_t n = fread (buf, 1, size - 1, f);
    fclose (f);
    buf[n] = '\0';
    return (long) n;
}

//  The state and start time (clock ticks since boot) from /proc/PID/stat.
static bool
s_stat (pid_t pid, char *state, unsigned long long *start)
{
    char buf[1024];
    if (s_read (pid, "stat", buf, sizeof buf) <= 0)
        return false;
    //  The name is in parentheses and may hold spaces or ')': fields start
    //  after the last ')'. Field 3 is the state, field 22 the start time.
    char *close = strrchr (buf, ')');
    if (!close || close[1] != ' ')
        return false;
    char *field = close + 2;
    *state = *field;
    for (int i = 3; i < 22; i++) {
        field = strchr (field, ' ');
        if (!field)
            return false;
        field++;
    }
    *start = strtoull (field, NULL, 10);
    return true;
}

bool
proc_find_alive (pid_t pid)
{
    char state;
    unsigned long long start;
    return pid > 0 && s_stat (pid, &state, &start) && state != 'Z' && state != 'X';
}

bool
proc_find_comm (pid_t pid, char *buf, size_t size)
{
    if (size < 2 || s_read (pid, "comm", buf, size) <= 0)
        return false;
    buf[strcspn (buf, "\n")] = '\0';
    return buf[0] != '\0';
}

//  Whether `pid` is called `name`: by comm, or for long names by the last
//  path part of its first command-line word.
static bool
s_named (pid_t pid, const char *name, size_t length)
{
    char comm[PROC_FIND_COMM_MAX + 2];
    if (!proc_find_comm (pid, comm, sizeof comm))
        return false;
    if (length <= PROC_FIND_COMM_MAX)
        return strcmp (comm, name) == 0;
    if (strncmp (comm, name, PROC_FIND_COMM_MAX) != 0)
        return false;
    char cmdline[4096];
    if (s_read (pid, "cmdline", cmdline, sizeof cmdline) <= 0)
        return false;
    const char *base = strrchr (cmdline, '/');
    return strcmp (base ? base + 1 : cmdline, name) == 0;
}

pid_t
proc_find_by_name (const char *name, pid_t exclude)
{
    DIR *dir = opendir ("/proc");
    if (!dir)
        return 0;
    size_t length = strlen (name);
    pid_t best = 0;
    unsigned long long best_start = 0;
    struct dirent *entry;
    while ((entry = readdir (dir))) {
        if (!isdigit ((unsigned char) entry->d_name[0]))
            continue;
        pid_t pid = (pid_t) strtol (entry->d_name, NULL, 10);
        char state;
        unsigned long long start;
        if (pid <= 0 || pid == exclude || !s_named (pid, name, length) ||
            !s_stat (pid, &state, &start) || state == 'Z' || state == 'X')
            continue;
        if (!best || start < best_start || (start == best_start && pid < best)) {
            best = pid;
            best_start = start;
        }
    }
    closedir (dir);
    return best;
}

pid_t
proc_find_pid_file (const char *path)
{
    FILE *f = fopen (path, "r");
    if (!f)
        return 0;
    char buf[32];
    size_t n = fread (buf, 1, sizeof buf - 1, f);
    fclose (f);
    buf[n] = '\0';
    char *end = NULL;
    long pid = strtol (buf, &end, 10);
    while (end && isspace ((unsigned char) *end))
        end++;
    if (!end || end == buf || *end || pid <= 0 || pid > 4194304)
        return 0;
    return proc_find_alive ((pid_t) pid) ? (pid_t) pid : 0;
}
