#!/usr/bin/env bash
# `make run`: the co-simulation demo. The RTL NIC (hw/rtl/toffee_top, the
# Verilator model toffee-sim, docs/cosim.md) runs as toffee's NIC
# (`toffee start --backend sim`), its wire a TAP in a network namespace where
# the Linux kernel's TCP plays the client. An unmodified epoll echo server
# runs on toffee (`toffee run -- echo_srv`); rpc_cli on the Linux side runs
# closed-loop RPCs (one request outstanding per connection); then what
# happened is printed:
#  - bytes moved, wall-clock time and simulated time (cycles of the 250 MHz
#    model, from DIR/sim.stats, which toffee-sim rewrites while it runs), and
#    throughput in both;
#  - latency percentiles as Linux measured them (wall clock), and in
#    simulated time: toffee-sim records the wire (--pcap-wire) with the
#    model's cycle as time stamp, a frame coming in at the cycle its first
#    beat is offered to the model, one going out at its last beat; for each
#    request the time from its first byte entering the NIC to the last byte
#    of its echo leaving it. That is the server side of the round trip (NIC
#    receive path, DMA, the host's software, transmit path); the Linux side
#    runs in wall-clock time and has no simulated duration. Note that the
#    host's software (toffeed, libtoffee, echo_srv) runs at full speed while
#    the model crawls (~4,000x slower than a card), so it costs few cycles:
#    the figures are the NIC's own latency, the host almost free;
#  - the NIC's counters and `toffee status`; then everything is torn down
#    (also on failure or Ctrl-C).
# Needs root (network namespaces, a TAP); without root, /dev/net/tun or a
# build it says why and shows the trace replay of `make run-fw` instead.
# DEMO_SECS=N sets the length of each measurement (default 4).
set -u
cd "$(dirname "$0")/.."
SECS=${DEMO_SECS:-4}
# Runs: connections, request size.
SPECS=("1 64" "2 16384" "8 64")
PY=/usr/bin/python3

# The wire record: wire_latency PCAP "C0 C1 SIZE"...: for each run (the
# connections to port 7000 whose SYN came in between cycles C0 and C1, SIZE-
# byte requests) a line of latencies in cycles: from the cycle the first byte
# of request k came in (the first frame that carried it) to the cycle the
# last byte of its echo went out (the first frame that carried it).
wire_latency() {
	"$PY" - "$@" <<'PYEOF'
import bisect, struct, sys
f = open(sys.argv[1], "rb")
hdr = f.read(24)
nano = len(hdr) == 24 and struct.unpack("<I", hdr[:4])[0] == 0xa1b23c4d
conns = {}   # client port -> [syn_ns, client isn, server isn, client segs, server segs]
while len(hdr) == 24:
    h = f.read(16)
    if len(h) < 16:
        break
    sec, frac, caplen, ln = struct.unpack("<IIII", h)
    d = f.read(caplen)
    t = sec * 1000000000 + (frac if nano else frac * 1000)
    if len(d) < 54 or d[12:14] != b"\x08\x00" or d[23] != 6:
        continue
    ihl = (d[14] & 15) * 4
    tot = struct.unpack("!H", d[16:18])[0]
    tcp = 14 + ihl
    sp, dp, seq = struct.unpack("!HHI", d[tcp:tcp + 8])
    flags = d[tcp + 13]
    plen = tot - ihl - (d[tcp + 12] >> 4) * 4
    if dp == 7000:
        if flags & 2:
            conns[sp] = [t, (seq + 1) & 0xffffffff, None, [], []]
        elif sp in conns and plen > 0:
            c = conns[sp]
            c[3].append((t, ((seq - c[1]) & 0xffffffff) + plen))
    elif sp == 7000 and dp in conns:
        c = conns[dp]
        if flags & 2:
            c[2] = (seq + 1) & 0xffffffff
        elif c[2] is not None and plen > 0:
            c[4].append((t, ((seq - c[2]) & 0xffffffff) + plen))

def reach(evs):
    """times and running maximum of the stream's end, in time order"""
    ts, ends, m = [], [], 0
    for t, e in evs:
        if e > m:
            m = e
            ts.append(t)
            ends.append(m)
    return ts, ends

def first(ts, ends, want):   # first time the stream covered byte want - 1
    i = bisect.bisect_left(ends, want)
    return ts[i] if i < len(ts) else None

for run in sys.argv[2:]:
    c0, c1, size = (int(x) for x in run.split())
    lat = []
    for c in conns.values():
        if not (c0 * 4 <= c[0] < c1 * 4):
            continue
        cts, cends = reach(c[3])
        sts, sends = reach(c[4])
        k = 0
        while True:
            tin = first(cts, cends, k * size + 1)
            tout = first(sts, sends, (k + 1) * size)
            if tin is None or tout is None:
                break
            lat.append((tout - tin) // 4)
            k += 1
    print(" ".join(str(x) for x in lat))
PYEOF
}

# pct P VALUES...: the P-th percentile (nearest rank)
pct() {
	local p=$1
	shift
	printf '%s\n' "$@" | sort -n | awk -v p="$p" '{ v[NR] = $1 } END { if (NR == 0) { print 0; exit }
		i = int(NR * p / 100 + 0.999999); if (i < 1) i = 1; if (i > NR) i = NR; print v[i] }'
}

