#!/usr/bin/python3
# Spoofed TCP segments for tests/system/test_hostile.sh (root, raw socket):
#   spoof.py syn|ack|rst|data DST PORT COUNT [SEED] [SRC:SPORT]
# sends COUNT segments to DST:PORT with random sequence numbers: SYNs (with
# MSS, SACK-permitted, timestamps and window scale, as Linux sends them),
# bare ACKs with a random acknowledgment number (forged SYN-cookie
# answers), RSTs (blind reset attempts, RFC 5961 §3), or 100 bytes of
# data with a random acknowledgment number (blind injection, §5). Each comes from
# SRC:SPORT if given, else from a random address in 198.18.0.0/15 (RFC
# 2544's benchmarking range: nobody answers for it) and a random port. The
# kernel adds the IPv4 header's checksum; the TCP checksum is computed here.
import random, socket, struct, sys

def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff

def segment(r, src, sport, dst, port, kind):
    seq = r.getrandbits(32)
    if kind == "syn":
        flags, ack = 0x02, 0
        opts = (struct.pack("!BBH", 2, 4, 1460) + b"\x04\x02" +
                struct.pack("!BBII", 8, 10, r.getrandbits(32), 0) + b"\x01\x03\x03\x07")
    elif kind in ("ack", "data"):
        flags, ack, opts = 0x10, r.getrandbits(32), b""
    else:
        flags, ack, opts = 0x04, 0, b""
    payload = r.randbytes(100) if kind == "data" else b""
    off = (20 + len(opts)) // 4
    hdr = struct.pack("!HHIIBBHHH", sport, port, seq, ack, off << 4, flags, 64240, 0, 0) + opts
    pseudo = struct.pack("!4s4sBBH", src, dst, 0, 6, len(hdr) + len(payload))
    hdr = hdr[:16] + struct.pack("!H", csum(pseudo + hdr + payload)) + hdr[18:] + payload
    ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(hdr), 0, 0x4000, 64, 6, 0, src, dst)
    return ip + hdr

def main():
    kind, dst_s, port, count = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
    if kind not in ("syn", "ack", "rst", "data"):
        sys.exit("kind must be syn, ack, rst or data")
    r = random.Random(int(sys.argv[5]) if len(sys.argv) > 5 else 1)
    fixed = sys.argv[6].split(":") if len(sys.argv) > 6 else None
    dst = socket.inet_aton(dst_s)
    s = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_HDRINCL, 1)
    sent = 0
    for _ in range(count):
        if fixed:
            src, sport = socket.inet_aton(fixed[0]), int(fixed[1])
        else:
            src = struct.pack("!I", (198 << 24 | 18 << 16) + r.randrange(2, 1 << 17))
            sport = r.randrange(1024, 65536)
        pkt = segment(r, src, sport, dst, port, kind)
        while True:
            try:
                s.sendto(pkt, (dst_s, 0))
                break
            except BlockingIOError:
                pass
            except OSError as e:                 # ENOBUFS: the device queue is full
                if e.errno != 105:
                    raise
        sent += 1
    print("sent", sent, kind)

if __name__ == "__main__":
    main()
