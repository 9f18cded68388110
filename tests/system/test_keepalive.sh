#!/usr/bin/env bash
# TCP keepalive on toffee (root; skips without root, the NIC or libtoffee):
# a server on toffee sets SO_KEEPALIVE with TCP_KEEPIDLE 1 s, TCP_KEEPINTVL
# 1 s, TCP_KEEPCNT 3 on each connection it accepts (tests/system/ka_peer.py),
# twice: with timestamps, and with toffeed --no-ts (the answers to the
# probes are seen the same way: the flow is marked SLOWPATH while probing).
#  1. a Linux client that stays idle for 6 s: probed, answers, still there
#     (its "bye" arrives), no timeout;
#  2. (timestamps only) a toffee client that set keepalive before connect()
#     to a Linux echo server, idle for 4 s: probed, answered, its echo comes
#     back;
#  3. a Linux client whose link goes down right after connecting: the
#     server's read fails with ETIMEDOUT within 10 s (three unanswered
#     probes), counted as a keepalive timeout.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
. tests/system/sysup.sh
sys_require
KA=$PWD/tests/system/ka_peer.py
sys_init tka

round() {   # round NAME [toffee start args...]
	local name=$1
	shift
	sys_up "$@"
	ip netns exec "$NS" ping -c 2 -i 0.2 -W 5 "$US" >"$LOGS/ping.log" 2>&1 || fail "ping $US"
	start_app "srv-$name" "$PY" -u "$KA" server 7000
	SRV=$BG_PID
	wait_log "$LOGS/srv-$name.log" listening

	# 1. an idle peer that is there
	local p0 a0
	p0=$(counter keepalive_probes) a0=$(counter keepalive_answered)
	ip netns exec "$NS" timeout 30 "$PY" -u "$KA" idle "$US" 7000 6 >"$LOGS/idle-$name.log" 2>&1 &
	local idle=$!
	PIDS_STARTED+=($idle)
	wait_log "$LOGS/srv-$name.log" accepted
	sleep 0.5
	"$TOFFEE" status --all | grep -q "keepalive 1 s / 1 s / 3" ||
		fail "$name: toffee status --all shows no keepalive: $("$TOFFEE" status --all | grep -A3 ESTABLISHED)"
	wait $idle || fail "$name: the idle client: $(cat "$LOGS/idle-$name.log")"
	wait_log "$LOGS/srv-$name.log" "got bye"
	local probes=$(($(counter keepalive_probes) - p0)) answered=$(($(counter keepalive_answered) - a0))
	[ "$probes" -ge 3 ] && [ "$answered" -ge 3 ] ||
		fail "$name: 6 idle seconds: $probes probes, $answered answered (want >= 3 each)"
	[ "$(counter keepalive_timeouts)" = 0 ] || fail "$name: a keepalive timeout with the peer there"
	echo "$name: idle peer: ok ($probes probes, $answered answered, the connection lived)"

	# 2. a toffee client with keepalive set before connect()
	if [ "$name" = ts ]; then
		ip netns exec "$NS" "$PY" -u "$KA" echo 7100 >"$LOGS/peer-echo.log" 2>&1 &
		PIDS_STARTED+=($!)
		wait_log "$LOGS/peer-echo.log" listening
		p0=$(counter keepalive_probes) a0=$(counter keepalive_answered)
		timeout 30 "$TOFFEE" run -- "$PY" -u "$KA" client "$PEERIP" 7100 4 >"$LOGS/client.log" 2>&1 ||
			fail "$name: the toffee client: $(cat "$LOGS/client.log")"
		probes=$(($(counter keepalive_probes) - p0)) answered=$(($(counter keepalive_answered) - a0))
		[ "$probes" -ge 2 ] && [ "$answered" -ge 2 ] ||
			fail "$name: toffee client idle 4 s: $probes probes, $answered answered (want >= 2 each)"
		echo "$name: toffee client: ok ($probes probes, $answered answered, its echo came back)"
	fi

	# 3. a peer that goes away
	ip netns exec "$NS" timeout 30 "$PY" -u "$KA" idle "$US" 7000 20 >"$LOGS/gone-$name.log" 2>&1 &
	local gone=$!
	PIDS_STARTED+=($gone)
	wait_log "$LOGS/gone-$name.log" connected
	local t0
	t0=$(date +%s.%N)
	ip -n "$NS" link set "$PEERDEV" down
	local n0
	n0=$(grep -c "error ETIMEDOUT" "$LOGS/srv-$name.log")
	for _ in $(seq 200); do
		[ "$(grep -c "error ETIMEDOUT" "$LOGS/srv-$name.log")" -gt "$n0" ] && break
		sleep 0.05
	done
	[ "$(grep -c "error ETIMEDOUT" "$LOGS/srv-$name.log")" -gt "$n0" ] ||
		fail "$name: no ETIMEDOUT 10 s after the peer went away: $(tail -3 "$LOGS/srv-$name.log")"
	local dt
	dt=$(awk -v a="$(date +%s.%N)" -v b="$t0" 'BEGIN { print a - b }')
	[ "$(counter keepalive_timeouts)" = 1 ] || fail "$name: keepalive_timeouts $(counter keepalive_timeouts)"
	kill "$gone" 2>/dev/null
	printf '%s: peer gone: ok (ETIMEDOUT after %.1f s)\n' "$name" "$dt"
	kill "$SRV" 2>/dev/null
	"$TOFFEE" stop >/dev/null 2>&1
	cleanup_all
	PIDS_STARTED=() NS_CREATED=() LINKS_CREATED=()
}

round ts
round nots --toffeed-arg --no-ts
echo "ok"
