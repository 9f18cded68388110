#!/usr/bin/env bash
# Prefork servers on toffee: a listening socket inherited across fork()
# serves connections in the children (host/slowpath/listen.c), against the
# Linux kernel's TCP in a peer namespace, over the fw backend (root; skips
# without root, /dev/net/tun, toffee-fw or the programs).
#  1. prefork_srv.py: the parent listens and forks 2 children that accept in
#     a blocking loop; the parent never accepts. 20 connections from the
#     peer are all answered, by the children only, by both of them. One
#     child is SIGKILLed: 10 more connections are answered by the other.
#     Again with children that accept only 2 s after the fork: a connection
#     made before that waits (its SYN is not answered, counted as
#     syn_no_acceptor) and is then answered by a child, not queued on the
#     parent's listener.
#  2. nginx (master + 2 workers, daemonized: the first process exits right
#     after fork, its listener is held for its child): 20 x 1 MiB over curl
#     from the peer with sha256, served by both workers (access log $pid),
#     none by the master; toffee status shows 2 accepting listeners.
#     SIGQUIT: no flows, no contexts left.
set -u
cd "$(dirname "$0")/../.."
. tests/system/netns.sh
ns_require_root
. tests/system/sysup.sh
PY=/usr/bin/python3
NGINX=$(command -v nginx || echo /usr/sbin/nginx)
for f in build/bin/toffee-fw build/lib/libtoffee-preload.so "$PY" "$NGINX" /usr/bin/curl; do
	[ -x "$f" ] || [ -f "$f" ] || { echo "skip: $f missing"; exit 77; }
done
sys_init tpf
sys_up

# peer_conns N PORT: N connections in sequence from the peer; prints the pid
# each answer names, one per line (fails on a wrong answer).
peer_conns() {
	peer_exec "$PY" - "$1" "$US" "$2" <<'EOF'
import socket, sys
n, host, port = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for i in range(n):
    c = socket.create_connection((host, port), timeout=10)
    c.sendall(b"hello %d" % i)
    got = b""
    while True:
        b = c.recv(256)
        if not b:
            break
        got += b
    c.close()
    pid, _, msg = got.partition(b":")
    if msg != b"hello %d" % i:
        sys.exit("connection %d: answer %r" % (i, got))
    print(pid.decode())
EOF
}

