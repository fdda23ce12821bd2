package dev.forkd.snippets;

import dev.forkd.ChildProcess;
import dev.forkd.ChildProcesses;
import dev.forkd.ExitStatus;
import dev.forkd.ipc.Channel;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import tools.jackson.databind.JsonNode;

/** The examples of {@link Channel}'s Javadoc: a parent that forks {@link Worker}, and the worker. */
final class ChannelSnippets {
    private ChannelSnippets() {}

    record Exchange(JsonNode reply, ExitStatus childStatus) {}

    static Exchange parent() throws Exception {
        // @start region=parent
        ChildProcess child = ChildProcesses.fork(Worker.class.getName());     // a JVM on this class path
        Channel channel = child.channel().orElseThrow();
        CompletableFuture<JsonNode> reply = new CompletableFuture<>();
        channel.onMessage(m -> reply.complete(m.body()));
        channel.send(Map.of("hello", "child"));
        System.out.println("child says " + reply.join());                      // {"echo":{"hello":"child"}}
        channel.disconnect();                                                  // the child's cue to exit
        ExitStatus status = child.waitFor();
        // @end
        return new Exchange(reply.join(), status);
    }

    /** The forked child. */
    static final class Worker {
        private Worker() {}

        public static void main(String[] args) {
            // @start region=child
            Channel parent = Channel.parent().orElseThrow();                   // empty unless forked with a channel
            parent.onMessage(m -> parent.send(Map.of("echo", m.body())));
            parent.onDisconnect().join();                                      // the parent has let go
            // @end
        }
    }
}
