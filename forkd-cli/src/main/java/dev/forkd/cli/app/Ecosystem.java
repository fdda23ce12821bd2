package dev.forkd.cli.app;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/** Placeholder until the ecosystem parser lands. */
public final class Ecosystem {
    private Ecosystem() {}

    public static List<AppSpec> load(Path file, Map<String, String> baseEnv) throws EcosystemException {
        throw new EcosystemException(file + ": ecosystem files are not supported yet");
    }
}
