#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Socket-API cases run under LD_PRELOAD=libtoffee-preload.so against
toffee-fakenet (every connection has both ends in toffee). The fake NIC
accepts any destination address that is not loopback: connecting to
10.0.0.2:PORT reaches whoever listens on PORT. One line per case:
"ok NAME" or "FAIL NAME: why"; exit status 1 if any failed."""
import errno, fcntl, hashlib, os, select, signal, socket, struct, sys, termios, threading, time, traceback

PEER = "10.0.0.2"
results = []
_port = [7100]


def port():
    _port[0] += 1
    return _port[0]


def listener(p, backlog=16):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", p))
    s.listen(backlog)
    return s


def pair():
    """A connected (client, server) pair through toffee."""
    p = port()
    ls = listener(p)
    c = socket.create_connection((PEER, p), timeout=10)
    s, _ = ls.accept()
    ls.close()
    return c, s


def recv_all(s, n=None):
    out = b""
    while n is None or len(out) < n:
        d = s.recv(65536 if n is None else min(65536, n - len(out)))
        if not d:
            break
        out += d
    return out


def case(fn):
    name = fn.__name__
    only = [a for a in sys.argv[1:]]
    if only and name not in only:
        return fn
    try:
        fn()
        results.append((name, None))
        print("ok", name, flush=True)
    except Exception as e:  # noqa
        results.append((name, e))
        print("FAIL %s: %r" % (name, e), flush=True)
        traceback.print_exc()
    return fn


@case
def echo_bulk_shutdown():
    c, s = pair()
    data = os.urandom(1 << 20)
    t = threading.Thread(target=lambda: (c.sendall(data), c.shutdown(socket.SHUT_WR)))
    t.start()
    got = recv_all(s)
    t.join()
    assert got == data, "bulk data differs (%d bytes)" % len(got)
    s.sendall(b"bye")
    s.close()
    assert recv_all(c) == b"bye"
    c.close()


@case
def names_and_options():
    c, s = pair()
    assert c.getpeername()[1] == s.getsockname()[1]
    assert s.getpeername() == c.getsockname(), (s.getpeername(), c.getsockname())
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_TYPE) == socket.SOCK_STREAM
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF) > 0
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    c.close()
    s.close()


@case
def nonblocking_connect_poll():
    p = port()
    ls = listener(p)
    c = socket.socket()
    c.setblocking(False)
    rc = c.connect_ex((PEER, p))
    assert rc in (errno.EINPROGRESS, 0), rc
    po = select.poll()
    po.register(c, select.POLLOUT)
    ev = po.poll(5000)
    assert ev and ev[0][1] & select.POLLOUT, ev
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    assert c.connect_ex((PEER, p)) == errno.EISCONN
    s, _ = ls.accept()
    try:
        c.recv(10)
        raise AssertionError("recv did not block")
    except BlockingIOError:
        pass
    s.sendall(b"x" * 10)
    r, _, _ = select.select([c], [], [], 5)
    assert r == [c]
    assert c.recv(100) == b"x" * 10
    for x in (c, s, ls):
        x.close()


@case
def connect_refused():
    p = port()
    c = socket.socket()
    try:
        c.connect((PEER, p))
        raise AssertionError("connected to nothing")
    except ConnectionRefusedError:
        pass
    c.close()
    c = socket.socket()
    c.setblocking(False)
    c.connect_ex((PEER, p))
    po = select.poll()
    po.register(c, select.POLLOUT)
    ev = po.poll(5000)
    assert ev and ev[0][1] & (select.POLLERR | select.POLLOUT), ev
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == errno.ECONNREFUSED
    assert c.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR) == 0
    c.close()


@case
def peek_dontwait_fionread():
    c, s = pair()
    c.sendall(b"hello world")
    time.sleep(0.05)
    assert s.recv(5, socket.MSG_PEEK) == b"hello"
    n = struct.unpack("i", fcntl.ioctl(s, termios.FIONREAD, b"\0\0\0\0"))[0]
    assert n == 11, n
    assert s.recv(100) == b"hello world"
    try:
        s.recv(10, socket.MSG_DONTWAIT)
        raise AssertionError("MSG_DONTWAIT blocked or returned")
    except BlockingIOError:
        pass
    c.sendall(b"abcdef")
    assert s.recv(6, socket.MSG_WAITALL) == b"abcdef"
    c.close()
    s.close()


@case
def readv_writev_sendmsg():
    c, s = pair()
    c.sendmsg([b"ab", b"cd", b"ef"])
    os.writev(c.fileno(), [b"gh", b"ij"])
    bufs = [bytearray(3), bytearray(7)]
    n = 0
    while n < 10:
        n += s.recvmsg_into([memoryview(bufs[0])[n:] if n < 3 else memoryview(bytearray(0)),
                             memoryview(bufs[1])[max(0, n - 3):]])[0]
    assert bytes(bufs[0]) + bytes(bufs[1]) == b"abcdefghij", bufs
    c.close()
    s.close()


@case
def epoll_mixed_and_edge():
    c, s = pair()
    r, w = os.pipe()
    ep = select.epoll()
    ep.register(s.fileno(), select.EPOLLIN | select.EPOLLET)
    ep.register(r, select.EPOLLIN)
    assert ep.poll(0.05) == []
    os.write(w, b"k")
    assert ep.poll(1) == [(r, select.EPOLLIN)]
    os.read(r, 1)
    c.sendall(b"12345")
    ev = ep.poll(2)
    assert ev == [(s.fileno(), select.EPOLLIN)], ev
    assert s.recv(2) == b"12"
    assert ep.poll(0.05) == [], "edge-triggered reported twice"
    c.sendall(b"6")
    assert ep.poll(2) == [(s.fileno(), select.EPOLLIN)]
    assert s.recv(100) == b"3456"
    ep.modify(s.fileno(), select.EPOLLOUT)
    ev = ep.poll(1)
    assert ev == [(s.fileno(), select.EPOLLOUT)], ev
    ep.unregister(s.fileno())
    c.close()
    ev = ep.poll(0.1)
    assert ev == [], ev
    ep.register(s.fileno(), select.EPOLLIN | select.EPOLLRDHUP)
    ev = ep.poll(2)
    assert ev and ev[0][1] & select.EPOLLIN and ev[0][1] & select.EPOLLRDHUP, ev
    assert s.recv(10) == b""
    s.close()
    ep.close()
    os.close(r)
    os.close(w)


@case
def epoll_blocking_wakeup():
    c, s = pair()
    ep = select.epoll()
    ep.register(s.fileno(), select.EPOLLIN)
    threading.Timer(0.2, lambda: c.sendall(b"late")).start()
    t0 = time.time()
    ev = ep.poll(5)
    assert ev == [(s.fileno(), select.EPOLLIN)] and time.time() - t0 < 2, ev
    assert s.recv(10) == b"late"
    c.close()
    s.close()
    ep.close()


@case
def sendfile_file():
    c, s = pair()
    path = "/tmp/toffee-sendfile-%d" % os.getpid()
    data = os.urandom(300000)
    with open(path, "wb") as f:
        f.write(data)
    def srv():
        with open(path, "rb") as f:
            s.sendfile(f)
        s.close()
    t = threading.Thread(target=srv)
    t.start()
    got = recv_all(c)
    t.join()
    os.unlink(path)
    assert hashlib.sha256(got).digest() == hashlib.sha256(data).digest(), len(got)
    c.close()


@case
def dup_and_close():
    c, s = pair()
    d = os.dup(c.fileno())
    c.close()
    os.write(d, b"via dup")
    assert s.recv(100) == b"via dup"
    d2 = 200
    os.dup2(d, d2)
    os.close(d)
    os.write(d2, b"via dup2")
    assert s.recv(100) == b"via dup2"
    os.close(d2)
    assert s.recv(100) == b"", "close of the last fd did not close the connection"
    s.close()


@case
def abortive_close_and_reset():
    c, s = pair()
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    c.close()
    try:
        for _ in range(50):
            if s.recv(10) == b"":
                raise AssertionError("EOF instead of a reset")
            time.sleep(0.01)
    except ConnectionResetError:
        pass
    assert s.recv(10) == b"", "reset reported twice"
    try:
        s.send(b"x")
        raise AssertionError("send after reset succeeded")
    except (BrokenPipeError, ConnectionResetError):
        pass
    s.close()


@case
def linger_close_waits_for_acks():
    # the peer does not read: what fills its window stays unacknowledged,
    # and close() with SO_LINGER {1, 1} waits the whole second
    c, s = pair()
    c.setblocking(False)
    last = time.monotonic()
    while time.monotonic() - last < 0.3:     # until both buffers are full
        try:
            c.send(b"x" * 65536)
            last = time.monotonic()
        except BlockingIOError:
            time.sleep(0.01)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 1))
    t0 = time.monotonic()
    c.close()
    dt = time.monotonic() - t0
    assert 0.9 <= dt < 5, f"close with unacknowledged data and SO_LINGER 1 s took {dt:.2f} s"
    s.close()
    # everything acknowledged: the same close returns at once
    c, s = pair()
    c.sendall(b"y" * 1000)
    assert recv_all(s, 1000) == b"y" * 1000
    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 5))
    t0 = time.monotonic()
    c.close()
    dt = time.monotonic() - t0
    assert dt < 1, f"close with all data acknowledged and SO_LINGER 5 s took {dt:.2f} s"
    assert s.recv(10) == b"", "no EOF after the lingering close"
    s.close()


@case
def unread_data_close_resets():
    c, s = pair()
    c.sendall(b"unread")
    time.sleep(0.05)
    s.close()                       # unread data: RST, as Linux
    time.sleep(0.05)
    try:
        d = c.recv(10)
        assert d == b"", d
        raise AssertionError("EOF instead of reset")
    except ConnectionResetError:
        pass
    c.close()


@case
def loopback_and_udp_pass_through():
    ls = socket.socket()
    ls.bind(("127.0.0.1", 0))
    ls.listen(1)
    c = socket.create_connection(ls.getsockname())
    s, _ = ls.accept()
    c.sendall(b"kernel")
    assert s.recv(10) == b"kernel"
    for x in (c, s, ls):
        x.close()
    u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    u.bind(("127.0.0.1", 0))
    v = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    v.sendto(b"dgram", u.getsockname())
    assert u.recv(10) == b"dgram"
    u.close()
    v.close()


@case
def keepalive_options():
    """SO_KEEPALIVE and TCP_KEEPIDLE/INTVL/CNT: Linux's defaults, values as
    set, inherited by accepted sockets, refused out of range."""
    p = port()
    ls = listener(p)
    assert ls.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 7200
    assert ls.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 75
    assert ls.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 9
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 30)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 5)
    ls.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 4)
    for name, bad in ((socket.TCP_KEEPIDLE, 0), (socket.TCP_KEEPINTVL, 40000), (socket.TCP_KEEPCNT, 200)):
        try:
            ls.setsockopt(socket.IPPROTO_TCP, name, bad)
            raise AssertionError("option %d = %d accepted" % (name, bad))
        except OSError as e:
            assert e.errno == errno.EINVAL, e
    c = socket.create_connection((PEER, p), timeout=10)
    s, _ = ls.accept()
    assert s.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 1
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 30
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL) == 5
    assert s.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT) == 4
    c.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    c.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 2)
    assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 2
    c.sendall(b"ka")
    assert recv_all(s, 2) == b"ka"
    for x in (c, s, ls):
        x.close()


@case
def dual_stack_inet6():
    """AF_INET6 sockets carry IPv4 through toffee as IPv4-mapped addresses
    (dual-stack servers bind to ::); IPV6_V6ONLY and IPv6 addresses are
    the kernel's; IPV6_V6ONLY after bind is refused, as Linux does."""
    p = port()
    ls = socket.socket(socket.AF_INET6)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("::", p))
    ls.listen(4)
    assert ls.getsockname()[:2] == ("::", p), ls.getsockname()
    assert ls.getsockopt(socket.SOL_SOCKET, socket.SO_DOMAIN) == socket.AF_INET6
    c4 = socket.create_connection((PEER, p), timeout=10)        # an IPv4 client
    s4, a4 = ls.accept()
    assert s4.family == socket.AF_INET6
    assert a4[:2] == ("::ffff:" + c4.getsockname()[0], c4.getsockname()[1]), (a4, c4.getsockname())
    assert s4.getsockname()[0].startswith("::ffff:") and s4.getsockname()[1] == p, s4.getsockname()
    c6 = socket.socket(socket.AF_INET6)                          # IPv6 API, IPv4 peer
    c6.settimeout(10)
    c6.connect(("::ffff:" + PEER, p))
    s6, a6 = ls.accept()
    assert c6.getpeername()[:2] == ("::ffff:" + PEER, p), c6.getpeername()
    assert a6[0] == c6.getsockname()[0] and a6[1] == c6.getsockname()[1], (a6, c6.getsockname())
    c4.sendall(b"four")
    assert recv_all(s4, 4) == b"four"
    c6.sendall(b"six")
    assert recv_all(s6, 3) == b"six"
    s6.sendall(b"back")
    assert recv_all(c6, 4) == b"back"
    for x in (c4, c6, s4, s6, ls):
        x.close()
    t = socket.socket(socket.AF_INET6)
    t.bind(("::", 0))
    try:
        t.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        raise AssertionError("IPV6_V6ONLY after bind accepted")
    except OSError as e:
        assert e.errno == errno.EINVAL, e
    t.close()
    try:
        k = socket.socket(socket.AF_INET6)
        k.bind(("::1", 0))
    except OSError:
        print("(no IPv6 loopback here: the kernel's IPv6 part skipped)", flush=True)
        return
    o = socket.socket(socket.AF_INET6)                           # IPv6 only: the kernel's
    o.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
    o.bind(("::", 0))
    for ls in (k, o):
        ls.listen(2)
        kc = socket.create_connection(("::1", ls.getsockname()[1]), timeout=10)
        ks, _ = ls.accept()
        kc.sendall(b"v6")
        assert recv_all(ks, 2) == b"v6"
        for x in (kc, ks, ls):
            x.close()


