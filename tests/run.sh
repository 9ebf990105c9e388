#!/bin/sh
# Runs test programs, each under a time limit, and keeps their output.
# Usage: run.sh RESULTS_DIR PROGRAM...
# Each program prints "ok"/"not ok"/"skip" lines and a summary; this
# prints them prefixed with the program and writes RESULTS_DIR/NAME.log.
set -u
out=$1
shift
mkdir -p "$out"
status=0
for t in "$@"; do
	name=$(basename "$t")
	log="$out/$name.log"
	ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1} \
		timeout -k 10 ${TEST_PROGRAM_TIMEOUT:-600} "$t" >"$log" 2>&1
	rc=$?
	grep -E '^(ok|not ok|skip) ' "$log" | sed "s|^|$(basename "$out")/$name: |"
	if [ $rc -ne 0 ]; then
		status=1
		if ! grep -qE '^[0-9]+ passed, [0-9]+ failed' "$log"; then
			echo "not ok $(basename "$out")/$name: exited $rc without a summary"
			echo "$name: 0 passed, 1 failed" >>"$out/crashed"
		fi
		sed -n '/FAIL\|ERROR\|WARNING\|runtime error/,+12p' "$log" | head -60
	fi
done
exit $status
