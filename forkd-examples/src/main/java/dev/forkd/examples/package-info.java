/**
 * The examples of the Node multi-process article and of "Node.js Child Processes: Everything you need to
 * know", in Java, runnable by name from one jar ({@link dev.forkd.examples.Main}): spawn, exec, execFile, the
 * sync variants, pipelines, detached children.
 *
 * <p>Example code for people to read and run; nothing depends on it.
 */
package dev.forkd.examples;
