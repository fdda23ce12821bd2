package dev.forkd.cli.daemon;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.Command;
import dev.forkd.SpawnException;
import dev.forkd.Stdio;
import dev.forkd.cli.Home;
import dev.forkd.cli.app.AppSpec;
import dev.forkd.cli.wire.ControlSocket;
import dev.forkd.cli.wire.Frames;
import dev.forkd.cli.wire.Peers;
import dev.forkd.cli.wire.ProcessLock;
import dev.forkd.cli.wire.SupervisorClient;
import dev.forkd.cli.wire.Wire;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.locks.ReentrantLock;
import tools.jackson.databind.JsonNode;

/**
 * The per-user daemon: the registry of apps and the one place commands are carried out. It starts a
 * supervisor process per app ({@link dev.forkd.cli.supervisor.Supervisor}) in a session of its own and talks
 * to it over the app's socket; apps, their logs and their ports live in the supervisors, so the daemon can
 * die or be replaced without taking an app down. A new daemon re-adopts every supervisor that still answers
 * and restarts those of started apps that do not.
 *
 * <p>One daemon per user: it holds a lock on {@code daemon.lock} in the run directory; a second one refuses
 * to start. Its socket is 0600 in a 0700 directory and answers only its own user (SO_PEERCRED). Commands
 * that change apps run one at a time, so two clients cannot interleave a start and a delete.
 */
public final class Daemon {
    private static final System.Logger LOG = System.getLogger("dev.forkd.cli");
    /** How long a new supervisor may take to answer on its socket. */
    static final Duration SUPERVISOR_START = Duration.ofSeconds(20);

    final Home home;
    final Registry registry;
    /** Serialises commands that change apps. */
    final ReentrantLock changes = new ReentrantLock();
    /** Supervisors this daemon started (it is their parent and watches them). */
    final Map<String, ChildProcess> supervisors = new ConcurrentHashMap<>();
    private final CountDownLatch killed = new CountDownLatch(1);
    /** Set by {@code handover} ({@code forkd update}): this daemon stops once it has answered, leaving its apps. */
    volatile boolean handingOver;

    private Daemon(Home home) throws IOException {
        this.home = home;
        this.registry = new Registry(home.registry());
    }

    /** {@code forkd daemon}: runs until {@code forkd kill}. Returns the process's exit status. */
    public static int run(Home home) throws Exception {
        home.create();
        try (ProcessLock lock = ProcessLock.tryLock(home.daemonLock())) {
            if (lock == null) {
                System.err.println("forkd: a daemon is already running for this user (" + home.socket() + ")");
                return 1;
            }
            Files.writeString(home.run().resolve("daemon.pid"), ProcessHandle.current().pid() + "\n");
            return new Daemon(home).serve();
        }
    }

    private int serve() throws Exception {
        try (ControlSocket control = ControlSocket.bind(home.socket())) {
            adoptOrRestart();
            control.serve("forkd-daemon", this::handle);
            killed.await();
        } finally {
            Files.deleteIfExists(home.run().resolve("daemon.pid"));
        }
        return 0;
    }

    /** At start: every started app either still has its supervisor (adopted) or gets a new one. */
    private void adoptOrRestart() {
        for (Registry.Entry e : registry.all()) {
            if (!e.started()) continue;
            try {
                JsonNode status = SupervisorClient.call(home.supervisorSocket(e.spec().name()), Map.of("op", "status"));
                LOG.log(System.Logger.Level.INFO, "adopted the supervisor of " + e.spec().name() + " (pid "
                        + status.path("supervisor").asLong() + ")");
                watchAdopted(e.spec().name(), status.path("supervisor").asLong());
            } catch (IOException gone) {
                try {
                    Orphans.kill(home.apps().resolve(e.spec().name() + ".pids"));
                    startSupervisor(e.spec());
                } catch (IOException | InterruptedException failed) {
                    LOG.log(System.Logger.Level.ERROR, "cannot restart the supervisor of " + e.spec().name() + ": " + failed);
                }
            }
        }
    }

