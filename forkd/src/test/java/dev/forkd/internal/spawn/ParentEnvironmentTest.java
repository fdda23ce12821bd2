package dev.forkd.internal.spawn;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.Stdio;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The one owner of the inherited environment: what a child really receives, and when the shared copy is used. */
class ParentEnvironmentTest {

    private static Set<String> childEnvironment(Command command) throws Exception {
        String out = ChildProcesses.execFileSync(command, dev.forkd.ExecOptions.defaults()).stdoutText();
        return Arrays.stream(out.split("\0")).filter(s -> !s.isEmpty()).collect(Collectors.toSet());
    }

    @Test
    void aCommandThatKeepsTheEnvironmentSharesOneEncodingAndTheChildGetsExactlyIt() throws Exception {
        Command plain = Command.of("/usr/bin/env", "-0");
        assertThat(plain.environment()).isSameAs(ParentEnvironment.map());
        SpawnRequest req = SpawnRequest.of(plain, StdioPlan.Mode.SYNC, false, false);
        assertThat(ParentEnvironment.isStrings(req.env())).isTrue();

        Map<String, String> expected = new LinkedHashMap<>(System.getenv());
        expected.keySet().removeAll(List.of("NODE_CHANNEL_FD", "NODE_CHANNEL_SERIALIZATION_MODE",
                "FORKD_IPC_MAX_MESSAGE_BYTES", "NODE_UNIQUE_ID"));
        Set<String> expectedStrings = expected.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.toSet());
        assertThat(Set.copyOf(ParentEnvironment.strings())).isEqualTo(expectedStrings);
        // Twice: the second spawn reuses the native envp built by the first.
        assertThat(childEnvironment(plain)).isEqualTo(expectedStrings);
        assertThat(childEnvironment(plain)).isEqualTo(expectedStrings);
    }

    @Test
    void aChangedOrClearedEnvironmentIsItsOwnAndLeavesTheSharedOneAlone() throws Exception {
        Command changed = Command.of("/usr/bin/env", "-0").env("FORKD_PE_TEST", "1").envRemove("PATH");
        SpawnRequest req = SpawnRequest.of(changed, StdioPlan.Mode.SYNC, false, false);
        assertThat(ParentEnvironment.isStrings(req.env())).isFalse();
        Set<String> got = childEnvironment(changed);
        assertThat(got).contains("FORKD_PE_TEST=1").noneMatch(s -> s.startsWith("PATH="));
        assertThat(ParentEnvironment.strings()).doesNotContain("FORKD_PE_TEST=1");
        assertThat(childEnvironment(Command.of("/usr/bin/env", "-0").envClear().env("ONLY", "x")))
                .containsExactly("ONLY=x");
    }

    @Test
    void aForkAddsItsChannelVariablesToACopyOfTheSharedStrings() {
        Command forked = Command.of("/usr/bin/env").stdio(Stdio.pipe(), Stdio.pipe(), Stdio.pipe(), Stdio.ipc());
        SpawnRequest req = SpawnRequest.of(forked, StdioPlan.Mode.SPAWN, false, false);
        assertThat(ParentEnvironment.isStrings(req.env())).isFalse();
        assertThat(req.env()).containsAll(ParentEnvironment.strings())
                .contains("NODE_CHANNEL_FD=3", "NODE_CHANNEL_SERIALIZATION_MODE=json")
                .hasSize(ParentEnvironment.strings().size() + 2);
        assertThat(ParentEnvironment.strings()).noneMatch(s -> s.startsWith("NODE_CHANNEL_FD="));
    }
}
