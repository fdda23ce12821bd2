package dev.forkd.cli;

import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Stream;

/**
 * {@code forkd logs}: reads the apps' log files directly (no daemon needed): the last lines of each, then,
 * with {@code --follow}, what is appended, across rotations (a file that was renamed away and replaced, or
 * that shrank, is read again from its start).
 */
final class Logs {
    private final Home home;
    private final PrintStream out;

    Logs(Home home, PrintStream out) {
        this.home = home;
        this.out = out;
    }

    /** A log file being followed: its prefix, where we are, and which file (inode) that position belongs to. */
    private static final class Followed {
        final Path path;
        final String prefix;
        long position;
        Object key;

        Followed(Path path, String prefix) {
            this.path = path;
            this.prefix = prefix;
        }
    }

    int run(String app, int lines, boolean follow, PrintStream err) throws IOException, InterruptedException {
        List<Path> dirs = new ArrayList<>();
        Path root = home.state().resolve("logs");
        if (app != null) {
            if (!Files.isDirectory(home.logs(app))) {
                err.println("forkd: no logs for an app named '" + app + "' (forkd ls lists the apps)");
                return 1;
            }
            dirs.add(home.logs(app));
        } else if (Files.isDirectory(root)) {
            try (Stream<Path> s = Files.list(root)) {
                s.filter(Files::isDirectory).sorted().forEach(dirs::add);
            }
        }
        List<Followed> files = new ArrayList<>();
        for (Path d : dirs) {
            try (Stream<Path> s = Files.list(d)) {
                s.filter(p -> p.getFileName().toString().matches(".+-\\d+-(out|err)\\.log")).sorted().forEach(p -> {
                    String n = p.getFileName().toString();
                    files.add(new Followed(p, n.substring(0, n.length() - ".log".length()) + " | "));
                });
            }
        }
        for (Followed f : files) {
            for (String l : tail(f.path, lines)) out.println(f.prefix + l);
            f.position = Files.exists(f.path) ? Files.size(f.path) : 0;
            f.key = key(f.path);
        }
        out.flush();
        if (!follow) return 0;
        while (!out.checkError()) {
            for (Followed f : files) {
                try {
                    poll(f);
                } catch (NoSuchFileException | FileNotFoundException e) {
                    // Caught mid-rotation (renamed away, not yet replaced): the next poll finds the new file.
                }
            }
            out.flush();
            Thread.sleep(200);
        }
        return 0;
    }

    private void poll(Followed f) throws IOException {
        if (!Files.exists(f.path)) return;
        Object key = key(f.path);
        if (!Objects.equals(key, f.key)) {
            // Rotated: the file we were reading is now name.1 (unless it rotated on past that); finish it first.
            Path old = f.path.resolveSibling(f.path.getFileName() + ".1");
            if (f.key != null && Objects.equals(key(old), f.key)) {
                while (readFrom(old, f) > 0) { }
            }
            f.key = key;
            f.position = 0;
        } else if (Files.size(f.path) < f.position) { // truncated in place
            f.position = 0;
        }
        while (readFrom(f.path, f) > 0) { }
    }

    /** Prints the whole lines of {@code file} after {@code f.position} (at most 1 MiB); returns the bytes used. */
    private int readFrom(Path file, Followed f) throws IOException {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long size = raf.length();
            if (size <= f.position) return 0;
            raf.seek(f.position);
            byte[] b = new byte[(int) Math.min(size - f.position, 1 << 20)];
            raf.readFully(b);
            int end = b.length;
            while (end > 0 && b[end - 1] != '\n') end--; // whole lines only; the rest comes next time
            if (end == 0) return 0;
            for (String l : new String(b, 0, end - 1, StandardCharsets.UTF_8).split("\n", -1)) out.println(f.prefix + l);
            f.position += end;
            return end;
        }
    }

    private static Object key(Path p) {
        try {
            return Files.readAttributes(p, BasicFileAttributes.class).fileKey();
        } catch (IOException e) {
            return null;
        }
    }

    /** The last {@code n} lines of a file (reads at most its last 1 MiB). */
    static List<String> tail(Path p, int n) throws IOException {
        if (n <= 0 || !Files.exists(p)) return List.of();
        try (RandomAccessFile raf = new RandomAccessFile(p.toFile(), "r")) {
            long len = raf.length();
            long start = Math.max(0, len - (1 << 20));
            raf.seek(start);
            byte[] b = new byte[(int) (len - start)];
            raf.readFully(b);
            String s = new String(b, StandardCharsets.UTF_8);
            if (s.endsWith("\n")) s = s.substring(0, s.length() - 1);
            if (s.isEmpty()) return List.of();
            String[] all = s.split("\n", -1);
            return List.of(all).subList(Math.max(0, all.length - n), all.length);
        }
    }
}
