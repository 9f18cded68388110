#!/usr/bin/env bash
# toffeed and the `toffee` command against the Linux kernel's TCP (root;
# skips without root, /dev/net/tun or toffee-fw):
#  1. the command refuses wrong flags, non-root users and a missing daemon;
#  2. `toffee start --backend fw` brings up toffee-fw + toffeed on a TAP that
#     moves into a peer namespace (Linux at 10.A.B.1, toffee at .2);
#  3. ARP and ping; a Linux client talks to a toffee server (under
#     `toffee run`): echo, 64 MiB each way with sha256, 100 connections at
#     once, 300 short connections in sequence; a closed port answers RST;
#  4. a toffee client talks to a Linux server (active open: ARP, SYN, data
#     both ways), through the gateway to an address off the subnet, to a
#     closed port (refused), and to a server that reads late (zero window,
#     persist probes);
#  5. isolation: an app's device descriptor maps its doorbell page and
#     nothing else; another context naming the server's flow and listener is
#     refused (-EPERM, counted); the peer resets a connection; a toffee app
#     is killed with SIGKILL in the middle of a transfer: the peer sees a
#     reset, toffee status is back to no flows and no contexts, a second app
#     works;
#  6. `toffee capture` writes a pcap tcpdump reads; `toffee stop`.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
. tests/system/sysup.sh
ns_require_root
PY=/usr/bin/python3
PEER=$PWD/tests/system/tf_peer.py
APPCHECK=$PWD/build/test/sp/appcheck
[ -x build/bin/toffee-$SYS_BACKEND ] || { echo "skip: build/bin/toffee-$SYS_BACKEND not built"; exit 77; }
[ -f build/lib/libtoffee-preload.so ] || { echo "skip: libtoffee-preload.so not built"; exit 77; }
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
sys_init tsys
peer() { ip netns exec "$NS" timeout 120 "$PY" "$PEER" "$@"; }

