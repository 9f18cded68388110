#!/usr/bin/env bash
# toffee-fw on an existing interface through AF_PACKET rings (`toffee start
# --iface`, net_af_packet) instead of a TAP (root; skips without root,
# toffee-fw or libtoffee): a veth pair whose other end is the Linux peer's.
#  1. start's errors: no such interface, --tap with --iface, --iface on sim;
#     GRO on the interface is turned off (AF_PACKET would see merged frames);
#  2. ping; a Linux client -> a toffee server: echo, 64 MiB each way
#     (sha256 on both ends);
#  3. a toffee client -> a Linux server: echo, 16 MiB each way (sha256);
#  4. 100 concurrent connections; no flows left, one context (the server).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
export TOFFEE_PORT=veth
. tests/system/sysup.sh
ns_require_root
PY=/usr/bin/python3
PEER=$PWD/tests/system/tf_peer.py
for f in build/bin/toffee-fw build/bin/toffeed build/lib/libtoffee-preload.so; do
	[ -e "$f" ] || { echo "skip: $f not built"; exit 77; }
done
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
sys_init tafp
peer() { ip netns exec "$NS" timeout 150 "$PY" "$PEER" "$@"; }

# ---- 1. errors ----------------------------------------------------------------------------
expect_err() {   # expect_err PATTERN ARGS...: toffee start fails saying PATTERN
	local pat=$1 out rc
	shift
	out=$("$TOFFEE" start "$@" 2>&1); rc=$?
	[ $rc -ne 0 ] && grep -q "$pat" <<<"$out" || fail "toffee start $*: rc $rc, '$out' (want '$pat')"
}
expect_err "no such interface" --backend fw --iface nosuch$NS_SUFFIX --ip "$US/24"
expect_err "exclude each other" --backend fw --tap "$TAP" --iface lo --ip "$US/24"
expect_err "needs --backend fw" --backend sim --iface lo --ip "$US/24"
echo "start errors: ok"

# ---- 2. Linux client -> toffee server -----------------------------------------------------
SYS_VETH_GRO=1 sys_up
grep -q "turned GRO off on $TAP" "$LOGS/start.log" || fail "start did not turn GRO off: $(cat "$LOGS/start.log")"
ethtool -k "$TAP" | grep -q "generic-receive-offload: off" || fail "GRO still on: $(ethtool -k "$TAP" | grep generic-receive)"
"$TOFFEE" status | head -1 | grep -q 'NIC "fw"' || fail "toffee status: $("$TOFFEE" status | head -1)"
grep -q "interface $TAP" "$LOGS/start.log" || fail "start: $(cat "$LOGS/start.log")"
ip netns exec "$NS" ping -c 2 -i 0.2 -W 5 "$US" >"$LOGS/ping.log" 2>&1 || fail "ping $US"
start_app srv "$PY" "$PEER" server 7000
wait_listen "$LOGS/srv.log"
peer echo "$US" 7000 3 || fail "echo"
peer send "$US" 7000 $((64 << 20)) || fail "64 MiB Linux -> toffee"
peer recv "$US" 7000 $((64 << 20)) || fail "64 MiB toffee -> Linux"
echo "passive: ok"

# ---- 3. toffee client -> Linux server -----------------------------------------------------
ip netns exec "$NS" timeout 300 "$PY" "$PEER" server 7100 >"$LOGS/linux-srv.log" 2>&1 &
PIDS_STARTED+=($!)
wait_listen "$LOGS/linux-srv.log"
tcli() { timeout 150 "$TOFFEE" run -- "$PY" "$PEER" "$@" >>"$LOGS/tcli.log" 2>&1; }
tcli echo "$PEERIP" 7100 3 || fail "toffee client echo: $(cat "$LOGS/tcli.log")"
tcli send "$PEERIP" 7100 $((16 << 20)) || fail "toffee client: 16 MiB toffee -> Linux"
tcli recv "$PEERIP" 7100 $((16 << 20)) || fail "toffee client: 16 MiB Linux -> toffee"
echo "active: ok"

# ---- 4. concurrency -----------------------------------------------------------------------
peer concurrent "$US" 7000 100 || fail "100 concurrent connections"
wait_idle 1 20
echo "100 concurrent: ok"
echo "ok"