@case
def fork_child_rules():
    c, s = pair()
    p = port()
    ls = listener(p)
    pid = os.fork()
    if pid == 0:
        code = 0
        try:
            try:
                c.send(b"child")        # inherited: must not touch the rings
                code = 1
            except OSError as e:
                if e.errno != errno.EBADF:
                    code = 2
            c.close()
            n = socket.create_connection((PEER, p), timeout=5)   # fresh context
            n.sendall(b"from child")
            n.shutdown(socket.SHUT_WR)
            recv_all(n)             # wait for the parent's close: _exit skips the linger
            n.close()
        except Exception:
            traceback.print_exc()
            code = 3
        os._exit(code)
    a, _ = ls.accept()
    assert recv_all(a) == b"from child"
    a.close()
    _, st = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(st) == 0, os.WEXITSTATUS(st)
    c.sendall(b"parent still works")
    assert recv_all(s, 18) == b"parent still works"
    for x in (c, s, ls):
        x.close()


@case
def exit_with_open_socket():
    """A process that exits (normally) with a socket open: the peer gets every
    byte and an orderly EOF, as with the kernel (the library closes and
    lingers at exit; a hang-up alone would reset the flow)."""
    import subprocess
    p = port()
    ls = listener(p)
    code = ("import socket,sys; c=socket.create_connection((%r,%d)); "
            "c.sendall(bytes(range(256))*4096); sys.exit(0)" % (PEER, p))
    child = subprocess.Popen([sys.executable, "-c", code])
    a, _ = ls.accept()
    got = recv_all(a)
    a.close()
    assert child.wait(10) == 0
    assert got == bytes(range(256)) * 4096, len(got)
    ls.close()


