// glibc's start-up and nothing else: `int main` returning 0, linked statically (no dynamic loader).
// Spawned in a loop it shows what glibc's CPU probing alone costs per child (see cpuid.c, cpuidcount.c).
//   cc -O2 -static -o target/empty c/empty.c && target/spawnloop forkd 300 2000 "$PWD/target/empty"
int main(void) {
    return 0;
}
