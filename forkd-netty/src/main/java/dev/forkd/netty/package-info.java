/**
 * Netty 4.2 on a forkd cluster port: {@link dev.forkd.netty.ForkdNetty} starts a server for a worker in one
 * call, {@link dev.forkd.netty.ClusterAcceptor} turns the port's connections into Netty channels, and
 * {@link dev.forkd.netty.HttpDrainHandler} ends HTTP connections cleanly when the worker drains.
 *
 * <p>Public, for worker applications; it uses only forkd's exported packages.
 */
package dev.forkd.netty;
