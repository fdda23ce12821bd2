package dev.forkd.cli;

import dev.forkd.cli.daemon.Launch;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code forkd startup systemd}: a unit that resurrects the saved apps at boot, as PM2's {@code startup}
 * does: {@code Type=forking} on the daemon's pid file, {@code forkd resurrect} to start, {@code forkd reload
 * all} to reload, {@code forkd kill} to stop. For root it is a system unit; for other users a user unit
 * ({@code systemctl --user}, which needs {@code loginctl enable-linger} to run at boot without a login). The
 * unit pins the directories this shell uses, so that the boot daemon and later commands find each other.
 */
final class Startup {
    private Startup() {}

    static String unit(Home home, boolean system) {
        String forkd = command();
        String user = System.getProperty("user.name");
        StringBuilder u = new StringBuilder();
        u.append("# Written by 'forkd startup systemd': starts the apps 'forkd save' remembered.\n");
        u.append("[Unit]\n");
        u.append("Description=forkd: the apps of ").append(user).append('\n');
        u.append("After=network-online.target\n");
        u.append("Wants=network-online.target\n\n");
        u.append("[Service]\n");
        u.append("Type=forking\n");
        if (system) u.append("User=").append(user).append('\n');
        for (String var : List.of("FORKD_HOME", "XDG_RUNTIME_DIR", "XDG_STATE_HOME", "JAVA_HOME")) {
            String v = System.getenv(var);
            if (v != null && !v.isEmpty()) u.append("Environment=").append(var).append('=').append(quote(v)).append('\n');
        }
        u.append("PIDFile=").append(home.run().resolve("daemon.pid")).append('\n');
        u.append("ExecStart=").append(forkd).append(" resurrect\n");
        u.append("ExecReload=").append(forkd).append(" reload all\n");
        u.append("ExecStop=").append(forkd).append(" kill\n");
        u.append("Restart=on-failure\n");
        u.append("TimeoutStopSec=90\n");
        u.append("LimitNOFILE=infinity\n\n");
        u.append("[Install]\n");
        u.append("WantedBy=").append(system ? "multi-user.target" : "default.target").append('\n');
        return u.toString();
    }

    /** The launcher when run through it, else this JVM's java with forkd's class path. */
    private static String command() {
        String launcher = System.getProperty("forkd.launcher");
        if (launcher != null && Files.isExecutable(Path.of(launcher))) return quote(launcher);
        List<String> argv = new ArrayList<>();
        for (String a : Launch.javaCommand()) argv.add(quote(a));
        return String.join(" ", argv);
    }

    /** systemd's quoting: an argument with spaces or quotes in double quotes, with \" and \\ escaped. */
    static String quote(String s) {
        if (!s.isEmpty() && s.chars().noneMatch(c -> c == ' ' || c == '"' || c == '\'' || c == '\\' || c == '$' || c == '%')) return s;
        return '"' + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("$", "$$").replace("%", "%%") + '"';
    }

    static int run(Home home, boolean install, PrintStream out, PrintStream err) throws IOException {
        boolean system = "root".equals(System.getProperty("user.name"));
        String unit = unit(home, system);
        if (!install) {
            out.print(unit);
            return 0;
        }
        Path file = system ? Path.of("/etc/systemd/system/forkd-" + System.getProperty("user.name") + ".service")
                : Path.of(System.getProperty("user.home"), ".config/systemd/user/forkd.service");
        Files.createDirectories(file.getParent());
        Files.writeString(file, unit);
        out.println("wrote " + file);
        String name = file.getFileName().toString();
        if (system) {
            out.println("enable it with: systemctl daemon-reload && systemctl enable " + name);
        } else {
            out.println("enable it with: systemctl --user daemon-reload && systemctl --user enable " + name);
            out.println("to start it at boot without a login: loginctl enable-linger " + System.getProperty("user.name"));
        }
        out.println("then 'forkd save' whenever the running apps are the ones to bring back");
        return 0;
    }
}
