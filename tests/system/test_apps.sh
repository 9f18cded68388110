#!/usr/bin/env bash
# Unmodified programs on toffee (libtoffee-preload under `toffee run`) against
# the Linux kernel's TCP in a peer namespace, over the fw backend (root;
# skips without root, /dev/net/tun, toffee-fw or the programs):
#  servers on toffee, clients on the peer:
#    redis-server  <- redis-benchmark (SET/GET/INCR/LPUSH/LPOP, 50 clients)
#    memcached     <- memcslap (8 threads)
#    python http.server <- curl, a 16 MiB file, sha256
#  clients on toffee, servers on the peer:
#    redis-benchmark -> redis-server, curl -> python http.server (sha256)
# and at the end no flows and no contexts are left (`toffee status`).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
TOFFEE=$PWD/build/bin/toffee
PY=/usr/bin/python3
[ -x build/bin/toffee-fw ] && [ -x "$TOFFEE" ] || { echo "skip: toffee-fw / toffee not built"; exit 77; }
[ -f build/lib/libtoffee-preload.so ] || { echo "skip: libtoffee-preload.so not built"; exit 77; }
for p in redis-server redis-benchmark redis-cli memcached memcslap curl "$PY"; do
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
peer() { ip netns exec "$NS" "$@"; }
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
out=$(peer timeout 120 redis-benchmark -h $US -p 6379 -n 20000 -c 50 -q -t set,get,incr,lpush,lpop 2>&1 |
      tr '\r' '\n' | grep "requests per second")
[ "$(grep -c 'requests per second' <<<"$out")" = 5 ] || fail "redis-benchmark from the peer: $out"
[ "$(peer redis-cli -h $US -p 6379 incrby n 41)" = 41 ] || fail "redis-cli"
peer redis-cli -h $US -p 6379 shutdown nosave >/dev/null 2>&1
echo "redis on toffee: ok ($(grep -o 'GET: [0-9.]* requests per second' <<<"$out"))"

on memcached memcached -u root -p 11211 -U 0 -t 4
sleep 0.5
out=$(peer timeout 120 memcslap --servers=$US:11211 --concurrency=8 --execute-number=4000 2>&1)
grep -q "Time to set" <<<"$out" && ! grep -qi "error\|fail" <<<"$out" || fail "memcslap from the peer: $out"
kill "$BG_PID"
echo "memcached on toffee: ok ($(grep -o 'Time to set.*' <<<"$out" | tr -s ' '))"

mkdir -p "$LOGS/www"
head -c $((16 << 20)) /dev/urandom >"$LOGS/www/blob"
want=$(sha256sum <"$LOGS/www/blob" | cut -d' ' -f1)
on http "$PY" -u -m http.server 8080 --directory "$LOGS/www"
wait_for "$LOGS/http.log" "Serving HTTP"
for i in 1 2 3; do
	got=$(peer timeout 120 curl -s http://$US:8080/blob | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "curl from the peer ($i): sha256 $got, want $want"
done
kill "$BG_PID"
echo "http.server on toffee: ok (3 x 16 MiB, sha256)"

# ---- clients on toffee --------------------------------------------------------------
peer redis-server --port 6380 --save '' --appendonly no --protected-mode no >"$LOGS/peer-redis.log" 2>&1 &
PIDS_STARTED+=($!)
wait_for "$LOGS/peer-redis.log" "Ready to accept"
out=$("$TOFFEE" run -- timeout 120 redis-benchmark -h $PEERIP -p 6380 -n 20000 -c 20 -q -t set,get 2>&1 |
      tr '\r' '\n' | grep "requests per second")
[ "$(grep -c 'requests per second' <<<"$out")" = 2 ] || fail "redis-benchmark on toffee: $out"
echo "redis-benchmark on toffee: ok ($(grep -o 'GET: [0-9.]* requests per second' <<<"$out"))"

peer "$PY" -u -m http.server 8081 --directory "$LOGS/www" >"$LOGS/peer-http.log" 2>&1 &
PIDS_STARTED+=($!)
wait_for "$LOGS/peer-http.log" "Serving HTTP"
got=$("$TOFFEE" run -- timeout 120 curl -s http://$PEERIP:8081/blob | sha256sum | cut -d' ' -f1)
[ "$got" = "$want" ] || fail "curl on toffee: sha256 $got, want $want"
echo "curl on toffee: ok (16 MiB, sha256)"

# ---- nothing left -------------------------------------------------------------------
for _ in $(seq 100); do
	[ "$(status_field flows)" = 0 ] && [ "$(status_field contexts)" = 0 ] && break
	sleep 0.1
done
[ "$(status_field flows)" = 0 ] && [ "$(status_field contexts)" = 0 ] \
	|| fail "left behind: $("$TOFFEE" status --brief)"
echo "apps: ok"
