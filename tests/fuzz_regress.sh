#!/bin/bash
# SPDX-License-Identifier: MIT
# Replays the checked-in fuzz inputs, each once, through the fuzz target:
# the seed corpus (fuzz/corpus/) and the reproducers of bugs found so far
# (fuzz/crashes/).  One process per file, so that every failing file is
# named and counted.
#
# Usage: tests/fuzz_regress.sh RESULTS_DIR FUZZ_BINARY
# Prints "ok fuzz-regress" or "not ok fuzz-regress", one "not ok" line per
# failing input, and "N passed, N failed" (N = files); writes the same and
# each failing input's output to RESULTS_DIR/fuzz_regress.log; exits
# non-zero if any input failed or none was found.
set -u

if [ $# -ne 2 ]; then
	echo "usage: $0 RESULTS_DIR FUZZ_BINARY" >&2
	exit 2
fi
out=$1
bin=$2
root=$(cd "$(dirname "$0")/.." && pwd)
mkdir -p "$out"
log=$out/fuzz_regress.log
: >"$log"

# The fuzz target's uaccess installs its own SIGSEGV handler.
export ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

say() {
	echo "$@"
	echo "$@" >>"$log"
}

passed=0
failed=0
files=()
for dir in fuzz/corpus fuzz/crashes; do
	[ -d "$root/$dir" ] || continue
	for f in "$root/$dir"/*; do
		[ -f "$f" ] && files+=("$f")
	done
done

if [ ! -x "$bin" ]; then
	say "not ok fuzz-regress: $bin is not an executable"
	say "0 passed, 1 failed"
	exit 1
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
for f in "${files[@]}"; do
	name=${f#"$root"/}
	timeout -k 5 ${FUZZ_REGRESS_TIMEOUT:-60} "$bin" "$f" >"$tmp" 2>&1
	rc=$?
	if [ $rc -eq 0 ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		say "not ok fuzz-regress/$name: exited $rc"
		{
			echo "--- $name"
			grep -E 'fuzz_ioctl:|ERROR|WARNING|runtime error|SUMMARY|^ +#[0-9]+ ' "$tmp" |
				head -40
		} >>"$log"
	fi
done

if [ ${#files[@]} -eq 0 ]; then
	say "not ok fuzz-regress: no inputs under fuzz/corpus or fuzz/crashes"
	failed=1
elif [ $failed -eq 0 ]; then
	say "ok fuzz-regress"
else
	say "not ok fuzz-regress"
fi
say "$passed passed, $failed failed"
[ $failed -eq 0 ]
