#!/usr/bin/python3
# Both ends of tests/system/test_keepalive.sh. Every line printed starts
# with the seconds since start.
#   ka_peer.py server PORT    accept; on each connection SO_KEEPALIVE with
#                             TCP_KEEPIDLE 1, TCP_KEEPINTVL 1, TCP_KEEPCNT 3,
#                             then read until EOF or an error: prints
#                             "accepted", then "got DATA" / "eof" / "error NAME"
#   ka_peer.py idle HOST PORT SECONDS   connect, stay idle SECONDS, send "bye",
#                             read the echo-less server's nothing, close
#   ka_peer.py client HOST PORT SECONDS the same with keepalive set before
#                             connect (1 / 1 / 3), then send "bye" and read it back
#   ka_peer.py echo PORT      a plain echo server (for the client case)
import errno, socket, sys, threading, time

T0 = time.time()

def say(*a):
    print("%.2f" % (time.time() - T0), *a, flush=True)

def keepalive(s):
    s.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 1)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPCNT, 3)

def serve_one(c):
    keepalive(c)
    assert c.getsockopt(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE) == 1
    say("accepted")
    try:
        while True:
            d = c.recv(100)
            if not d:
                say("eof")
                break
            say("got", d.decode())
    except OSError as e:
        say("error", errno.errorcode.get(e.errno, str(e.errno)))
    c.close()

def server(port, handler):
    ls = socket.socket()
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind(("0.0.0.0", port))
    ls.listen(8)
    say("listening", port)
    while True:
        c, _ = ls.accept()
        threading.Thread(target=handler, args=(c,), daemon=True).start()

def echo(c):
    while True:
        d = c.recv(100)
        if not d:
            break
        c.sendall(d)
    c.close()

def idle(host, port, secs, ka_first):
    s = socket.socket()
    if ka_first:
        keepalive(s)
    s.connect((host, port))
    say("connected")
    time.sleep(secs)
    s.sendall(b"bye")
    if ka_first:
        s.settimeout(5)
        assert s.recv(3) == b"bye"
    say("sent bye")
    s.close()

if __name__ == "__main__":
    cmd = sys.argv[1]
    if cmd == "server":
        server(int(sys.argv[2]), serve_one)
    elif cmd == "echo":
        server(int(sys.argv[2]), echo)
    elif cmd in ("idle", "client"):
        idle(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]), cmd == "client")
