#!/usr/bin/env bash
# libtoffee's LD_PRELOAD interposer end to end, without toffeed or a NIC:
# toffee-fakenet (tests/libtoffee/fakenet.c) stands in for both and loops
# every connection back to another toffee socket. No root needed.
#  1. the socket-API cases of preload_cases.py, three times: plain; with
#     4 KiB buffers and early data (events before ACCEPTED); with toffeed's
#     hang-up policy (every flow of a dead app reset);
#  2. unmodified programs on both ends: redis-server + redis-benchmark,
#     memcached (4 threads) + memcslap, python's http.server + curl (sha256);
#  3. no flow is left behind (STATUS).
# Exit 0 passed, 1 failed, 77 skipped (nothing to test with).
set -u
cd "$(dirname "$0")/../.."
PRELOAD=$PWD/build/lib/libtoffee-preload.so
FAKENET=$PWD/build/test/toffee-fakenet
PY=/usr/bin/python3
[ -f "$PRELOAD" ] && [ -x "$FAKENET" ] || { echo "skip: build libtoffee-preload.so and toffee-fakenet first"; exit 77; }
[ -x "$PY" ] || { echo "skip: no $PY"; exit 77; }
WORK=$(mktemp -d /tmp/tfpre.XXXXXX)
PIDS=()
cleanup() {
	local p
	for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null; done
	for p in "${PIDS[@]}"; do wait "$p" 2>/dev/null; done
	[ -z "${KEEP:-}" ] && rm -rf "$WORK"
}
trap cleanup EXIT
fail() {
	echo "FAIL: $*"
	for l in "$WORK"/*.log; do [ -f "$l" ] && { echo "--- $l"; tail -20 "$l"; }; done
	exit 1
}
# fakenet NAME ARGS...: start a fake network in $WORK/NAME; sets FN_PID, RD.
fakenet() {
	local name=$1; shift
	RD=$WORK/$name
	mkdir -p "$RD"
	"$FAKENET" "$RD" "$@" >"$WORK/fakenet-$name.log" 2>&1 &
	FN_PID=$!
	PIDS+=("$FN_PID")
	for _ in $(seq 50); do [ -S "$RD/app.sock" ] && return 0; sleep 0.05; done
	fail "fakenet $name did not start"
}
stop_fakenet() { kill "$FN_PID" 2>/dev/null; wait "$FN_PID" 2>/dev/null; }
on() { LD_PRELOAD=$PRELOAD TOFFEE_RUNDIR=$RD TOFFEE_FALLBACK=0 "$@"; }
# bg NAME CMD...: a program on the fake network, in the background.
bg() {
	local name=$1; shift
	LD_PRELOAD=$PRELOAD TOFFEE_RUNDIR=$RD TOFFEE_FALLBACK=0 "$@" >"$WORK/$name.log" 2>&1 &
	BG=$!
	PIDS+=("$BG")
}
# flows: live flows as the fake daemon counts them.
flows() {
	$PY - "$RD/app.sock" <<'EOF'
import socket, struct, sys
u = socket.socket(socket.AF_UNIX, socket.SOCK_SEQPACKET)
u.connect(sys.argv[1])
u.send(struct.pack("<II", 8, 1) + bytes(104))
print(struct.unpack_from("<II", u.recv(512), 20)[0])
EOF
}
wait_no_flows() {
	for _ in $(seq 100); do [ "$(flows)" = 0 ] && return 0; sleep 0.05; done
	fail "$1: $(flows) flows left"
}

# ---- 1. socket-API cases --------------------------------------------------------
for variant in "plain:" "small-early:--buf-log2 12 --early" "reset-orphans:--reset-orphans"; do
	name=${variant%%:*}
	fakenet "$name" ${variant#*:}
	on timeout 180 $PY tests/libtoffee/preload_cases.py >"$WORK/cases-$name.log" 2>&1 \
		|| fail "preload cases ($name): $(grep -E '^FAIL|cases' "$WORK/cases-$name.log" | tr '\n' ' ')"
	echo "cases ($name): $(tail -1 "$WORK/cases-$name.log")"
	wait_no_flows "cases ($name)"
	stop_fakenet
done

# ---- 2. unmodified programs -------------------------------------------------------
fakenet apps
# Ports of their own (other tests may use the usual ones on the kernel's
# stack), IPv4 only (an IPv6 listener would be the kernel's and could clash).
RPORT=$((20000 + $$ % 10000)); MPORT=$((RPORT + 1)); HPORT=$((RPORT + 2))
if command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null; then
	bg redis redis-server --port $RPORT --bind 0.0.0.0 --save '' --appendonly no --protected-mode no
	for _ in $(seq 100); do grep -q "Ready to accept" "$WORK/redis.log" && break; sleep 0.05; done
	out=$(on timeout 120 redis-benchmark -h 10.0.0.2 -p $RPORT -n 20000 -c 16 -q -t set,get,incr,lpush,lpop 2>&1 |
	      tr '\r' '\n' | grep "requests per second")
	[ "$(grep -c 'requests per second' <<<"$out")" = 5 ] || fail "redis-benchmark: $out"
	on timeout 10 redis-cli -h 10.0.0.2 -p $RPORT set k toffee >/dev/null
	[ "$(on timeout 10 redis-cli -h 10.0.0.2 -p $RPORT get k)" = toffee ] || fail "redis-cli get"
	on timeout 10 redis-cli -h 10.0.0.2 -p $RPORT shutdown nosave >/dev/null 2>&1
	wait "$BG" 2>/dev/null
	echo "redis: ok ($(grep -o 'GET: [0-9.]* requests per second' <<<"$out"))"
else
	echo "redis: skipped (not installed)"
fi
if command -v memcached >/dev/null && command -v memcslap >/dev/null; then
	bg memcached memcached -u root -l 0.0.0.0 -p $MPORT -U 0 -t 4
	sleep 0.5
	out=$(on timeout 120 memcslap --servers=10.0.0.2:$MPORT --concurrency=8 --execute-number=2000 2>&1)
	grep -q "Time to set" <<<"$out" && ! grep -qi "error\|fail" <<<"$out" || fail "memcslap: $out"
	kill "$BG"; wait "$BG" 2>/dev/null
	echo "memcached: ok"
else
	echo "memcached: skipped (not installed)"
fi
if command -v curl >/dev/null; then
	mkdir -p "$WORK/www"
	head -c $((8 << 20)) /dev/urandom >"$WORK/www/blob"
	want=$(sha256sum <"$WORK/www/blob" | cut -d' ' -f1)
	bg http $PY -u -m http.server $HPORT --bind 0.0.0.0 --directory "$WORK/www"
	for _ in $(seq 100); do grep -q "Serving HTTP" "$WORK/http.log" && break; sleep 0.05; done
	for i in 1 2 3; do
		got=$(on timeout 60 curl -s http://10.0.0.2:$HPORT/blob | sha256sum | cut -d' ' -f1)
		[ "$got" = "$want" ] || fail "curl $i: sha256 $got, want $want"
	done
	kill "$BG"; wait "$BG" 2>/dev/null
	echo "http: ok (3 x 8 MiB, sha256)"
else
	echo "http: skipped (no curl)"
fi
wait_no_flows "programs"
stop_fakenet
echo "preload: ok"
