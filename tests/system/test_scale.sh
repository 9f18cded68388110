#!/usr/bin/env bash
# Scale against Linux (root; skips without root, /dev/net/tun, toffee-fw, the
# preload library or the benchmark programs): echo_srv (bench/system) under
# `toffee run`, rpc_cli on the Linux peer.
#  1. 1,000 connections open at once, 10 rounds of 1000 bytes each way on every
#     one of them (checked byte for byte); while they are held toffee status
#     shows >= 1,000 flows in the NIC; afterwards none.
#  2. 10,000 short connections in sequence (connect, 64 bytes there and back,
#     close), timed. Then: no flows, no NIC slots in use, no TIME_WAIT, the
#     app's region as free as before, toffeed's descriptors not grown, its
#     memory grown only by what it touches once per flow slot as flow ids go
#     round (ids are handed out round robin over 65536 slots): 8 bytes of
#     private memory (the flows[] table; + 512 KiB slack, i.e. a leak of more
#     than ~50 bytes per connection fails) and a 128-byte flow image in the
#     shared region 0 per connection. The app's RSS is reported.
#  3. The server exits cleanly: it accepted all 12,000 connections, at most
#     1,000 at once; no contexts left.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
. tests/system/sysup.sh
SRV=$PWD/build/bench/system/echo_srv
CLI=$PWD/build/bench/system/rpc_cli
for f in build/bin/toffee-fw build/lib/libtoffee-preload.so "$SRV" "$CLI"; do
	[ -e "$f" ] || { echo "skip: $f not built"; exit 77; }
done
sys_init tsc
NCONC=${NCONC:-1000}
NSHORT=${NSHORT:-10000}
NWARM=1000
sys_up
peer_exec ping -c 1 -W 2 "$US" >/dev/null 2>&1 || fail "ping $US"
start_app srv "$SRV" -p 7000
SRVPID=$BG_PID
wait_log "$LOGS/srv.log" listening
SP=$(cat "$TOFFEE_RUNDIR/toffeed.pid")
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
nslots() { "$TOFFEE" status | sed -n 's/.*NIC slots in use \([0-9]*\).*/\1/p'; }
region_free() { "$TOFFEE" status | awk -v p="$SRVPID" '$1 == "ctx" && $4 == p { print $(NF-2) }' | tr -d '('; }
shmem_r0() { awk '/toffee-region-0/ { f = 1; next } f && /^Rss:/ { print $2; exit }' "/proc/$SP/smaps"; }

# ---- 1. 1,000 at once ------------------------------------------------------------------
t=$(date +%s.%N)
peer_exec timeout 120 "$CLI" conc "$US" 7000 -n "$NCONC" -s 1000 -r 10 -H 2 >"$LOGS/conc.log" 2>&1 &
CONC=$!
PIDS_STARTED+=($CONC)
for _ in $(seq 600); do grep -q holding "$LOGS/conc.log" && break; kill -0 $CONC 2>/dev/null || break; sleep 0.05; done
grep -q holding "$LOGS/conc.log" || { wait $CONC; fail "$NCONC concurrent: $(cat "$LOGS/conc.log")"; }
held=$(status_field flows)
slots=$(nslots)
[ "$held" -ge "$NCONC" ] && [ "$slots" -ge "$NCONC" ] || fail "holding $NCONC connections: toffee has $held flows, $slots NIC slots in use"
wait $CONC || fail "$NCONC concurrent: $(cat "$LOGS/conc.log")"
wait_idle 1
echo "concurrent: ok: $(sed -n 's/^conc: //p' "$LOGS/conc.log"); $held flows in the NIC at once ($(printf '%.1f' "$(echo "$(date +%s.%N) - $t" | bc)") s in all)"

# ---- 2. 10,000 in sequence ----------------------------------------------------------------
peer_exec timeout 60 "$CLI" short "$US" 7000 -n $NWARM >"$LOGS/warm.log" 2>&1 || fail "warm-up: $(cat "$LOGS/warm.log")"
wait_idle 1
anon0=$(kb "$SP" RssAnon); rss0=$(kb "$SP" VmRSS); r00=$(shmem_r0); fds0=$(ls "/proc/$SP/fd" | wc -l)
app0=$(kb "$SRVPID" VmRSS); free0=$(region_free)
inst0=$(counter flows_installed)
peer_exec timeout 600 "$CLI" short "$US" 7000 -n "$NSHORT" >"$LOGS/short.log" 2>&1 || fail "$NSHORT short connections: $(cat "$LOGS/short.log")"
wait_idle 1
for _ in $(seq 30); do [ "$("$TOFFEE" status | sed -n 's/.*time_wait \([0-9]*\).*/\1/p')" = 0 ] && break; sleep 0.1; done
"$TOFFEE" status >"$LOGS/status-after.txt"
grep -q "NIC slots in use 0), time_wait 0" "$LOGS/status-after.txt" || fail "after $NSHORT: $(sed -n 3p "$LOGS/status-after.txt")"
inst=$(($(counter flows_installed) - inst0))
[ "$inst" -ge "$NSHORT" ] || fail "only $inst flows installed for $NSHORT connections"
anon1=$(kb "$SP" RssAnon); rss1=$(kb "$SP" VmRSS); r01=$(shmem_r0); fds1=$(ls "/proc/$SP/fd" | wc -l)
app1=$(kb "$SRVPID" VmRSS); free1=$(region_free)
img_kb=$(( (NSHORT * 128 + 1023) / 1024 + 8 ))
echo "toffeed: RssAnon $anon0 -> $anon1 kB, region 0 resident $r00 -> $r01 kB, VmRSS $rss0 -> $rss1 kB, fds $fds0 -> $fds1; app VmRSS $app0 -> $app1 kB, region free $free0 -> $free1 MiB"
anon_kb=$(( NSHORT * 8 / 1024 + 512 ))
[ $((anon1 - anon0)) -le $anon_kb ] || fail "toffeed's private memory grew by $((anon1 - anon0)) kB over $NSHORT connections (bound $anon_kb)"
[ $((r01 - r00)) -le $img_kb ] || fail "toffeed's region 0 grew by $((r01 - r00)) kB (bound $img_kb: $NSHORT flow images)"
[ "$fds1" -le "$fds0" ] || fail "toffeed's descriptors: $fds0 -> $fds1"
[ "$free1" = "$free0" ] || fail "the app's region: $free0 MiB free before, $free1 after"
echo "sequential: ok: $(sed -n 's/^short: //p' "$LOGS/short.log"); $inst flows installed and removed"

# ---- 3. the server exits ---------------------------------------------------------------------
kill -TERM $SRVPID
for _ in $(seq 100); do kill -0 $SRVPID 2>/dev/null || break; sleep 0.05; done
kill -0 $SRVPID 2>/dev/null && fail "echo_srv did not exit on SIGTERM"
line=$(grep "^echo_srv: accepted" "$LOGS/srv.log") || fail "echo_srv said nothing at exit"
acc=$(sed -n 's/.*accepted \([0-9]*\),.*/\1/p' <<<"$line"); peak=$(sed -n 's/.*peak \([0-9]*\) open.*/\1/p' <<<"$line")
[ "$acc" = $((NCONC + NWARM + NSHORT)) ] && [ "$peak" = "$NCONC" ] || fail "server: $line"
wait_idle 0
echo "ok: $line"
