#!/usr/bin/env bash
# toffee-fw smoke test (root; skips without root or /dev/net/tun):
#  1. wrong flags are refused with exit 2 before the EAL starts;
#  2. net_tap: toffee-fw creates the TAP, which moves into a peer namespace;
#     a minimal toffeed (fw_minid.py) maps a region, sets up the slow-path
#     rings and answers the peer's ARP and pings through EXC -> RAW; the
#     capture holds both directions (read back by tcpdump); SHUTDOWN ends
#     toffee-fw cleanly (exit 0, socket and pid file removed);
#  3. net_af_packet on a veth, toffee-fw inside its own namespace: the same
#     exchange, the minimal toffeed detaches, a second one attaches to the
#     reset device, SIGTERM ends toffee-fw cleanly.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
FW=build/bin/toffee-fw
PY=/usr/bin/python3
[ -x "$FW" ] || { echo "FAIL: $FW not built"; exit 1; }
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
S=$NS_SUFFIX
RUN=/tmp/tfw-$S
ns_init
trap 'cleanup_all; [ -n "${KEEP:-}" ] || rm -rf "$RUN" /var/run/dpdk/tfa$S /var/run/dpdk/tfb$S' EXIT
mkdir -p "$RUN"
EAL=(--no-huge --no-pci -m 256 -l 0 --no-telemetry --log-level=lib.eal:error)

fail() { echo "FAIL: $*"; for l in "$RUN"/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -20 "$l"; }; done; exit 1; }
# wait_sock PATH PID: until PATH is a socket (toffee-fw is ready) or PID died.
wait_sock() {
	for _ in $(seq 200); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.05
	done
	return 1
}
# start_fw LOG CMD...: toffee-fw in the background, output to $RUN/LOG.
start_fw() {
	local log=$RUN/$1; shift
	"$@" >"$log" 2>&1 &
	FWPID=$!
	PIDS_STARTED+=("$FWPID")
}
# wait_exit PID: its exit status (fails after 10 s).
wait_exit() {
	for _ in $(seq 200); do
		kill -0 "$1" 2>/dev/null || { wait "$1"; return $?; }
		sleep 0.05
	done
	return 124
}

# ---- 1. flags -----------------------------------------------------------------
out=$($FW "${EAL[@]}" -- --flows 1000 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "power of two" <<<"$out" || fail "--flows 1000: rc $rc: $out"
out=$($FW -- --bogus 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "unknown option '--bogus'" <<<"$out" || fail "--bogus: rc $rc: $out"
out=$($FW -- --rundir 2>&1); rc=$?
[ $rc -eq 2 ] && grep -q "needs an argument" <<<"$out" || fail "--rundir without value: rc $rc: $out"
$FW -- --help | grep -q -- "--rundir DIR" || fail "--help"
echo "flags: ok"

# ---- 2. net_tap ---------------------------------------------------------------
NS=tfp$S; TAP=tft$S
ns_add "$NS"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
start_fw fw-tap.log $FW "${EAL[@]}" --file-prefix tfa$S --vdev=net_tap0,iface=$TAP -- \
	--rundir "$RUN/a" --pidfile "$RUN/a.pid" --flows 1024 --stats
wait_sock "$RUN/a/nic.sock" $FWPID || fail "toffee-fw (tap) did not come up"
[ "$(cat "$RUN/a.pid")" = "$FWPID" ] || fail "pid file holds $(cat "$RUN/a.pid"), not $FWPID"
[ "$(stat -c %a "$RUN/a/nic.sock")" = 600 ] || fail "nic.sock mode $(stat -c %a "$RUN/a/nic.sock")"
ip link set "$TAP" netns "$NS" || fail "cannot move $TAP into $NS"
ip -n "$NS" link set "$TAP" address 02:00:00:77:00:02   # the PMD gave both ends its MAC
ip -n "$NS" addr add 10.77.0.2/24 dev "$TAP"
ip -n "$NS" link set "$TAP" up
$PY tests/system/fw_minid.py --sock "$RUN/a/nic.sock" --ns "$NS" --ip 10.77.0.1 \
	--capture "$RUN/a.pcap" --shutdown || fail "minimal toffeed (tap)"
wait_exit $FWPID; rc=$?
[ $rc -eq 0 ] || fail "toffee-fw exit status $rc after SHUTDOWN"
[ ! -e "$RUN/a/nic.sock" ] || fail "nic.sock left behind"
[ ! -e "$RUN/a.pid" ] || fail "pid file left behind"
dump=$(tcpdump -nr "$RUN/a.pcap" 2>/dev/null)
for pat in "ARP, Request who-has 10.77.0.1" "ARP, Reply 10.77.0.1 is-at" \
	   "10.77.0.2 > 10.77.0.1: ICMP echo request" "10.77.0.1 > 10.77.0.2: ICMP echo reply"; do
	grep -q "$pat" <<<"$dump" || fail "capture lacks '$pat':
$dump"
done
echo "tap: ok ($(wc -l <<<"$dump") frames captured)"

# ---- 3. net_af_packet on a veth, SIGTERM ------------------------------------------
NSN=tfn$S; NS2=tfq$S
ns_add "$NSN"; ns_add "$NS2"
veth_add tfa$S tfb$S
ip link set tfa$S netns "$NSN"; ip link set tfb$S netns "$NS2"
for n in "$NSN" "$NS2"; do
	ip netns exec "$n" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
done
ip -n "$NSN" link set tfa$S up
ip -n "$NS2" addr add 10.78.0.2/24 dev tfb$S
ip -n "$NS2" link set tfb$S up
start_fw fw-afp.log ip netns exec "$NSN" $FW "${EAL[@]}" --file-prefix tfb$S \
	--vdev=net_af_packet0,iface=tfa$S -- --rundir "$RUN/b" --stats
wait_sock "$RUN/b/nic.sock" $FWPID || fail "toffee-fw (af_packet) did not come up"
$PY tests/system/fw_minid.py --sock "$RUN/b/nic.sock" --ns "$NS2" --ip 10.78.0.1 \
	|| fail "minimal toffeed (af_packet)"
# the first one detached: the device was reset; a second toffeed starts afresh
ip -n "$NS2" neigh flush dev tfb$S
$PY tests/system/fw_minid.py --sock "$RUN/b/nic.sock" --ns "$NS2" --ip 10.78.0.1 --count 2 \
	|| fail "second minimal toffeed (af_packet)"
kill -TERM $FWPID
wait_exit $FWPID; rc=$?
[ $rc -eq 0 ] || fail "toffee-fw exit status $rc after SIGTERM"
[ ! -e "$RUN/b/nic.sock" ] || fail "nic.sock left behind after SIGTERM"
echo "af_packet: ok"
echo "ok"