# ---- 1. the command's errors ---------------------------------------------------------
out=$("$TOFFEE" start --backend fw --tap "$TAP" 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "are required" <<<"$out" || fail "missing --ip: rc $rc: $out"
out=$("$TOFFEE" start --backend xrt --tap "$TAP" --ip $US/24 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "xrt is not available" <<<"$out" || fail "--backend xrt: rc $rc: $out"
out=$("$TOFFEE" start --backend fw --tap "$TAP" --ip 300.1.1.1/24 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "want ADDR/LEN" <<<"$out" || fail "bad --ip: rc $rc: $out"
out=$("$TOFFEE" start --backend fw --tap "$TAP" --ip $US/24 --bogus 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--bogus'" <<<"$out" || fail "--bogus: rc $rc: $out"
out=$("$TOFFEE" frobnicate 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "unknown command" <<<"$out" || fail "unknown command: rc $rc: $out"
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$TOFFEE" start --backend fw --tap "$TAP" --ip $US/24 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "needs root" <<<"$out" || fail "non-root start: rc $rc: $out"
out=$("$TOFFEE" status 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not running" <<<"$out" || fail "status without daemon: rc $rc: $out"
out=$("$TOFFEE" run -- true 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not running" <<<"$out" || fail "run without daemon: rc $rc: $out"
out=$("$TOFFEE" stop 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "not running" <<<"$out" || fail "stop without daemon: rc $rc: $out"
out=$(build/bin/toffeed --ip 10.0.0.1 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "ADDR/LEN" <<<"$out" || fail "toffeed --ip without length: rc $rc: $out"
echo "errors: ok"

# ---- 2. start ---------------------------------------------------------------------------
sys_up --gw "$PEERIP"
ip -n "$NS" addr add 192.0.2.77/32 dev lo       # off the subnet: via the gateway
# Headers of everything on the wire, for the diagnosis of a failure.
ip netns exec "$NS" tcpdump -s 256 -ni "$TAP" -w "$LOGS/wire.pcap" >/dev/null 2>&1 &
PIDS_STARTED+=($!)
out=$("$TOFFEE" start --backend "$SYS_BACKEND" --tap "$TAP" --ip $US/24 2>&1); rc=$?
[ $rc -eq 1 ] && grep -q "already running" <<<"$out" || fail "second start: rc $rc: $out"
echo "start: ok"

# ---- 3. Linux client -> toffee server --------------------------------------------------
ip netns exec "$NS" ping -c 3 -i 0.2 -W 2 $US >"$LOGS/ping.log" 2>&1 || fail "ping $US"
start_app srv1 "$PY" "$PEER" server 7000
SRV1=$BG_PID
wait_listen "$LOGS/srv1.log"
peer echo $US 7000 || fail "echo"
peer send $US 7000 $((64 << 20)) || fail "64 MiB Linux -> toffee"
peer recv $US 7000 $((64 << 20)) || fail "64 MiB toffee -> Linux"
peer concurrent $US 7000 100 || fail "100 concurrent connections"
peer echo $US 7000 300 || fail "300 short connections"
peer refused $US 7001 || fail "closed port"
peer reset $US 7000 || fail "peer reset"
wait_idle 1
echo "passive: ok"

# ---- 4. toffee client -> Linux server ----------------------------------------------------
ip netns exec "$NS" timeout 120 "$PY" "$PEER" server 7100 >"$LOGS/linux-srv.log" 2>&1 &
PIDS_STARTED+=($!)
wait_listen "$LOGS/linux-srv.log"
"$TOFFEE" run -- "$PY" "$PEER" echo $PEERIP 7100 5 >"$LOGS/tcli.log" 2>&1 || fail "toffee client echo: $(cat "$LOGS/tcli.log")"
"$TOFFEE" run -- "$PY" "$PEER" send $PEERIP 7100 $((16 << 20)) >>"$LOGS/tcli.log" 2>&1 || fail "toffee client send"
"$TOFFEE" run -- "$PY" "$PEER" recv $PEERIP 7100 $((16 << 20)) >>"$LOGS/tcli.log" 2>&1 || fail "toffee client recv"
"$TOFFEE" run -- "$PY" "$PEER" refused $PEERIP 7101 >>"$LOGS/tcli.log" 2>&1 || fail "toffee client to a closed port"
"$TOFFEE" run -- "$PY" "$PEER" echo 192.0.2.77 7100 3 >>"$LOGS/tcli.log" 2>&1 || fail "toffee client via the gateway"
"$TOFFEE" run -- "$PY" "$PEER" sendslow $PEERIP 7100 $((16 << 20)) >>"$LOGS/tcli.log" 2>&1 || fail "toffee client, late reader"
probes=$("$TOFFEE" status | awk '$1 == "persist_probes" { print $2 }')
[ "${probes:-0}" -gt 0 ] || fail "no zero-window probe was sent"
wait_idle 1
echo "active: ok"

# ---- 5. isolation, an app killed mid-transfer ----------------------------------------------
ip netns exec "$NS" timeout 60 "$PY" "$PEER" hold $US 7000 $((1 << 34)) >"$LOGS/hold.log" 2>&1 &
HOLD=$!
for _ in $(seq 100); do grep -q holding "$LOGS/hold.log" && break; sleep 0.05; done
sleep 0.5
flow=$("$TOFFEE" status | awk '/^flows/ { f = 1; next } f && $3 == "ESTABLISHED" { print $1; exit }')
lst=$("$TOFFEE" status | awk '/^listeners/ { f = 1; next } f && $1 == "id" { print $2; exit }')
[ -n "$flow" ] && [ -n "$lst" ] || fail "no flow/listener of the server in toffee status"
"$TOFFEE" status | grep -q "^NIC ABI 1.2, features ts ecn rate ooo1 sack slowmark; SACK negotiated$" ||
	fail "status: $("$TOFFEE" status | grep -m1 "^NIC ABI")"
# status --all: the options the Linux peer and toffee agreed on
"$TOFFEE" status --all | grep -q "options: ts ws sack$" ||
	fail "status --all: $("$TOFFEE" status --all | grep -m1 options:)"
"$APPCHECK" "$TOFFEE_RUNDIR" abort "$flow" close "$flow" shutdown "$flow" unlisten "$lst" \
	listen 7000 >"$LOGS/appcheck.log" 2>&1 || fail "appcheck"
[ "$(grep -c -- ' -1$' "$LOGS/appcheck.log")" = 4 ] || fail "another context's requests not refused: $(cat "$LOGS/appcheck.log")"
grep -q "listen 7000 -98" "$LOGS/appcheck.log" || fail "second listener on a port: $(cat "$LOGS/appcheck.log")"
grep -q "doorbell fd: 4096 bytes, sealed" "$LOGS/appcheck.log" ||
	fail "an app can reach more than its doorbell page: $(cat "$LOGS/appcheck.log")"
n=$("$TOFFEE" status | awk '$1 == "app_not_owner" { print $2 }')
[ "${n:-0}" -ge 4 ] || fail "app_not_owner counter is ${n:-none}"
# The hand-over requests on that flow from another context: RELEASE refused
# (EPERM), TAKEOVER without its key or by a descriptor that is not its
# socket refused (EBADF), IDENTIFY of a pipe: no flow (ENOENT), a SHARE
# ignored; the flow runs on.
"$APPCHECK" "$TOFFEE_RUNDIR" share "$flow" release "$flow" takeover "$flow" takeover-fd "$flow" \
	identify 0 >"$LOGS/appcheck2.log" 2>&1 || fail "appcheck (hand-over)"
for want in "share $flow sent" "release $flow -1" "takeover $flow -9" "takeover-fd $flow -9" "identify 0 -2"; do
	grep -qx "$want" "$LOGS/appcheck2.log" || fail "hand-over request: want '$want': $(cat "$LOGS/appcheck2.log")"
done
"$TOFFEE" status | awk -v f="$flow" '/^flows/ { s = 1; next } s && $1 == f && $3 == "ESTABLISHED" { ok = 1 } END { exit !ok }' ||
	fail "flow $flow not ESTABLISHED after another context's hand-over requests"
echo "isolation: another context's requests refused and counted, hand-over requests too"
kill -KILL $SRV1
wait $HOLD || fail "the peer did not see a reset: $(cat "$LOGS/hold.log")"
wait_idle 0
start_app srv2 "$PY" "$PEER" server 7002
wait_listen "$LOGS/srv2.log"
peer echo $US 7002 3 || fail "a second app after the kill"
echo "kill: ok"

# An app that goes away with replies unread: the kernel reports ECONNRESET
# to toffeed before the messages still queued from the app; they count all
# the same (here FORKING, which holds the app's listeners for fork
# children; toffeed is stopped while the app sends it and exits).
tfd=$("$TOFFEE" status | awk '$1 == "toffeed" && $2 == "pid" { print $3 + 0; exit }')
[ -n "$tfd" ] || fail "no toffeed pid in toffee status"
"$APPCHECK" "$TOFFEE_RUNDIR" unread 7101 stop "$tfd" forking 0 >"$LOGS/appcheck3.log" 2>&1
rc=$?
kill -CONT "$tfd"
[ $rc = 0 ] && grep -qx "unread 7101 0" "$LOGS/appcheck3.log" && grep -qx "forking 0 0" "$LOGS/appcheck3.log" ||
	fail "appcheck (unread reply): $(cat "$LOGS/appcheck3.log")"
for _ in $(seq 50); do "$TOFFEE" status | grep -q "port 7101  held for fork children" && break; sleep 0.1; done
"$TOFFEE" status | grep -q "port 7101  held for fork children" ||
	fail "a message sent before the app went away (its reply unread) was lost: $("$TOFFEE" status | grep -A3 ^listeners)"
echo "hang-up with replies unread: the app's last messages were read"

# ---- 6. capture and stop -------------------------------------------------------------------
"$TOFFEE" capture "$LOGS/cap.pcap" --seconds 2 2>"$LOGS/cap.log" &
CAP=$!
sleep 0.5
peer echo $US 7002 2 || fail "echo during capture"
wait $CAP || fail "toffee capture: $(cat "$LOGS/cap.log")"
n=$(tcpdump -nr "$LOGS/cap.pcap" "tcp port 7002" 2>/dev/null | wc -l)
[ "$n" -ge 10 ] || fail "capture has $n frames of port 7002"
"$TOFFEE" status >"$LOGS/status.txt" || fail "toffee status"
grep -q "toffeed counters" "$LOGS/status.txt" && grep -q "P4  no_flow" "$LOGS/status.txt" || fail "status report"
"$TOFFEE" stop >/dev/null || fail "toffee stop"
[ -e "$TOFFEE_RUNDIR/app.sock" ] && fail "app.sock left behind"
out=$("$TOFFEE" status 2>&1); [ $? -eq 1 ] || fail "status after stop: $out"
echo "capture, stop: ok"
echo "ok"
