package dev.forkd;

import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A POSIX signal: its name as Node spells it ({@code "SIGTERM"}) and its number on this platform (Linux).
 *
 * <p>{@link #of(String)} accepts {@code "SIGTERM"}, {@code "TERM"} or {@code "term"}; {@link #of(int)} knows
 * 1-31 by name and names real-time signals {@code "SIGRTMIN+n"}. Signal 0 ({@link #NONE}) sends nothing and
 * only checks that the process exists, as in Node's {@code kill(0)}.
 *
 * @param name   the name, e.g. {@code "SIGTERM"}
 * @param number the signal number, 0-64
 */
public record Signal(String name, int number) {
    public static final Signal NONE = new Signal("0", 0);
    public static final Signal SIGHUP = new Signal("SIGHUP", 1);
    public static final Signal SIGINT = new Signal("SIGINT", 2);
    public static final Signal SIGQUIT = new Signal("SIGQUIT", 3);
    public static final Signal SIGILL = new Signal("SIGILL", 4);
    public static final Signal SIGTRAP = new Signal("SIGTRAP", 5);
    public static final Signal SIGABRT = new Signal("SIGABRT", 6);
    public static final Signal SIGBUS = new Signal("SIGBUS", 7);
    public static final Signal SIGFPE = new Signal("SIGFPE", 8);
    public static final Signal SIGKILL = new Signal("SIGKILL", 9);
    public static final Signal SIGUSR1 = new Signal("SIGUSR1", 10);
    public static final Signal SIGSEGV = new Signal("SIGSEGV", 11);
    public static final Signal SIGUSR2 = new Signal("SIGUSR2", 12);
    public static final Signal SIGPIPE = new Signal("SIGPIPE", 13);
    public static final Signal SIGALRM = new Signal("SIGALRM", 14);
    public static final Signal SIGTERM = new Signal("SIGTERM", 15);
    public static final Signal SIGSTKFLT = new Signal("SIGSTKFLT", 16);
    public static final Signal SIGCHLD = new Signal("SIGCHLD", 17);
    public static final Signal SIGCONT = new Signal("SIGCONT", 18);
    public static final Signal SIGSTOP = new Signal("SIGSTOP", 19);
    public static final Signal SIGTSTP = new Signal("SIGTSTP", 20);
    public static final Signal SIGTTIN = new Signal("SIGTTIN", 21);
    public static final Signal SIGTTOU = new Signal("SIGTTOU", 22);
    public static final Signal SIGURG = new Signal("SIGURG", 23);
    public static final Signal SIGXCPU = new Signal("SIGXCPU", 24);
    public static final Signal SIGXFSZ = new Signal("SIGXFSZ", 25);
    public static final Signal SIGVTALRM = new Signal("SIGVTALRM", 26);
    public static final Signal SIGPROF = new Signal("SIGPROF", 27);
    public static final Signal SIGWINCH = new Signal("SIGWINCH", 28);
    public static final Signal SIGIO = new Signal("SIGIO", 29);
    public static final Signal SIGPWR = new Signal("SIGPWR", 30);
    public static final Signal SIGSYS = new Signal("SIGSYS", 31);

    private static final int SIGRTMIN = 34; // glibc keeps 32 and 33 for itself
    private static final int SIGRTMAX = 64;

    private static final Signal[] BY_NUMBER = {NONE, SIGHUP, SIGINT, SIGQUIT, SIGILL, SIGTRAP, SIGABRT, SIGBUS,
            SIGFPE, SIGKILL, SIGUSR1, SIGSEGV, SIGUSR2, SIGPIPE, SIGALRM, SIGTERM, SIGSTKFLT, SIGCHLD, SIGCONT,
            SIGSTOP, SIGTSTP, SIGTTIN, SIGTTOU, SIGURG, SIGXCPU, SIGXFSZ, SIGVTALRM, SIGPROF, SIGWINCH, SIGIO,
            SIGPWR, SIGSYS};

    private static final Map<String, Signal> BY_NAME = new TreeMap<>();

    static {
        for (Signal s : BY_NUMBER) BY_NAME.put(s.name, s);
        BY_NAME.put("SIGIOT", SIGABRT);
        BY_NAME.put("SIGPOLL", SIGIO);
    }

    public Signal {
        Objects.requireNonNull(name, "name");
        if (number < 0 || number > SIGRTMAX) throw new IllegalArgumentException("no signal number " + number);
    }

    /** The signal with this number; 1-31 by name, 34-64 as {@code SIGRTMIN+n}. */
    public static Signal of(int number) {
        if (number >= 0 && number < BY_NUMBER.length) return BY_NUMBER[number];
        if (number >= SIGRTMIN && number <= SIGRTMAX) return new Signal("SIGRTMIN+" + (number - SIGRTMIN), number);
        throw new IllegalArgumentException("unknown signal number " + number);
    }

    /** The signal with this name, with or without the {@code SIG} prefix, in any case. */
    public static Signal of(String name) {
        Objects.requireNonNull(name, "name");
        String n = name.toUpperCase(Locale.ROOT);
        if (!n.startsWith("SIG")) n = "SIG" + n;
        Signal s = BY_NAME.get(n);
        if (s != null) return s;
        if (n.startsWith("SIGRTMIN+")) {
            try {
                return of(SIGRTMIN + Integer.parseInt(n.substring(9)));
            } catch (NumberFormatException ignored) {
                // fall through to the error below
            }
        }
        throw new IllegalArgumentException("unknown signal " + name);
    }

    /** {@code "SIGTERM (15)"}. */
    @Override
    public String toString() {
        return name + " (" + number + ")";
    }
}
