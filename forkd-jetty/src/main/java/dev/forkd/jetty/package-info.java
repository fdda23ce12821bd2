/**
 * Jetty 12 on a forkd cluster port: {@link dev.forkd.jetty.ForkdJetty} starts an embedded server for a worker
 * in one call, {@link dev.forkd.jetty.ClusterConnector} serves the port, {@link dev.forkd.jetty.DrainingHandler}
 * drains on reload, and {@link dev.forkd.jetty.InheritedConnector} serves a listener inherited by socket
 * activation.
 *
 * <p>Public, for worker applications; it uses only forkd's exported packages.
 */
package dev.forkd.jetty;
