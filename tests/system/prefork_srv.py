#!/usr/bin/env python3
"""A prefork server for test_prefork.sh: the parent listens on PORT, forks
NKIDS children and never accepts; each child (after DELAY seconds, default
0) accepts in a blocking loop and answers every connection with "PID:" +
what it read (up to 64 bytes). Prints "forked" once the children exist,
"child PID ready" per child once it waits for connections, then
"listening"; SIGTERM stops the children, then the parent."""
import os, select, signal, socket, sys, time

port, nkids = int(sys.argv[1]), int(sys.argv[2])
delay = float(sys.argv[3]) if len(sys.argv) > 3 else 0.0
ls = socket.socket()
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind(("0.0.0.0", port))
ls.listen(64)
kids = []
for _ in range(nkids):
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(r)
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        time.sleep(delay)
        select.select([ls], [], [], 0)   # waiting for connections from here on
        os.write(w, b"x")
        while True:
            c, _ = ls.accept()
            c.sendall(b"%d:" % os.getpid() + c.recv(64))
            c.close()
    os.close(w)
    kids.append((pid, r))
print("forked", flush=True)
for pid, r in kids:
    os.read(r, 1)
    os.close(r)
    print("child %d ready" % pid, flush=True)
kids = [pid for pid, _ in kids]
print("listening", flush=True)


def stop(*_):
    for k in kids:
        try:
            os.kill(k, signal.SIGTERM)
        except ProcessLookupError:
            pass
    for k in kids:
        try:
            os.waitpid(k, 0)
        except ChildProcessError:
            pass
    sys.exit(0)


signal.signal(signal.SIGTERM, stop)
while True:
    signal.pause()
