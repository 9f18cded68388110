#!/usr/bin/env bash
# `toffee run` warns about programs LD_PRELOAD cannot reach (no root, no
# daemon: the check comes before toffee run looks for toffeed): a
# statically linked program, a Go program (an ELF with a Go build-id
# section), and nothing for a dynamically linked one or a script.
set -u
cd "$(dirname "$0")/../.."
TOFFEE=build/bin/toffee
[ -x "$TOFFEE" ] || { echo "FAIL: $TOFFEE is not built"; exit 1; }
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }
run() { "$TOFFEE" run --rundir "$tmp/none" -- "$@" 2>&1; }

printf 'int main(void) { return 0; }\n' >"$tmp/p.c"
cc -static "$tmp/p.c" -o "$tmp/static" || { echo "FAIL: cannot link a static program (libc.a)"; exit 1; }
cc "$tmp/p.c" -o "$tmp/dynamic"
cp "$tmp/dynamic" "$tmp/go" && objcopy --add-section .note.go.buildid=/dev/null "$tmp/go" ||
	{ echo "FAIL: objcopy"; exit 1; }
printf '#!/bin/sh\nexit 0\n' >"$tmp/script" && chmod +x "$tmp/script"

run "$tmp/static" | grep -q "warning: $tmp/static is statically linked" || fail "no warning for a static program"
run "$tmp/go" | grep -q "warning: $tmp/go is a Go program" || fail "no warning for a Go program"
for p in "$tmp/dynamic" "$tmp/script" true; do
	out=$(run "$p")
	grep -q warning <<<"$out" && fail "a warning for $p: $out"
	grep -q "toffeed is not running" <<<"$out" || fail "$p: $out"
done
PATH="$tmp:$PATH" run static | grep -q "warning: $tmp/static is statically linked" || fail "not found through PATH"
[ $fails -eq 0 ] && echo "run check: ok (static and Go programs warned about, dynamic ones and scripts not)"
exit $fails
