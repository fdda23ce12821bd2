package dev.forkd.examples;

import dev.forkd.ipc.Channel;
import java.io.File;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The Node multi-process article's {@code test/sub_process.js}, the child of its spawn, fork, execFile and exec
 * examples. The article does not show that file; this one says who and where it is, so that each example shows
 * where the child's output goes and which directory it runs in.
 *
 * <ul>
 *   <li>It prints {@code sub_process <pid> running in <working directory>} on its stdout.</li>
 *   <li>Forked (with an IPC channel), it then sends {@code {"pid":<pid>,"cwd":"<working directory>"}} to its
 *       parent and disconnects, which lets it end: a Node child with a channel lives until it disconnects, and
 *       the article's parent never tells it to.</li>
 * </ul>
 *
 * <p>Node finds {@code sub_process.js} as a file, relative to the child's {@code cwd} ({@code spawn}, {@code fork})
 * or to the parent's ({@code './test/sub_process'}); the JVM finds this class on its class path. So
 * {@link #javaArgs()} pass this JVM's class path made absolute, which still holds in a child started elsewhere.
 */
public final class SubProcess {
    private SubProcess() {}

    public static void main(String[] args) {
        long pid = ProcessHandle.current().pid();
        String cwd = Path.of("").toAbsolutePath().toString();
        System.out.println("sub_process " + pid + " running in " + cwd);
        Optional<Channel> parent = Channel.parent();
        if (parent.isPresent()) {
            Map<String, Object> hello = new LinkedHashMap<>();
            hello.put("pid", pid);
            hello.put("cwd", cwd);
            parent.get().send(hello).join();
            parent.get().disconnect();
        }
    }

    /** The {@code node} of {@code node sub_process.js}: this JVM's {@code java} launcher. */
    static String java() {
        return Path.of(System.getProperty("java.home"), "bin", "java").toString();
    }

    /** The {@code sub_process.js} of {@code node sub_process.js}: {@code -cp <absoluteClassPath()> SubProcess}. */
    static String[] javaArgs() {
        return new String[] {"-cp", absoluteClassPath(), SubProcess.class.getName()};
    }

    /** {@code node './test/sub_process'} as one shell command: {@link #java()} and {@link #javaArgs()}, quoted. */
    static String shellCommand() {
        return Stream.concat(Stream.of(java()), Stream.of(javaArgs())).map(SubProcess::quote)
                .collect(Collectors.joining(" "));
    }

    /** {@code word} in single quotes for {@code /bin/sh}, as the article quotes {@code './test/sub_process'}. */
    private static String quote(String word) {
        return "'" + word.replace("'", "'\\''") + "'";
    }

    /** This JVM's class path with every entry made absolute, for a child that runs in another directory. */
    static String absoluteClassPath() {
        return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
                .map(entry -> Path.of(entry).toAbsolutePath().toString())
                .collect(Collectors.joining(File.pathSeparator));
    }
}
