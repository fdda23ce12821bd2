package dev.forkd.cli;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

/** What the forkd command's end-to-end tests share: a forkd home of each test's own, cleaned up after it. */
abstract class CliFixture {
    @TempDir
    Path tmp;
    Cli cli;

    @BeforeEach
    void home() {
        cli = new Cli(tmp.resolve("home"));
    }

    @AfterEach
    void stop() throws Exception {
        cli.cleanUp();
    }

    static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }

    static boolean nodeInstalled() throws IOException, InterruptedException {
        return ChildProcesses.spawnSync(Command.of("sh", "-c", "command -v node")).status().success();
    }
}
