#!/bin/sh
# SPDX-License-Identifier: MIT
# `make check`: runs every stage, even after one failed, then adds up.
#
# Usage: SUBMAKE="make FLAGS..." check_all.sh RESULTS_DIR STAGE...
#
# Each stage is "$SUBMAKE IN_CHECK=1 STAGE", headed "== STAGE"; it writes
# its logs and verdicts under RESULTS_DIR/.  A stage that exits non-zero
# broke itself (inside `check` a stage's failed tests do not fail it):
# that is one more failure, in RESULTS_DIR/STAGE.sum.  Then "== summary"
# and tests/summary.sh's total, whose status is this script's.
set -u
out=$1
shift
for s in "$@"; do
	echo "== $s"
	# $SUBMAKE is a command line: split on purpose (not $MAKE, which
	# would become the sub-make's own $(MAKE), flags and all).
	# shellcheck disable=SC2086
	$SUBMAKE IN_CHECK=1 "$s"
	rc=$?
	if [ $rc -ne 0 ]; then
		printf 'not ok %s: the stage itself failed (exit %s)\n0 passed, 1 failed\n' \
			"$s" $rc >"$out/$s.sum"
		head -n1 "$out/$s.sum"
	fi
done
echo "== summary"
sh tests/summary.sh "$out"
