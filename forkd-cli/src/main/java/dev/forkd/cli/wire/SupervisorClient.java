package dev.forkd.cli.wire;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import tools.jackson.databind.JsonNode;

/** One request to an app's supervisor over its socket; the answer is its JSON reply. */
public final class SupervisorClient {
    private SupervisorClient() {}

    public static JsonNode call(Path socket, Map<String, Object> request) throws IOException {
        try (SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            c.connect(UnixDomainSocketAddress.of(socket));
            OutputStream out = Channels.newOutputStream(c);
            out.write(Wire.MAPPER.writeValueAsBytes(request));
            out.write('\n');
            out.flush();
            String line = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))
                    .readLine();
            if (line == null) throw new IOException("the supervisor closed the connection without answering");
            return Wire.MAPPER.readTree(line);
        }
    }
}
