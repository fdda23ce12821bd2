package dev.forkd.internal.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

/**
 * Node's cluster protocol: {@code {"cmd":"NODE_CLUSTER","act":...,"seq":n}} messages over the IPC channel,
 * replies carrying {@code ack}. forkd speaks the same acts (online, queryServer, listening, newconn,
 * disconnect, close, exitedAfterDisconnect) and adds {@code load} (a worker's busy state) and a
 * {@code reuseport} flag in queryServer replies; Node ignores both.
 */
final class Protocol {
    static final String CMD = "NODE_CLUSTER";
    /** The variable that makes a forked JVM a worker, as in Node. */
    static final String WORKER_ID_VARIABLE = "NODE_UNIQUE_ID";

    private Protocol() {}

    static ObjectNode message(String act) {
        ObjectNode m = JsonNodeFactory.instance.objectNode().put("cmd", CMD);
        if (act != null) m.put("act", act);
        return m;
    }

    static boolean isCluster(JsonNode m) {
        return m.isObject() && CMD.equals(m.path("cmd").asString(""));
    }

    static String act(JsonNode m) {
        return m.path("act").asString("");
    }

    /** Node's key for a listening address: {@code address:port:addressType}. */
    static String key(String address, int port, int addressType) {
        return (address == null ? "null" : address) + ":" + port + ":" + addressType;
    }

    static ObjectNode sockname(InetSocketAddress a) {
        return JsonNodeFactory.instance.objectNode()
                .put("address", a.getAddress().getHostAddress())
                .put("family", a.getAddress() instanceof java.net.Inet6Address ? "IPv6" : "IPv4")
                .put("port", a.getPort());
    }

    static InetSocketAddress address(JsonNode m) {
        String host = m.hasNonNull("address") ? m.get("address").asString() : null;
        int port = m.path("port").asInt(0);
        try {
            return host == null ? new InetSocketAddress(port) : new InetSocketAddress(InetAddress.getByName(host), port);
        } catch (java.net.UnknownHostException e) {
            return InetSocketAddress.createUnresolved(host, port);
        }
    }
}
