/**
 * The cluster demo (the README's main command) and the article's cluster example: a primary, Jetty workers
 * ({@link dev.forkd.examples.cluster.DemoWorker}) on a shared port, respawn and reload.
 *
 * <p>Example code; the benchmarks start it too ({@code run-cluster.sh}, and {@code run-cli-vs-pm2.sh} with
 * {@code FORKD_APP=jetty}).
 */
package dev.forkd.examples.cluster;
