# Escape attempts from inside a container (EscapeTest). One line per attempt: "NAME ok" when
# the kernel allowed it, "NAME refused ERRNO" when it did not. Python's ctypes makes the raw
# system calls, so the seccomp filter, the capabilities and the mounts are what answer.
import ctypes, errno, os

libc = ctypes.CDLL(None, use_errno=True)
libc.syscall.restype = ctypes.c_long
NR = dict(unshare=272, mount=165, keyctl=250, add_key=248, open_by_handle_at=304, finit_module=313,
          init_module=175, kexec_load=246, bpf=321, perf_event_open=298, reboot=169, swapon=167,
          settimeofday=164, iopl=172, syslog=103, acct=163, umount2=166, pivot_root=155, setns=308,
          ptrace=101)


def say(name, refused, err=0):
    print(f"{name} refused {errno.errorcode.get(err, err)}" if refused else f"{name} ok", flush=True)


def call(name, *args):
    ctypes.set_errno(0)
    args = [ctypes.c_long(a) if isinstance(a, int) else a for a in args]
    rc = libc.syscall(NR[name.split("-")[0]], *args)
    say(name, rc < 0, ctypes.get_errno())


def attempt(name, f):
    try:
        f()
        say(name, False)
    except OSError as e:
        say(name, True, e.errno)


devnull = os.open("/dev/null", os.O_RDONLY)
call("unshare-user", 0x10000000)
call("unshare-mount", 0x00020000)
call("mount-tmpfs", b"x", b"/tmp", b"tmpfs", 0, None)
call("keyctl-join", 1, None)
call("add_key-user", b"user", b"berth", b"x", 1, -3)
handle = ctypes.create_string_buffer(b"\x08\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x00\x00\x00\x00")
call("open_by_handle_at-root", -100, handle, 0)
call("finit_module-null", devnull, b"", 0)
call("init_module-empty", None, 0, b"")
call("kexec_load-none", 0, 0, None, 0)
call("bpf-prog_load", 5, None, 0)
call("perf_event_open-any", None, 0, -1, -1, 0)
call("reboot-halt", 0xfee1dead, 672274793, 0x4321FEDC, None)
call("swapon-null", b"/dev/null", 0)
call("settimeofday-clock", None, None)
call("iopl-ports", 3)
call("syslog-read", 3, ctypes.create_string_buffer(64), 64)
call("acct-on", b"/tmp/acct")
call("umount2-root", b"/", 2)
call("pivot_root-again", b"/", b"/")
call("setns-net", devnull, 0x40000000)
call("ptrace-attach", 16, 1, None, None)


def first_cgroup_file():
    for d, _, files in os.walk("/sys/fs/cgroup"):
        for f in files:
            if f in ("cgroup.procs", "tasks", "release_agent"):
                return os.path.join(d, f)
    raise OSError(errno.ENOENT, "no cgroup files")


def block_device():
    os.mknod("/tmp/sda", 0o600 | 0o060000, os.makedev(8, 0))
    try:
        os.close(os.open("/tmp/sda", os.O_RDONLY))
    finally:
        os.unlink("/tmp/sda")


def nonempty_dir(path):
    if not os.listdir(path):
        raise OSError(errno.ENOENT, "empty")


def read_one(path):
    with open(path, "rb") as f:
        if not f.read(1):
            raise OSError(errno.ENODATA, "empty")


attempt("write-sysrq-trigger", lambda: open("/proc/sysrq-trigger", "w").write("h"))
attempt("read-kcore", lambda: read_one("/proc/kcore"))
attempt("read-sys-firmware", lambda: nonempty_dir("/sys/firmware"))
attempt("write-proc-sys", lambda: open("/proc/sys/kernel/hostname", "w").write("escaped"))
attempt("write-sys-kernel", lambda: open("/sys/kernel/uevent_helper", "w").write("/x"))
attempt("write-cgroup", lambda: open(first_cgroup_file(), "w").write(str(os.getpid())))
attempt("open-block-device", block_device)
attempt("open-dev-mem", lambda: os.close(os.open("/dev/mem", os.O_RDONLY)))
