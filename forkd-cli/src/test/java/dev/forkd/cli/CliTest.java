package dev.forkd.cli;

import static org.assertj.core.api.Assertions.assertThat;

import dev.forkd.Output;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.JsonNode;

/** The forkd command end to end: real client, daemon, supervisors and apps. */
@Timeout(value = 180, unit = TimeUnit.SECONDS)
class CliTest extends CliFixture {
    @Test
    void startListStopRestartDeleteAndKill() throws Exception {
        Output started = cli.run("start", "--name", "sleeper", "-i", "2", "--", "sleep", "1000");
        assertThat(started.status().success()).as(started.stderrText()).isTrue();
        assertThat(started.stdoutText()).startsWith("started sleeper (2 instances)\n").contains("sleeper");
        List<Long> pids = cli.pids("sleeper");
        assertThat(pids).hasSize(2).allMatch(Cli::alive);
        assertThat(cli.run("ls").stdoutText()).containsPattern("sleeper +fork +1 +\\d+ +online");

        Output stopped = cli.run("stop", "sleeper");
        assertThat(stopped.stdoutText()).startsWith("stopped sleeper\n");
        for (long pid : pids) assertThat(Cli.awaitGone(pid, Duration.ofSeconds(10))).isTrue();
        assertThat(cli.app("sleeper").path("instances").get(0).path("status").asString()).isEqualTo("stopped");

        assertThat(cli.run("restart", "sleeper").status().success()).isTrue();
        List<Long> again = cli.pids("sleeper");
        assertThat(again).hasSize(2).allMatch(Cli::alive).doesNotContainAnyElementsOf(pids);

        assertThat(cli.run("delete", "sleeper").stdoutText()).isEqualTo("deleted sleeper\n");
        for (long pid : again) assertThat(Cli.awaitGone(pid, Duration.ofSeconds(10))).isTrue();
        assertThat(cli.ls()).isEmpty();

        long daemon = cli.daemonPid();
        assertThat(cli.run("kill").stdoutText()).contains("stopped every app and the daemon");
        assertThat(Cli.awaitGone(daemon, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void anAppThatKeepsCrashingIsErroredWithTheReasonOfEveryRestart() throws Exception {
        cli.run("start", "--name", "crash", "--max-restarts", "3", "--", "sh", "-c", "echo boom; exit 3");
        JsonNode i = null;
        for (int n = 0; n < 100; n++) {
            i = cli.app("crash").path("instances").get(0);
            if (i.path("status").asString().equals("errored")) break;
            Thread.sleep(100);
        }
        assertThat(i.path("status").asString()).isEqualTo("errored");
        assertThat(i.path("restarts").asInt()).isEqualTo(3);
        assertThat(i.path("error").asString()).isEqualTo("crash loop: 4 exits within 60 s (last: exit status: 3); not restarted");
        assertThat(i.path("restartReasons")).hasSize(3)
                .allMatch(r -> r.path("reason").asString().equals("exit status: 3"));
        assertThat(cli.run("logs", "crash", "--lines", "2").stdoutText()).isEqualTo("crash-0-out | boom\ncrash-0-out | boom\n");
    }

    @Test
    void aRestartDelayReplacesTheBackoff() throws Exception {
        // With the default backoff (100 ms doubling) 25 restarts take minutes; 10 ms apart, moments.
        cli.run("start", "--name", "fast", "--restart-delay", "10ms", "--max-restarts", "100000", "--", "sh", "-c", "exit 3");
        JsonNode i = null;
        for (int n = 0; n < 300; n++) {
            i = cli.app("fast").path("instances").get(0);
            if (i.path("restarts").asInt() >= 25) break;
            Thread.sleep(100);
        }
        assertThat(i.path("restarts").asInt()).isGreaterThanOrEqualTo(25);
        assertThat(i.path("status").asString()).isNotEqualTo("errored");
        assertThat(cli.run("describe", "fast").stdoutText()).contains("restart ............. always, at most 100000 within 60s, 10ms apart");
    }

    @Test
    void anAppWhoseNameStartsWithAnothersKeepsItsNotifySocketWhenTheOtherStarts() throws Exception {
        assertThat(cli.run("start", "--name", "web.api", "--", "sleep", "1000").status().success()).isTrue();
        Path mine = cli.home.resolve("run/apps/web.api." + cli.app("web.api").path("supervisor").asLong() + ".notify");
        assertThat(mine).exists();
        assertThat(cli.run("start", "--name", "web", "--", "sleep", "1000").status().success()).isTrue();
        assertThat(mine).as("web's supervisor cleans up web.N.notify only").exists();
    }

    @Test
    void aMissingExecutableIsAClearErrorAndLeavesNoApp() throws Exception {
        Output o = cli.run("start", "--name", "nope", "--", "/no/such/program");
        assertThat(o.status().exitCode()).hasValue(1);
        assertThat(o.stderrText()).isEqualTo("forkd: cannot start nope: cannot start: posix_spawn failed: ENOENT"
                + " (No such file or directory): /no/such/program\n");
        assertThat(cli.ls()).isEmpty();
    }

    @Test
    void anUnknownAppNameIsAClearErrorForEveryCommand() throws Exception {
        for (String cmd : List.of("stop", "restart", "reload", "delete", "describe")) {
            Output o = cli.run(cmd, "ghost");
            assertThat(o.status().exitCode()).as(cmd).hasValue(1);
            assertThat(o.stderrText()).as(cmd).isEqualTo("forkd: no app named 'ghost' (forkd ls lists them)\n");
        }
        Output logs = cli.run("logs", "ghost");
        assertThat(logs.status().exitCode()).hasValue(1);
        assertThat(logs.stderrText()).contains("no logs for an app named 'ghost'");
    }

    @Test
    void aNameInUseIsRefusedAndTheRunningAppIsLeftAlone() throws Exception {
        cli.run("start", "--name", "one", "--", "sleep", "1000");
        List<Long> pids = cli.pids("one");
        Output again = cli.run("start", "--name", "one", "--", "sleep", "5");
        assertThat(again.status().exitCode()).hasValue(1);
        assertThat(again.stderrText()).contains("an app named 'one' is already running");
        assertThat(cli.pids("one")).isEqualTo(pids);
    }

    @Test
    void logsRotateBySizeAndKeepTheConfiguredNumberOfFiles() throws Exception {
        // 3,000 lines of 100 bytes = 300 KB through 64 KiB files, 2 kept: the oldest are deleted.
        cli.run("start", "--name", "talker", "--restart", "never", "--log-max-size", "64k", "--log-files", "2", "--",
                "sh", "-c", "i=0; while [ $i -lt 3000 ]; do printf '%099d\\n' $i; i=$((i+1)); done");
        Path logs = cli.home.resolve("logs/talker");
        for (int n = 0; n < 200 && !cli.app("talker").path("instances").get(0).path("status").asString().equals("stopped"); n++) {
            Thread.sleep(50);
        }
        Thread.sleep(300); // the writer flushes
        assertThat(logs.resolve("talker-0-out.log")).exists();
        assertThat(logs.resolve("talker-0-out.log.1")).exists();
        assertThat(logs.resolve("talker-0-out.log.2")).exists();
        assertThat(logs.resolve("talker-0-out.log.3")).doesNotExist();
        for (String f : List.of("talker-0-out.log", "talker-0-out.log.1", "talker-0-out.log.2")) {
            assertThat(Files.size(logs.resolve(f))).as(f).isLessThanOrEqualTo(64 * 1024);
        }
        assertThat(cli.run("logs", "talker", "--lines", "1").stdoutText())
                .isEqualTo("talker-0-out | " + String.format("%099d", 2999) + "\n");
    }

    @Test
    void anAppThatIgnoresSigtermIsKilledWithItsGroupAfterTheKillTimeout() throws Exception {
        cli.run("start", "--name", "stubborn", "--kill-timeout", "500ms", "--", "sh", "-c", "trap '' TERM; sleep 1000 & wait");
        long pid = cli.pids("stubborn").getFirst();
        long sleep = ProcessHandle.of(pid).orElseThrow().children().findFirst().orElseThrow().pid();
        Output stopped = cli.run("stop", "stubborn");
        assertThat(stopped.status().success()).isTrue();
        assertThat(Cli.awaitGone(pid, Duration.ofSeconds(5))).isTrue();
        assertThat(Cli.awaitGone(sleep, Duration.ofSeconds(5))).as("the app's child, in its process group").isTrue();
    }

    @Test
    void appsOutliveADaemonKilledWithSigkillAndTheNextDaemonFindsThem() throws Exception {
        cli.run("start", "--name", "survivor", "-i", "2", "--", "sleep", "1000");
        List<Long> pids = cli.pids("survivor");
        long daemon = cli.daemonPid();
        ProcessHandle.of(daemon).orElseThrow().destroyForcibly();
        assertThat(Cli.awaitGone(daemon, Duration.ofSeconds(10))).isTrue();
        assertThat(pids).allMatch(Cli::alive);
        // The next command starts a new daemon, which adopts the app's supervisor: same instances.
        assertThat(cli.pids("survivor")).isEqualTo(pids);
        assertThat(cli.daemonPid()).isNotEqualTo(daemon);
        assertThat(cli.run("stop", "survivor").status().success()).isTrue();
        for (long pid : pids) assertThat(Cli.awaitGone(pid, Duration.ofSeconds(10))).isTrue();
    }

    @Test
    void aSecondDaemonRefusesToStart() throws Exception {
        cli.run("ls");
        Output second = cli.run("daemon");
        assertThat(second.status().exitCode()).hasValue(1);
        assertThat(second.stderrText()).startsWith("forkd: a daemon is already running for this user");
        assertThat(cli.run("ls").status().success()).isTrue();
    }

    @Test
    void clientsIssuingCommandsAtOnceAreServedOneAfterTheOther() throws Exception {
        cli.run("ls"); // one daemon, started before the race
        List<CompletableFuture<Output>> starts = new ArrayList<>();
        for (int n = 0; n < 4; n++) {
            String name = "app" + n;
            starts.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return cli.run("start", "--name", name, "--", "sleep", "1000");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<Output> f : starts) assertThat(f.get().status().success()).as(f.get().stderrText()).isTrue();
        JsonNode all = cli.ls();
        assertThat(all).hasSize(4);
        for (JsonNode a : all) assertThat(a.path("instances").get(0).path("status").asString()).isEqualTo("online");
    }

    @Test
    void aSupervisorKilledWithSigkillIsReplacedAndItsInstancesDoNotRunTwice() throws Exception {
        cli.run("start", "--name", "phoenix", "-i", "2", "--", "sh", "-c", "sleep 1000 & wait");
        List<Long> pids = cli.pids("phoenix");
        long supervisor = cli.app("phoenix").path("supervisor").asLong();
        ProcessHandle.of(supervisor).orElseThrow().destroyForcibly();
        // The daemon kills what the dead supervisor left (whole process groups) and starts a new one.
        for (long pid : pids) assertThat(Cli.awaitGone(pid, Duration.ofSeconds(20))).as("old instance " + pid).isTrue();
        List<Long> fresh = List.of();
        for (int n = 0; n < 200 && fresh.size() < 2; n++) {
            Thread.sleep(100);
            fresh = cli.pids("phoenix");
        }
        assertThat(fresh).hasSize(2).allMatch(Cli::alive).doesNotContainAnyElementsOf(pids);
        assertThat(cli.app("phoenix").path("supervisor").asLong()).isNotEqualTo(supervisor);
    }

    @Test
    void startupSystemdPrintsAUnitThatSystemdAccepts() throws Exception {
        Output o = cli.run("startup", "systemd");
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        String unit = o.stdoutText();
        assertThat(unit).contains("Type=forking\n").contains("PIDFile=" + cli.home.resolve("run/daemon.pid") + "\n")
                .containsPattern("ExecStart=.+ resurrect\n").containsPattern("ExecStop=.+ kill\n")
                .contains("Environment=FORKD_HOME=" + cli.home + "\n");
        Path file = tmp.resolve("forkd-test.service");
        Files.writeString(file, unit);
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.isExecutable(Path.of("/usr/bin/systemd-analyze")),
                "systemd-analyze is not installed: the unit was not verified");
        Output verify = dev.forkd.ChildProcesses.spawnSync(dev.forkd.Command.of("systemd-analyze", "verify", file.toString()));
        assertThat(verify.status().success()).as(verify.stderrText()).isTrue();
        assertThat(cli.run("startup", "upstart").status().exitCode()).hasValue(2);
    }

    @Test
    void anEcosystemFileStartsEveryAppAndABadOneNamesTheFileLineAndField() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("project"));
        Files.writeString(dir.resolve("forkd.yaml"), """
                apps:
                  - name: web
                    command: [sleep, "1000"]
                    instances: 2
                  - name: jobs
                    command: sleep 1000
                    env: {QUEUE: jobs}
                """);
        Output o = cli.runIn(dir, "start", "forkd.yaml");
        assertThat(o.status().success()).as(o.stderrText()).isTrue();
        assertThat(o.stdoutText()).contains("started web (2 instances)\n").contains("started jobs (1 instance)\n");
        assertThat(cli.pids("web")).hasSize(2).allMatch(Cli::alive);
        assertThat(cli.pids("jobs")).hasSize(1).allMatch(Cli::alive);
        assertThat(cli.app("jobs").path("spec").path("cwd").asString()).isEqualTo(dir.toString());

        Files.writeString(dir.resolve("bad.yaml"), """
                apps:
                  - name: api
                    command: [sleep, "1000"]
                    instances: lots
                """);
        Output bad = cli.runIn(dir, "start", "bad.yaml");
        assertThat(bad.status().exitCode()).hasValue(1);
        assertThat(bad.stderrText()).isEqualTo("forkd: " + dir.resolve("bad.yaml")
                + ":4:16: apps[0].instances: expected a whole number or \"max\", got \"lots\"\n");
        assertThat(cli.app("api")).isNull();
    }

