package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Stdio.socket: a listening server shared with a child at fd 3, as socket activation hands it over. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class SocketStdioTest {
    @Test
    void aNodeChildServesTheListenerItGetsAsFd3() throws Exception {
        assumeTrue(ChildProcesses.spawnSync(Command.of("sh", "-c", "command -v node")).status().success(),
                "node is not installed: skipped");
        try (ServerSocketChannel server = ServerSocketChannel.open()) {
            server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
            int port = ((InetSocketAddress) server.getLocalAddress()).getPort();
            ChildProcess node = ChildProcesses.spawn(Command.of("node", "-e",
                    "require('net').createServer(c => c.end('served by ' + process.pid + '\\n'))"
                            + ".listen({fd: 3}, () => console.log('listening'))")
                    .stdio(Stdio.ignore(), Stdio.pipe(), Stdio.inherit(), Stdio.socket(server)));
            try {
                assertThat(new BufferedReader(new InputStreamReader(node.stdout())).readLine()).isEqualTo("listening");
                try (SocketChannel c = SocketChannel.open(new InetSocketAddress(InetAddress.getLoopbackAddress(), port))) {
                    ByteBuffer b = ByteBuffer.allocate(64);
                    while (c.read(b) >= 0) { }
                    assertThat(new String(b.array(), 0, b.position(), StandardCharsets.UTF_8))
                            .isEqualTo("served by " + node.pid() + "\n");
                }
                assertThat(server.isOpen()).as("the parent's channel stays open").isTrue();
            } finally {
                node.kill(Signal.SIGKILL);
                node.waitFor();
            }
        }
    }

    @Test
    void aClosedSocketIsRejectedBeforeAnythingStarts() throws Exception {
        ServerSocketChannel closed = ServerSocketChannel.open();
        closed.close();
        assertThatThrownBy(() -> ChildProcesses.spawn(Command.of("true")
                .stdio(Stdio.ignore(), Stdio.ignore(), Stdio.ignore(), Stdio.socket(closed))))
                .isInstanceOf(IllegalArgumentException.class).hasMessage("the socket for child fd 3 is closed");
    }
}
