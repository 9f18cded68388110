#!/usr/bin/env bash
# Run the fast-path fuzzer (build/fuzz/fuzz_rx) for N seconds (default 20)
# over the committed seeds; new inputs go to build/fuzz/corpus-work, a
# crashing input to build/fuzz/artifacts/. Exit 0 only if nothing crashed.
# Reproduce a crash: build/fuzz/fuzz_rx build/fuzz/artifacts/crash-...
set -u
secs=${1:-20}
bin=build/fuzz/fuzz_rx
if [ ! -x "$bin" ]; then echo "fuzz: $bin is not built (make $bin)"; exit 1; fi
if [ ! -d tests/fuzz/corpus ] || [ -z "$(ls -A tests/fuzz/corpus)" ]; then
  echo "fuzz: the seed corpus tests/fuzz/corpus is missing"; exit 1
fi
mkdir -p build/fuzz/corpus-work build/fuzz/artifacts
"$bin" -max_total_time="$secs" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
  -artifact_prefix=build/fuzz/artifacts/ build/fuzz/corpus-work tests/fuzz/corpus 2>&1 |
  grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ]; then echo "fuzz: no crash in ${secs}s"; else echo "fuzz: FAILED (exit $rc), reproducer in build/fuzz/artifacts/"; fi
exit "$rc"
