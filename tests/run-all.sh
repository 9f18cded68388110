#!/usr/bin/env bash
# Run every test given on the command line and print one summary line.
# A test is an executable. cmocka binaries report their own pass/fail/skip
# counts; any other test counts as one test: exit 0 passed, 77 skipped,
# anything else failed. A cmocka binary that dies without its summary is
# counted as one failure. Logs: build/test-logs/<name>.log
set -u
logs=build/test-logs; mkdir -p "$logs"
pass=0; fail=0; skip=0; failed_names=()
for t in "$@"; do
  name=$(echo "$t" | sed 's|^build/||; s|[/ ]|_|g')
  log="$logs/$name.log"
  start=$(date +%s)
  $t >"$log" 2>&1; rc=$?
  secs=$(( $(date +%s) - start ))
  p=$(sed -n 's/^\[  PASSED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  f=$(sed -n 's/^\[  FAILED  \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  s=$(sed -n 's/^\[  SKIPPED \] \([0-9]*\) test.*/\1/p' "$log" | tail -1)
  if [ -n "$p$f$s" ]; then
    p=${p:-0}; f=${f:-0}; s=${s:-0}
    [ "$rc" -ne 0 ] && [ "$f" -eq 0 ] && f=1   # crashed after its summary
  elif [ "$rc" -eq 0 ]; then p=1; f=0; s=0
  elif [ "$rc" -eq 77 ]; then p=0; f=0; s=1
  else p=0; f=1; s=0
  fi
  pass=$((pass + p)); fail=$((fail + f)); skip=$((skip + s))
  status=ok; [ "$f" -gt 0 ] && { status=FAIL; failed_names+=("$t"); }
  [ "$f" -eq 0 ] && [ "$s" -gt 0 ] && [ "$p" -eq 0 ] && status=skip
  printf '%-5s %-60s %3s passed %2s failed %2s skipped %4ss\n' "$status" "$t" "$p" "$f" "$s" "$secs"
  if [ "$f" -gt 0 ]; then
    # The reason first (a shell test's "FAIL: ..." line), then the log's end.
    grep -m1 '^FAIL: ' "$log" | sed 's/^/    | /'
    sed 's/^/    | /' "$log" | grep -v '^    | \[ \(RUN\|      OK\) ' | tail -40
  fi
done
[ ${#failed_names[@]} -gt 0 ] && printf 'failed: %s\n' "${failed_names[*]}"
if [ "$skip" -gt 0 ]; then echo "$pass passed, $fail failed, $skip skipped"; else echo "$pass passed, $fail failed"; fi
[ "$fail" -eq 0 ]
