#!/usr/bin/python3
# Both ends of the toffeed system test (tests/system/test_toffee.sh): servers
# and clients that run either on toffee (under `toffee run`) or on the Linux
# peer in its namespace. Every byte stream is a seeded pseudo-random stream
# checked by sha256.
import hashlib, os, random, socket, struct, sys, threading, time

CHUNK = 1 << 20

def chunks(n, seed=1):
    """The seeded stream of n bytes, in 1 MiB pieces."""
    r = random.Random(seed)
    while n > 0:
        k = min(n, CHUNK)
        yield r.randbytes(CHUNK)[:k]
        n -= k

def stream_sha(n, seed=1):
    h = hashlib.sha256()
    for c in chunks(n, seed):
        h.update(c)
    return h.hexdigest()

def serve(port, handler, threaded=True):
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    s.bind(("0.0.0.0", port))
    s.listen(128)
    print("listening", port, flush=True)
    while True:
        c, _ = s.accept()
        if threaded:
            threading.Thread(target=handler, args=(c,), daemon=True).start()
        else:
            handler(c)

def recv_exact(c, n):
    b = bytearray()
    while len(b) < n:
        d = c.recv(n - len(b))
        if not d:
            break
        b += d
    return bytes(b)

# Protocol of the "svc" server: 1 byte command, then
#   E: echo until EOF
#   R: receive until EOF, answer the sha256 (hex) and close
#   S<u64>: send that many bytes of stream(seed 1) and close
def svc(c):
    try:
        cmd = recv_exact(c, 1)
        if cmd == b"E":
            while True:
                d = c.recv(65536)
                if not d:
                    break
                c.sendall(d)
        elif cmd == b"Z":
            time.sleep(2)              # let the sender hit a zero window
            cmd = b"R"
        if cmd == b"R":
            h = hashlib.sha256()
            while True:
                d = c.recv(1 << 20)
                if not d:
                    break
                h.update(d)
            c.sendall(h.hexdigest().encode())
        elif cmd == b"S":
            n = struct.unpack("!Q", recv_exact(c, 8))[0]
            for piece in chunks(n):
                c.sendall(piece)
    except OSError:
        pass
    finally:
        c.close()

TIMEOUT = float(os.environ.get("TF_TIMEOUT", "30"))   # seconds per socket operation

def client(host, port, timeout=None):
    return socket.create_connection((host, port), timeout=timeout or TIMEOUT)

def do_echo(host, port, n=1):
    for i in range(n):
        s = client(host, port)
        msg = b"hello toffee %d" % i
        s.sendall(b"E" + msg)
        got = recv_exact(s, len(msg))
        s.close()
        if got != msg:
            sys.exit("echo %d: got %r" % (i, got))
    print("echo ok", n)

def do_send(host, port, n, cmd=b"R"):
    s = client(host, port)
    s.sendall(cmd)
    for piece in chunks(n, 2):
        s.sendall(piece)
    s.shutdown(socket.SHUT_WR)
    got = recv_exact(s, 64).decode()
    s.close()
    want = stream_sha(n, 2)
    if got != want:
        sys.exit("send %d: peer got %s, want %s" % (n, got, want))
    print("send ok", n)

def do_recv(host, port, n):
    s = client(host, port)
    s.sendall(b"S" + struct.pack("!Q", n))
    h = hashlib.sha256()
    got = 0
    while True:
        d = s.recv(1 << 20)
        if not d:
            break
        h.update(d)
        got += len(d)
    s.close()
    if got != n or h.hexdigest() != stream_sha(n):
        sys.exit("recv: %d bytes, sha %s" % (got, h.hexdigest()))
    print("recv ok", n)

def do_refused(host, port):
    try:
        client(host, port, 5).close()
    except ConnectionRefusedError:
        print("refused ok")
        return
    sys.exit("connection to a closed port was not refused")

def do_reset(host, port):
    # Connect, exchange, then abort (SO_LINGER 0 -> RST).
    s = client(host, port)
    s.sendall(b"Eabc")
    recv_exact(s, 3)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    s.close()
    print("reset ok")

def do_hold(host, port, n):
    # Receive a long stream slowly; succeed if the peer resets us.
    s = client(host, port)
    s.sendall(b"S" + struct.pack("!Q", n))
    print("holding", flush=True)
    try:
        while True:
            d = s.recv(65536)
            if not d:
                sys.exit("hold: clean EOF, expected a reset")
            time.sleep(0.001)
    except ConnectionResetError:
        print("reset seen ok")

def do_concurrent(host, port, n):
    socks = [client(host, port) for _ in range(n)]
    for i, s in enumerate(socks):
        s.sendall(b"E" + b"%08d" % i)
    for i, s in enumerate(socks):
        if recv_exact(s, 8) != b"%08d" % i:
            sys.exit("concurrent: wrong echo on %d" % i)
    for s in socks:
        s.close()
    print("concurrent ok", n)

if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    if cmd == "server":
        serve(int(args[0]), svc)
    elif cmd == "echo":
        do_echo(args[0], int(args[1]), int(args[2]) if len(args) > 2 else 1)
    elif cmd == "send":
        do_send(args[0], int(args[1]), int(args[2]))
    elif cmd == "sendslow":
        do_send(args[0], int(args[1]), int(args[2]), b"Z")
    elif cmd == "recv":
        do_recv(args[0], int(args[1]), int(args[2]))
    elif cmd == "refused":
        do_refused(args[0], int(args[1]))
    elif cmd == "reset":
        do_reset(args[0], int(args[1]))
    elif cmd == "hold":
        do_hold(args[0], int(args[1]), int(args[2]))
    elif cmd == "concurrent":
        do_concurrent(args[0], int(args[1]), int(args[2]))
    else:
        sys.exit("unknown command " + cmd)
