#!/usr/bin/env bash
# toffeed's loss recovery against Linux through toffee-impair (root; skips
# without root, /dev/net/tun, toffee-fw or libtoffee): the NIC's TAP and a
# veth whose other end is in the peer namespace are bridged by the seeded
# impairment bridge. 1% loss, then 5% loss with reordering, duplication and
# corruption: transfers in both directions arrive intact (sha256), the NIC's
# ACKs carried SACK and D-SACK blocks, and toffeed's congestion control did
# its part; then the wire cut for 1.5 s in the middle of a transfer:
# toffeed's retransmission timer resends. On the co-simulated NIC
# (TOFFEE_BACKEND=sim, test_sim_impair.sh) only the 5% phase runs: the
# model is ~250 times slower than the wire.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
. tests/system/sysup.sh
ns_require_root
PY=/usr/bin/python3
PEER=$PWD/tests/system/tf_peer.py
for f in build/bin/toffee-$SYS_BACKEND build/bin/toffee-impair build/lib/libtoffee-preload.so; do
	[ -e "$f" ] || { echo "skip: $f not built"; exit 77; }
done
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
sys_init timp
VA=${SYS_TAG}a$NS_SUFFIX; VB=${SYS_TAG}b$NS_SUFFIX
# With one out-of-order interval in the NIC a Linux sender may still stall
# on an RTO now and then: allow long stalls.
peer() { ip netns exec "$NS" env TF_TIMEOUT=150 timeout 300 "$PY" "$PEER" "$@"; }

# The TAP stays here; a veth pair reaches the peer namespace, and
# toffee-impair bridges the TAP and the veth's near end.
sys_start
# The peer's congestion control: cubic (or reno), the loss-based default of
# most distributions. A host default of BBR paces the sender by its
# delivery-rate estimate, which this much loss and reordering drives down to
# ~100 kbit/s: the transfer then crawls for minutes whatever toffee does.
ip netns exec "$NS" sysctl -qw net.ipv4.tcp_congestion_control=cubic 2>/dev/null ||
	ip netns exec "$NS" sysctl -qw net.ipv4.tcp_congestion_control=reno
# The peer keeps Linux's default reordering limits: the D-SACK blocks of
# the NIC's ACKs tell it that the duplicate ACKs drawn by duplicated
# segments are not reordering (without them, a Linux sender raised its
# duplicate-ACK threshold toward 300 and every loss waited for an RTO: 1 MiB
# took 5 to over 150 s here; with SACK about 1 to 3 s).
veth_add "$VA" "$VB"
ip link set "$VB" netns "$NS"
ip -n "$NS" addr add $PEERIP/24 dev "$VB"
ip -n "$NS" link set "$VB" up
ip link set "$VA" up
ip link set "$TAP" up
sysctl -qw net.ipv6.conf.$TAP.disable_ipv6=1 net.ipv6.conf.$VA.disable_ipv6=1
ethtool -K "$VA" tx off >/dev/null 2>&1
ip netns exec "$NS" ethtool -K "$VB" tx off >/dev/null 2>&1

start_app srv "$PY" "$PEER" server 7000
wait_listen "$LOGS/srv.log"

if [ "$SYS_BACKEND" != sim ]; then
	bg build/bin/toffee-impair --a "$TAP" --b "$VA" --loss 0.01 --seed 11
	IMP=$BG_PID
	sleep 0.3
	peer send $US 7000 $((4 << 20)) || fail "4 MiB Linux -> toffee, 1% loss"
	peer recv $US 7000 $((4 << 20)) || fail "4 MiB toffee -> Linux, 1% loss"
	echo "1% loss: ok"
	kill "$IMP"; wait "$IMP" 2>/dev/null
fi

bg build/bin/toffee-impair --a "$TAP" --b "$VA" --loss 0.05 --reorder 0.05 --dup 0.02 --corrupt 0.02 \
	--seed 12 --only-tcp
