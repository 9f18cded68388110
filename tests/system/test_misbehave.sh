#!/usr/bin/env bash
# A misbehaving application next to a well-behaved one (root; skips without
# root, the NIC or libtoffee). tests/system/badapp.py says HELLO to toffeed,
# then sends 3,000 random messages (wrong types, sizes, ids, descriptors)
# and fills its context's CMD ring with random commands naming other
# applications' flows, with random doorbell indices, and exits without a
# word — while a Linux client moves 128 MiB each way through a toffee
# server. Then:
#  - the transfers are intact (sha256) and the server still serves;
#  - toffeed and the NIC are the same processes, still answering;
#  - the refusals are counted: toffeed's app_bad_request, the NIC's
#    cmd_bad / cmd_not_owner drops;
#  - the bad application's context is reclaimed (one context left, no flows).
# TOFFEE_BACKEND=sim runs it on the RTL NIC (fewer bytes: 16 MiB).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
. tests/system/sysup.sh
sys_require
PEER=$PWD/tests/system/tf_peer.py
MIB=128
[ "$SYS_BACKEND" = sim ] && MIB=16
sys_init tmb
peer() { ip netns exec "$NS" timeout 300 "$PY" "$PEER" "$@"; }
sys_up
ip netns exec "$NS" ping -c 2 -i 0.2 -W 5 "$US" >"$LOGS/ping.log" 2>&1 || fail "ping $US"
start_app srv "$PY" "$PEER" server 7000
wait_listen "$LOGS/srv.log"
SP=$(cat "$TOFFEE_RUNDIR/toffeed.pid")
NICPID=$(cat "$TOFFEE_RUNDIR/nic.pid")
drop() { "$TOFFEE" status | awk -v n="$1" '/^NIC drops/ { f = 1 } f && $1 == n { print $2; exit }'; }
bad0=$(counter app_bad_request) cb0=$(drop cmd_bad) co0=$(drop cmd_not_owner)

peer send "$US" 7000 $((MIB << 20)) >"$LOGS/send.log" 2>&1 &
SEND=$!
PIDS_STARTED+=($SEND)
"$PY" tests/system/badapp.py "$TOFFEE_RUNDIR" 3000 300 7 >"$LOGS/badapp.log" 2>&1 || fail "badapp: $(cat "$LOGS/badapp.log")"
wait $SEND || fail "$MIB MiB Linux -> toffee next to the bad app: $(cat "$LOGS/send.log")"
peer recv "$US" 7000 $((MIB << 20)) || fail "$MIB MiB toffee -> Linux after the bad app"
peer echo "$US" 7000 3 >/dev/null || fail "echo after the bad app"

kill -0 "$SP" 2>/dev/null && [ "$(cat "$TOFFEE_RUNDIR/toffeed.pid")" = "$SP" ] || fail "toffeed died"
kill -0 "$NICPID" 2>/dev/null || fail "the NIC process died"
bad=$(($(counter app_bad_request) - bad0)) cb=$(($(drop cmd_bad) - cb0)) co=$(($(drop cmd_not_owner) - co0))
[ "$bad" -ge 100 ] || fail "app_bad_request grew by $bad for 3,000 random messages"
[ $((cb + co)) -ge 100 ] || fail "the NIC refused $cb malformed and $co foreign commands"
wait_idle 1 20
echo "misbehaving app: ok ($(tr '\n' ';' <"$LOGS/badapp.log" | sed 's/;$//'); toffeed: $bad bad requests; NIC: $cb malformed, $co foreign commands refused; $MIB MiB each way intact)"
echo "ok"
