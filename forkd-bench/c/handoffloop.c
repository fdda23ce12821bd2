// spawnloop's "forkd" spawn, but waited for the way forkd waits: the spawning thread registers the child's
// pidfd with an epoll set that a second thread (the "loop") waits on; the loop reaps with waitid(P_PIDFD)
// and wakes the spawning thread through a condition variable. Against spawnloop this isolates what the
// hand-over between threads costs (two wake-ups in series instead of one), with no JVM.
//   cc -O2 -pthread -o target/handoffloop c/handoffloop.c && target/handoffloop 500 2000   (from forkd-bench/)
#include "bench.h"
#include <pthread.h>
#include <sys/epoll.h>

static const char *program = "/usr/bin/true";
static int epfd;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t reaped = PTHREAD_COND_INITIALIZER;
static int done;

static void *loop(void *arg) {
    (void) arg;
    struct epoll_event ev;
    for (;;) {
        int n = epoll_wait(epfd, &ev, 1, -1);
        if (n < 0) continue; // EINTR
        int pidfd = ev.data.fd;
        siginfo_t si;
        memset(&si, 0, sizeof si);
        if (waitid(P_PIDFD, pidfd, &si, WEXITED | WNOHANG) != 0) { perror("waitid"); exit(1); }
        if (si.si_pid == 0) continue; // not exited yet
        epoll_ctl(epfd, EPOLL_CTL_DEL, pidfd, NULL);
        close(pidfd);
        pthread_mutex_lock(&lock);
        done = 1;
        pthread_cond_signal(&reaped);
        pthread_mutex_unlock(&lock);
    }
    return NULL;
}

static void spawn_true(int devnull) {
    char *argv[] = {(char *) program, NULL};
    pid_t pid = forkd_spawn(program, argv, devnull);
    int pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
    if (pidfd < 0) { perror("pidfd_open"); exit(1); }
    struct epoll_event ev = {.events = EPOLLIN, .data.fd = pidfd};
    pthread_mutex_lock(&lock);
    done = 0;
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, pidfd, &ev) != 0) { perror("epoll_ctl"); exit(1); }
    while (!done) pthread_cond_wait(&reaped, &lock);
    pthread_mutex_unlock(&lock);
}

int main(int argc, char **argv) {
    if (argc != 3 && argc != 4) {
        fprintf(stderr, "usage: handoffloop <warm-up> <count> [absolute program path]\n");
        return 2;
    }
    if (argc == 4) program = argv[3];
    int warm = atoi(argv[1]), count = atoi(argv[2]);
    int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
    epfd = epoll_create1(EPOLL_CLOEXEC);
    pthread_t t;
    pthread_create(&t, NULL, loop, NULL);
    for (int i = 0; i < warm; i++) spawn_true(devnull);
    double t0 = now();
    for (int i = 0; i < count; i++) spawn_true(devnull);
    printf("RESULT spawn-true c-handoff rate %.2f ops/s\n", count / (now() - t0));
    return 0;
}
