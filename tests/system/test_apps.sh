#!/usr/bin/env bash
# Unmodified programs on toffee (libtoffee-preload under `toffee run`) against
# the Linux kernel's TCP in a peer namespace, over the fw backend (root;
# skips without root, /dev/net/tun, toffee-fw or the programs):
#  servers on toffee, clients on the peer:
#    redis-server  <- redis-benchmark (SET/GET/INCR/LPUSH/LPOP, 50 clients)
#    memcached     <- memcslap (8 threads)
#    python http.server <- curl, a 16 MiB file, sha256
#    iperf3 -s (a dual-stack AF_INET6 socket bound to ::) <- iperf3 -c,
#      64 MiB each way
#  clients on toffee, servers on the peer:
#    redis-benchmark -> redis-server, curl -> python http.server (sha256),
#    iperf3 -c -> iperf3 -s (64 MiB)
# and at the end no flows and no contexts are left (`toffee status`).
# Each must really run on toffee: a server's pid holds a toffee context, and
# the NIC's counters grew by at least one installed flow per client
# connection (toffeed's flows_installed) and by at least the payload the
# client moved (the fast path's rx_bytes/tx_bytes); the host namespace has no
# route to the peer, so the kernel could not have carried it anyway.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
TOFFEE=$PWD/build/bin/toffee
PY=/usr/bin/python3
[ -x build/bin/toffee-fw ] && [ -x "$TOFFEE" ] || { echo "skip: toffee-fw / toffee not built"; exit 77; }
[ -f build/lib/libtoffee-preload.so ] || { echo "skip: libtoffee-preload.so not built"; exit 77; }
for p in redis-server redis-benchmark redis-cli memcached memcslap curl iperf3 "$PY"; do
	command -v "$p" >/dev/null || { echo "skip: $p not installed"; exit 77; }
