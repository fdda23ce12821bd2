/** Benchmarks: JMH and side-by-side runs against ProcessBuilder and Node. */
package dev.forkd.bench;
