package dev.forkd.ipc;

/**
 * The IPC channel between a parent and a child, wire-compatible with Node's. Arrives with the fork/IPC work;
 * for now {@link dev.forkd.Stdio#ipc()} is rejected with a clear "not yet supported" error.
 */
public interface Channel {
    /** True while messages can be sent. */
    boolean isConnected();
}
