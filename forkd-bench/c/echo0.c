// The execfile-echo child without libc or the dynamic loader: writes "hello\n" to fd 1 and exits 0, whatever
// its arguments. With it, execfile-echo measures each implementation's spawn-and-capture path instead of
// glibc's start-up (see cpuid.c and BENCHMARKS.md).
//   cc -O2 -static -nostdlib -o target/echo0 c/echo0.c
static const char hello[] = "hello\n";

void _start(void) {
    long rc;
    __asm__ volatile("syscall" : "=a"(rc) : "a"(1L), "D"(1L), "S"(hello), "d"(6L) : "rcx", "r11", "memory");
    __asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
    __builtin_unreachable();
}
