package dev.forkd.jetty;

import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/** A Jetty worker for the tests: answers every request with this JVM's pid. */
public final class JettyWorker {
    public static void main(String[] args) throws Exception {
        long pid = ProcessHandle.current().pid();
        ForkdJetty.start(Integer.parseInt(args[0]), new Handler.Abstract() {
            @Override
            public boolean handle(Request request, Response response, Callback callback) {
                Content.Sink.write(response, true, "pid " + pid + "\n", callback);
                return true;
            }
        }).join();
    }
}
