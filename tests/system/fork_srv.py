#!/usr/bin/env python3
"""Accept-then-fork servers for test_prefork.sh: the parent accepts, a child
serves the connection (host/slowpath/handover.c moves the flow to it).

fork_srv.py MODE PORT
  forking  socketserver.ForkingTCPServer, the child serves at once
  late     the same, the child waits 0.3 s first (the parent has let go)
  ignore   the child exits at once without touching the connection
  helper   the parent serves; a helper child that holds the socket and
           never uses it lives 1 s after the parent closed it
  orphan   one connection: the parent _exits at once (holding it), the
           child serves it 0.5 s later
  inetd    the child puts the connection on its stdin and stdout and execs
           `fork_srv.py stdio`, which serves it there
  inetd6   as inetd with a dual-stack AF_INET6 listener; the exec'd program
           (`stdio6`) serves only if its stdin is an AF_INET6 socket whose
           peer is an IPv4-mapped address
  keep     the child serves the connection and closes it; the parent keeps
           its copy 1 s longer
  spawn    as inetd, through subprocess.Popen(stdin=, stdout=) (vfork)
  pspawn   as inetd, through os.posix_spawn with dup2 file actions

Request: "N M\\n" and M bytes; answer: "PID SHA256-OF-THE-M-BYTES\\n" and N
bytes of the pattern bytes(range(256)) repeated, then close.
"""
import hashlib
import os
import socket
import socketserver
import subprocess
import sys
import time

PATTERN = bytes(range(256)) * 256


def serve(rf, wf):
    n, m = (int(x) for x in rf.readline().split())
    h = hashlib.sha256()
    while m:
        b = rf.read(min(m, 65536))
        if not b:
            raise SystemExit("short request")
        h.update(b)
        m -= len(b)
    wf.write(b"%d %s\n" % (os.getpid(), h.hexdigest().encode()))
    while n:
        k = min(n, len(PATTERN))
        wf.write(PATTERN[:k])
        n -= k
    wf.flush()


class Handler(socketserver.StreamRequestHandler):
    def handle(self):
        if MODE == "ignore":
            os._exit(0)
        if MODE == "late":
            time.sleep(0.3)
        serve(self.rfile, self.wfile)


class Server(socketserver.ForkingTCPServer):
    allow_reuse_address = True


MODE = sys.argv[1]
if MODE == "stdio6":
    s = socket.socket(fileno=0)          # its family from SO_DOMAIN
    fam, peer = s.family, s.getpeername()
    s.detach()
    if fam != socket.AF_INET6 or not peer[0].startswith("::ffff:"):
        sys.stdout.write("family %s peer %s\n" % (fam, peer))
        sys.exit(1)
    MODE = "stdio"
if MODE == "stdio":
    serve(sys.stdin.buffer, sys.stdout.buffer)
    sys.exit(0)
PORT = int(sys.argv[2])
if MODE in ("helper", "orphan", "inetd", "inetd6", "keep", "spawn", "pspawn"):
    ls = socket.socket(socket.AF_INET6 if MODE == "inetd6" else socket.AF_INET)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    if MODE == "inetd6":
        ls.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 0)
        MODE, STDIO = "inetd", "stdio6"
    else:
        STDIO = "stdio"
    ls.bind(("", PORT))
    ls.listen(16)
    print("listening", flush=True)
    while MODE == "inetd":
        c, _ = ls.accept()
        if os.fork() == 0:
            os.dup2(c.fileno(), 0)
            os.dup2(c.fileno(), 1)
            c.close()
            ls.close()
            os.execv(sys.executable, [sys.executable, __file__, STDIO])
        c.close()
        os.waitpid(-1, os.WNOHANG)
    children = []
    while MODE in ("spawn", "pspawn"):
        c, _ = ls.accept()
        argv = [sys.executable, __file__, "stdio"]
        if MODE == "spawn":
            children.append(subprocess.Popen(argv, stdin=c, stdout=c))
        else:
            fa = [(os.POSIX_SPAWN_DUP2, c.fileno(), 0), (os.POSIX_SPAWN_DUP2, c.fileno(), 1)]
            children.append(os.posix_spawn(sys.executable, argv, os.environ, file_actions=fa))
        c.close()
        # reap the finished ones
        if MODE == "spawn":
            children = [p for p in children if p.poll() is None]
        else:
            children = [pid for pid in children if os.waitpid(pid, os.WNOHANG)[0] == 0]
    while MODE == "keep":
        c, _ = ls.accept()
        if os.fork() == 0:
            with c.makefile("rb") as rf, c.makefile("wb") as wf:
                serve(rf, wf)
            c.close()
            os._exit(0)
        time.sleep(1)                    # still holds c
        c.close()
        os.wait()
    while MODE == "orphan":
        c, _ = ls.accept()
        if os.fork() == 0:
            ls.close()
            time.sleep(0.5)              # the parent is gone by then
            with c.makefile("rb") as rf, c.makefile("wb") as wf:
                serve(rf, wf)
            c.close()
            os._exit(0)
        print("parent exits", flush=True)
        os._exit(0)                      # no exit-time linger either
    while True:
        c, _ = ls.accept()
        if os.fork() == 0:
            time.sleep(1)                # holds c, never uses it
            os._exit(0)
        with c.makefile("rb") as rf, c.makefile("wb") as wf:
            serve(rf, wf)
        c.close()                        # the helper still holds it
        os.wait()
else:
    srv = Server(("", PORT), Handler)
    print("listening", flush=True)
    srv.serve_forever()
