#!/usr/bin/env bash
# toffee-impair bridges two namespaces: a clean bridge passes every ping;
# with 30% loss some are lost; a TCP transfer through 5% loss, reordering,
# duplication and corruption arrives intact (Linux on both ends).
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
ns_init
S=$NS_SUFFIX
A=tia$S; B=tib$S
ns_add "$A"; ns_add "$B"
veth_add ia0$S ia1$S; veth_add ib0$S ib1$S
ip link set ia1$S netns "$A"; ip link set ib1$S netns "$B"
ip -n "$A" addr add 10.99.0.1/24 dev ia1$S; ip -n "$A" link set ia1$S up
ip -n "$B" addr add 10.99.0.2/24 dev ib1$S; ip -n "$B" link set ib1$S up
ip link set ia0$S up; ip link set ib0$S up
for d in ia0$S ib0$S; do ethtool -K $d tx off >/dev/null 2>&1 || true; done
for n in "$A" "$B"; do ip netns exec "$n" ethtool -K $( [ "$n" = "$A" ] && echo ia1$S || echo ib1$S ) tx off >/dev/null 2>&1 || true; done

bg build/bin/toffee-impair --a ia0$S --b ib0$S --seed 1
sleep 0.3
ip netns exec "$A" ping -c 20 -i 0.01 -W 1 10.99.0.2 >/tmp/impair-ping-$S.log 2>&1
ok=$(grep -c "bytes from" /tmp/impair-ping-$S.log)
[ "$ok" -eq 20 ] || { echo "FAIL clean bridge passed $ok/20 pings"; exit 1; }
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null

bg build/bin/toffee-impair --a ia0$S --b ib0$S --loss 0.3 --seed 2
sleep 0.3
ip netns exec "$A" ping -c 40 -i 0.01 -W 1 10.99.0.2 >/tmp/impair-ping-$S.log 2>&1
ok=$(grep -c "bytes from" /tmp/impair-ping-$S.log)
[ "$ok" -gt 5 ] && [ "$ok" -lt 38 ] || { echo "FAIL lossy bridge passed $ok/40 pings"; exit 1; }
kill "$BG_PID"; wait "$BG_PID" 2>/dev/null

bg build/bin/toffee-impair --a ia0$S --b ib0$S --loss 0.05 --reorder 0.05 --dup 0.02 --corrupt 0.02 --seed 3 --only-tcp
sleep 0.3
head -c 2000000 /dev/urandom > /tmp/impair-in-$S
ip netns exec "$B" timeout 60 python3 -c '
import socket,hashlib,sys
s=socket.socket(); s.setsockopt(socket.SOL_SOCKET,socket.SO_REUSEADDR,1); s.bind(("10.99.0.2",7000)); s.listen(1)
c,_=s.accept(); h=hashlib.sha256()
while True:
    d=c.recv(65536)
    if not d: break
    h.update(d)
print(h.hexdigest())' > /tmp/impair-out-$S &
srv=$!
sleep 0.5
ip netns exec "$A" timeout 60 python3 -c '
import socket,sys
s=socket.create_connection(("10.99.0.2",7000)); s.sendall(open(sys.argv[1],"rb").read()); s.close()' /tmp/impair-in-$S
wait $srv
want=$(sha256sum < /tmp/impair-in-$S | cut -d" " -f1); got=$(cat /tmp/impair-out-$S)
rm -f /tmp/impair-in-$S /tmp/impair-out-$S /tmp/impair-ping-$S.log
[ "$want" = "$got" ] || { echo "FAIL transfer through impairments: $got != $want"; exit 1; }
kill -INT "$BG_PID"; wait "$BG_PID"
echo "ok"
