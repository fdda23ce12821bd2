package dev.forkd.cli.daemon;

import dev.forkd.cli.app.AppSpec;
import dev.forkd.cli.wire.Wire;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import tools.jackson.core.type.TypeReference;

/**
 * The apps the daemon knows, in the order they were started, each with whether it should run: written to
 * the state directory on every change (to a temporary file, then renamed), read back when a daemon starts.
 */
final class Registry {
    /** One app: its spec, whether it should be running, and its id (stable for the app's lifetime). */
    record Entry(int id, AppSpec spec, boolean started) {}

    private final Path file;
    private final Map<String, Entry> apps = new LinkedHashMap<>();
    private int nextId;

    Registry(Path file) throws IOException {
        this.file = file;
        if (Files.exists(file)) {
            for (Entry e : Wire.MAPPER.readValue(file.toFile(), new TypeReference<List<Entry>>() {})) {
                apps.put(e.spec().name(), e);
                nextId = Math.max(nextId, e.id() + 1);
            }
        }
    }

    synchronized List<Entry> all() {
        return new ArrayList<>(apps.values());
    }

    synchronized Entry get(String name) {
        return apps.get(name);
    }

    synchronized Entry put(AppSpec spec, boolean started) throws IOException {
        Entry old = apps.get(spec.name());
        Entry e = new Entry(old != null ? old.id() : nextId++, spec, started);
        apps.put(spec.name(), e);
        save();
        return e;
    }

    synchronized void remove(String name) throws IOException {
        apps.remove(name);
        save();
    }

    private void save() throws IOException {
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        Files.write(tmp, Wire.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsBytes(new ArrayList<>(apps.values())));
        Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }
}
