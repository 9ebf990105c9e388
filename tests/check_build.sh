#!/bin/sh
# SPDX-License-Identifier: MIT
# The check-build stage's verdicts: each file of the -O2 build was built,
# and each example runs.
#
# Usage: check_build.sh RESULTS_DIR REL_DIR FILE...
#	(from the repository root, after the Makefile's build_progs wrote
#	RESULTS_DIR/build-failed)
#
# Per FILE, "ok build/NAME" or "not ok build/NAME: build failed"; per
# FILE under REL_DIR/examples/, a run ("ok build/run-NAME"): daemon_*
# through scripts/daemon_demo.sh REL_DIR, the others directly, each under
# two minutes.  Each verdict and its "N passed, N failed" goes to
# RESULTS_DIR/NAME.sum (tests/summary.sh adds them up).
set -u
out=$1 rel=$2
shift 2

built() {
	! grep -qxF "$1" "$out/build-failed" 2>/dev/null && [ -e "$1" ]
}

# verdict NAME OK|WHY
verdict() {
	if [ "$2" = OK ]; then
		printf 'ok build/%s\n1 passed, 0 failed\n' "$1"
	else
		printf 'not ok build/%s: %s\n0 passed, 1 failed\n' "$1" "$2"
	fi >"$out/$1.sum"
	head -n1 "$out/$1.sum"
}

for p in "$@"; do
	if built "$p"; then
		verdict "$(basename "$p")" OK
	else
		verdict "$(basename "$p")" "build failed"
	fi
done

for p in "$@"; do
	case $p in
	"$rel"/examples/*) ;;
	*) continue ;;
	esac
	n=$(basename "$p")
	if ! built "$p"; then
		verdict "run-$n" "not built"
		continue
	fi
	case $n in
	daemon_*) run="sh scripts/daemon_demo.sh $rel" ;;
	*) run=$p ;;
	esac
	# shellcheck disable=SC2086 # $run is a command line
	timeout -k 5 120 $run >"$out/run-$n.out" 2>&1 </dev/null
	rc=$?
	if [ $rc -eq 0 ]; then
		verdict "run-$n" OK
	else
		cat "$out/run-$n.out"
		verdict "run-$n" "exited $rc"
	fi
done
