#!/usr/bin/env bash
# toffee-replay --impl rtl (the Verilator model of toffee_top as the fast
# path, build/bin/toffee-replay-rtl) against --impl fw: for every Linux trace
# the whole output -- flow lines (delivered bytes, sha256), counters,
# exceptions, drops, the replay line -- must be identical. Also: without
# toffee-replay-rtl next to it, toffee-replay --impl rtl fails with a clear
# message. Budget: ~40 s on an idle core (the model runs ~250K cycles/s).
set -u
bin=build/bin/toffee-replay
traces=${TOFFEE_TRACES:-../shared/traces/linux}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
[ -x build/bin/toffee-replay-rtl ] || { echo "FAIL: build/bin/toffee-replay-rtl is not built (make toffee-replay-rtl)"; exit 1; }
n=0
start=$(date +%s)
for f in "$traces"/*.pcap; do
  [ -r "$f" ] || continue
  t=$(basename "$f" .pcap)
  "$bin" --impl fw "$f" >"$tmp/$t.fw" 2>"$tmp/$t.fw.err" || { fail "$t: --impl fw exited $?"; continue; }
  s=$(date +%s)
  "$bin" --impl rtl "$f" >"$tmp/$t.rtl" 2>"$tmp/$t.rtl.err" || { fail "$t: --impl rtl exited $?"; cat "$tmp/$t.rtl.err"; continue; }
  if cmp -s "$tmp/$t.fw" "$tmp/$t.rtl"; then
    echo "ok $t: $(grep -c '^flow ' "$tmp/$t.rtl") flows, output identical ($(( $(date +%s) - s )) s)"
  else
    fail "$t: --impl rtl output differs from --impl fw"; diff "$tmp/$t.fw" "$tmp/$t.rtl" | head -20
  fi
  grep -q 'warning' "$tmp/$t.rtl.err" && { fail "$t: warnings with --impl rtl"; head -5 "$tmp/$t.rtl.err"; }
  n=$((n + 1))
done
[ "$n" -ge 7 ] || fail "only $n traces in $traces (set TOFFEE_TRACES)"
echo "$n traces in $(( $(date +%s) - start )) s"

# toffee-replay without toffee-replay-rtl beside it.
cp "$bin" "$tmp/toffee-replay"
out=$("$tmp/toffee-replay" --impl rtl "$traces/echo_small.pcap" 2>&1); rc=$?
[ "$rc" -eq 1 ] || fail "--impl rtl without toffee-replay-rtl: exit $rc"
echo "$out" | grep -q 'toffee-replay-rtl' || fail "--impl rtl without toffee-replay-rtl: message: $out"
[ "$fails" -eq 0 ] && echo "test_replay_rtl: all passed"
[ "$fails" -eq 0 ]
