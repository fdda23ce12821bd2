// What one CPUID instruction costs on this machine, next to a cheap system call. Under a hypervisor CPUID
// always traps (a VM exit); glibc's start-up runs it dozens of times (init_cpu_features, and the cache-size
// probe intel_check_word / handle_intel through leaves 2 and 4), in every dynamically or statically linked
// child, before main. The figure bounds what any spawner, C included, can reach with such a child.
//   cc -O2 -o target/cpuid c/cpuid.c && target/cpuid
#include <cpuid.h>
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}

int main(void) {
    enum { N = 20000 };
    unsigned a, b, c, d, sink = 0;
    double t0 = now_us();
    for (int i = 0; i < N; i++) {
        __cpuid_count(4, i & 3, a, b, c, d);
        sink += a ^ b ^ c ^ d;
    }
    double cpuid_us = (now_us() - t0) / N;
    t0 = now_us();
    for (int i = 0; i < N; i++) sink += (unsigned) syscall(SYS_getppid);
    double syscall_us = (now_us() - t0) / N;
    printf("cpuid %.3f us, getppid syscall %.3f us (%u)\n", cpuid_us, syscall_us, sink & 1);
    return 0;
}
