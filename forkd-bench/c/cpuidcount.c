// Counts the CPUID instructions a program executes (and all its instructions), by single-stepping it with
// ptrace. /usr/bin/true runs 68 of them here, all in glibc's start-up, before main.
//   cc -O2 -o target/cpuidcount c/cpuidcount.c && target/cpuidcount /usr/bin/true
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

int main(int argc, char **argv) {
    if (argc < 2) {
        fprintf(stderr, "usage: cpuidcount <program> [args...]\n");
        return 2;
    }
    pid_t pid = fork();
    if (pid == 0) {
        ptrace(PTRACE_TRACEME, 0, NULL, NULL);
        execv(argv[1], argv + 1);
        perror("execv");
        _exit(127);
    }
    int status;
    waitpid(pid, &status, 0); // stopped at the exec
    long steps = 0, cpuids = 0;
    while (1) {
        struct user_regs_struct regs;
        if (ptrace(PTRACE_GETREGS, pid, NULL, &regs) != 0) break;
        errno = 0;
        long word = ptrace(PTRACE_PEEKTEXT, pid, (void *) regs.rip, NULL);
        if (errno == 0 && (word & 0xffff) == 0xa20f) cpuids++;
        steps++;
        if (ptrace(PTRACE_SINGLESTEP, pid, NULL, NULL) != 0) break;
        if (waitpid(pid, &status, 0) < 0 || WIFEXITED(status) || WIFSIGNALED(status)) break;
    }
    printf("%s: %ld instructions, %ld cpuid\n", argv[1], steps, cpuids);
    return 0;
}
