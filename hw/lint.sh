#!/usr/bin/env bash
# Lint every RTL module of hw/rtl/toffee.f with `verilator --lint-only -Wall`,
# as its own top, at DATA_WIDTH 64 and 512 when it has that parameter.
# Exit 0 when all are clean (also registered as a test), 77 without verilator.
set -uo pipefail
cd "$(dirname "$0")/.."
command -v verilator >/dev/null || { echo "verilator not installed (scripts/deps.sh sim)"; exit 77; }
files=$(grep -E '^hw/rtl/.*\.sv$' hw/rtl/toffee.f)
fail=0; n=0
for f in $files; do
  m=$(basename "$f" .sv)
  grep -q "^module $m" "$f" || continue          # the package
  widths=("")
  grep -q 'parameter DATA_WIDTH' "$f" && widths=(64 512)
  for w in "${widths[@]}"; do
    g=(); [ -n "$w" ] && g=(-GDATA_WIDTH="$w")
    if out=$(verilator --lint-only -Wall -f hw/rtl/toffee.f --top-module "$m" "${g[@]}" 2>&1); then
      n=$((n + 1))
    else
      echo "lint: $m ${w:+DATA_WIDTH=$w}"; echo "$out" | head -40; fail=1
    fi
  done
done
[ $fail -eq 0 ] && echo "lint-rtl: $n module configurations clean"
exit $fail
