# A user at a terminal: runs argv[2:] on a new pty of ROWSxCOLS (argv[1]), then `stty -a`, and
# writes what the terminal showed and the exit status as JSON to stdout. When the output shows
# "ready" it types "one"; when it shows the first size it resizes the terminal to 40x120 (the
# kernel sends SIGWINCH) and types "two". Gives up after 20 seconds without output.
import fcntl, json, os, pty, select, struct, sys, termios

rows, cols = (int(v) for v in sys.argv[1].split("x"))
pid, master = pty.fork()
if pid == 0:
    # what the caller's terminal is like once berth-runtime is done: raw mode must be undone
    os.execv("/bin/sh", ["sh", "-c", '"$@"; echo "status=$?"; stty -a', "sh"] + sys.argv[2:])
fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
shown, steps, report = b"", [b"ready", b"%d %d" % (rows, cols)], {}
while True:
    ready, _, _ = select.select([master], [], [], 20)
    if not ready:
        report["timeout"] = True
        break
    try:
        chunk = os.read(master, 4096)
    except OSError:  # EIO: the child and everything it started closed the terminal
        break
    if not chunk:
        break
    shown += chunk
    if steps and steps[0] in shown:
        if steps[0] == b"ready":
            os.write(master, b"one\r")
        else:
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
            os.write(master, b"two\r")
        steps.pop(0)
_, status = os.waitpid(pid, 0)
report["output"] = shown.decode("utf-8", "replace")
report["status"] = os.waitstatus_to_exitcode(status)
json.dump(report, sys.stdout)
