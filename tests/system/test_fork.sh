#!/usr/bin/env bash
# Accept-then-fork servers on toffee: a connection accepted by one process
# and served by its fork child (the flow moves between contexts,
# host/slowpath/handover.c), against the Linux kernel's TCP in a peer
# namespace, over the fw backend (TOFFEE_BACKEND=sim: the RTL NIC,
# test_sim_fork.sh) (root; skips without root, /dev/net/tun, the NIC's
# program or python3). tests/system/fork_srv.py:
#  1. forking: Python's socketserver.ForkingTCPServer. 20 connections, each
#     a small request and answer, served by 20 different children, never by
#     the parent; then 4 MiB up and 4 MiB down on one connection (sha256
#     and pattern checked).
#  2. late: each child waits 0.3 s before it reads (the parent has closed
#     its copy by then: RELEASE, then TAKEOVER). 10 connections.
#  3. ignore: the child exits without touching the connection (the peer
#     sent nothing): the peer gets the FIN (EOF, not a reset) within 1 s,
#     as from Linux, whichever lets go first (the parent's RELEASE or the
#     child's exit: which toffeed sees first varies, so no counter is
#     required here).
#  4. helper: the parent serves the connection itself and closes it while a
#     helper child still holds it (never using it): the FIN follows when the
#     helper exits (~1 s), as from Linux.
#  5. orphan: the parent _exits at once after the fork (without closing the
#     connection); its child serves it 0.5 s later (1 MiB each way): the
#     flow waited for the child.
#  6. inetd: the child puts the connection on its stdin/stdout and execs a
#     program that serves it there (10 connections, 1 MiB each way on one).
#     The same with a dual-stack AF_INET6 listener: the exec'd program's
#     socket is AF_INET6 with an IPv4-mapped peer (3 connections). The same
#     with the program started by subprocess.Popen (vfork) and by
#     os.posix_spawn (5 connections and 1 MiB each way, each).
#  7. keep: the child serves and closes the connection while the parent
#     still holds it: the FIN comes when the parent closes (~1 s later).
# After each part no flows are left; toffeed's hand-over counters are
# checked where they tell the path taken.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
. tests/system/sysup.sh
PY=/usr/bin/python3
for f in "build/bin/toffee-$SYS_BACKEND" build/lib/libtoffee-preload.so "$PY"; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "skip: $f missing"; exit 77; }
done
sys_init tfk
sys_up

