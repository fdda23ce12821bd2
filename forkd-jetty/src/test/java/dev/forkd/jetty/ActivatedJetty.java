package dev.forkd.jetty;

import dev.forkd.SocketActivation;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.util.Callback;

/** A socket-activated Jetty for the tests: serves its first inherited listener, answering with its name and pid. */
public final class ActivatedJetty {
    public static void main(String[] args) throws Exception {
        SocketActivation.Listener listener = SocketActivation.listeners().getFirst();
        Server server = new Server();
        server.addConnector(new InheritedConnector(server, (java.nio.channels.ServerSocketChannel) listener.channel()));
        long pid = ProcessHandle.current().pid();
        server.setHandler(new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "hello " + listener.name() + " from " + pid + "\n", callback);
                return true;
            }
        });
        server.start();
        server.join();
    }
}
