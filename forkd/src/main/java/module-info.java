/**
 * forkd: Node.js's multi-process model for the JVM. See {@link dev.forkd.ChildProcesses}.
 */
module dev.forkd {
    requires transitive tools.jackson.databind;

    exports dev.forkd;
    exports dev.forkd.ipc;
    exports dev.forkd.cluster;
}
