/**
 * A plain Spring Boot app ({@link dev.forkd.examples.spring.HelloApp}) that knows nothing of forkd, and
 * {@link dev.forkd.examples.spring.ClusterMain}, which runs it as a forkd cluster through the starter.
 *
 * <p>Example code; {@code forkd-bench/run-spring.sh} measures it.
 */
package dev.forkd.examples.spring;
