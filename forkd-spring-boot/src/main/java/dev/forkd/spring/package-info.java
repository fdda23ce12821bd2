/**
 * The Spring Boot 4 starter: with it on the class path, a Boot app that runs as a forkd cluster worker, or
 * that was handed a listener by socket activation, serves that port with its Tomcat, Jetty or Reactor Netty,
 * is ready when Boot says so and drains before Boot's graceful shutdown. Outside forkd nothing changes.
 *
 * <p>Applications use it through auto-configuration and the {@code forkd.*} properties
 * ({@link dev.forkd.spring.ForkdProperties}); the other types are the starter's own wiring.
 */
package dev.forkd.spring;
