/**
 * A Boot app with no forkd code, started by the starter's tests on Tomcat, Jetty or Reactor Netty. Tests only.
 */
package dev.forkd.spring.app;
