// A do-nothing child without libc or the dynamic loader: just exit(0). On a VM where the loader's CPUID
// probing is slow (see BENCHMARKS.md) it shows the spawn cost of each implementation unmasked.
//   cc -O2 -static -nostdlib -o target/exit0 c/exit0.c
void _start(void) {
    __asm__ volatile("mov $60, %eax\n\txor %edi, %edi\n\tsyscall");
    __builtin_unreachable();
}