    private void handle(SocketChannel c) {
        try (c) {
            Writer w = new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8);
            Frames frames = new Frames(w);
            if (!Peers.isOwner(c)) {
                frames.err("forkd: permission denied: this daemon serves " + System.getProperty("user.name")
                        + ", not " + Peers.peerUser(c)).exit(77);
                Peers.closeGently(c);
                return;
            }
            String line = new BufferedReader(new InputStreamReader(Channels.newInputStream(c), StandardCharsets.UTF_8))
                    .readLine();
            if (line == null) return;
            JsonNode req;
            try {
                req = Wire.MAPPER.readTree(line);
            } catch (RuntimeException e) {
                frames.err("forkd: malformed request: " + e.getMessage()).exit(2);
                return;
            }
            String op = req.path("op").asString("");
            int protocol = req.path("protocol").asInt(0);
            if (protocol != Wire.PROTOCOL && !op.equals("ping") && !op.equals("handover")) {
                frames.err("forkd: the running daemon (forkd " + Wire.VERSION + ", pid " + ProcessHandle.current().pid()
                        + ") speaks protocol " + Wire.PROTOCOL + ", this forkd " + (protocol == 0 ? "another" : protocol)
                        + ": run 'forkd update' with the forkd you mean to use").exit(2);
                return;
            }
            int status;
            try {
                status = new Commands(this, frames, req).run();
            } catch (CommandException e) {
                frames.err("forkd: " + e.getMessage());
                status = e.status();
            } catch (RuntimeException e) {
                LOG.log(System.Logger.Level.ERROR, "command failed: " + line, e);
                frames.err("forkd: internal error: " + e);
                status = 70;
            }
            frames.exit(status);
            if (handingOver) shutdown(); // answered: a new daemon may start
        } catch (IOException | InterruptedException e) {
            // the client went away
        }
    }

    /** Stops the daemon (its apps must have been stopped first). */
    void shutdown() {
        killed.countDown();
    }

    // ------------------------------------------------------------------ supervisors

    /**
     * Starts the supervisor of {@code spec} and waits until it answers on its socket; returns its first
     * status. The supervisor runs in a session of its own, so it survives this daemon.
     */
    JsonNode startSupervisor(AppSpec spec) throws IOException, InterruptedException {
        String name = spec.name();
        Home.mkdirPrivate(home.logs(name));
        Files.write(home.supervisorSpec(name), Wire.MAPPER.writeValueAsBytes(spec));
        Path log = home.logs(name).resolve("supervisor.log");
        List<String> argv = new ArrayList<>(Launch.javaCommand(Launch.Role.SUPERVISOR));
        argv.add("supervise");
        argv.add(name);
        ChildProcess p;
        try {
            p = ChildProcesses.spawn(Command.of(argv.getFirst(), argv.subList(1, argv.size()).toArray(String[]::new))
                    .stdio(Stdio.ignore(), Stdio.file(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND),
                            Stdio.file(log, StandardOpenOption.CREATE, StandardOpenOption.APPEND))
                    .env(Launch.childEnvironment(home)).detached(true));
        } catch (SpawnException e) {
            throw new IOException("cannot start the supervisor of " + name + ": " + e.getMessage(), e);
        }
        supervisors.put(name, p);
        p.onExit().whenComplete((st, e) -> supervisorExited(name, p));
        long deadline = System.nanoTime() + SUPERVISOR_START.toNanos();
        while (true) {
            try {
                return SupervisorClient.call(home.supervisorSocket(name), Map.of("op", "status"));
            } catch (IOException notYet) {
                if (p.exitStatus().isPresent()) {
                    throw new IOException("the supervisor of " + name + " exited at start (" + p.exitStatus().get()
                            + "); see " + log);
                }
                if (System.nanoTime() > deadline) {
                    p.kill();
                    throw new IOException("the supervisor of " + name + " did not answer within "
                            + SUPERVISOR_START.toSeconds() + " s; see " + log);
                }
                Thread.sleep(20);
            }
        }
    }

    /** A supervisor this daemon started has exited: if its app should still run, it died, and gets a new one. */
    private void supervisorExited(String name, ChildProcess p) {
        supervisors.remove(name, p);
        Registry.Entry e = registry.get(name);
        if (e == null || !e.started()) return;
        LOG.log(System.Logger.Level.WARNING, "the supervisor of " + name + " died (" + p.exitStatus().orElse(null)
                + "): starting a new one");
        Thread.ofVirtual().start(() -> restartSupervisor(name));
    }

    void watchAdopted(String name, long pid) {
        ProcessHandle.of(pid).ifPresent(h -> h.onExit().thenRun(() -> {
            Registry.Entry e = registry.get(name);
            if (e != null && e.started() && !supervisors.containsKey(name)) {
                LOG.log(System.Logger.Level.WARNING, "the adopted supervisor of " + name + " died: starting a new one");
                restartSupervisor(name);
            }
        }));
    }

    private void restartSupervisor(String name) {
        changes.lock();
        try {
            Registry.Entry e = registry.get(name);
            if (e == null || !e.started() || supervisors.containsKey(name)) return;
            try {
                // A successor that took over at forkd update answers on the socket: adopt it, start none.
                JsonNode status = SupervisorClient.call(home.supervisorSocket(name), Map.of("op", "status"));
                watchAdopted(name, status.path("supervisor").asLong());
                return;
            } catch (IOException gone) {
                // none: start one
            }
            try {
                Thread.sleep(200); // a supervisor that dies at once must not spin
                Orphans.kill(home.apps().resolve(name + ".pids"));
                startSupervisor(e.spec());
            } catch (IOException | InterruptedException failed) {
                LOG.log(System.Logger.Level.ERROR, "cannot restart the supervisor of " + name + ": " + failed);
            }
        } finally {
            changes.unlock();
        }
    }
}