    @Test
    void badArgumentsGetTheUsageAndStatus2AndHelpWorksForEveryCommand() throws Exception {
        Output missing = cli.run("start");
        assertThat(missing.status().exitCode()).hasValue(2);
        assertThat(missing.stderrText()).startsWith("Missing required parameter: 'COMMAND'\nUsage: forkd start ");
        Output unknown = cli.run("ls", "--colour");
        assertThat(unknown.status().exitCode()).hasValue(2);
        assertThat(unknown.stderrText()).startsWith("Unknown option: '--colour'\nUsage: forkd ls ");
        Output help = cli.run("stop", "--help");
        assertThat(help.status().exitCode()).hasValue(0);
        assertThat(help.stdoutText()).startsWith("Usage: forkd stop ");
        assertThat(cli.run("--help").stdoutText()).contains("start").contains("run").contains("ls").contains("logs");
    }

    @Test
    void saveAndResurrectBringBackTheRunningApps() throws Exception {
        cli.run("start", "--name", "keep", "--", "sleep", "1000");
        cli.run("start", "--name", "gone", "--", "sleep", "1000");
        cli.run("stop", "gone");
        assertThat(cli.run("save").stdoutText()).startsWith("saved 1 app to ");
        cli.run("kill");
        Output r = cli.run("resurrect");
        assertThat(r.status().success()).as(r.stderrText()).isTrue();
        assertThat(r.stdoutText()).startsWith("resurrected keep\n");
        assertThat(cli.pids("keep")).hasSize(1).allMatch(Cli::alive);
        assertThat(cli.pids("gone")).isEmpty();
    }

