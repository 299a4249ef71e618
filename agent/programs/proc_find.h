/*  proc_find.h: find the process zapm-agent should sample, by name or pid file.

    A service that restarts gets a new pid. `zapm-agent --pidof NAME` and
    `--pid-file FILE` name the service instead of one pid, so that when the
    sampled process exits the agent can find its successor: these functions
    answer "which process is it now?", or 0 while there is none.
*/
#ifndef ZAPM_PROC_FIND_H
#define ZAPM_PROC_FIND_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

//  Longest process name /proc/PID/comm holds (TASK_COMM_LEN - 1).
#define PROC_FIND_COMM_MAX 15

//  The oldest live process (earliest start, then lowest pid) whose command
//  name (/proc/PID/comm) is `name`, or, for names longer than comm holds,
//  whose first command-line word's last path part is `name`, as pidof(8)
//  matches. Zombies and `exclude` are skipped. Returns 0 when none matches.
pid_t proc_find_by_name (const char *name, pid_t exclude);

//  The pid written in the file at `path` (decimal, surrounding white space
//  allowed) when that process is alive and not a zombie, else 0.
pid_t proc_find_pid_file (const char *path);

//  True if `pid` names a live process that is not a zombie.
bool proc_find_alive (pid_t pid);

//  The command name of `pid` (/proc/PID/comm) into buf; false if unreadable.
bool proc_find_comm (pid_t pid, char *buf, size_t size);

#endif
