#!/usr/bin/env bash
# The co-simulation system test: toffee on the RTL NIC (toffee-sim, the
# Verilator model of hw/rtl/toffee_top, `toffee start --backend sim`) against
# the Linux kernel's TCP in a peer namespace (root; skips without root,
# /dev/net/tun, a built toffee-sim, toffeed or libtoffee-preload):
#  1. ping; a Linux client -> a toffee server (tf_peer.py under `toffee run`):
#     echo, SIM_MIB MiB (default 16) each way, sha256 checked on both ends
#     (send: the server hashes what it got and answers; recv: the client
#     checks the seeded stream);
#  2. a toffee client -> a Linux server: echo, SIM_MIB MiB each way (sha256);
#  3. an unmodified program on toffee: python3 -m http.server, curl from the
#     peer fetches a 4 MiB file (sha256);
#  4. a toffee app SIGKILLed in the middle of a transfer: the peer sees a
#     reset, `toffee status` is back to 0 flows and 0 contexts, a second app
#     works;
#  5. 100 concurrent connections to it, all closed again;
#  and at the end no flows and no contexts are left, no frame was lost in
#  the MAC's receive FIFO (mac_overflow 0); toffee-sim's speed is
#  reported. Everything (namespace, TAP, processes, run directory) is removed
#  by sysup.sh's EXIT trap, also on failure. KEEP=1 keeps the logs and
#  records the wire ($LOGS/wire.pcap).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
export TOFFEE_BACKEND=sim
. tests/system/sysup.sh
ns_require_root
PY=/usr/bin/python3
PEER=$PWD/tests/system/tf_peer.py
MIB=${SIM_MIB:-16}
N=$((MIB << 20))
[ -x build/bin/toffee-sim ] || { echo "skip: build/bin/toffee-sim not built"; exit 77; }
[ -x "$TOFFEE" ] && [ -x build/bin/toffeed ] || { echo "skip: toffee / toffeed not built"; exit 77; }
[ -f build/lib/libtoffee-preload.so ] || { echo "skip: libtoffee-preload.so not built"; exit 77; }
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
command -v curl >/dev/null || { echo "skip: no curl"; exit 77; }
# The model is ~1,000x slower than a card: generous per-operation timeouts.
export TF_TIMEOUT=60
sys_init tss
peer() { ip netns exec "$NS" timeout 150 "$PY" "$PEER" "$@"; }
t0=$(date +%s.%N)
lap() { printf '%.1f s' "$(echo "$(date +%s.%N) - ${1:-$t0}" | bc)"; }

# KEEP=1 also records the wire ($LOGS/wire.pcap, cycle time stamps).
WIRE=()
[ -n "${KEEP:-}" ] && WIRE=(--nic-arg --pcap-wire --nic-arg "$LOGS/wire.pcap")
sys_up --gw "$PEERIP" ${WIRE[@]+"${WIRE[@]}"}
nicpid=$(cat "$TOFFEE_RUNDIR/nic.pid" 2>/dev/null)
[ "$(cat /proc/"${nicpid:-0}"/comm 2>/dev/null)" = toffee-sim ] || fail "the NIC process is not toffee-sim"
"$TOFFEE" status | head -1 | grep -q 'NIC "sim"' || fail "toffee status: $("$TOFFEE" status | head -1)"
ip netns exec "$NS" ping -c 2 -i 0.2 -W 5 "$US" >"$LOGS/ping.log" 2>&1 || fail "ping $US"
echo "start, ping: ok ($(lap))"

# ---- 1. Linux client -> toffee server ----------------------------------------------------
start_app srv1 "$PY" "$PEER" server 7000
SRV1=$BG_PID
wait_listen "$LOGS/srv1.log"
peer echo "$US" 7000 3 || fail "echo"
t=$(date +%s.%N)
peer send "$US" 7000 $N || fail "$MIB MiB Linux -> toffee"
echo "  $MIB MiB Linux -> toffee: $(lap "$t")"
t=$(date +%s.%N)
peer recv "$US" 7000 $N || fail "$MIB MiB toffee -> Linux"
echo "  $MIB MiB toffee -> Linux: $(lap "$t")"
wait_idle 1 60
echo "passive: ok ($(lap))"

