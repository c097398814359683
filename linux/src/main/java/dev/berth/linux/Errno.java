package dev.berth.linux;

/** errno values of Linux with their symbolic names and strerror(3) texts, for error messages. */
public final class Errno {
    public static final int EPERM = 1;
    public static final int ENOENT = 2;
    public static final int ESRCH = 3;
    public static final int EACCES = 13;
    public static final int EEXIST = 17;
    public static final int ENOTDIR = 20;
    public static final int ENODEV = 19;
    public static final int EINVAL = 22;
    public static final int EADDRNOTAVAIL = 99;
    public static final int EPIPE = 32;
    public static final int EPROTO = 71;
    public static final int EMSGSIZE = 90;
    public static final int ENETUNREACH = 101;

    private static final String[][] TABLE = {
        {}, {"EPERM", "operation not permitted"}, {"ENOENT", "no such file or directory"},
        {"ESRCH", "no such process"}, {"EINTR", "interrupted system call"},
        {"EIO", "input/output error"}, {"ENXIO", "no such device or address"},
        {"E2BIG", "argument list too long"}, {"ENOEXEC", "exec format error"},
        {"EBADF", "bad file descriptor"}, {"ECHILD", "no child processes"},
        {"EAGAIN", "resource temporarily unavailable"}, {"ENOMEM", "cannot allocate memory"},
        {"EACCES", "permission denied"}, {"EFAULT", "bad address"},
        {"ENOTBLK", "block device required"}, {"EBUSY", "device or resource busy"},
        {"EEXIST", "file exists"}, {"EXDEV", "invalid cross-device link"},
        {"ENODEV", "no such device"}, {"ENOTDIR", "not a directory"},
        {"EISDIR", "is a directory"}, {"EINVAL", "invalid argument"},
        {"ENFILE", "too many open files in system"}, {"EMFILE", "too many open files"},
        {"ENOTTY", "inappropriate ioctl for device"}, {"ETXTBSY", "text file busy"},
        {"EFBIG", "file too large"}, {"ENOSPC", "no space left on device"},
        {"ESPIPE", "illegal seek"}, {"EROFS", "read-only file system"},
        {"EMLINK", "too many links"}, {"EPIPE", "broken pipe"},
    };

    private Errno() {}

    /** {@code ENOENT} for 2, or {@code errno 300} for a number outside the table. */
    public static String name(int errno) {
        return switch (errno) {
            case 36 -> "ENAMETOOLONG";
            case 40 -> "ELOOP";
            case 71 -> "EPROTO";
            case 90 -> "EMSGSIZE";
            case 93 -> "EPROTONOSUPPORT";
            case 95 -> "EOPNOTSUPP";
            case 97 -> "EAFNOSUPPORT";
            case 98 -> "EADDRINUSE";
            case 99 -> "EADDRNOTAVAIL";
            case 101 -> "ENETUNREACH";
            case 105 -> "ENOBUFS";
            case 125 -> "ECANCELED";
            default -> errno > 0 && errno < TABLE.length ? TABLE[errno][0] : "errno " + errno;
        };
    }

    /** The strerror(3) text, lower-case. */
    public static String describe(int errno) {
        return switch (errno) {
            case 36 -> "file name too long";
            case 40 -> "too many levels of symbolic links";
            case 71 -> "protocol error";
            case 90 -> "message too long";
            case 93 -> "protocol not supported";
            case 95 -> "operation not supported";
            case 97 -> "address family not supported by protocol";
            case 98 -> "address already in use";
            case 99 -> "cannot assign requested address";
            case 101 -> "network is unreachable";
            case 105 -> "no buffer space available";
            case 125 -> "operation canceled";
            default -> errno > 0 && errno < TABLE.length ? TABLE[errno][1] : "errno " + errno;
        };
    }
}
