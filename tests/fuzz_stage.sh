#!/bin/sh
# SPDX-License-Identifier: MIT
# One fuzz stage of `make check`, for any libFuzzer target.
#
# Usage: fuzz_stage.sh regress RESULTS_DIR FUZZER INPUT_DIR...
#        fuzz_stage.sh short   RESULTS_DIR FUZZER SEED_DIR
#	(from the repository root, as the Makefile runs it)
#
# regress: replays every file of the INPUT_DIRs (the seed corpus and the
#	reproducers of bugs found so far), one process each, so that every
#	failing input is named and counted: "not ok STAGE/INPUT: exited N"
#	per failure, "ok STAGE" when none failed, then "N passed, N failed"
#	(N = inputs).  The same and each failure's excerpt go to
#	RESULTS_DIR/STAGE.log.
# short: fuzzes for $CHECK_FUZZ_SECONDS (default 30) from SEED_DIR, new
#	inputs in RESULTS_DIR/corpus, a crash input in RESULTS_DIR/:
#	"ok STAGE: N execs in S s, no findings" or "not ok STAGE: ...", then
#	"1 passed, 0 failed" or "0 passed, 1 failed", in RESULTS_DIR/fuzz.sum.
#
# STAGE is RESULTS_DIR's last component.  A FUZZER listed in
# RESULTS_DIR/build-failed, or missing, is one failure.  Exits 1 if
# anything failed.
set -u
if [ $# -lt 4 ]; then
	echo "usage: $0 regress|short RESULTS_DIR FUZZER DIR..." >&2
	exit 2
fi
mode=$1 out=$2 bin=$3
shift 3
stage=$(basename "$out")
name=$(basename "$bin")
mkdir -p "$out"

# The targets' uaccess installs its own SIGSEGV handler.
export ASAN_OPTIONS="${ASAN_OPTIONS:-allow_user_segv_handler=1:detect_leaks=1}"
export UBSAN_OPTIONS="${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}"

if grep -qxF "$bin" "$out/build-failed" 2>/dev/null || [ ! -x "$bin" ]; then
	printf 'not ok %s: %s build failed\n0 passed, 1 failed\n' "$stage" \
		"$name" | tee "$out/build.sum" | head -n1
	exit 1
fi

regress() {
	log=$out/$stage.log
	tmp=$out/input.out
	: >"$log"
	passed=0 failed=0
	for dir in "$@"; do
		for f in "$dir"/*; do
			[ -f "$f" ] || continue
			timeout -k 5 "${FUZZ_REGRESS_TIMEOUT:-60}" "$bin" "$f" \
				>"$tmp" 2>&1 </dev/null
			rc=$?
			if [ $rc -eq 0 ]; then
				passed=$((passed + 1))
				continue
			fi
			failed=$((failed + 1))
			echo "not ok $stage/$f: exited $rc" | tee -a "$log"
			grep -E "$name:|ERROR|WARNING|runtime error|SUMMARY|^ +#[0-9]+ " \
				"$tmp" | head -40 | sed 's/^/  /' >>"$log"
		done
	done
	rm -f "$tmp"
	if [ $((passed + failed)) -eq 0 ]; then
		echo "not ok $stage: no inputs in $*" | tee -a "$log"
		failed=1
	elif [ $failed -eq 0 ]; then
		echo "ok $stage" | tee -a "$log"
	fi
	echo "$passed passed, $failed failed" | tee -a "$log"
	[ $failed -eq 0 ]
}

short() {
	secs=${CHECK_FUZZ_SECONDS:-30}
	mkdir -p "$out/corpus"
	timeout -k 10 $((secs + 120)) "$bin" -max_total_time="$secs" \
		-timeout=10 -print_final_stats=1 -artifact_prefix="$out/" \
		"$out/corpus" "$1" >"$out/fuzz.out" 2>&1 </dev/null
	rc=$?
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$out/fuzz.out")
	if [ $rc -eq 0 ]; then
		printf 'ok %s: %s execs in %s s, no findings\n1 passed, 0 failed\n' \
			"$stage" "$execs" "$secs" >"$out/fuzz.sum"
	else
		tail -n 40 "$out/fuzz.out" >&2
		printf 'not ok %s: the fuzzer exited %s (see %s)\n0 passed, 1 failed\n' \
			"$stage" $rc "$out/fuzz.out" >"$out/fuzz.sum"
	fi
	head -n1 "$out/fuzz.sum"
	[ $rc -eq 0 ]
}

case $mode in
regress) regress "$@" ;;
short) short "$1" ;;
*)
	echo "$0: unknown mode '$mode'" >&2
	exit 2 ;;
esac
