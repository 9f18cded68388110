#!/usr/bin/env bash
# toffeed's loss recovery against Linux through toffee-impair (root; skips
# without root, /dev/net/tun, toffee-fw or libtoffee): the NIC's TAP and a
# veth whose other end is in the peer namespace are bridged by the seeded
# impairment bridge. 1% loss, then 5% loss with reordering, duplication and
# corruption: transfers in both directions arrive intact (sha256), and
# toffeed's retransmission timer and congestion control did their part.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
TOFFEE=$PWD/build/bin/toffee
PY=/usr/bin/python3
PEER=$PWD/tests/system/tf_peer.py
for f in build/bin/toffee-fw build/bin/toffee-impair build/lib/libtoffee-preload.so; do
	[ -e "$f" ] || { echo "skip: $f not built"; exit 77; }
done
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
S=$NS_SUFFIX
NS=tip$S; TAP=tit$S; VA=tia$S; VB=tib$S
NET=10.$((S % 200 + 20)).$((S / 200 % 250 + 1)); US=$NET.2; PEERIP=$NET.1
export TOFFEE_RUNDIR=/tmp/timp-$S
LOGS=/tmp/timp-$S-logs
mkdir -p "$LOGS"
ns_init
cleanup() {
	"$TOFFEE" stop >/dev/null 2>&1
	cleanup_all
	rm -rf /var/run/dpdk/toffee-$TAP
	if [ -z "${KEEP:-}" ]; then rm -rf "$TOFFEE_RUNDIR" "$LOGS"; fi
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for l in "$TOFFEE_RUNDIR"/*.log "$LOGS"/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -15 "$l"; }; done
	"$TOFFEE" status 2>/dev/null | awk '/toffeed counters/ { f = 1 } f && $2 != "0"'
	exit 1
}
# Without SACK and with one out-of-order interval in the NIC, a Linux sender
# recovers slowly from heavy loss: allow long stalls.
peer() { ip netns exec "$NS" env TF_TIMEOUT=150 timeout 300 "$PY" "$PEER" "$@"; }
counter() { "$TOFFEE" status | awk -v n="$1" '$1 == n { print $2 }'; }

"$TOFFEE" start --backend fw --tap "$TAP" --ip $US/24 >"$LOGS/start.log" 2>&1 || fail "toffee start"
ns_add "$NS"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
# The peer's congestion control: cubic (or reno), the loss-based default of
# most distributions. A host default of BBR paces the sender by its
# delivery-rate estimate, which this much loss and reordering drives down to
# ~100 kbit/s: the transfer then crawls for minutes whatever toffee does.
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_congestion_control=cubic 2>/dev/null ||
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_congestion_control=reno
veth_add "$VA" "$VB"
ip link set "$VB" netns "$NS"
ip -n "$NS" addr add $PEERIP/24 dev "$VB"
ip -n "$NS" link set "$VB" up
ip link set "$VA" up
ip link set "$TAP" up
sysctl -qw net.ipv6.conf.$TAP.disable_ipv6=1 net.ipv6.conf.$VA.disable_ipv6=1
ethtool -K "$VA" tx off >/dev/null 2>&1
ip netns exec "$NS" ethtool -K "$VB" tx off >/dev/null 2>&1

"$TOFFEE" run -- "$PY" "$PEER" server 7000 >"$LOGS/srv.log" 2>&1 &
PIDS_STARTED+=($!)
for _ in $(seq 100); do grep -q listening "$LOGS/srv.log" && break; sleep 0.05; done

bg build/bin/toffee-impair --a "$TAP" --b "$VA" --loss 0.01 --seed 11
IMP=$BG_PID
sleep 0.3
peer send $US 7000 $((4 << 20)) || fail "4 MiB Linux -> toffee, 1% loss"
peer recv $US 7000 $((4 << 20)) || fail "4 MiB toffee -> Linux, 1% loss"
echo "1% loss: ok"
kill "$IMP"; wait "$IMP" 2>/dev/null

bg build/bin/toffee-impair --a "$TAP" --b "$VA" --loss 0.05 --reorder 0.05 --dup 0.02 --corrupt 0.02 \
	--seed 12 --only-tcp
sleep 0.3
peer send $US 7000 $((1 << 20)) || fail "1 MiB Linux -> toffee, 5% loss etc."
peer recv $US 7000 $((2 << 20)) || fail "2 MiB toffee -> Linux, 5% loss etc."
echo "5% loss, reordering, duplication, corruption: ok"

[ "$(counter rto_retransmits)" -gt 0 ] || fail "no retransmission timeout fired"
[ "$(counter cc_rate_updates)" -gt 0 ] || fail "congestion control never acted"
[ "$(counter tcp_csum)" -gt 0 ] || fail "the NIC saw no corrupted frame"
echo "rto_retransmits $(counter rto_retransmits), cc_rate_updates $(counter cc_rate_updates)"
echo "ok"
