/**
 * Node's {@code cluster} for the JVM: a primary ({@link dev.forkd.cluster.Cluster#setupPrimary}) forks
 * worker processes that share its listening ports, respawns those that die and reloads them without dropping a
 * connection; a worker ({@link dev.forkd.cluster.Cluster#worker()}) listens on a cluster port
 * ({@link dev.forkd.cluster.ClusterServer}) that plain NIO, Jetty, Netty and Spring Boot can serve.
 *
 * <p>Public API, exported by the module {@code dev.forkd}: for applications and for the server adapters
 * (forkd-jetty, forkd-netty, forkd-spring-boot), which use nothing else of forkd's.
 */
package dev.forkd.cluster;
