// The ceiling for sequential spawn + wait of `true`: posix_spawn from C, no JVM.
//   cc -O2 -o target/spawnloop c/spawnloop.c && target/spawnloop forkd 500 2000   (from forkd-bench/)
// run-side-by-side.sh runs it in the spawn-true rounds when SPAWNLOOP=target/spawnloop is set.
// "bare":  posix_spawn with NULL file actions and attributes, waitpid.
// "forkd": what forkd's Spawner asks of glibc for Command.of("true") with fds 0-2 ignored: dup2 of /dev/null
//          onto 0-2, closefrom(3), empty signal mask, every signal at its default; pidfd_open + waitid(P_PIDFD).
// Prints the same RESULT line format as the side-by-side runner.
#include "bench.h"

static const char *program = "/usr/bin/true";

static void spawn_true(int forkd_like, int devnull) {
    char *argv[] = {(char *) program, NULL};
    pid_t pid;
    int rc;
    if (!forkd_like) {
        rc = posix_spawn(&pid, program, NULL, NULL, argv, environ);
        if (rc != 0 || waitpid(pid, NULL, 0) != pid) { fprintf(stderr, "spawn failed: %d\n", rc); exit(1); }
        return;
    }
    pid = forkd_spawn(program, argv, devnull);
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    siginfo_t si;
    if (pidfd < 0 || waitid(P_PIDFD, pidfd, &si, WEXITED) != 0) { perror("pidfd/waitid"); exit(1); }
    close(pidfd);
}

int main(int argc, char **argv) {
    if (argc != 4 && argc != 5) {
        fprintf(stderr, "usage: spawnloop bare|forkd <warm-up> <count> [absolute program path]\n");
        return 2;
    }
    if (argc == 5) program = argv[4];
    int forkd_like = strcmp(argv[1], "forkd") == 0;
    int warm = atoi(argv[2]), count = atoi(argv[3]);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < warm; i++) spawn_true(forkd_like, devnull);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    double t0 = now();
    for (int i = 0; i < count; i++) spawn_true(forkd_like, devnull);
    double secs = now() - t0;
    getrusage(RUSAGE_SELF, &r1);
    double cpu = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec + r1.ru_stime.tv_sec - r0.ru_stime.tv_sec)
            + (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec + r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1e6;
    printf("RESULT spawn-true c-%s rate %.2f ops/s\n", argv[1], count / secs);
    fprintf(stderr, "# parent cpu %.0f us/op\n", cpu * 1e6 / count);
    return 0;
}
