#!/usr/bin/env bash
# toffee-replay as a program: output format, the sha256 it prints (checked
# against tshark's view of the capture), --out (read back by tcpdump),
# pcapng input (converted by editcap), and clean failures on bad input.
set -u
bin=build/bin/toffee-replay
traces=${TOFFEE_TRACES:-../shared/traces/linux}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
need() { command -v "$1" >/dev/null || { echo "FAIL: $1 is not installed (scripts/deps.sh test)"; exit 1; }; }
[ -x "$bin" ] || { echo "FAIL: $bin is not built"; exit 1; }
[ -r "$traces/echo_small.pcap" ] || { echo "FAIL: traces missing in $traces (set TOFFEE_TRACES)"; exit 1; }
need tshark; need editcap; need tcpdump; need xxd

f=$traces/echo_small.pcap
out=$("$bin" --out "$tmp/tx.pcap" "$f") || fail "replay of echo_small exited $?"
line=$(echo "$out" | grep '^flow ')
echo "$line" | grep -qE '^flow 10\.77\.0\.2:55808 > 10\.77\.0\.1:7000 delivered=25065 sha256=[0-9a-f]{64}$' ||
  fail "flow line: $line"
# echo_small has no loss: the client's payloads in capture order are its stream
want=$(tshark -r "$f" -Y 'ip.src==10.77.0.2 && tcp.len>0' -T fields -e tcp.payload | tr -d ':\n' |
       xxd -r -p | sha256sum | cut -d' ' -f1)
echo "$line" | grep -q "sha256=$want" || fail "sha256 differs from tshark's stream ($want)"
for w in counters: exceptions: drops: replay:; do echo "$out" | grep -q "^$w" || fail "no '$w' line"; done
n=$(tcpdump -nr "$tmp/tx.pcap" 2>/dev/null | wc -l)
[ "$n" -gt 20 ] || fail "--out: tcpdump reads $n frames"
bad=$(tshark -r "$tmp/tx.pcap" -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE \
      -Y 'tcp.checksum.status==0 || ip.checksum.status==0' 2>/dev/null | wc -l)
[ "$bad" -eq 0 ] || fail "tshark finds $bad frames with bad checksums in --out"

editcap -F pcapng "$f" "$tmp/e.pcapng" || fail editcap
out2=$("$bin" "$tmp/e.pcapng") || fail "pcapng replay exited $?"
[ "$(echo "$out2" | grep '^flow ')" = "$line" ] || fail "pcapng gives another result"

"$bin" --no-client-rexmit "$traces/bulk_in.pcap" | grep -q 'client_rexmits=0 ' || fail "--no-client-rexmit"

check_err() { # expected-status description args...
  local want=$1 what=$2; shift 2
  "$bin" "$@" >"$tmp/o" 2>"$tmp/e"; local rc=$?
  [ "$rc" -eq "$want" ] || fail "$what: exit $rc, expected $want"
  [ -s "$tmp/e" ] || fail "$what: no message"
  grep -q 'Sanitizer\|Segmentation\|core dumped' "$tmp/e" && fail "$what: crashed"
}
head -c 3000 /dev/urandom >"$tmp/junk.pcap"
: >"$tmp/empty.pcap"
check_err 1 "missing file" /nonexistent.pcap
check_err 1 "junk file" "$tmp/junk.pcap"
check_err 1 "empty file" "$tmp/empty.pcap"
check_err 1 "a directory" "$tmp"
check_err 2 "unknown flag" --frobnicate "$f"
check_err 2 "no file" 
check_err 2 "two files" "$f" "$f"
check_err 2 "bad --buf-log2" --buf-log2 99 "$f"
# --impl rtl runs build/bin/toffee-replay-rtl (tests/trace/test_replay_rtl.sh
# compares it with fw); without that program it fails with exit 1.
[ -x build/bin/toffee-replay-rtl ] || check_err 1 "--impl rtl" --impl rtl "$f"
check_err 1 "--impl bogus" --impl bogus "$f"
check_err 1 "unwritable --out" --out /nonexistent/x.pcap "$f"
"$bin" --help | grep -q usage || fail "--help"

[ "$fails" -eq 0 ] && echo "toffee-replay CLI: all checks passed"
exit $((fails > 0))