done
S=$NS_SUFFIX
NS=tap$S; TAP=tta$S
NET=10.$((S % 200 + 20)).$((S / 200 % 250 + 1)); US=$NET.2; PEERIP=$NET.1
export TOFFEE_RUNDIR=/tmp/tapps-$S
LOGS=/tmp/tapps-$S-logs
mkdir -p "$LOGS"
ns_init
cleanup() {
	"$TOFFEE" stop >/dev/null 2>&1
	cleanup_all
	rm -rf /var/run/dpdk/toffee-$TAP
	[ -z "${KEEP:-}" ] && rm -rf "$TOFFEE_RUNDIR" "$LOGS"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	if [ -s "$LOGS/wire.pcap" ]; then
		sleep 0.5
		bad=$(tcpdump -vvnr "$LOGS/wire.pcap" "src host $US and tcp" 2>/dev/null | grep -c "incorrect")
		echo "wire: $bad TCP segments from toffee with a bad checksum"
	fi
	for l in "$LOGS"/*.log "$TOFFEE_RUNDIR"/toffeed.log; do [ -f "$l" ] && { echo "--- $l"; tail -15 "$l"; }; done
	"$TOFFEE" status 2>/dev/null | sed -n '1,14p'
	exit 1
}
peer() { ip netns exec "$NS" "$@"; }   # (foreground only: in the background $! would be a subshell)
# on NAME CMD...: a program on toffee in the background (BG_PID).
on() {
	local name=$1; shift
	"$TOFFEE" run -- "$@" >"$LOGS/$name.log" 2>&1 &
	BG_PID=$!
	PIDS_STARTED+=("$BG_PID")
}
wait_for() {   # wait_for FILE PATTERN
	for _ in $(seq 100); do grep -q "$2" "$1" 2>/dev/null && return 0; sleep 0.05; done
	fail "$1: no '$2'"
}
status_field() { "$TOFFEE" status --brief | sed -n "s/.*$1 \([0-9]*\).*/\1/p"; }
counter() { "$TOFFEE" status | awk -v n="$1" '$1 == n { print $2; exit }'; }
# Payload in: the fast path's rx_bytes plus what toffeed delivered itself
# (data right behind a handshake, before the flow was installed).
rx_in() { echo $(($(counter rx_bytes) + $(counter early_data_bytes))); }
snap() { echo "$(counter flows_installed) $(rx_in) $(counter tx_bytes)"; }
# on_toffee NAME PID: the process holds a toffee context.
on_toffee() {
	"$TOFFEE" status | grep -Eq "^  ctx [0-9]+ +pid $2 " || fail "$1 (pid $2) has no toffee context"
}
# moved NAME FLOWS0 RX0 TX0 MINFLOWS MINRX MINTX: the NIC's counters grew since snap.
moved() {
	local f r t
	f=$(($(counter flows_installed) - $2)); r=$(($(rx_in) - $3)); t=$(($(counter tx_bytes) - $4))
	[ "$f" -ge "$5" ] || fail "$1: the NIC installed $f flows, want >= $5"
	[ "$r" -ge "$6" ] || fail "$1: the NIC received $r payload bytes, want >= $6"
	[ "$t" -ge "$7" ] || fail "$1: the NIC sent $t payload bytes, want >= $7"
	MOVED="$f flows, NIC payload in $r B, out $t B"
}

"$TOFFEE" start --backend fw --tap "$TAP" --ip $US/24 --gw $PEERIP >"$LOGS/start.log" 2>&1 \
	|| fail "toffee start: $(cat "$LOGS/start.log")"
ns_add "$NS"
ip netns exec "$NS" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 net.ipv6.conf.default.disable_ipv6=1
ip link set "$TAP" netns "$NS" || fail "cannot move $TAP"
ip -n "$NS" addr add $PEERIP/24 dev "$TAP"
ip -n "$NS" link set "$TAP" up
ip netns exec "$NS" ethtool -K "$TAP" tx off >/dev/null 2>&1
ip netns exec "$NS" tcpdump -s 128 -ni "$TAP" -w "$LOGS/wire.pcap" >/dev/null 2>&1 &
PIDS_STARTED+=($!)
peer ping -c 2 -i 0.2 -W 2 $US >/dev/null 2>&1 || fail "ping $US"

# ---- servers on toffee -------------------------------------------------------------
on redis redis-server --port 6379 --save '' --appendonly no --protected-mode no
wait_for "$LOGS/redis.log" "Ready to accept"
on_toffee redis-server $BG_PID
c0=$(snap)
out=$(peer timeout 120 redis-benchmark -h $US -p 6379 -n 20000 -c 50 -q -t set,get,incr,lpush,lpop 2>&1 |
      tr '\r' '\n' | grep "requests per second")
[ "$(grep -c 'requests per second' <<<"$out")" = 5 ] || fail "redis-benchmark from the peer: $out"
for op in SET GET; do
	rate=$(sed -n "s/^ *$op: \([0-9.]*\) requests per second.*/\1/p" <<<"$out")
	[ -n "$rate" ] && [ "$(echo "$rate > 0" | bc)" = 1 ] || fail "redis-benchmark: no $op rate > 0: $out"
done
[ "$(peer redis-cli -h $US -p 6379 incrby n 41)" = 41 ] || fail "redis-cli"
# 100,000 requests of >= 20 bytes in, replies of >= 4 bytes (":1\r\n") out
moved redis $c0 50 2000000 400000
peer redis-cli -h $US -p 6379 shutdown nosave >/dev/null 2>&1
echo "redis on toffee: ok ($(grep -o 'SET: [0-9.]* requests per second' <<<"$out"), $(grep -o 'GET: [0-9.]* requests per second' <<<"$out"); $MOVED)"

on memcached memcached -u root -p 11211 -U 0 -t 4
sleep 0.5
on_toffee memcached $BG_PID
c0=$(snap)
out=$(peer timeout 120 memcslap --servers=$US:11211 --concurrency=8 --execute-number=4000 --test=set 2>&1)
grep -q "Time to set *32000 keys by *8 threads" <<<"$out" && ! grep -qi "error\|fail" <<<"$out" ||
	fail "memcslap --test=set from the peer: $out"
out2=$(peer timeout 120 memcslap --servers=$US:11211 --concurrency=8 --execute-number=2000 --test=get 2>&1)
grep -q "Time to get *16000 keys by *8 threads" <<<"$out2" && ! grep -qi "error\|fail" <<<"$out2" ||
	fail "memcslap --test=get from the peer: $out2"
# memcached's own statistics, over toffee too: every get was a hit.
mst=$(peer timeout 10 memcstat --servers=$US:11211 2>&1)
st() { awk -v k="$1:" '$1 == k { print $2 }' <<<"$mst"; }
[ "$(st cmd_set)" -ge 34000 ] && [ "$(st cmd_get)" -ge 16000 ] && [ "$(st get_hits)" = "$(st cmd_get)" ] ||
	fail "memcached's statistics: cmd_set $(st cmd_set) cmd_get $(st cmd_get) get_hits $(st get_hits)"
# 8 + 9 connections; 34,000 sets of >= 100 bytes in; 16,000 hits of >= 100 bytes out
moved memcached $c0 17 3400000 1600000
kill "$BG_PID"
echo "memcached on toffee: ok ($(grep -o 'Time to set.*' <<<"$out" | tr -s ' '), $(grep -o 'Time to get.*' <<<"$out2" | tr -s ' '), $(st get_hits) hits; $MOVED)"

mkdir -p "$LOGS/www"
head -c $((16 << 20)) /dev/urandom >"$LOGS/www/blob"
want=$(sha256sum <"$LOGS/www/blob" | cut -d' ' -f1)
on http "$PY" -u -m http.server 8080 --directory "$LOGS/www"
wait_for "$LOGS/http.log" "Serving HTTP"
on_toffee http.server $BG_PID
c0=$(snap)
for i in 1 2 3; do
	got=$(peer timeout 120 curl -s http://$US:8080/blob | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "curl from the peer ($i): sha256 $got, want $want"
done
moved http.server $c0 3 150 $((3 * (16 << 20)))
kill "$BG_PID"
echo "http.server on toffee: ok (3 x 16 MiB, sha256; $MOVED)"

# iperf3 listens on a dual-stack AF_INET6 socket (::): IPv4-mapped on toffee.
on iperf iperf3 -s -p 5201 --forceflush
wait_for "$LOGS/iperf.log" "Server listening"
on_toffee iperf3 $BG_PID
c0=$(snap)
out=$(peer timeout 120 iperf3 -c $US -p 5201 -n 64M 2>&1)
grep -q "receiver" <<<"$out" && ! grep -qi "error" <<<"$out" || fail "iperf3 -c from the peer: $out"
out2=$(peer timeout 120 iperf3 -c $US -p 5201 -n 64M -R 2>&1)
grep -q "receiver" <<<"$out2" && ! grep -qi "error" <<<"$out2" || fail "iperf3 -c -R from the peer: $out2"
# (iperf3 prints an IPv4-mapped peer as plain IPv4)
grep -q "Accepted connection from $PEERIP" "$LOGS/iperf.log" || fail "iperf3's peer address: $(grep Accepted "$LOGS/iperf.log")"
# two tests of a control and a data connection each; 64 MiB each way, of
# which the receiver reads what arrived before the end of the test
moved iperf3 $c0 4 $((48 << 20)) $((48 << 20))
kill "$BG_PID"
echo "iperf3 on toffee: ok ($(grep receiver <<<"$out" | tr -s ' ' | cut -d' ' -f7-8) in, $(grep receiver <<<"$out2" | tr -s ' ' | cut -d' ' -f7-8) out; $MOVED)"

# ---- clients on toffee --------------------------------------------------------------
ip netns exec "$NS" redis-server --port 6380 --save '' --appendonly no --protected-mode no >"$LOGS/peer-redis.log" 2>&1 &
PIDS_STARTED+=($!)
wait_for "$LOGS/peer-redis.log" "Ready to accept"
c0=$(snap)
out=$("$TOFFEE" run -- timeout 120 redis-benchmark -h $PEERIP -p 6380 -n 20000 -c 20 -q -t set,get 2>&1 |
      tr '\r' '\n' | grep "requests per second")
[ "$(grep -c 'requests per second' <<<"$out")" = 2 ] || fail "redis-benchmark on toffee: $out"
moved redis-benchmark $c0 20 200000 800000
echo "redis-benchmark on toffee: ok ($(grep -o 'GET: [0-9.]* requests per second' <<<"$out"); $MOVED)"

ip netns exec "$NS" "$PY" -u -m http.server 8081 --directory "$LOGS/www" >"$LOGS/peer-http.log" 2>&1 &
PIDS_STARTED+=($!)
wait_for "$LOGS/peer-http.log" "Serving HTTP"
c0=$(snap)
got=$("$TOFFEE" run -- timeout 120 curl -s http://$PEERIP:8081/blob | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "curl on toffee: sha256 $got, want $want"
moved curl $c0 1 $((16 << 20)) 50
echo "curl on toffee: ok (16 MiB, sha256; $MOVED)"

ip netns exec "$NS" iperf3 -s -p 5202 --forceflush >"$LOGS/peer-iperf.log" 2>&1 &
PIDS_STARTED+=($!)
wait_for "$LOGS/peer-iperf.log" "Server listening"
c0=$(snap)
out=$("$TOFFEE" run -- timeout 120 iperf3 -c $PEERIP -p 5202 -n 64M 2>&1)
grep -q "receiver" <<<"$out" && ! grep -qi "error" <<<"$out" || fail "iperf3 -c on toffee: $out"
moved iperf3-client $c0 2 50 $((48 << 20))
echo "iperf3 -c on toffee: ok ($(grep receiver <<<"$out" | tr -s ' ' | cut -d' ' -f7-8); $MOVED)"

# ---- nothing left -------------------------------------------------------------------
for _ in $(seq 100); do
	[ "$(status_field flows)" = 0 ] && [ "$(status_field contexts)" = 0 ] && break
	sleep 0.1
done
[ "$(status_field flows)" = 0 ] && [ "$(status_field contexts)" = 0 ] \
	|| fail "left behind: $("$TOFFEE" status --brief)"
echo "apps: ok"
