/**
 * IPC benchmarks: one measurement per fresh JVM ({@link dev.forkd.bench.ipc.IpcBench} and its forked
 * {@link dev.forkd.bench.ipc.IpcChild}, the counterparts of {@code node/ipc.js}), the start-up floor and a
 * start-up breakdown of a forked child. Run by {@code run-ipc.sh}; benchmark code only.
 */
package dev.forkd.bench.ipc;
