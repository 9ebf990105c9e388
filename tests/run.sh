#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs test programs, each under a time limit, and keeps their output.
#
# Usage: run.sh RESULTS_DIR PROGRAM...
#
# Each program prints "ok NAME" / "not ok NAME" / "skip NAME" lines and a
# final "N passed, N failed[, N skipped]".  Its output goes to
# RESULTS_DIR/PROGRAM.log; its lines are echoed as "ok STAGE/PROGRAM/NAME"
# (STAGE is RESULTS_DIR's last component).  A program that was not built
# (listed in RESULTS_DIR/build-failed, or missing), that dies without its
# summary line, or that exits non-zero after a clean summary (a leak or
# sanitizer report at exit) gets one more failure, written to
# RESULTS_DIR/PROGRAM.sum for tests/summary.sh.  With no program,
# "skip STAGE: no test programs".  Exits 1 if anything failed.
#
# TEST_PROGRAM_TIMEOUT (seconds, default 600) bounds each program.
set -u
out=$1
shift
stage=$(basename "$out")
limit=${TEST_PROGRAM_TIMEOUT:-600}
summary_re='^[0-9]+ passed, [0-9]+ failed'
mkdir -p "$out"

# verdict NAME WHY: one failure that the program's own summary lacks.
verdict() {
	echo "not ok $stage/$1: $2"
	printf 'not ok %s/%s: %s\n0 passed, 1 failed\n' "$stage" "$1" "$2" \
		>"$out/$1.sum"
	status=1
}

run_one() {
	ASAN_OPTIONS=${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1:abort_on_error=0} \
	UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
	TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1:atexit_sleep_ms=0} \
		timeout -k 10 "$limit" "$@" >"$log" 2>&1 </dev/null
}

status=0
if [ $# -eq 0 ]; then
	printf 'skip %s: no test programs\n0 passed, 0 failed, 1 skipped\n' \
		"$stage" >"$out/skipped.sum"
	head -n1 "$out/skipped.sum"
	exit 0
fi

for t in "$@"; do
	name=$(basename "$t")
	log=$out/$name.log
	rm -f "$log" "$out/$name.sum"
	if grep -qxF "$t" "$out/build-failed" 2>/dev/null || [ ! -x "$t" ]; then
		verdict "$name" "build failed"
		continue
	fi

	start=$(date +%s)
	run_one "$t"
	rc=$?
	# A kernel with more mmap randomness than TSan supports: retry
	# without ASLR.
	if [ $rc -ne 0 ] && grep -q 'ThreadSanitizer: unexpected memory mapping' "$log"; then
		run_one setarch "$(uname -m)" -R "$t"
		rc=$?
	fi
	secs=$(($(date +%s) - start))

	sed -nE "s#^(ok|not ok|skip) #\\1 $stage/$name/#p" "$log"
	summary=$(grep -E "$summary_re" "$log" | tail -n1)
	failed=$(echo "$summary" | sed -nE 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/p')
	if [ -z "$summary" ]; then
		case $rc in
		124 | 137) why="timed out after ${limit}s" ;;
		0) why="printed no summary line" ;;
		*) why="exited $rc without a summary" ;;
		esac
		verdict "$name" "$why"
	elif [ $rc -ne 0 ] && [ "$failed" = 0 ]; then
		verdict "$name" "exited $rc after its summary (see $log)"
	elif [ $rc -ne 0 ]; then
		status=1
	fi
	echo "# $stage/$name: ${summary:-no summary} (${secs}s)"
	if [ $rc -ne 0 ]; then
		# What failed, and the sanitizer reports, from the log.
		# Indented, so that no excerpt line reads as a verdict.
		sed -n '/FAIL\|ERROR\|WARNING\|runtime error\|SUMMARY/,+12p' "$log" |
			head -n 60 | sed 's/^/  /'
	fi
done
exit $status
