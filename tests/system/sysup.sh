# A toffee system with a Linux peer, for scripts that source this after
# tests/system/netns.sh (test_apps.sh, test_scale.sh, scripts/run-demo.sh,
# bench/system/run.sh). Everything carries the suffix $NS_SUFFIX and is removed
# by sys_cleanup (installed as the EXIT trap by sys_init).
#
#   sys_init TAG        names: namespace ${TAG}p$S, TAP ${TAG}t$S, run directory
#                       /tmp/$TAG-$S (TOFFEE_RUNDIR), logs /tmp/$TAG-$S-logs ($LOGS);
#                       the subnet 10.X.Y.0/24 with toffee at $US, Linux at $PEERIP
#   sys_start [ARGS...] toffee start --backend $SYS_BACKEND (TOFFEE_BACKEND, default
#                       fw; extra ARGS passed on; environment for it in the array
#                       SYS_START_ENV) and the peer namespace. With SYS_PORT=veth
#                       (TOFFEE_PORT; fw only) the NIC's port is not a TAP but
#                       AF_PACKET on the veth $TAP, whose other end is $PEERDEV
#   sys_up [ARGS...]    sys_start, then the TAP (or $PEERDEV) moved into the peer
#                       namespace with its own MAC and $PEERIP
#   peer_exec CMD...    run CMD in the peer namespace
#   start_app NAME CMD… CMD under `toffee run` in the background (log $LOGS/NAME.log,
#                       pid in $BG_PID)
#   wait_log FILE RE    until FILE matches RE (5 s)
#   wait_listen FILE    until FILE says "listening" (a tf_peer.py server)
#   counter NAME        a counter of `toffee status` (NIC or toffeed)
#   status_field NAME   flows / contexts of `toffee status --brief`
#   wait_idle N [S]     until 0 flows (TIME_WAIT excluded) and N contexts (S seconds,
#                       default 10)
#   fail MSG            print MSG, the logs' tails and toffee's non-zero counters; exit 1
#   sys_require         skip (exit 77) without root, /dev/net/tun, the NIC program of
#                       $SYS_BACKEND, toffeed, the preload library or python3 ($PY)
TOFFEE=${TOFFEE:-$PWD/build/bin/toffee}
PY=${PY:-/usr/bin/python3}
SYS_BACKEND=${TOFFEE_BACKEND:-fw}
SYS_PORT=${TOFFEE_PORT:-tap}

sys_require() {
	ns_require_root
	local nic=build/bin/toffee-fw f
	[ "$SYS_BACKEND" = sim ] && nic=build/bin/toffee-sim
	for f in "$nic" build/bin/toffeed build/lib/libtoffee-preload.so "$PY"; do
		[ -e "$f" ] || { echo "skip: $f not built"; exit 77; }
	done
}

sys_init() {
	local tag=$1 S=$NS_SUFFIX
	SYS_TAG=$tag
	NS=${tag}p$S
	TAP=${tag}t$S
	PEERDEV=$TAP                 # the peer's end of the wire
	[ "$SYS_PORT" = veth ] && PEERDEV=${tag}w$S
	NET=10.$((S % 200 + 20)).$((S / 200 % 250))
	US=$NET.2
	PEERIP=$NET.1
	export TOFFEE_RUNDIR=/tmp/$tag-$S
	LOGS=/tmp/$tag-$S-logs
	mkdir -p "$LOGS"
	trap sys_cleanup EXIT
}

sys_cleanup() {
	"$TOFFEE" stop >/dev/null 2>&1
	cleanup_all
	rm -rf "/var/run/dpdk/toffee-$TAP"
	if [ -z "${KEEP:-}" ]; then rm -rf "$TOFFEE_RUNDIR" "$LOGS"; fi
}

fail() {
	echo "FAIL: $*"
	local l bad
	if [ -s "$LOGS/wire.pcap" ]; then      # a test's own capture of the wire
		sleep 0.5
		bad=$(tcpdump -vvnr "$LOGS/wire.pcap" "src host $US and tcp" 2>/dev/null | grep -c "incorrect")
		echo "wire: $bad frames from toffee with a bad TCP checksum (headers in $LOGS/wire.pcap)"
	fi
	for l in "$TOFFEE_RUNDIR"/*.log "$LOGS"/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -25 "$l"; }; done
	"$TOFFEE" status 2>/dev/null | sed -n '1,12p;/toffeed counters/,$p' | awk 'NR<=12 || $2 != "0"'
	echo "FAIL: $*"                        # again: a log's tail is often all that is shown
	exit 1
}

sys_start() {
	local port=(--tap "$TAP")
	if [ "$SYS_PORT" = veth ]; then
		veth_add "$TAP" "$PEERDEV" || fail "cannot create veth $TAP"
		ip link set "$TAP" up
		# (SYS_VETH_GRO=1: GRO on, which toffee start must turn off)
		[ -n "${SYS_VETH_GRO:-}" ] && ethtool -K "$TAP" gro on >/dev/null 2>&1
		port=(--iface "$TAP")
	fi
	env ${SYS_START_ENV[@]+"${SYS_START_ENV[@]}"} "$TOFFEE" start --backend "$SYS_BACKEND" "${port[@]}" \
		--ip "$US/24" "$@" >"$LOGS/start.log" 2>&1 ||
		fail "toffee start: $(cat "$LOGS/start.log")"
	ns_add "$NS" || fail "cannot create namespace $NS"
	ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
}

sys_up() {
	sys_start "$@"
	ip link set "$PEERDEV" netns "$NS" || fail "cannot move $PEERDEV into $NS"
	ip -n "$NS" link set "$PEERDEV" address 02:00:00:aa:00:01
	ip -n "$NS" addr add "$PEERIP/24" dev "$PEERDEV"
	ip -n "$NS" link set "$PEERDEV" up
	# The peer sends checksummed frames (toffee checks every checksum).
	ip netns exec "$NS" ethtool -K "$PEERDEV" tx off >/dev/null 2>&1
	return 0
}

peer_exec() { ip netns exec "$NS" "$@"; }

start_app() {
	local name=$1
	shift
	"$TOFFEE" run -- "$@" >"$LOGS/$name.log" 2>&1 &
	BG_PID=$!
	PIDS_STARTED+=("$BG_PID")
}

wait_log() {
	local i
	for i in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "$1 never showed '$2'"
}

wait_listen() { wait_log "$1" listening; }

counter() { "$TOFFEE" status | awk -v n="$1" '$1 == n { print $2; exit }'; }
status_field() { "$TOFFEE" status --brief | sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }

wait_idle() {
	local i n=$((${2:-10} * 10))
	for i in $(seq $n); do
		[ "$(status_field flows)" = 0 ] && [ "$(status_field contexts)" = "$1" ] && return 0
		sleep 0.1
	done
	fail "not idle after ${2:-10} s: $("$TOFFEE" status --brief) (want 0 flows, $1 contexts)"
}
