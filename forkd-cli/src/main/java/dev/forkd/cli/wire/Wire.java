package dev.forkd.cli.wire;

import tools.jackson.databind.json.JsonMapper;

/** The JSON mapper the daemon and the supervisors share (the client writes its requests with {@link Json}). */
public final class Wire {
    public static final JsonMapper MAPPER = JsonMapper.builder().build();
    /** forkd's version, as {@code forkd version} and the daemon and supervisors report it. */
    public static final String VERSION = "0.1.0";
    /**
     * The version of the requests a client sends the daemon and the daemon sends supervisors. A daemon answers
     * a request of another protocol with an error that says to run {@code forkd update}, except {@code ping}
     * and {@code handover}, whose form never changes.
     */
    public static final int PROTOCOL = 1;

    private Wire() {}
}