IMP=$BG_PID
bg ip netns exec "$NS" sh -c 'exec tcpdump -s 128 -ni "$0" -w "$1" 2>"$2"' "$VB" "$LOGS/wire.pcap" \
	"$LOGS/tcpdump.log"
TD=$BG_PID
wait_log "$LOGS/tcpdump.log" "listening on"
t0=$(date +%s%N)
peer send $US 7000 $((1 << 20)) || fail "1 MiB Linux -> toffee, 5% loss etc."
t1=$(date +%s%N)
peer recv $US 7000 $((2 << 20)) || fail "2 MiB toffee -> Linux, 5% loss etc."
t2=$(date +%s%N)
echo "5% loss, reordering, duplication, corruption: ok (1 MiB in $(((t1 - t0) / 1000000)) ms, 2 MiB back in $(((t2 - t1) / 1000000)) ms)"
kill "$IMP"; wait "$IMP" 2>/dev/null
sleep 0.3
kill "$TD"; wait "$TD" 2>/dev/null
# The NIC's ACKs while receiving: SACK blocks for the out-of-order
# interval, D-SACK blocks for duplicates (counted here: those below the ACK).
dump=$(tcpdump -nSr "$LOGS/wire.pcap" "src host $US and tcp" 2>/dev/null)
grep -q "Flags \[S\.\].*sackOK" <<<"$dump" || fail "toffee's SYN-ACK did not offer SACK"
nsack=$(grep -c "sack 1 {" <<<"$dump") nsack2=$(grep -c "sack 2 {" <<<"$dump")
# D-SACK: the first block's right edge at or below the ACK (mod 2^32)
ndsack=$(awk '/sack [12] \{/ { a = $0; sub(/.* ack /, "", a); sub(/,.*/, "", a)
	b = $0; sub(/.*sack [12] \{[0-9]+:/, "", b); sub(/[}].*/, "", b)
	d = a - b; if (d < 0) d += 4294967296; if (d < 2147483648) n++ } END { print n + 0 }' <<<"$dump")
echo "toffee's ACKs: $nsack with 1 SACK block, $nsack2 with 2, $ndsack with D-SACK"
[ "$nsack" -gt 0 ] || fail "no SACK block in toffee's ACKs"
[ "$ndsack" -gt 0 ] || fail "no D-SACK block in toffee's ACKs"
rm -f "$LOGS/wire.pcap"
[ "$(counter tcp_csum)" -gt 0 ] || fail "the NIC saw no corrupted frame"
[ "$(counter cc_rate_updates)" -gt 0 ] || fail "congestion control never acted"
if [ "$SYS_BACKEND" = sim ]; then
	echo "ok"
	exit 0
fi

# A cut for certain (random loss may all be repaired by fast retransmits):
# the bridge, without impairment, stopped for 1.5 s in the middle of a
# transfer from toffee; toffeed's retransmission timeout must resend.
bg build/bin/toffee-impair --a "$TAP" --b "$VA"
IMP=$BG_PID
sleep 0.3
rto0=$(counter rto_retransmits) tx0=$(counter tx_bytes)
peer recv $US 7000 $((64 << 20)) >"$LOGS/cut.log" 2>&1 &
CUT=$!
for i in $(seq 500); do            # the cut once the first MiB is out
	[ $(($(counter tx_bytes) - tx0)) -ge $((1 << 20)) ] && break
	sleep 0.02
done
kill -STOP "$IMP"
sleep 1.5
kill -CONT "$IMP"
wait "$CUT" || fail "64 MiB toffee -> Linux across a 1.5-s cut: $(cat "$LOGS/cut.log")"
[ "$(counter rto_retransmits)" -gt "$rto0" ] || fail "no retransmission timeout fired across the cut"
echo "1.5-s cut: ok ($(($(counter rto_retransmits) - rto0)) timeouts)"
echo "rto_retransmits $(counter rto_retransmits), cc_rate_updates $(counter cc_rate_updates)"
echo "ok"
