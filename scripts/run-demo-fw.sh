#!/usr/bin/env bash
# `make run-fw` (`make run` is the co-simulation demo, scripts/run-demo.sh), in two parts:
#  1. live (root): toffee on the fw backend — the C fast path on a DPDK lcore
#     (toffee-fw) and toffeed — with its wire, a TAP, in a network namespace
#     where the Linux kernel's TCP plays the client. An unmodified epoll echo
#     server runs on toffee (`toffee run`); rpc_cli on the Linux side measures
#     request rate, latency percentiles and throughput; then `toffee status`.
#     Everything is torn down at the end, also on failure or Ctrl-C. Without
#     root (or /dev/net/tun, or a build) it says why and skips to part 2.
#  2. replay of two Linux captures through the fast path (toffee-replay): the
#     fast path plays the server, delivers the client's payload and ACKs it,
#     and transmits the server application's replies.
# DEMO_SECS=N sets the length of each measurement (default 3).
set -u
cd "$(dirname "$0")/.."
SECS=${DEMO_SECS:-3}

live() {
	set -u
	. tests/system/netns.sh
	. tests/system/sysup.sh
	local srv=$PWD/build/bench/system/echo_srv cli=$PWD/build/bench/system/rpc_cli
	sys_init demo
	trap 'echo; echo "--- tearing down"; sys_cleanup' EXIT
	trap 'exit 130' INT TERM
	echo "=== 1. toffee live: the firmware fast path on DPDK (toffee-fw) + toffeed, a Linux peer in a namespace"
	echo "\$ toffee start --backend fw --tap $TAP --ip $US/24"
	sys_up
	sed 's/^/  /' "$LOGS/start.log"
	echo "  (the TAP $TAP is the NIC's wire; it moved into namespace $NS, where Linux is $PEERIP)"
	peer_exec ping -c 1 -W 2 "$US" >/dev/null 2>&1 || fail "the peer cannot ping toffee at $US"
	echo "\$ toffee run -- echo_srv -p 7000      # an unmodified epoll echo server, on toffee through LD_PRELOAD"
	start_app srv "$srv" -p 7000
	local srvpid=$BG_PID
	wait_log "$LOGS/srv.log" listening
	local rows=() c s out rps mbit
	for spec in "1 64" "32 64" "4 65536"; do
		read -r c s <<<"$spec"
		echo "[peer]\$ rpc_cli rpc $US 7000 -c $c -s $s -d $SECS"
		out=$(peer_exec timeout $((SECS + 30)) "$cli" rpc "$US" 7000 -c "$c" -s "$s" -d "$SECS" 2>&1) ||
			fail "rpc_cli: $out"
		sed -n 's/^rpc: /  /p' <<<"$out"
		eval "$(sed -n 's/^RESULT //p' <<<"$out" | tr ' ' '\n' | sed 's/^\([a-z0-9_]*\)=/r_\1=/')"
		mbit=$(echo "$r_rps * $s * 8 / 1000000" | bc)
		rows+=("$(printf '%-34s %10.0f %9s %9.1f %9.1f' "$c conn(s), $s-byte echo" "$r_rps" "$mbit" "$r_p50_us" "$r_p99_us")")
	done
	echo
	echo "What happened (closed loop: each connection has one request outstanding; Mbit/s each way):"
	printf '  %-34s %10s %9s %9s %9s\n' "test" "requests/s" "Mbit/s" "p50 us" "p99 us"
	printf '  %s\n' "${rows[@]}"
	echo
	echo "\$ toffee status     # abridged: zero counters left out"
	"$TOFFEE" status | awk '/^(wire|NIC counters|NIC exceptions|NIC drops|toffeed counters)/ { sec = 1 }
		!sec || /^[A-Za-z]/ || ($NF != "0" && $NF ~ /^[0-9]+$/)' | sed 's/^/  /'
	kill -TERM "$srvpid"
	for _ in $(seq 50); do kill -0 "$srvpid" 2>/dev/null || break; sleep 0.1; done
	sed -n 's/^echo_srv: /  the server at exit: /p' "$LOGS/srv.log"
	echo "\$ toffee stop"
	"$TOFFEE" stop | sed 's/^/  /'
}

why_not_live() {
	[ "$(id -u)" = 0 ] || { echo "it needs root (network namespaces, a TAP device, DPDK): run sudo make run"; return; }
	[ -c /dev/net/tun ] || { echo "there is no /dev/net/tun"; return; }
	local f
	for f in build/bin/toffee build/bin/toffee-fw build/bin/toffeed build/lib/libtoffee-preload.so \
		build/bench/system/echo_srv build/bench/system/rpc_cli; do
		[ -e "$f" ] || { echo "$f is not built (make)"; return; }
	done
}

reason=$(why_not_live)
if [ -n "${DEMO_REPLAY_ONLY:-}" ]; then
	:
elif [ -n "$reason" ]; then
	echo "=== 1. toffee live: skipped: $reason. Showing the trace replay only."
elif ! (live); then
	echo "run-demo: the live part failed (see above); going on with the trace replay" >&2
	live_failed=1
fi
echo

echo "=== 2. Linux TCP traces replayed through the fast path (toffee-replay)"
bin=build/bin/toffee-replay
traces=${TOFFEE_TRACES:-../shared/traces/linux}
[ -x "$bin" ] || { echo "run-demo: $bin is not built (run make)" >&2; exit 1; }
for t in bulk_in echo_small; do
  f=$traces/$t.pcap
  [ -r "$f" ] || { echo "run-demo: $f is missing (set TOFFEE_TRACES)" >&2; exit 1; }
  out=build/demo-$t-tx.pcap
  echo "--- $t.pcap ($(tcpdump -nr "$f" 2>/dev/null | wc -l) frames between two Linux hosts)"
  echo "\$ $bin --out $out $f"
  "$bin" --out "$out" "$f" | sed "s/^/  /"
  echo "  frames the fast path sent: $(tcpdump -nr "$out" 2>/dev/null | wc -l), in $out"
  reply=$(tcpdump -nr "$f" -A 'src port 7000 and greater 100' 2>/dev/null | grep -o '[0-9a-f]\{64\}' | tail -1 || true)
  [ -n "$reply" ] && echo "  the real server's reply in the capture, the sha256 of what it received: $reply"
  echo
done
exit "${live_failed:-0}"