simval() { awk -v k="$1" '$1 == k { print $2 }' "$TOFFEE_RUNDIR/sim.stats" 2>/dev/null; }

live() {
	set -u
	. tests/system/netns.sh
	export TOFFEE_BACKEND=sim
	. tests/system/sysup.sh
	local srv=$PWD/build/bench/system/echo_srv cli=$PWD/build/bench/system/rpc_cli
	sys_init demo
	trap 'echo; echo "--- tearing down"; sys_cleanup' EXIT
	trap 'exit 130' INT TERM
	local wire=$LOGS/wire.pcap
	echo "=== toffee on the RTL NIC: the Verilator model of hw/rtl/toffee_top (toffee-sim) + toffeed, a Linux peer in a namespace"
	echo "\$ toffee start --backend sim --tap $TAP --ip $US/24 --nic-arg --pcap-wire --nic-arg $wire"
	sys_up --nic-arg --pcap-wire --nic-arg "$wire"
	sed 's/^/  /' "$LOGS/start.log"
	sed -n 's/^toffee-sim: \(toffee_top ABI.*\)/  the model: \1/p' "$TOFFEE_RUNDIR/nic.log" | sed 's/, listening on.*;/;/'
	echo "  (the TAP $TAP is the NIC's wire; it moved into namespace $NS, where Linux is $PEERIP)"
	peer_exec ping -c 1 -W 5 "$US" >/dev/null 2>&1 || fail "the peer cannot ping toffee at $US"
	echo "\$ toffee run -- echo_srv -p 7000      # an unmodified epoll echo server, on toffee through LD_PRELOAD"
	start_app srv "$srv" -p 7000
	local srvpid=$BG_PID
	wait_log "$LOGS/srv.log" listening
	local rows=() lrows=() c s out c0 c1 w0 w1 bytes cyc dt i failed=
	local -a ranges=()
	for spec in "${SPECS[@]}"; do
		read -r c s <<<"$spec"
		echo "[peer]\$ rpc_cli rpc $US 7000 -c $c -s $s -d $SECS"
		sleep 2        # (the previous run's flows removed)
		c0=$(simval cycles); w0=$(date +%s.%N)
		if ! out=$(peer_exec timeout $((SECS + 60)) "$cli" rpc "$US" 7000 -c "$c" -s "$s" -d "$SECS" -t 20 2>&1); then
			echo "  FAILED: $out"
			echo "  (no further runs; the state of the NIC follows)"
			failed=1
			break
		fi
		sleep 0.5      # sim.stats is rewritten every 200 ms
		c1=$(simval cycles); w1=$(date +%s.%N)
		ranges+=("$c0 $c1")
		sed -n 's/^rpc: /  /p' <<<"$out"
		eval "$(sed -n 's/^RESULT //p' <<<"$out" | tr ' ' '\n' | sed 's/^\([a-z0-9_]*\)=/r_\1=/')"
		bytes=$(echo "$r_reqs * $s" | bc)
		cyc=$((c1 - c0))
		rows+=("$(printf '%-26s %9s %8.1f %12s %9.3f %9.2f %9.1f' "$c x $s B" "$bytes" "$r_secs" "$cyc" \
			"$(echo "$cyc * 4 / 1000000" | bc -l)" "$(echo "$bytes * 8 / $r_secs / 1000000" | bc -l)" \
			"$(echo "if ($cyc > 0) $bytes * 8 * 1000 / ($cyc * 4) else 0" | bc -l)")")
		lrows+=("$(printf '%-26s %9.0f %9.0f %9.0f' "$c x $s B" "$r_p50_us" "$r_p90_us" "$r_p99_us")")
	done
	echo
	echo "\$ toffee status     # abridged: zero counters left out"
	"$TOFFEE" status | awk '/^(wire|NIC counters|NIC exceptions|NIC drops|toffeed counters)/ { sec = 1 }
		!sec || /^[A-Za-z]/ || ($NF != "0" && $NF ~ /^[0-9]+$/)' | sed 's/^/  /'
	kill -TERM "$srvpid"
	for _ in $(seq 50); do kill -0 "$srvpid" 2>/dev/null || break; sleep 0.1; done
	sed -n 's/^echo_srv: /  the server at exit: /p' "$LOGS/srv.log"
	echo "\$ toffee stop"
	"$TOFFEE" stop | sed 's/^/  /'
	echo "  toffee-sim at exit:"
	grep -E "^toffee-sim: ([0-9]+ cycles|frames in|dma write|register bridge)" "$TOFFEE_RUNDIR/nic.log" | sed 's/^/    /'

	echo
	echo "What happened (closed loop, one request outstanding per connection; bytes: payload each way;"
	echo "simulated time: cycles the 250 MHz model was clocked during the run, 4 ns each):"
	printf '  %-26s %9s %8s %12s %9s %9s %9s\n' "run" "bytes" "wall s" "cycles" "sim ms" "Mb/s wall" "Mb/s sim"
	printf '  %s\n' "${rows[@]}"
	echo
	echo "Latency per request. Wall clock, as Linux measured it (us; the model's slowness):"
	printf '  %-26s %9s %9s %9s\n' "run" "p50 us" "p90 us" "p99 us"
	printf '  %s\n' "${lrows[@]}"
	echo "Simulated, on the NIC's wire (--pcap-wire): a request's first byte in to the last byte"
	echo "of its echo out, in cycles (and ns at 250 MHz):"
	printf '  %-26s %7s %9s %9s %9s %9s\n' "run" "samples" "p50" "p90" "p99" "max"
	local lat runs=()
	i=0
	for spec in "${SPECS[@]:0:${#ranges[@]}}"; do
		read -r c s <<<"$spec"
		runs+=("${ranges[$i]} $s")
		i=$((i + 1))
	done
	mapfile -t lat < <(wire_latency "$wire" "${runs[@]}")
	i=0
	for spec in "${SPECS[@]:0:${#ranges[@]}}"; do
		read -r c s <<<"$spec"
		local -a v=()
		read -r -a v <<<"${lat[$i]:-}"
		i=$((i + 1))
		if [ ${#v[@]} -eq 0 ]; then
			printf '  %-26s %7s\n' "$c x $s B" "none"
			continue
		fi
		local p50 p90 p99 mx
		p50=$(pct 50 "${v[@]}"); p90=$(pct 90 "${v[@]}"); p99=$(pct 99 "${v[@]}"); mx=$(pct 100 "${v[@]}")
		printf '  %-26s %7s %9s %9s %9s %9s\n' "$c x $s B" "${#v[@]}" "$p50 cyc" "$p90 cyc" "$p99 cyc" "$mx cyc"
		printf '  %-26s %7s %9s %9s %9s %9s\n' "" "" "$((p50 * 4)) ns" "$((p90 * 4)) ns" "$((p99 * 4)) ns" "$((mx * 4)) ns"
	done
	echo "  (the host's software runs in wall-clock time beside the model: its share of these"
	echo "   figures is the few cycles the model advanced meanwhile; wire record: $(tcpdump -nr "$wire" 2>/dev/null | wc -l) frames)"
	[ -z "$failed" ]
}

why_not_live() {
	[ "$(id -u)" = 0 ] || { echo "it needs root (network namespaces, a TAP device): run sudo make run"; return; }
	[ -c /dev/net/tun ] || { echo "there is no /dev/net/tun"; return; }
	local f
	for f in build/bin/toffee build/bin/toffee-sim build/bin/toffeed build/lib/libtoffee-preload.so \
		build/bench/system/echo_srv build/bench/system/rpc_cli; do
		[ -e "$f" ] || { echo "$f is not built (make)"; return; }
	done
	[ -x "$PY" ] || echo "there is no $PY"
}

reason=$(why_not_live)
if [ -n "$reason" ]; then
	echo "=== toffee on the RTL NIC: skipped: $reason."
	echo "=== Showing the firmware demo's trace replay instead (make run-fw for the rest)."
	DEMO_REPLAY_ONLY=1 exec scripts/run-demo-fw.sh
fi
(live)