# ---- 1. a python prefork server -------------------------------------------------
start_app prefork "$PY" -u tests/system/prefork_srv.py 9100 2
SRV=$BG_PID
wait_listen "$LOGS/prefork.log"
mapfile -t KIDS < <(sed -n 's/^child \([0-9]*\) ready$/\1/p' "$LOGS/prefork.log")
[ ${#KIDS[@]} = 2 ] || fail "prefork_srv.py started ${#KIDS[@]} children, want 2"
sleep 0.2          # the children's ACCEPTING reaches toffeed
got=$(peer_conns 20 9100) || fail "prefork: $got"
for k in "${KIDS[@]}"; do
	n=$(grep -cx "$k" <<<"$got")
	[ "$n" -ge 1 ] || fail "prefork: child $k answered none of 20 connections: $(sort <<<"$got" | uniq -c | tr '\n' ' ')"
done
others=$(grep -cvxE "${KIDS[0]}|${KIDS[1]}" <<<"$got")
[ "$others" = 0 ] || fail "prefork: $others answers from neither child"
echo "prefork: 20 connections answered by both children ($(sort <<<"$got" | uniq -c | awk '{printf "%s ", $1}')), none by the parent"
kill -KILL "${KIDS[0]}"
got=$(peer_conns 10 9100) || fail "prefork after a child was killed: $got"
[ "$(sort -u <<<"$got")" = "${KIDS[1]}" ] || fail "prefork: after killing ${KIDS[0]}, answers from $(sort -u <<<"$got" | tr '\n' ' ')"
echo "prefork: child ${KIDS[0]} killed, 10 connections answered by ${KIDS[1]}"
kill -TERM "$SRV"
wait "$SRV" 2>/dev/null
wait_idle 0

start_app prefork_late "$PY" -u tests/system/prefork_srv.py 9101 2 2
SRV=$BG_PID
wait_log "$LOGS/prefork_late.log" '^forked$'
sleep 0.3          # the parent's FORKING reaches toffeed
t0=$(date +%s.%N)
got=$(peer_conns 1 9101) || fail "prefork, children accepting late: $got"
t1=$(date +%s.%N)
mapfile -t KIDS < <(sed -n 's/^child \([0-9]*\) ready$/\1/p' "$LOGS/prefork_late.log")
grep -qxE "${KIDS[0]:-x}|${KIDS[1]:-x}" <<<"$got" || fail "prefork, children accepting late: answered by $got, not a child"
waited=$(counter syn_no_acceptor)
[ "${waited:-0}" -ge 1 ] || fail "prefork, children accepting late: no SYN waited (syn_no_acceptor ${waited:-missing})"
echo "prefork: a connection made before the children accept waited ($(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.1f", b - a}') s, $waited SYNs held back) and was answered by child $got"
kill -TERM "$SRV"
wait "$SRV" 2>/dev/null
wait_idle 0

# ---- 2. nginx, daemonized, master + 2 workers ---------------------------------------
W=$LOGS/nginx
mkdir -p "$W/www" "$W/tmp"
head -c $((1 << 20)) /dev/urandom >"$W/www/blob"
want=$(sha256sum <"$W/www/blob" | cut -d' ' -f1)
cat >"$W/nginx.conf" <<EOF
daemon on;
master_process on;
worker_processes 2;
pid $W/nginx.pid;
error_log $W/error.log info;
events { worker_connections 256; }
http {
	log_format withpid '\$pid \$status \$body_bytes_sent';
	access_log $W/access.log withpid;
	client_body_temp_path $W/tmp; proxy_temp_path $W/tmp; fastcgi_temp_path $W/tmp;
	uwsgi_temp_path $W/tmp; scgi_temp_path $W/tmp;
	sendfile on;
	server { listen $US:8080; root $W/www; }
}
EOF
"$TOFFEE" run -- "$NGINX" -c "$W/nginx.conf" -e "$W/error.log" >"$LOGS/nginx.log" 2>&1 ||
	fail "nginx did not start: $(cat "$LOGS/nginx.log")"
wait_log "$W/nginx.pid" '[0-9]'
MASTER=$(cat "$W/nginx.pid")
PIDS_STARTED+=("$MASTER")
for _ in $(seq 50); do
	[ "$(grep -c 'start worker process' "$W/error.log")" -ge 2 ] && break
	sleep 0.1
done
sleep 0.3
for i in $(seq 20); do
	got=$(peer_exec curl -s --max-time 20 "http://$US:8080/blob" | sha256sum | cut -d' ' -f1)
	[ "$got" = "$want" ] || fail "nginx: request $i: sha256 $got, want $want"
done
served=$(awk '$2 == 200 && $3 == 1048576 { print $1 }' "$W/access.log" | sort | uniq -c)
[ "$(wc -l <<<"$served")" = 2 ] || fail "nginx: 20 requests served by: $served (want both workers)"
grep -q "^ *[0-9]* $MASTER\$" <<<"$served" && fail "nginx: the master ($MASTER) served requests"
"$TOFFEE" status >"$LOGS/status.txt"
[ "$(awk '$1 == "id" && / accepting/' "$LOGS/status.txt" | wc -l)" = 2 ] ||
	fail "nginx: want 2 accepting listeners: $(grep -A4 '^listeners' "$LOGS/status.txt")"
echo "nginx: 20 x 1 MiB (sha256) served by both workers ($(awk '{printf "%s ", $1}' <<<"$served")requests), none by the master"
kill -QUIT "$MASTER"
wait_idle 0 20
echo "prefork: ok"
