#!/usr/bin/env bash
# `make run` for now: replay two Linux captures through the C fast path with
# toffee-replay and show what it did. The fast path plays the server: it
# receives the client's frames, delivers their payload into the receive
# buffer and ACKs them, and transmits the server application's replies.
set -euo pipefail
cd "$(dirname "$0")/.."
bin=build/bin/toffee-replay
traces=${TOFFEE_TRACES:-../shared/traces/linux}
[ -x "$bin" ] || { echo "run-demo: $bin is not built (run make)" >&2; exit 1; }
for t in bulk_in echo_small; do
  f=$traces/$t.pcap
  [ -r "$f" ] || { echo "run-demo: $f is missing (set TOFFEE_TRACES)" >&2; exit 1; }
  out=build/demo-$t-tx.pcap
  echo "=== $t.pcap ($(tcpdump -nr "$f" 2>/dev/null | wc -l) frames between two Linux hosts)"
  echo "\$ $bin --out $out $f"
  "$bin" --out "$out" "$f" | sed "s/^/  /"
  echo "  frames the fast path sent: $(tcpdump -nr "$out" 2>/dev/null | wc -l), in $out"
  reply=$(tcpdump -nr "$f" -A 'src port 7000 and greater 100' 2>/dev/null | grep -o '[0-9a-f]\{64\}' | tail -1 || true)
  [ -n "$reply" ] && echo "  the real server's reply in the capture, the sha256 of what it received: $reply"
  echo
done
