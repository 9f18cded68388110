#!/usr/bin/env bash
# A hostile peer (root; skips without root, toffee-fw or libtoffee): SYN
# floods, forged SYN-cookie answers and blind resets against toffeed with
# --syn-backlog=32 and SYN cookies in their default mode (auto: once a
# listener's SYN queue is full). Spoofed segments come from
# tests/system/spoof.py (a raw socket in the peer namespace).
#  1. a Linux client connects through a normal handshake (no cookie);
#  2. 3,000 SYNs from spoofed sources fill the
#     listener's SYN queue (32 half-open connections, no more) and are
#     answered with cookies beyond it;
#  3. while the queue is full, Linux clients still connect at once (each
#     handshake within 0.5 s: a dropped SYN would be sent again after 1 s),
#     through cookies: 10 echoes, 16 MiB each way (sha256), and a connection
#     that negotiated timestamps, window scaling and SACK (toffee status
#     --all);
#  4. 3,000 spoofed ACKs with random acknowledgment numbers (forged cookie
#     answers) make no connection and are each answered with a RST;
#  5. blind attacks on a connection while it moves 512 MiB (RFC 5961): 5,000
#     RSTs, 200 SYNs and 5,000 data segments with its 4-tuple and random
#     sequence and acknowledgment numbers; the transfer completes intact
#     (sha256), no RST is accepted, each is counted as ignored or
#     challenged, the SYNs get challenge ACKs, data with an ACK field too
#     far back is punted (P10, ack_unacceptable);
#  6. no connections left but the flood's half-open ones (they go when
#     their SYN-ACKs time out, after a minute); toffeed's memory not grown
#     by the floods.
# TSF_COOKIES=never runs the same with cookies off (step 3 then fails: the
# check that the test can fail). TOFFEE_BACKEND=sim runs it on the RTL NIC
# (test_sim_hostile.sh; the attacked transfer is 32 MiB there).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
. tests/system/sysup.sh
sys_require
PEER=$PWD/tests/system/tf_peer.py
SPOOF=$PWD/tests/system/spoof.py
VICTIM_MIB=512
[ "$SYS_BACKEND" = sim ] && VICTIM_MIB=32
sys_init tsf
peer() { ip netns exec "$NS" timeout 150 "$PY" "$PEER" "$@"; }
sys_up --toffeed-arg --syn-backlog=32 --toffeed-arg "--syncookies=${TSF_COOKIES:-auto}"
ip netns exec "$NS" ping -c 2 -i 0.2 -W 5 "$US" >"$LOGS/ping.log" 2>&1 || fail "ping $US"
start_app srv "$PY" "$PEER" server 7000
wait_listen "$LOGS/srv.log"
SP=$(cat "$TOFFEE_RUNDIR/toffeed.pid")
kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
syn_rcvd() { "$TOFFEE" status | sed -n 's/.* port 7000 .* syn_rcvd \([0-9]*\) .*/\1/p'; }
# the NIC's exceptions for an unacceptable ACK field ("  P10 ack_unacceptable N")
p10() { "$TOFFEE" status | awk '$2 == "ack_unacceptable" { print $3; exit }'; }
# a counter once it stopped moving (the NIC and toffeed work off a flood)
settled() {
	local v old=-1 i
	for i in $(seq 50); do
		v=$(counter "$1")
		[ "$v" = "$old" ] && break
		old=$v
		sleep 0.2
	done
	echo "$v"
}

# ---- 1. a normal handshake ---------------------------------------------------------------
peer echo "$US" 7000 1 >/dev/null || fail "echo before the flood"
[ "$(counter syncookies_sent)" = 0 ] || fail "a cookie without a flood: $(counter syncookies_sent)"
anon0=$(kb "$SP" RssAnon)
echo "before the flood: ok (normal handshake)"

# ---- 2. the SYN flood ----------------------------------------------------------------------
ip netns exec "$NS" "$PY" "$SPOOF" syn "$US" 7000 3000 1 >"$LOGS/flood.log" 2>&1 || fail "flood: $(cat "$LOGS/flood.log")"
sent=$(settled syncookies_sent)
full=$(counter syn_queue_full)
nsyn=$(syn_rcvd)
[ "$nsyn" -le 32 ] || fail "$nsyn half-open connections (backlog 32)"
[ "$full" -ge 300 ] || fail "syn_queue_full $full after 3,000 SYNs"
if [ "${TSF_COOKIES:-auto}" != never ]; then
	[ "$sent" -ge 300 ] || fail "syncookies_sent $sent after 3,000 SYNs"
fi
echo "SYN flood: ok ($(counter syn_rcvd) SYNs seen, $nsyn half-open, $full beyond the queue, $sent cookies sent)"

# ---- 3. clients during the flood ---------------------------------------------------------------
acc0=$(counter syncookies_accepted)
ip netns exec "$NS" "$PY" - "$US" >"$LOGS/connect.log" 2>&1 <<'EOF' || fail "connecting during the flood: $(cat "$LOGS/connect.log")"
import socket, sys, time
worst = 0
for i in range(10):
    t = time.time()
    s = socket.create_connection((sys.argv[1], 7000), timeout=5)
    worst = max(worst, time.time() - t)
    s.sendall(b"Eping%d" % i)
    got = b""
    while len(got) < 5:
        got += s.recv(5 - len(got))
    assert got == b"ping%d" % i, got
    s.close()
