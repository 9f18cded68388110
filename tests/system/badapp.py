#!/usr/bin/python3
# A misbehaving application for tests/system/test_misbehave.sh: it says HELLO
# to toffeed (app.sock, include/toffee/appproto.h) like libtoffee does, then
#   1. sends COUNT messages of random content (types 0..99 but CAPTURE, which
#      only root's tools send; some with a descriptor attached, some of the
#      wrong size), reading whatever toffeed answers;
#   2. fills its context's CMD ring with random entries (flow ids mostly
#      small, i.e. other applications' flows) and rings the doorbell with
#      random indices, ROUNDS times; writes random EV heads and ARM values;
#   3. exits without a word.
# Prints what it did and how many replies said what.
#   badapp.py RUNDIR COUNT ROUNDS [SEED]
import array, mmap, os, random, socket, struct, sys, time

MSG = 112                                   # sizeof(struct toffee_appmsg)
HELLO, CAPTURE, HELLO_OK, REPLY = 1, 9, 64, 65
DB_CMD_TAIL, DB_EV_HEAD, DB_ARM = 0x00, 0x04, 0x08

def recv_msg(s, nfds=0):
    fds = array.array("i")
    data, anc, flags, _ = s.recvmsg(MSG, socket.CMSG_LEN(nfds * fds.itemsize) if nfds else 0)
    for level, typ, d in anc:
        if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
            fds.frombytes(d[:len(d) - len(d) % fds.itemsize])
    return data, list(fds)

def main():
    rundir, count, rounds = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
    r = random.Random(int(sys.argv[4]) if len(sys.argv) > 4 else 1)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
    s.connect(os.path.join(rundir, "app.sock"))
    s.send(struct.pack("<II", HELLO, 1) + bytes(MSG - 8))
    data, fds = recv_msg(s, 3)
    typ, _, status = struct.unpack_from("<IIi", data)
    if typ != HELLO_OK or len(fds) != 3:
        sys.exit("HELLO: type %d status %d, %d fds" % (typ, status, len(fds)))
    ctx, region, region_size, ev_off, cmd_off, ev_log2, cmd_log2 = struct.unpack_from("<IIQIIBB", data, 40)
    print("context", ctx, "region", region_size >> 20, "MiB", flush=True)

    # 1. random messages
    statuses = {}
    rfd, wfd = os.pipe()
    s.setblocking(False)
    def drain():
        while True:
            try:
                d, got = recv_msg(s, 3)
            except BlockingIOError:
                return
            if not d:
                sys.exit("toffeed closed the connection")
            for f in got:
                os.close(f)
            t, _, st = struct.unpack_from("<IIi", d)
            if t == REPLY:
                statuses[st] = statuses.get(st, 0) + 1
    for i in range(count):
        t = r.randrange(100)
        while t == CAPTURE:
            t = r.randrange(100)
        body = struct.pack("<II", t, 2 + i) + r.randbytes(MSG - 8)
        k = r.randrange(10)
        if k == 0:
            body = body[:r.randrange(1, MSG)]       # short
        elif k == 1:
            body = body + r.randbytes(r.randrange(1, 64))   # long
        while True:
            try:
                if k == 2:
                    s.sendmsg([body], [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", [rfd]))])
                else:
                    s.send(body)
                break
            except BlockingIOError:
                drain()
                time.sleep(0.001)
        if i % 64 == 0:
            drain()
    time.sleep(0.2)
    drain()
    print("messages", count, "replies by status", sorted(statuses.items()), flush=True)

    # 2. garbage in the rings
    reg = mmap.mmap(fds[0], region_size)
    db = mmap.mmap(fds[1], 4096)
    ncmd = 1 << cmd_log2
    tail = 0
    for _ in range(rounds):
        for _ in range(r.randrange(1, 64)):
            flow = r.randrange(64) if r.randrange(2) else r.getrandbits(32)
            e = struct.pack("<IIIBBBB", flow, r.getrandbits(32) if r.randrange(4) == 0 else r.randrange(65536),
                            r.getrandbits(32) if r.randrange(4) == 0 else r.randrange(65536),
                            r.getrandbits(8), 0, 0, r.getrandbits(8))
            off = cmd_off + (tail % ncmd) * 16
            reg[off:off + 16] = e
            tail += 1
        t = tail if r.randrange(4) else r.getrandbits(32)
        struct.pack_into("<I", db, DB_CMD_TAIL, t & 0xffffffff)
        if r.randrange(8) == 0:
            struct.pack_into("<I", db, DB_EV_HEAD, r.getrandbits(32))
        struct.pack_into("<I", db, DB_ARM, r.getrandbits(1))
        time.sleep(0.002)
    print("rings: %d rounds, %d entries" % (rounds, tail), flush=True)
    os._exit(0)

if __name__ == "__main__":
    main()
