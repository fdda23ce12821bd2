/**
 * The sources of the {@code {@snippet}} examples in the public Javadoc ({@code ChildProcesses}, {@code Channel},
 * {@code Cluster}). The Javadoc quotes their regions through {@code --snippet-path src/test/java}, so every
 * example shown is code that compiles with the test sources; {@link dev.forkd.snippets.SnippetsTest} runs
 * those that need no port. Tests only.
 */
package dev.forkd.snippets;