# peer_req PORT N UP DOWN: N connections in sequence, each sending UP bytes
# and reading DOWN (both checked); prints the serving PID per connection.
peer_req() {
	peer_exec "$PY" - "$US" "$@" <<'EOF'
import hashlib, os, socket, sys, time
host, port, n, up, down = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
pattern = bytes(range(256)) * 256
for i in range(n):
    c = socket.create_connection((host, port), timeout=20)
    data = os.urandom(up)
    c.sendall(b"%d %d\n" % (down, up) + data)
    got = bytearray()
    while True:
        b = c.recv(1 << 16)
        if not b:
            break
        got += b
    c.close()
    head, _, body = bytes(got).partition(b"\n")
    pid, _, sha = head.decode().partition(" ")
    if sha != hashlib.sha256(data).hexdigest():
        sys.exit("connection %d: answer %r, want the sha256 of %d bytes" % (i, head, up))
    want = (pattern * (down // len(pattern) + 1))[:down]
    if body != want:
        sys.exit("connection %d: %d bytes back, want %d of the pattern" % (i, len(body), down))
    print(pid)
EOF
}

# peer_eof PORT [REQUEST]: connect, send REQUEST, time until EOF; fails on
# a reset.
peer_eof() {
	peer_exec "$PY" - "$US" "$1" "${2:-}" <<'EOF'
import socket, sys, time
c = socket.create_connection((sys.argv[1], int(sys.argv[2])), timeout=10)
if sys.argv[3]:
    c.sendall(sys.argv[3].encode() + b"\n")
t = time.time()
try:
    while c.recv(256):
        pass
except ConnectionResetError:
    sys.exit("reset, not closed")
print("%.2f" % (time.time() - t))
EOF
}

run_srv() {
	start_app "$1" "$PY" -u tests/system/fork_srv.py "$1" "$2"
	SRV=$BG_PID
	wait_listen "$LOGS/$1.log"
}

stop_srv() {
	kill -TERM "$SRV"
	wait "$SRV" 2>/dev/null
	wait_idle 0
}

# ---- 1. ForkingTCPServer ----------------------------------------------------------
run_srv forking 9200
got=$(peer_req 9200 20 100 1000) || fail "forking: $got"
[ "$(sort -u <<<"$got" | wc -l)" = 20 ] || fail "forking: 20 connections served by $(sort -u <<<"$got" | wc -l) processes"
grep -qx "$SRV" <<<"$got" && fail "forking: the parent ($SRV) served a connection"
got=$(peer_req 9200 1 $((4 << 20)) $((4 << 20))) || fail "forking, 4 MiB each way: $got"
taken=$(counter handover_taken)
[ "${taken:-0}" -ge 21 ] || fail "forking: handover_taken ${taken:-missing}, want >= 21"
echo "forking: 20 connections served by 20 children, 4 MiB up and down (sha256 ok), $taken flows taken over"
stop_srv

# ---- 2. children that start late -----------------------------------------------------
run_srv late 9201
released0=$(counter handover_released)
got=$(peer_req 9201 10 2000 2000) || fail "late: $got"
[ "$(sort -u <<<"$got" | wc -l)" = 10 ] || fail "late: 10 connections served by $(sort -u <<<"$got" | wc -l) processes"
released=$(counter handover_released)
[ $((released - released0)) -ge 10 ] || fail "late: handover_released went $released0 -> $released, want +10"
echo "late: 10 connections released by the parent, then served by their children"
stop_srv

# ---- 3. a child that never uses the connection -----------------------------------------
run_srv ignore 9202
t=$(peer_eof 9202) || fail "ignore: $t"
awk -v t="$t" 'BEGIN { exit !(t < 1.0) }' || fail "ignore: EOF after $t s, want < 1 s"
echo "ignore: the child exited without the connection: the peer got the FIN after $t s"
stop_srv

# ---- 4. the parent serves, a helper child holds the socket -------------------------------
run_srv helper 9203
t=$(peer_eof 9203 "0 0") || fail "helper: $t"
awk -v t="$t" 'BEGIN { exit !(t > 0.6 && t < 3.0) }' ||
	fail "helper: EOF after $t s, want when the helper exits (~1 s)"
echo "helper: FIN when the last holder (the helper child) exited, after $t s"
got=$(peer_req 9203 3 10 10) || fail "helper: $got"
stop_srv

# ---- 5. the parent exits before its child uses the connection ------------------------------
TOFFEE_TRACE=1 run_srv orphan 9204     # its library trace is in orphan.log
got=$(peer_req 9204 1 $((1 << 20)) $((1 << 20))) || fail "orphan: $got"
[ "$got" != "$SRV" ] || fail "orphan: served by the parent"
wait "$SRV" 2>/dev/null
wait_idle 0
echo "orphan: the parent exited at once, its child served the connection (1 MiB each way)"

# ---- 6. inetd: fork, the connection on stdin/stdout, exec ---------------------------------
run_srv inetd 9205
got=$(peer_req 9205 10 100 1000) || fail "inetd: $got"
[ "$(sort -u <<<"$got" | wc -l)" = 10 ] || fail "inetd: 10 connections served by $(sort -u <<<"$got" | wc -l) processes"
got=$(peer_req 9205 1 $((1 << 20)) $((1 << 20))) || fail "inetd, 1 MiB each way: $got"
stop_srv
echo "inetd: 10 connections served by exec'd programs on their stdin/stdout, 1 MiB each way"
# An AF_INET6 (dual-stack) listener: the exec'd program's socket is AF_INET6 too.
run_srv inetd6 9208
got=$(peer_req 9208 3 100 1000) || fail "inetd6: $got"
[ "$(sort -u <<<"$got" | wc -l)" = 3 ] || fail "inetd6: 3 connections served by $(sort -u <<<"$got" | wc -l) processes"
stop_srv
echo "inetd6: the exec'd programs' sockets are AF_INET6 with IPv4-mapped peers"

# ---- 6b. the same through subprocess (vfork) and posix_spawn -------------------------------
for mode in spawn pspawn; do
	run_srv $mode 9207
	got=$(peer_req 9207 5 100 1000) || fail "$mode: $got"
	[ "$(sort -u <<<"$got" | wc -l)" = 5 ] || fail "$mode: 5 connections served by $(sort -u <<<"$got" | wc -l) processes"
	got=$(peer_req 9207 1 $((1 << 20)) $((1 << 20))) || fail "$mode, 1 MiB each way: $got"
	stop_srv
done
echo "spawn: connections given to programs started by subprocess (vfork) and posix_spawn, 1 MiB each way"

# ---- 7. the child closes first, the parent still holds the socket --------------------------
run_srv keep 9206
t=$(peer_eof 9206 "0 0") || fail "keep: $t"
awk -v t="$t" 'BEGIN { exit !(t > 0.6 && t < 3.0) }' ||
	fail "keep: EOF after $t s, want when the parent closes its copy (~1 s)"
stop_srv
echo "keep: the child served and closed, the FIN came when the parent closed its copy ($t s)"
echo "fork: ok"
