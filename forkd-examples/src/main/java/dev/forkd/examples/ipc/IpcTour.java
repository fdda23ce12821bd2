package dev.forkd.examples.ipc;

import dev.forkd.examples.Example;
import dev.forkd.examples.Example.TourInput;
import java.util.List;

/**
 * The {@code fork} section of "Node.js Child Processes: Everything you need to know" and the two handle-passing
 * examples of Node's {@code child_process} documentation, in that order, with a heading for each. Every example
 * forks a JVM, is its own client and ends by itself.
 */
public final class IpcTour {
    /** The examples in the tour's order. */
    public static final List<Example> EXAMPLES = List.of(
            new Example("fork-messages", "fork('child.js'): forked.send() and process.send({ counter })",
                    ForkMessages::main, TourInput.NONE),
            new Example("fork-compute", "an HTTP server that forks compute.js for /compute and stays responsive",
                    ForkCompute::main, TourInput.NONE),
            new Example("share-server", "subprocess.send('server', server): parent and child accept on one port",
                    ShareServer::main, TourInput.NONE),
            new Example("share-socket", "special.send('socket', socket): the child answers on accepted sockets",
                    ShareSocket::main, TourInput.NONE));

    private IpcTour() {}

    public static void main(String[] args) throws Exception {
        System.out.println("forkd: the fork and IPC examples of \"Node.js Child Processes: Everything you need to"
                + " know\" and of Node's child_process documentation, in Java.");
        Example.tour(EXAMPLES, example -> example.main().main(new String[0]));
    }
}
