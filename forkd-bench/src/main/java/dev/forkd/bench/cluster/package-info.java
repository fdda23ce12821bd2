/**
 * The cluster hello-world on forkd-netty workers ({@link dev.forkd.bench.cluster.NettyHello}), run by
 * {@code run-cluster.sh} from {@code forkd-bench-netty.jar}; benchmark code only.
 */
package dev.forkd.bench.cluster;
