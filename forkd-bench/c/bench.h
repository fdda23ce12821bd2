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

static inline double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}
#endif