# ---- 2. toffee client -> Linux server ------------------------------------------------------
ip netns exec "$NS" timeout 600 "$PY" "$PEER" server 7100 >"$LOGS/linux-srv.log" 2>&1 &
PIDS_STARTED+=($!)
wait_listen "$LOGS/linux-srv.log"
tcli() { timeout 150 "$TOFFEE" run -- "$PY" "$PEER" "$@" >>"$LOGS/tcli.log" 2>&1; }
tcli echo "$PEERIP" 7100 3 || fail "toffee client echo: $(cat "$LOGS/tcli.log")"
t=$(date +%s.%N)
tcli send "$PEERIP" 7100 $N || fail "toffee client: $MIB MiB toffee -> Linux"
echo "  $MIB MiB toffee -> Linux: $(lap "$t")"
t=$(date +%s.%N)
tcli recv "$PEERIP" 7100 $N || fail "toffee client: $MIB MiB Linux -> toffee"
echo "  $MIB MiB Linux -> toffee: $(lap "$t")"
wait_idle 1 60
echo "active: ok ($(lap))"

# ---- 3. an unmodified program ----------------------------------------------------------------
mkdir -p "$LOGS/www"
head -c $((4 << 20)) /dev/urandom >"$LOGS/www/blob"
want=$(sha256sum <"$LOGS/www/blob" | cut -d' ' -f1)
start_app http "$PY" -u -m http.server 8080 --directory "$LOGS/www"
wait_log "$LOGS/http.log" "Serving HTTP"
"$TOFFEE" status | grep -Eq "^  ctx [0-9]+ +pid $BG_PID " || fail "http.server (pid $BG_PID) has no toffee context"
ip netns exec "$NS" timeout 120 curl -s -o "$LOGS/blob.got" "http://$US:8080/blob"
got=$(sha256sum <"$LOGS/blob.got" | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "curl from the peer: sha256 $got, want $want ($(stat -c %s "$LOGS/blob.got") bytes; $(cmp "$LOGS/blob.got" "$LOGS/www/blob" 2>&1 | head -1))"
kill "$BG_PID"
echo "http.server: ok (4 MiB, sha256; $(lap))"

# ---- 4. an app killed in the middle of a transfer ------------------------------------------
ip netns exec "$NS" timeout 120 "$PY" "$PEER" hold "$US" 7000 $((1 << 34)) >"$LOGS/hold.log" 2>&1 &
HOLD=$!
PIDS_STARTED+=($HOLD)
wait_log "$LOGS/hold.log" holding
for _ in $(seq 100); do
	[ "$("$TOFFEE" status | awk '/^flows/ { f = 1; next } f && $3 == "ESTABLISHED" { n++ } END { print n + 0 }')" -gt 0 ] && break
	sleep 0.1
done
sleep 1      # data flowing
kill -KILL "$SRV1" || fail "no server to kill"
wait "$SRV1" 2>/dev/null     # (no "Killed" notice from bash)
wait $HOLD || fail "the peer did not see a reset: $(cat "$LOGS/hold.log")"
wait_idle 0 60
start_app srv2 "$PY" "$PEER" server 7002
SRV2=$BG_PID
wait_listen "$LOGS/srv2.log"
peer echo "$US" 7002 3 || fail "a second app after the kill"
echo "kill: ok ($(lap))"

# ---- 5. 100 connections at once ------------------------------------------------------------
peer concurrent "$US" 7002 100 || fail "100 concurrent connections"
wait_idle 1 60
echo "concurrent: ok ($(lap))"

# ---- nothing left ------------------------------------------------------------------------------
kill "$SRV2"
wait_idle 0 60
# Every frame of the port reached the fast path (at the 10 Gb/s line rate
# the MAC's FIFO must not overflow: each loss costs the peer an RTO).
n=$(counter mac_overflow)
[ "${n:-0}" = 0 ] || fail "$n frames lost in the MAC's receive FIFO (mac_overflow)"
"$TOFFEE" stop >/dev/null || fail "toffee stop"
echo "toffee-sim: $(grep -o '[0-9]* cycles ([0-9.]* ms simulated).*' "$TOFFEE_RUNDIR/nic.log" | tail -1)"
echo "ok ($(lap))"
