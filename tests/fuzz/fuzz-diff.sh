#!/usr/bin/env bash
# Differential fuzzing of the fast-path core: the firmware of commit REF
# (old) against the working tree's (new), same inputs, digests of every
# observable effect compared (tests/fuzz/fuzz_diff.c).
# Usage: tests/fuzz/fuzz-diff.sh REF [SECONDS] [libFuzzer args...]
# Builds build/fuzz-diff/fuzz_diff; new inputs go to build/fuzz-diff/corpus,
# a differing input to build/fuzz-diff/artifacts/ (replay it: the binary
# with the file as argument).
set -euo pipefail
ref=${1:?usage: fuzz-diff.sh REF [SECONDS]}
secs=${2:-60}
shift $(( $# >= 2 ? 2 : 1 ))
out=build/fuzz-diff
CC=${FUZZ_CC:-clang}
FLAGS="-std=gnu11 -g -O1 -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -fno-strict-aliasing
       -D_GNU_SOURCE -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=all
       -fno-omit-frame-pointer"
rm -rf "$out/old-src" "$out/obj-old" "$out/obj-new"
mkdir -p "$out/old-src" "$out/obj-old" "$out/obj-new" "$out/corpus" "$out/artifacts"
git archive "$ref" firmware include | tar -x -C "$out/old-src"

# side NAME SRCROOT: the scenario + fphost (working tree's) + the core of
# SRCROOT, linked into one relocatable object whose globals get NAME_.
side() {
  local name=$1 root=$2 o=$out/obj-$1 objs=()
  for f in "$root"/firmware/fp_*.c tests/lib/fphost.c tests/fuzz/fuzz_diff_side.c; do
    $CC $FLAGS -I"$root/include" -I"$root/firmware" -Itests/lib -Itests/fuzz -c "$f" \
      -o "$o/$(basename "$f" .c).o"
    objs+=("$o/$(basename "$f" .c).o")
  done
  ld -r -o "$out/side-$name.o" "${objs[@]}"
  nm -g --defined-only "$out/side-$name.o" | awk -v p="$name" '$3 !~ /^(__|\.)/ {print $3, p "_" $3}' \
    > "$out/syms-$name.txt"
  objcopy --redefine-syms="$out/syms-$name.txt" "$out/side-$name.o"
}
side old "$out/old-src"
side new .
$CC $FLAGS -fsanitize=fuzzer tests/fuzz/fuzz_diff.c "$out/side-old.o" "$out/side-new.o" -o "$out/fuzz_diff"
echo "fuzz-diff: $(git rev-parse --short "$ref") (old) vs working tree (new), ${secs}s"
"$out/fuzz_diff" -max_total_time="$secs" -timeout=20 -rss_limit_mb=4096 -print_final_stats=1 \
  -artifact_prefix="$out/artifacts/" "$@" "$out/corpus" tests/fuzz/corpus 2>&1 |
  grep -v -E '^#[0-9]+[[:space:]]+(NEW|REDUCE|pulse)'
rc=${PIPESTATUS[0]}
if [ "$rc" -eq 0 ]; then echo "fuzz-diff: no difference in ${secs}s"; else echo "fuzz-diff: FAILED (exit $rc), input in $out/artifacts/"; fi
exit "$rc"
