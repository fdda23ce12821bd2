package dev.forkd.ipc;

/**
 * Options for sending a handle.
 *
 * @param keepOpen keep this process's copy of a sent socket open (Node's {@code keepOpen}); servers are always
 *                 kept open
 */
public record SendOptions(boolean keepOpen) {
    private static final SendOptions DEFAULTS = new SendOptions(false);

    public static SendOptions defaults() {
        return DEFAULTS;
    }

    public SendOptions keepOpen(boolean keepOpen) {
        return new SendOptions(keepOpen);
    }
}
