#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""A minimal toffeed for system tests of a NIC process (toffee-fw, later
toffee-sim): speaks include/toffee/devproto.h over <rundir>/nic.sock, maps
one region, sets up the four slow-path rings, enables the device and then
plays a tiny IP host: it answers ARP requests and ICMP echo requests for
--ip that arrive as exceptions (TOFFEE_EXC_NOT_IPV4 / NOT_TCP) by posting
frames on the RAW ring. A ping from the peer namespace therefore succeeds
only if both directions through the NIC work.

Checks: HELLO and the identification registers, MAP reply, the slow-path
eventfd (NOTIFY TOFFEE_DEV_CTX_SP) fires, every ping is answered, the
exception/raw counters in the register file, STATS (and no DMA faults),
CAPTURE start/stop. Exit 0 on success, 1 with a message otherwise.
Run with /usr/bin/python3 (any Python >= 3.10 works; no third-party
modules)."""
import argparse
import array
import mmap
import os
import select
import socket
import struct
import subprocess
import sys
import time

# include/toffee/abi.h and devproto.h (checked against the registers below)
ABI_ID = 0x746f6666
REG_ID, REG_VERSION, REG_FLOW_CAP = 0x0, 0x4, 0xc
REG_CTRL, REG_MAC_LO, REG_MAC_HI = 0x14, 0x18, 0x1c
REG_SPQ_BASE, REG_SPQ_STRIDE = 0x100, 0x20
Q_BASE_LO, Q_BASE_HI, Q_LOG2, Q_BUF_LO, Q_BUF_HI, Q_HEAD, Q_TAIL = 0, 4, 8, 0xc, 0x10, 0x14, 0x18
SPQ_EXC, SPQ_RAW, SPQ_CMD, SPQ_FB = 0, 1, 2, 3
CTRL_ENABLE = 1
REG_CNT_BASE = 0x800
CNT_TX_RAW, CNT_EXC_BASE, CNT_DROP_BASE = 6, 16, 32
DROP_CMD_BAD, DROP_RAW_BAD, DROP_TX_BUSY = 11, 13, 14
EXC_NOT_IPV4, EXC_NOT_TCP = 1, 3
BAR_SIZE = 0x10000 + 256 * 0x1000
FRAME_SLOT = 2048
DEV_HELLO, DEV_MAP, DEV_UNMAP, DEV_NOTIFY, DEV_CAPTURE, DEV_STATS, DEV_SHUTDOWN, DEV_REPLY = range(1, 9)
DEV_CTX_SP = 0xffffffff
MSG = struct.Struct('<IIiIQQ32s')          # struct toffee_devmsg, 64 bytes
assert MSG.size == 64

LOG2 = 4                                    # 16 entries per ring
REGION_SIZE = 1 << 20
RING_OFF = {SPQ_EXC: 0x1000, SPQ_RAW: 0x1100, SPQ_CMD: 0x1200, SPQ_FB: 0x1400}
BUF_OFF = {SPQ_EXC: 0x2000, SPQ_RAW: 0x2000 + (FRAME_SLOT << LOG2)}


if sys.byteorder != 'little':
    sys.exit('fw_minid.py: the ABI is little-endian; this host is not')


def fail(msg):
    print('FAIL', msg, flush=True)
    sys.exit(1)


class Dev:
    def __init__(self, path, timeout):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        deadline = time.time() + timeout
        while True:
            try:
                self.sock.connect(path)
                break
            except (FileNotFoundError, ConnectionRefusedError):
                if time.time() > deadline:
                    fail(f'cannot connect to {path}')
                time.sleep(0.02)
        self.sock.settimeout(timeout)
        self.seq = 0
        m, fds = self.recv()
        typ, _, status, _, a, b, text = m
        if typ != DEV_HELLO or status != 0 or len(fds) != 1:
            fail(f'bad HELLO: type {typ} status {status} fds {fds}')
        self.flow_cap = a
        self.mac = b.to_bytes(6, 'little')
        self.impl = text.rstrip(b'\0').decode()
        self.bar = mmap.mmap(fds[0], BAR_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
        os.close(fds[0])
        # Registers are accessed with single aligned 32-bit loads/stores.
        # (struct.pack_into would not do: it zero-fills its target first,
        # so the NIC could read a transient 0 in a ring index register.)
        self.regs = memoryview(self.bar).cast('I')

    def recv(self):
        data, anc, _, _ = self.sock.recvmsg(MSG.size, socket.CMSG_SPACE(4 * 4))
        if len(data) != MSG.size:
            fail(f'message of {len(data)} bytes')
        fds = []
        for lvl, typ, cdata in anc:
            if lvl == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                a = array.array('i')
                a.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                fds.extend(a)
        return MSG.unpack(data), fds

    def request(self, typ, a=0, b=0, fd=None):
        self.seq += 1
        msg = MSG.pack(typ, self.seq, 0, 0, a, b, b'')
        anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array('i', [fd]))] if fd is not None else []
        self.sock.sendmsg([msg], anc)
        while True:
            m, fds = self.recv()
            for f in fds:
                os.close(f)
            if m[0] == DEV_REPLY and m[1] == self.seq:
                return m

    def rd(self, off):
        return self.regs[off // 4]

    def wr(self, off, val):
        self.regs[off // 4] = val & 0xffffffff

    def counter(self, i):
        return self.rd(REG_CNT_BASE + 8 * i) | self.rd(REG_CNT_BASE + 8 * i + 4) << 32


def spq(q, field):
    return REG_SPQ_BASE + q * REG_SPQ_STRIDE + field


def csum(data):
    if len(data) % 2:
        data += b'\0'
    s = sum(struct.unpack(f'!{len(data) // 2}H', data))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def answer(frame, mac, ip):
    """The reply to an ARP request or ICMP echo request for ip, or None."""
    etype = struct.unpack_from('!H', frame, 12)[0]
    if etype == 0x0806 and len(frame) >= 42:
        op, sha, spa, tpa = struct.unpack_from('!H6s4s6x4s', frame, 20)
        if op != 1 or tpa != ip:
            return None
        rep = sha + mac + b'\x08\x06' + struct.pack('!HHBBH6s4s6s4s', 1, 0x0800, 6, 4, 2, mac, ip, sha, spa)
        return rep.ljust(60, b'\0')
    if etype == 0x0800 and len(frame) >= 34:
        ihl = (frame[14] & 15) * 4
        tot = struct.unpack_from('!H', frame, 16)[0]
        if frame[23] != 1 or frame[30:34] != ip or frame[14 + ihl] != 8:
            return None
        iph = bytearray(frame[14:14 + ihl])
        iph[12:16], iph[16:20] = frame[30:34], frame[26:30]
        iph[8] = 64
        iph[10:12] = b'\0\0'
        iph[10:12] = struct.pack('!H', csum(bytes(iph)))
        icmp = bytearray(frame[14 + ihl:14 + tot])
        icmp[0] = 0
        icmp[2:4] = b'\0\0'
        icmp[2:4] = struct.pack('!H', csum(bytes(icmp)))
        return frame[6:12] + mac + b'\x08\x00' + bytes(iph) + bytes(icmp)
    return None


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--sock', required=True)
    ap.add_argument('--ns', required=True, help='peer namespace to ping from')
    ap.add_argument('--ip', required=True, help='our address (the peer pings it)')
    ap.add_argument('--count', type=int, default=3)
    ap.add_argument('--capture', help='pcap file to capture into')
    ap.add_argument('--impl', default='fw')
    ap.add_argument('--shutdown', action='store_true', help='send SHUTDOWN at the end')
    ap.add_argument('--timeout', type=float, default=10)
    args = ap.parse_args()
    ip = socket.inet_aton(args.ip)

    d = Dev(args.sock, args.timeout)
    if d.impl != args.impl:
        fail(f'HELLO names implementation {d.impl!r}')
    if d.rd(REG_ID) != ABI_ID or d.rd(REG_VERSION) >> 16 != 1 or d.rd(REG_FLOW_CAP) != d.flow_cap:
        fail(f'identification registers: id {d.rd(REG_ID):#x} flow_cap {d.rd(REG_FLOW_CAP)} vs HELLO {d.flow_cap}')
    print(f'HELLO: impl {d.impl}, {d.flow_cap} flows, MAC {d.mac.hex(":")}', flush=True)

    # region 0: the slow path's rings and frame slots
    rfd = os.memfd_create('minid-region0', os.MFD_CLOEXEC | os.MFD_ALLOW_SEALING)
    os.ftruncate(rfd, REGION_SIZE)
    mem = mmap.mmap(rfd, REGION_SIZE, mmap.MAP_SHARED, mmap.PROT_READ | mmap.PROT_WRITE)
    r = d.request(DEV_MAP, 0, REGION_SIZE, rfd)
    if r[2] != 0:
        fail(f'MAP: status {r[2]}')
    os.close(rfd)
    for q, off in RING_OFF.items():
        d.wr(spq(q, Q_BASE_LO), off)
        d.wr(spq(q, Q_BASE_HI), 0)
        d.wr(spq(q, Q_BUF_LO), BUF_OFF.get(q, 0))
        d.wr(spq(q, Q_BUF_HI), 0)
        d.wr(spq(q, Q_HEAD), 0)
        d.wr(spq(q, Q_TAIL), 0)
        d.wr(spq(q, Q_LOG2), LOG2)
    efd = os.eventfd(0, os.EFD_NONBLOCK | os.EFD_CLOEXEC)
    r = d.request(DEV_NOTIFY, DEV_CTX_SP, 0, efd)
    if r[2] != 0:
        fail(f'NOTIFY slow-path eventfd: status {r[2]}')
    if args.capture:
        cfd = os.open(args.capture, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        r = d.request(DEV_CAPTURE, fd=cfd)
        os.close(cfd)
        if r[2] != 0:
            fail(f'CAPTURE: status {r[2]}')
    d.wr(REG_MAC_LO, int.from_bytes(d.mac[:4], 'little'))
    d.wr(REG_MAC_HI, int.from_bytes(d.mac[4:], 'little'))
    d.wr(REG_CTRL, CTRL_ENABLE)

    mask = (1 << LOG2) - 1
    exc_head = raw_tail = 0
    seen = {}
    wakeups = sent = 0

    def post_raw(frame):
        nonlocal raw_tail, sent
        if raw_tail - d.rd(spq(SPQ_RAW, Q_HEAD)) >= (1 << LOG2):
            fail('RAW ring full')
        slot = raw_tail & mask
        buf = BUF_OFF[SPQ_RAW] + slot * FRAME_SLOT
        mem[buf:buf + len(frame)] = frame
        ent = RING_OFF[SPQ_RAW] + slot * 16
        mem[ent:ent + 15] = struct.pack('<H13x', len(frame))
        mem[ent + 15] = ((raw_tail >> LOG2) & 1) ^ 1          # phase byte last
        raw_tail += 1
        d.wr(spq(SPQ_RAW, Q_TAIL), raw_tail)
        sent += 1

    def drain():
        nonlocal exc_head
        while exc_head != d.rd(spq(SPQ_EXC, Q_TAIL)):
            slot = exc_head & mask
            flow, flen, reason, phase = struct.unpack_from('<IHB8xB', mem, RING_OFF[SPQ_EXC] + slot * 16)
            if phase != ((exc_head >> LOG2) & 1) ^ 1:
                fail(f'EXC entry {exc_head}: phase {phase}')
            buf = BUF_OFF[SPQ_EXC] + slot * FRAME_SLOT
            frame = bytes(mem[buf:buf + flen])
            seen[reason] = seen.get(reason, 0) + 1
            rep = answer(frame, d.mac, ip)
            if rep:
                post_raw(rep)
            exc_head += 1
            d.wr(spq(SPQ_EXC, Q_HEAD), exc_head)

    ping = subprocess.Popen(['ip', 'netns', 'exec', args.ns, 'ping', '-n', '-c', str(args.count),
                             '-i', '0.2', '-W', '2', args.ip],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    deadline = time.time() + args.timeout
    while ping.poll() is None:
        if time.time() > deadline:
            ping.kill()
            fail('ping did not finish')
        rl, _, _ = select.select([efd], [], [], 0.05)
        if rl:
            os.eventfd_read(efd)
            wakeups += 1
        drain()
    out = ping.stdout.read().decode()
    if ping.returncode != 0:
        fail(f'ping from the peer failed (rc {ping.returncode}); exceptions {seen}; sent {sent}\n{out}')
    print(f'ping: {args.count}/{args.count} answered through the RAW ring; exceptions by reason {seen}', flush=True)
    if seen.get(EXC_NOT_TCP, 0) < args.count:
        fail(f'expected >= {args.count} NOT_TCP exceptions, saw {seen}')
    if wakeups == 0:
        fail('the slow-path eventfd never fired')

    # counters in the register file lag by up to 16 polls
    time.sleep(0.1)
    n_ipv4, n_tcp, n_raw = (d.counter(CNT_EXC_BASE + EXC_NOT_IPV4), d.counter(CNT_EXC_BASE + EXC_NOT_TCP),
                            d.counter(CNT_TX_RAW))
    print(f'counters: exc not_ipv4 {n_ipv4} not_tcp {n_tcp}, tx_raw {n_raw}', flush=True)
    if n_tcp < args.count or n_raw != sent:
        fail(f'counters in the register file do not match (sent {sent} raw frames)')
    for drop in (DROP_CMD_BAD, DROP_RAW_BAD, DROP_TX_BUSY):
        if d.counter(CNT_DROP_BASE + drop):
            fail(f'drop counter {drop} is {d.counter(CNT_DROP_BASE + drop)}')
    if seen.get(EXC_NOT_IPV4, 0) and n_ipv4 < seen[EXC_NOT_IPV4]:
        fail('not_ipv4 counter below the exceptions seen')
    r = d.request(DEV_STATS)
    text = r[6].rstrip(b'\0').decode()
    print(f'STATS: wire rx {r[4]} tx {r[5]} ({text})', flush=True)
    if r[2] != 0 or r[4] < args.count or r[5] < sent:
        fail('STATS')
    if text != 'faults=0':
        fail(f'DMA faults: {text}')
    if args.capture:
        r = d.request(DEV_CAPTURE)
        if r[2] != 0:
            fail(f'CAPTURE stop: status {r[2]}')
    if args.shutdown:
        r = d.request(DEV_SHUTDOWN)
        if r[2] != 0:
            fail(f'SHUTDOWN: status {r[2]}')
    print('ok', flush=True)


if __name__ == '__main__':
    main()
