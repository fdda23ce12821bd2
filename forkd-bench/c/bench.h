// What the C reference loops share: headers, P_PIDFD for older headers, a monotonic clock.
#ifndef FORKD_BENCH_H
#define FORKD_BENCH_H
#define _GNU_SOURCE
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

extern char **environ;

/** posix_spawnattr as forkd's Spawner sets it: empty signal mask, every signal at its default. */
static inline void forkd_spawnattr(posix_spawnattr_t *attr) {
    sigset_t empty, full;
    sigemptyset(&empty);
    sigfillset(&full);
    posix_spawnattr_init(attr);
    posix_spawnattr_setsigmask(attr, &empty);
    posix_spawnattr_setsigdefault(attr, &full);
    posix_spawnattr_setflags(attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
}

/** posix_spawn as forkd's Spawner does it for a command with fds 0-2 ignored: /dev/null (devnull) onto 0-2,
 *  closefrom(3), forkd_spawnattr. Exits on failure; returns the child's pid. */
static inline pid_t forkd_spawn(const char *program, char **argv, int devnull) {
    pid_t pid;
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    forkd_spawnattr(&attr);
    for (int i = 0; i < 3; i++) posix_spawn_file_actions_adddup2(&fa, devnull, i);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    int rc = posix_spawn(&pid, program, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    if (rc != 0) { fprintf(stderr, "spawn failed: %d\n", rc); exit(1); }
    return pid;
}

static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}
#endif
