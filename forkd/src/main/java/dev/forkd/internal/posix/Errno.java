package dev.forkd.internal.posix;

import java.util.Map;

/**
 * Linux errno numbers, their symbolic names and their messages.
 *
 * <p>The one place that turns an errno into words; {@link PosixException} uses it for every failure message.
 */
public final class Errno {
    public static final int EPERM = 1, ENOENT = 2, ESRCH = 3, EINTR = 4, EIO = 5, ENXIO = 6, E2BIG = 7,
            ENOEXEC = 8, EBADF = 9, ECHILD = 10, EAGAIN = 11, ENOMEM = 12, EACCES = 13, EFAULT = 14,
            EBUSY = 16, EEXIST = 17, EXDEV = 18, ENODEV = 19, ENOTDIR = 20, EISDIR = 21, EINVAL = 22, ENFILE = 23,
            EMFILE = 24, ENOTTY = 25, ETXTBSY = 26, EFBIG = 27, ENOSPC = 28, ESPIPE = 29, EROFS = 30,
            EMLINK = 31, EPIPE = 32, ERANGE = 34, ENAMETOOLONG = 36, ENOSYS = 38, ELOOP = 40, ENOTSOCK = 88,
            EMSGSIZE = 90, EPROTOTYPE = 91, EOPNOTSUPP = 95, EAFNOSUPPORT = 97, EADDRINUSE = 98,
            EADDRNOTAVAIL = 99, ENETUNREACH = 101, ECONNABORTED = 103, ECONNRESET = 104, ENOBUFS = 105,
            EISCONN = 106, ENOTCONN = 107, ETIMEDOUT = 110, ECONNREFUSED = 111, EALREADY = 114,
            EINPROGRESS = 115;

    private record Entry(String name, String message) {}

    private static final Map<Integer, Entry> TABLE = Map.ofEntries(
            Map.entry(EPERM, new Entry("EPERM", "Operation not permitted")),
            Map.entry(ENOENT, new Entry("ENOENT", "No such file or directory")),
            Map.entry(ESRCH, new Entry("ESRCH", "No such process")),
            Map.entry(EINTR, new Entry("EINTR", "Interrupted system call")),
            Map.entry(EIO, new Entry("EIO", "Input/output error")),
            Map.entry(ENXIO, new Entry("ENXIO", "No such device or address")),
            Map.entry(E2BIG, new Entry("E2BIG", "Argument list too long")),
            Map.entry(ENOEXEC, new Entry("ENOEXEC", "Exec format error")),
            Map.entry(EBADF, new Entry("EBADF", "Bad file descriptor")),
            Map.entry(ECHILD, new Entry("ECHILD", "No child processes")),
            Map.entry(EAGAIN, new Entry("EAGAIN", "Resource temporarily unavailable")),
            Map.entry(ENOMEM, new Entry("ENOMEM", "Cannot allocate memory")),
            Map.entry(EACCES, new Entry("EACCES", "Permission denied")),
            Map.entry(EFAULT, new Entry("EFAULT", "Bad address")),
            Map.entry(EBUSY, new Entry("EBUSY", "Device or resource busy")),
            Map.entry(EEXIST, new Entry("EEXIST", "File exists")),
            Map.entry(EXDEV, new Entry("EXDEV", "Invalid cross-device link")),
            Map.entry(ENODEV, new Entry("ENODEV", "No such device")),
            Map.entry(ENOTDIR, new Entry("ENOTDIR", "Not a directory")),
            Map.entry(EISDIR, new Entry("EISDIR", "Is a directory")),
            Map.entry(EINVAL, new Entry("EINVAL", "Invalid argument")),
            Map.entry(ENFILE, new Entry("ENFILE", "Too many open files in system")),
            Map.entry(EMFILE, new Entry("EMFILE", "Too many open files")),
            Map.entry(ENOTTY, new Entry("ENOTTY", "Inappropriate ioctl for device")),
            Map.entry(ETXTBSY, new Entry("ETXTBSY", "Text file busy")),
            Map.entry(EFBIG, new Entry("EFBIG", "File too large")),
            Map.entry(ENOSPC, new Entry("ENOSPC", "No space left on device")),
            Map.entry(ESPIPE, new Entry("ESPIPE", "Illegal seek")),
            Map.entry(EROFS, new Entry("EROFS", "Read-only file system")),
            Map.entry(EMLINK, new Entry("EMLINK", "Too many links")),
            Map.entry(EPIPE, new Entry("EPIPE", "Broken pipe")),
            Map.entry(ERANGE, new Entry("ERANGE", "Numerical result out of range")),
            Map.entry(ENAMETOOLONG, new Entry("ENAMETOOLONG", "File name too long")),
            Map.entry(ENOSYS, new Entry("ENOSYS", "Function not implemented")),
            Map.entry(ELOOP, new Entry("ELOOP", "Too many levels of symbolic links")),
            Map.entry(ENOTSOCK, new Entry("ENOTSOCK", "Socket operation on non-socket")),
            Map.entry(EMSGSIZE, new Entry("EMSGSIZE", "Message too long")),
            Map.entry(EPROTOTYPE, new Entry("EPROTOTYPE", "Protocol wrong type for socket")),
            Map.entry(EOPNOTSUPP, new Entry("EOPNOTSUPP", "Operation not supported")),
            Map.entry(EAFNOSUPPORT, new Entry("EAFNOSUPPORT", "Address family not supported by protocol")),
            Map.entry(EADDRINUSE, new Entry("EADDRINUSE", "Address already in use")),
            Map.entry(EADDRNOTAVAIL, new Entry("EADDRNOTAVAIL", "Cannot assign requested address")),
            Map.entry(ENETUNREACH, new Entry("ENETUNREACH", "Network is unreachable")),
            Map.entry(ECONNABORTED, new Entry("ECONNABORTED", "Software caused connection abort")),
            Map.entry(ECONNRESET, new Entry("ECONNRESET", "Connection reset by peer")),
            Map.entry(ENOBUFS, new Entry("ENOBUFS", "No buffer space available")),
            Map.entry(EISCONN, new Entry("EISCONN", "Transport endpoint is already connected")),
            Map.entry(ENOTCONN, new Entry("ENOTCONN", "Transport endpoint is not connected")),
            Map.entry(ETIMEDOUT, new Entry("ETIMEDOUT", "Connection timed out")),
            Map.entry(ECONNREFUSED, new Entry("ECONNREFUSED", "Connection refused")),
            Map.entry(EALREADY, new Entry("EALREADY", "Operation already in progress")),
            Map.entry(EINPROGRESS, new Entry("EINPROGRESS", "Operation now in progress")));

    private Errno() {}

    /** {@code "ENOENT"}, or {@code "errno 131"} for a number this table lacks. */
    public static String name(int errno) {
        Entry e = TABLE.get(errno);
        return e != null ? e.name() : "errno " + errno;
    }

    /** {@code "No such file or directory"}, as strerror(3) says it in the C locale. */
    public static String message(int errno) {
        Entry e = TABLE.get(errno);
        return e != null ? e.message() : "Unknown error " + errno;
    }

    /** {@code "ENOENT (No such file or directory)"}. */
    public static String describe(int errno) {
        return name(errno) + " (" + message(errno) + ")";
    }
}
