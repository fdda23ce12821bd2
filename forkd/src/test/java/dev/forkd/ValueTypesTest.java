package dev.forkd;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ValueTypesTest {

    @Test
    void signalsResolveByNameAndNumber() {
        assertThat(Signal.of("SIGTERM")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.of("term")).isSameAs(Signal.SIGTERM);
        assertThat(Signal.of(9)).isSameAs(Signal.SIGKILL);
        assertThat(Signal.of(34)).isEqualTo(new Signal("SIGRTMIN+0", 34));
        assertThat(Signal.of("SIGRTMIN+2").number()).isEqualTo(36);
        assertThatThrownBy(() -> Signal.of("SIGNOPE")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signal.of(99)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void exitStatusIsACodeXorASignal() {
        assertThat(new ExitStatus.Exited(0).success()).isTrue();
        assertThat(new ExitStatus.Signaled(Signal.SIGKILL, false)).hasToString("signal: 9 (SIGKILL)");
        assertThatThrownBy(() -> new ExitStatus.Exited(256)).isInstanceOf(IllegalArgumentException.class);
        ExitStatus s = new ExitStatus.Signaled(Signal.SIGINT, false);
        String described = switch (s) {
            case ExitStatus.Exited(int code) -> "code " + code;
            case ExitStatus.Signaled(Signal sig, boolean core) -> "signal " + sig.name();
        };
        assertThat(described).isEqualTo("signal SIGINT");
    }

    @Test
    void execOptionsValidate() {
        assertThatThrownBy(() -> ExecOptions.defaults().timeout(Duration.ofSeconds(-1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExecOptions.defaults().maxBuffer(-1)).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> ExecOptions.defaults().killSignal(Signal.NONE))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void outputComparesByContent() {
        Output a = new Output(new ExitStatus.Exited(0), "x".getBytes(), new byte[0]);
        Output b = new Output(new ExitStatus.Exited(0), "x".getBytes(), new byte[0]);
        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.stdoutText()).isEqualTo("x");
    }

    @Test
    void exitExceptionReportsWhatItsOutputRecordsAndRejectsAContradiction() {
        ExitStatus killed = new ExitStatus.Signaled(Signal.SIGTERM, false);
        Output timedOut = new Output(killed, new byte[0], new byte[0], java.nio.charset.StandardCharsets.UTF_8,
                true, false);
        ExitException x = new ExitException("sleep 9", timedOut, true, true, false);
        assertThat(x.timedOut()).isTrue();
        assertThat(x.maxBufferExceeded()).isFalse();
        assertThat(x.killed()).isTrue();
        assertThat(x).hasMessage("Command failed (timed out, signal: 15 (SIGTERM)): sleep 9");
        assertThatThrownBy(() -> new ExitException("sleep 9", timedOut, true, false, false))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new ExitException("sleep 9", timedOut, true, true, true))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void commandIsImmutable() {
        Command base = Command.of("ls");
        Command withArgs = base.args("-l");
        assertThat(base.args()).isEmpty();
        assertThat(withArgs.args()).containsExactly("-l");
        assertThat(withArgs).hasToString("ls -l");
        assertThat(base.env("A", "1").environment()).containsEntry("A", "1");
        assertThat(base.environment()).doesNotContainKey("FORKD_SURELY_UNSET");
        assertThat(base.envClear().environment()).isEmpty();
    }

    @Test
    void forkOptionsEnvRemoveDropsAnInheritedVariableUntilALaterEnvSetsIt() {
        assertThat(System.getenv()).containsKey("PATH");
        ForkOptions removed = ForkOptions.of("Main").envRemove("PATH");
        assertThat(removed.toCommand().environment()).doesNotContainKey("PATH");
        assertThat(removed.env("PATH", "/opt/x").toCommand().environment()).containsEntry("PATH", "/opt/x");
        assertThat(ForkOptions.of("Main").env("PATH", "/opt/x").envRemove("PATH").toCommand().environment())
                .doesNotContainKey("PATH");
    }
}
