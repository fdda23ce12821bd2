// The ceiling for sequential execFile("echo", "hello") with stdout and stderr captured: posix_spawn from C,
// no JVM, the same file actions and attributes as forkd (stdin /dev/null, stdout and stderr pipes,
// closefrom(3), empty signal mask, default dispositions), read both pipes to EOF, pidfd_open + waitid.
//   cc -O2 -o target/execloop c/execloop.c && target/execloop 3000 2000   (from forkd-bench/)
// Prints the same RESULT line format as the side-by-side runner.
#include "bench.h"

static void exec_echo(int devnull, const char *program) {
    char *argv[] = {"echo", "hello", NULL};
    int out[2], err[2];
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) { perror("pipe2"); exit(1); }
    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    forkd_spawnattr(&attr);
    posix_spawn_file_actions_adddup2(&fa, devnull, 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid;
    int rc = posix_spawn(&pid, program, &fa, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    posix_spawn_file_actions_destroy(&fa);
    close(out[1]);
    close(err[1]);
    if (rc != 0) { fprintf(stderr, "spawn failed: %d\n", rc); exit(1); }
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    char buf[4096];
    struct pollfd fds[2] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}};
    int open_fds = 2;
    size_t got = 0;
    while (open_fds > 0) {
        if (poll(fds, 2, -1) < 0) { perror("poll"); exit(1); }
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd >= 0 && fds[i].revents) {
                ssize_t n = read(fds[i].fd, buf, sizeof buf);
                if (n > 0) { got += (size_t) n; continue; }
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    siginfo_t si;
    if (pidfd < 0 || waitid(P_PIDFD, pidfd, &si, WEXITED) != 0) { perror("pidfd/waitid"); exit(1); }
    close(pidfd);
    if (got != 6) { fprintf(stderr, "unexpected output size %zu\n", got); exit(1); }
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: execloop <warm-up> <count> [absolute path of echo]\n");
        return 2;
    }
    const char *program = argc == 4 ? argv[3] : "/usr/bin/echo";
    int warm = atoi(argv[1]), count = atoi(argv[2]);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    for (int i = 0; i < warm; i++) exec_echo(devnull, program);
    double t0 = now();
    for (int i = 0; i < count; i++) exec_echo(devnull, program);
    double secs = now() - t0;
    printf("RESULT execfile-echo c-forkd rate %.2f ops/s\n", count / secs);
    return 0;
}
