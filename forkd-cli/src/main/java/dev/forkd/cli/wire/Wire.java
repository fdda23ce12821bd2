package dev.forkd.cli.wire;

import tools.jackson.databind.json.JsonMapper;

/** The JSON mapper the daemon and the supervisors share (the client writes its requests with {@link Json}). */
public final class Wire {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();

    private Wire() {}
}
