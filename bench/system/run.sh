#!/usr/bin/env bash
# make bench-system: RPC echo as in TAS §5.1, toffee against the Linux
# kernel's stack, side by side in one run (root). See bench/system/README.md.
#
# One peer namespace holds the closed-loop client (rpc_cli) and two links:
# the wire of toffee-fw (a veth that toffee-fw reaches through AF_PACKET
# rings, or with BENCH_PORT=tap a TAP; toffee at $US, echo_srv under `toffee
# run`) and a veth to a second namespace where the same echo_srv binary runs
# on Linux. For 1 and 100 connections, 64-byte requests, each server gets
# BENCH_SECS (10) s after a 1 s warm-up; sysbench.py measures the
# server-side CPU (toffee-fw, toffeed and the app, resp. the app; + half of
# ksoftirqd) and writes build/bench/system.json.
#
# BENCH_SECS=N (default 10), BENCH_CONNS="1 100", BENCH_IDLE_SLEEP_US=N
# (toffee-fw's idle backoff; unset = its default), BENCH_SPIN_US=N (libtoffee's
# spin before blocking, TOFFEE_SPIN_US; unset = its default), BENCH_SIZE=64,
# BENCH_PORT=veth|tap (toffee-fw's port, default veth).
set -u -o pipefail
cd "$(dirname "$0")/../.."
if [ "$(id -u)" != 0 ]; then
	echo "bench-system: needs root (network namespaces, DPDK); run: sudo make bench-system" >&2
	exit 1
fi
. tests/system/netns.sh
. tests/system/sysup.sh
B=build/bench
SRV=$PWD/$B/system/echo_srv
CLI=$PWD/$B/system/rpc_cli
PY=/usr/bin/python3
for f in build/bin/toffee-fw build/lib/libtoffee-preload.so "$SRV" "$CLI"; do
	[ -e "$f" ] || { echo "bench-system: $f is not built (make)" >&2; exit 1; }
done
SECS=${BENCH_SECS:-10}
CONNS=${BENCH_CONNS:-1 100}
SIZE=${BENCH_SIZE:-64}
SYS_PORT=${BENCH_PORT:-veth}          # (sysup.sh)
case $SYS_PORT in veth|tap) ;; *) echo "bench-system: BENCH_PORT=$SYS_PORT: use veth or tap" >&2; exit 2;; esac
sys_init bsy
S=$NS_SUFFIX
LNS=bsyl$S; VA=bsya$S; VB=bsyb$S
LNET=172.30.0
LST=$LOGS/loop-stats

nic_args=(--nic-arg "--loop-stats=$LST")
[ -n "${BENCH_IDLE_SLEEP_US:-}" ] && nic_args+=(--nic-arg "--idle-sleep-us=$BENCH_IDLE_SLEEP_US")
sys_up "${nic_args[@]}"
# The Linux server's namespace, a veth away from the peer.
ns_add "$LNS" || fail "namespace $LNS"
veth_add "$VA" "$VB" || fail "veth $VA"
ip link set "$VA" netns "$NS" && ip link set "$VB" netns "$LNS" || fail "moving the veth"
ip -n "$NS" addr add $LNET.1/24 dev "$VA"
ip -n "$LNS" addr add $LNET.2/24 dev "$VB"
ip -n "$NS" link set "$VA" up
ip -n "$LNS" link set "$VB" up
peer_exec ping -c 1 -W 2 "$US" >/dev/null 2>&1 || fail "ping toffee at $US"
peer_exec ping -c 1 -W 2 $LNET.2 >/dev/null 2>&1 || fail "ping Linux at $LNET.2"

if [ -n "${BENCH_SPIN_US:-}" ]; then
	TOFFEE_SPIN_US=$BENCH_SPIN_US start_app toffee-srv "$SRV" -p 7000
else
	start_app toffee-srv "$SRV" -p 7000
fi
TSRV=$BG_PID
wait_log "$LOGS/toffee-srv.log" listening
ip netns exec "$LNS" "$SRV" -p 7000 >"$LOGS/linux-srv.log" 2>&1 &
LSRV=$!
PIDS_STARTED+=($LSRV)
wait_log "$LOGS/linux-srv.log" listening
FW=$(cat "$TOFFEE_RUNDIR/nic.pid")
SP=$(cat "$TOFFEE_RUNDIR/toffeed.pid")

echo "bench-system: toffee-fw pid $FW on a $SYS_PORT (${nic_args[*]}), toffeed $SP," \
	"servers: toffee $TSRV (TOFFEE_SPIN_US ${BENCH_SPIN_US:-default}), linux $LSRV;" \
	"$SECS s per run, $SIZE-byte requests; load average $(cut -d' ' -f1-3 /proc/loadavg)"
results=()
for c in $CONNS; do
	for sys in toffee linux; do
		if [ $sys = toffee ]; then host=$US; procs=(--proc app=$TSRV --proc toffeed=$SP --proc toffee-fw=$FW --loop-stats "$LST")
		else host=$LNET.2; procs=(--proc app=$LSRV); fi
		peer_exec "$CLI" rpc $host 7000 -c "$c" -s "$SIZE" -d 1 >/dev/null 2>&1 || fail "$sys warm-up, $c connections"
		out=$LOGS/run-$sys-$c.json
		printf '%-7s %3d connections: ' $sys "$c"
		$PY bench/system/sysbench.py measure --out "$out" --label $sys --conns "$c" "${procs[@]}" -- \
			ip netns exec "$NS" "$CLI" rpc $host 7000 -c "$c" -s "$SIZE" -d "$SECS" | sed -n 's/^rpc: //p' ||
			fail "$sys, $c connections"
		[ -s "$out" ] || fail "$sys, $c connections: no result"
		results+=("$out")
	done
done
mkdir -p $B
$PY bench/system/sysbench.py report --out $B/system.json "${results[@]}" || fail "report"