print("worst handshake %.3f s" % worst)
sys.exit(0 if worst < 0.5 else "a handshake took %.3f s" % worst)
EOF
[ "$(syn_rcvd)" -le 32 ] && [ "$(syn_rcvd)" -ge 16 ] || fail "the SYN queue is no longer full: $(syn_rcvd)"
peer send "$US" 7000 $((16 << 20)) || fail "16 MiB Linux -> toffee through a cookie"
peer recv "$US" 7000 $((16 << 20)) || fail "16 MiB toffee -> Linux through a cookie"
# a connection held open: what it negotiated
ip netns exec "$NS" "$PY" -c "
import socket, sys, time
s = socket.create_connection(('$US', 7000), timeout=5)
s.sendall(b'E')
print(s.getsockname()[1], flush=True)
time.sleep(3)
" >"$LOGS/held.log" 2>&1 &
PIDS_STARTED+=($!)
wait_log "$LOGS/held.log" '^[0-9]'
hport=$(head -1 "$LOGS/held.log")
sleep 0.3
"$TOFFEE" status --all >"$LOGS/status-all.txt"
opts=$(awk -v p="$PEERIP:$hport" '$0 ~ p && / ESTABLISHED / { f = 1; next } f && /options:/ { print; exit }' "$LOGS/status-all.txt")
grep -q "options: ts ws sack" <<<"$opts" || fail "the held connection's options: '$opts'"
acc=$(($(counter syncookies_accepted) - acc0))
[ "$acc" -ge 13 ] || fail "syncookies_accepted grew by $acc for 13 connections"
echo "during the flood: ok ($(cat "$LOGS/connect.log"); 16 MiB each way; $(xargs <<<"$opts"); $acc connections through cookies)"

# ---- 4. forged cookie answers -----------------------------------------------------------------------
flows0=$(status_field flows)
bad0=$(counter syncookies_rejected)
rst0=$(counter rst_closed_port)
ip netns exec "$NS" "$PY" "$SPOOF" ack "$US" 7000 3000 2 >>"$LOGS/flood.log" 2>&1 || fail "ACK flood: $(cat "$LOGS/flood.log")"
bad=$(($(settled syncookies_rejected) - bad0))
rst=$(($(counter rst_closed_port) - rst0))
[ "$bad" -ge 300 ] || fail "syncookies_rejected grew by $bad for 3,000 forged ACKs"
[ "$rst" -ge "$bad" ] || fail "$bad forged ACKs refused, $rst RSTs"
[ "$(status_field flows)" -le "$flows0" ] || fail "flows $flows0 -> $(status_field flows) after forged ACKs"
echo "forged ACKs: ok ($bad refused, $rst RSTs, no connection made)"

# ---- 5. blind attacks ----------------------------------------------------------------------------
ign0=$(counter rst_rcvd_ignored) chal0=$(counter rst_rcvd_challenged) acc0=$(counter rst_rcvd_accepted)
synch0=$(counter syn_challenged) unacc0=$(p10)
peer send "$US" 7000 $((VICTIM_MIB << 20)) >"$LOGS/victim.log" 2>&1 &
VICTIM=$!
PIDS_STARTED+=($VICTIM)
sport=
for _ in $(seq 100); do
	sport=$(ip netns exec "$NS" ss -Htn state established "( dport = :7000 )" | awk '{ n = split($3, a, ":"); print a[n]; exit }')
	[ -n "$sport" ] && break
	sleep 0.05
done
[ -n "$sport" ] || fail "the transfer's connection never showed in ss"
ip netns exec "$NS" "$PY" "$SPOOF" rst "$US" 7000 5000 3 "$PEERIP:$sport" >>"$LOGS/flood.log" 2>&1 || fail "RSTs: $(cat "$LOGS/flood.log")"
ip netns exec "$NS" "$PY" "$SPOOF" syn "$US" 7000 200 4 "$PEERIP:$sport" >>"$LOGS/flood.log" 2>&1 || fail "SYNs: $(cat "$LOGS/flood.log")"
ip netns exec "$NS" "$PY" "$SPOOF" data "$US" 7000 5000 5 "$PEERIP:$sport" >>"$LOGS/flood.log" 2>&1 || fail "data: $(cat "$LOGS/flood.log")"
wait $VICTIM || fail "the transfer under blind resets: $(cat "$LOGS/victim.log")"
ign=$(($(counter rst_rcvd_ignored) - ign0)) chal=$(($(counter rst_rcvd_challenged) - chal0))
acc=$(($(counter rst_rcvd_accepted) - acc0)) synch=$(($(counter syn_challenged) - synch0))
[ "$acc" = 0 ] || fail "$acc blind RSTs accepted"
[ $((ign + chal)) -ge 300 ] || fail "5,000 blind RSTs: $ign ignored, $chal challenged"
[ "$synch" -ge 1 ] || fail "no challenge ACK for 200 SYNs on the connection"
unacc=$(($(p10) - unacc0))
[ "$unacc" -ge 300 ] || fail "5,000 blind data segments: only $unacc punted for their ACK field"
echo "blind attacks: ok ($VICTIM_MIB MiB intact; 5,000 RSTs: $ign ignored, $chal challenged, 0 accepted; 200 SYNs: $synch challenged; 5,000 data segments: $unacc with an unacceptable ACK)"

# ---- 6. afterwards ---------------------------------------------------------------------------------
for _ in $(seq 100); do [ "$(status_field flows)" = "$(syn_rcvd)" ] && break; sleep 0.1; done
[ "$(status_field flows)" = "$(syn_rcvd)" ] || fail "connections left: $("$TOFFEE" status --brief), $(syn_rcvd) half-open"
anon1=$(kb "$SP" RssAnon)
[ $((anon1 - anon0)) -le 4096 ] || fail "toffeed's private memory grew by $((anon1 - anon0)) kB"
echo "afterwards: ok (toffeed RssAnon $anon0 -> $anon1 kB)"
echo "ok"
