package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * SocketActivation's rules, as sd_listen_fds(3) has them (a real activation, by systemd-socket-activate and by
 * forkd's cluster mode, is tested with Jetty in forkd-jetty and with JVM instances in forkd-cli).
 */
class SocketActivationTest {
    @Test
    void socketsMeantForAnotherProcessAreNotTaken() throws Exception {
        assertThat(SocketActivation.adopt(Map.of("LISTEN_FDS", "1", "LISTEN_PID", "1"), 4242)).isEmpty();
        assertThat(SocketActivation.adopt(Map.of("LISTEN_FDS", "1"), 4242)).isEmpty();
        assertThat(SocketActivation.adopt(Map.of(), 4242)).isEmpty();
    }

    @Test
    void aBadCountIsAClearError() {
        assertThatThrownBy(() -> SocketActivation.adopt(Map.of("LISTEN_FDS", "two", "LISTEN_PID", "4242"), 4242))
                .isInstanceOf(IOException.class).hasMessage("LISTEN_FDS=two is not a number of sockets");
    }

    @Test
    void thisJvmWasNotActivated() throws Exception {
        assertThat(SocketActivation.listeners()).isEmpty();
        assertThat(SocketActivation.server()).isEmpty();
    }
}
