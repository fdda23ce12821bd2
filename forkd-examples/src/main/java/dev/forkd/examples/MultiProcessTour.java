package dev.forkd.examples;

import dev.forkd.examples.Example.TourInput;
import dev.forkd.examples.ipc.ShareHttpServer;
import dev.forkd.examples.ipc.ShareSocketObject;
import java.util.List;

/**
 * The examples of the Node multi-process article the project follows, "Mastering Node.js Multi-Process: From
 * spawn to cluster for High Concurrency" (Tencent IMWeb Frontend Team), in its order, with a heading for each.
 * Every example here ends by itself; the article's last one, the cluster module with respawn on {@code 'exit'},
 * serves until Ctrl-C and runs on its own: {@code cluster-respawn}.
 */
public final class MultiProcessTour {
    /** The examples in the article's order. */
    public static final List<Example> EXAMPLES = List.of(
            new Example("sum-server", "3. an HTTP server whose /sum loop blocks every other request",
                    SumServer::main, TourInput.NONE),
            new Example("spawn-sub-process", "4.1 spawn('node', ['sub_process.js'], { cwd, stdio: [0, 1, 2] }):"
                    + " error, close, exit", SpawnSubProcess::main, TourInput.NONE),
            new Example("fork-sub-process", "4.2 fork('sub_process.js', { cwd }) and 'message', then { silent: true }",
                    ForkSubProcess::main, TourInput.NONE),
            new Example("exec-file-sub-process", "4.3 execFile('node', ['./test/sub_process'], callback)",
                    ExecFileSubProcess::main, TourInput.NONE),
            new Example("exec-sub-process", "4.4 exec(\"node './test/sub_process'\", callback)",
                    ExecSubProcess::main, TourInput.NONE),
            new Example("share-http-server", "5. child.send('server', server): parent and 8.child.js serve HTTP on"
                    + " one port", ShareHttpServer::main, TourInput.NONE),
            new Example("share-socket-object", "5. child.send('socket', socket) to 11.socket.js: handled by parent or"
                    + " child", ShareSocketObject::main, TourInput.NONE));

    /** The article's last example: it serves until Ctrl-C, so the tour only names it. */
    static final String CLUSTER_COMMAND = "cluster-respawn";

    private MultiProcessTour() {}

    public static void main(String[] args) throws Exception {
        System.out.println("forkd: the examples of \"Mastering Node.js Multi-Process: From spawn to cluster for High"
                + " Concurrency\", in Java.");
        Example.tour(EXAMPLES, example -> example.main().main(new String[0]));
        System.out.println();
        System.out.println("The article's cluster module example serves until Ctrl-C: java -jar forkd-examples.jar "
                + CLUSTER_COMMAND);
    }
}