@case
def many_concurrent():
    p = port()
    ls = listener(p, 256)
    n = 200
    cs = [socket.create_connection((PEER, p)) for _ in range(n)]
    ss = [ls.accept()[0] for _ in range(n)]
    for i, c in enumerate(cs):
        c.sendall(b"%05d" % i)
    ep = select.epoll()
    for x in ss:
        ep.register(x.fileno(), select.EPOLLIN)
    seen = set()
    byfd = {x.fileno(): x for x in ss}
    deadline = time.time() + 10
    while len(seen) < n and time.time() < deadline:
        for fd, _ in ep.poll(1):
            d = byfd[fd].recv(5)
            assert len(d) == 5
            seen.add(int(d))
            ep.unregister(fd)
    assert len(seen) == n, len(seen)
    for x in cs + ss + [ls]:
        x.close()
    ep.close()


@case
def many_sequential():
    p = port()
    ls = listener(p, 64)
    for i in range(500):
        c = socket.create_connection((PEER, p))
        s, _ = ls.accept()
        c.sendall(b"q")
        assert s.recv(1) == b"q"
        s.sendall(b"r")
        assert c.recv(1) == b"r"
        c.close()
        assert s.recv(1) == b""
        s.close()
    ls.close()


@case
def blocking_threads():
    p = port()
    ls = listener(p)
    done = []
    def server():
        for _ in range(4):
            a, _ = ls.accept()
            threading.Thread(target=lambda x=a: (x.sendall(recv_all(x, 100000)), x.close())).start()
    threading.Thread(target=server).start()
    def client(i):
        c = socket.create_connection((PEER, p))
        data = bytes([i]) * 100000
        t = threading.Thread(target=c.sendall, args=(data,))
        t.start()
        got = recv_all(c, 100000)
        t.join()
        c.close()
        done.append(got == data)
    ts = [threading.Thread(target=client, args=(i,)) for i in range(4)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    ls.close()
    assert done == [True] * 4, done


def toffeed_status():
    """(flows, contexts) as the daemon counts them: STATUS on app.sock (a
    UNIX socket, so it passes through the interposer)."""
    u = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    u.connect(os.path.join(os.environ["TOFFEE_RUNDIR"], "app.sock"))
    u.send(struct.pack("<II", 8, 1) + bytes(112 - 8))        # TOFFEE_APP_STATUS
    r = u.recv(512)
    u.close()
    return struct.unpack_from("<II", r, 20)


@case
def no_flow_leaks():
    """Everything above was closed: every flow must be gone (CLOSED)."""
    deadline = time.time() + 5
    while True:
        flows, ctxs = toffeed_status()
        if flows == 0 or time.time() > deadline:
            break
        time.sleep(0.05)
    assert flows == 0, "%d flows left" % flows


if __name__ == "__main__":
    only = sys.argv[1:]
    failed = [n for n, e in results if e]
    print("%d cases, %d failed%s" % (len(results), len(failed), (": " + " ".join(failed)) if failed else ""))
    sys.exit(1 if failed else 0)