    @Test
    void anInstanceOverItsMemoryLimitIsRestartedWithTheReason() throws Exception {
        // python3 holds 64 MiB; the limit is 32 MiB: the supervisor's sampler (every 2 s) restarts it.
        cli.run("start", "--name", "hog", "--max-memory", "32m", "--", "python3", "-c",
                "import time; b = bytearray(64 << 20); b[::4096] = b'x' * len(b[::4096]); time.sleep(1000)");
        JsonNode reasons = null;
        for (int n = 0; n < 150; n++) {
            reasons = cli.app("hog").path("instances").get(0).path("restartReasons");
            if (!reasons.isEmpty()) break;
            Thread.sleep(100);
        }
        assertThat(reasons).isNotEmpty();
        assertThat(reasons.get(0).path("reason").asString()).matches("memory: \\d+\\.?\\d* MiB over --max-memory 32\\.0 MiB");
    }

    @Test
    void logsFollowKeepsPrintingAcrossRotationsAndTimestampsPrefixLines() throws Exception {
        cli.run("start", "--name", "ticker", "--timestamps", "--log-max-size", "4k", "--log-files", "2", "--",
                "sh", "-c", "i=0; while :; do echo tick-$i; i=$((i+1)); sleep 0.01; done");
        List<String> argv = new ArrayList<>(dev.forkd.cli.daemon.Launch.javaCommand());
        argv.addAll(List.of("logs", "ticker", "--lines", "0", "--follow"));
        dev.forkd.ChildProcess follow = dev.forkd.ChildProcesses.spawn(dev.forkd.Command.of(argv.getFirst(),
                argv.subList(1, argv.size()).toArray(String[]::new)).env("FORKD_HOME", cli.home.toString()));
        try {
            java.io.BufferedReader in = new java.io.BufferedReader(new java.io.InputStreamReader(follow.stdout()));
            List<Integer> seen = new ArrayList<>();
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            // 4 KiB files of ~45-byte stamped lines rotate every ~90 lines: 400 lines cross several rotations.
            while (seen.size() < 400 && System.nanoTime() < deadline) {
                String line = in.readLine();
                if (line == null) break;
                assertThat(line).matches("ticker-0-out \\| \\d{4}-\\d\\d-\\d\\dT[0-9:.]+[+-Z0-9:]* tick-\\d+");
                seen.add(Integer.parseInt(line.substring(line.lastIndexOf('-') + 1)));
            }
            assertThat(seen).hasSize(400);
            for (int k = 1; k < seen.size(); k++) {
                assertThat(seen.get(k)).as("line after tick-" + seen.get(k - 1)).isEqualTo(seen.get(k - 1) + 1);
            }
            assertThat(cli.home.resolve("logs/ticker/ticker-0-out.log.2")).exists();
        } finally {
            follow.kill(dev.forkd.Signal.SIGKILL);
            follow.waitFor();
        }
    }

    @Test
    void manyRestartsInARowOfAnAppWithSeveralInstancesAllComeBack() throws Exception {
        // The daemon soak deadlocked a supervisor here: an old process's exit wrote the pid file while the
        // restart, holding the instance, waited for the same file.
        cli.run("start", "--name", "often", "-i", "3", "--", "sleep", "1000");
        for (int n = 0; n < 15; n++) {
            Output r = cli.run("restart", "often");
            assertThat(r.status().success()).as("restart " + n + ": " + r.stderrText()).isTrue();
        }
        assertThat(cli.pids("often")).hasSize(3).allMatch(Cli::alive);
        assertThat(cli.app("often").path("instances").get(0).path("restarts").asInt()).isEqualTo(15);
    }
}
