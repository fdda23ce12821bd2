package dev.forkd.internal.cluster;

import tools.jackson.databind.JsonNode;

/**
 * A worker's {@code queryServer}, read and checked: what Node's {@code cluster._getServer} sends for
 * {@code server.listen(...)} (and forkd's worker runtime the same). Node sends {@code address} (null: any),
 * {@code port}, {@code addressType} (4 or 6; "udp4"/"udp6" for dgram; -1 with a path for a pipe),
 * {@code fd} for {@code listen({fd})} (which names a socket of the primary), {@code backlog}, {@code index}.
 *
 * @param address     the host asked for, null for every interface
 * @param port        0-65535; -1 with {@code fd}
 * @param addressType 4 or 6
 * @param fd          the primary's fd asked for ({@code listen({fd: n})} in a Node worker), or -1
 * @param backlog     the listen backlog (Node's default 511 when none or 0 was given)
 */
record ServerQuery(String address, int port, int addressType, int fd, int backlog) {
    /** A request the primary cannot serve: the worker gets {@code errno} (a negative libuv errno) and why. */
    static final class Refused extends Exception {
        final int errno;

        Refused(int errno, String message) {
            super(message);
            this.errno = errno;
        }
    }

    static final int EINVAL = -22;
    static final int EBADF = -9;
    static final int EADDRINUSE = -98;
    static final int EAFNOSUPPORT = -97;

    static ServerQuery parse(JsonNode m) throws Refused {
        JsonNode a = m.get("address");
        String address;
        if (a == null || a.isNull()) address = null;
        else if (a.isString()) address = a.stringValue();
        else throw new Refused(EINVAL, "queryServer: address must be a string or null, not " + a);
        JsonNode type = m.get("addressType");
        if (type != null && type.isString() && type.stringValue().startsWith("udp")) {
            throw new Refused(EAFNOSUPPORT, "a forkd primary serves TCP only, not dgram (" + type.stringValue() + ") sockets");
        }
        int fd = -1; // Node sends none (undefined), or -1 for dgram
        JsonNode f = m.get("fd");
        if (f != null && !f.isNull()) {
            if (!f.isIntegralNumber() || f.asLong() < -1 || f.asLong() > Integer.MAX_VALUE) {
                throw new Refused(EBADF, "queryServer: fd must be an integer, not " + f);
            }
            fd = f.asInt();
        }
        int backlog = 511;
        JsonNode b = m.get("backlog");
        if (b != null && b.isIntegralNumber() && b.asLong() > 0 && b.asLong() <= Integer.MAX_VALUE) backlog = b.asInt();
        if (fd >= 0) return new ServerQuery(null, -1, 4, fd, backlog); // the fd decides the rest
        JsonNode p = m.get("port");
        if (p == null || !p.isIntegralNumber() || p.asLong() < -1 || p.asLong() > 65535) {
            throw new Refused(EINVAL, "queryServer: port must be an integer from 0 to 65535, not " + p);
        }
        if (p.asInt() == -1 || (type != null && type.isIntegralNumber() && type.asInt() == -1)) {
            throw new Refused(EAFNOSUPPORT, "a forkd primary serves TCP ports, not Unix-domain sockets ("
                    + (address == null ? "no path" : address) + ")");
        }
        int addressType = 4;
        if (type != null && !type.isNull()) {
            if (!type.isIntegralNumber() || (type.asInt() != 4 && type.asInt() != 6)) {
                throw new Refused(EINVAL, "queryServer: addressType must be 4 or 6, not " + type);
            }
            addressType = type.asInt();
        }
        return new ServerQuery(address, p.asInt(), addressType, -1, backlog);
    }

    String where() {
        return fd >= 0 ? "fd " + fd : (address == null ? "*" : address) + ":" + port;
    }
}
