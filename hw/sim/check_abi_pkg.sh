#!/usr/bin/env bash
# Test: hw/rtl/toffee_abi_pkg.sv is what tools/abi2sv.c generates from the
# current include/toffee/abi.h, and every TOFFEE_* name of abi.h has its
# localparam. Fails with a diff otherwise (fix: make abi-sv, commit).
set -euo pipefail
cd "$(dirname "$0")/../.."
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
${CC:-cc} -std=gnu11 -O1 -Wall -Wextra -Werror -Iinclude tools/abi2sv.c -o "$tmp/abi2sv"
"$tmp/abi2sv" > "$tmp/pkg.sv"
if ! diff -u hw/rtl/toffee_abi_pkg.sv "$tmp/pkg.sv"; then
  echo "FAIL: hw/rtl/toffee_abi_pkg.sv is stale; run 'make abi-sv' and commit it" >&2
  exit 1
fi
missing=0
# Object-like macros and enum constants; function-like macros and the guard excluded.
for n in $(grep -oE '^#define TOFFEE_[A-Z0-9_]+[^(A-Z0-9_]|^[[:space:]]+TOFFEE_[A-Z0-9_]+[[:space:]]*=' include/toffee/abi.h \
           | grep -oE 'TOFFEE_[A-Z0-9_]+' | sort -u); do
  [ "$n" = TOFFEE_ABI_H ] && continue
  grep -qE "localparam \[[0-9]+:0\] ${n#TOFFEE_} =" "$tmp/pkg.sv" || { echo "FAIL: $n has no localparam ${n#TOFFEE_}" >&2; missing=1; }
done
[ $missing -eq 0 ] || exit 1
echo "toffee_abi_pkg.sv is current ($(grep -c localparam "$tmp/pkg.sv") localparams)"
