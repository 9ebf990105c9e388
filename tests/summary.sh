#!/bin/sh
# SPDX-License-Identifier: MIT
# Adds up test results.
#
# Usage: summary.sh RESULTS_DIR [LABEL]
#
# Counts, under RESULTS_DIR (recursively), the last "N passed, N failed
# [, N skipped]" line of every *.log file (a test program's or a check
# script's own summary) and every such line of every *.sum file (verdicts
# the runners add: build failures, crashes, skipped stages).  Lists what
# failed, then prints the total as its last line: "N passed, N failed"
# (", N skipped" when some were), prefixed with "LABEL: " if given.
# Exits 1 if anything failed or nothing ran at all.
set -u
dir=$1
label=${2:+$2: }
re='^([A-Za-z0-9_./-]+: )?[0-9]+ passed, [0-9]+ failed'

# The counted lines, one per source, as "FILE<TAB>LINE".
counted() {
	find "$dir" -type f -name '*.log' | sort | while read -r f; do
		l=$(grep -E "$re" "$f" | tail -n1)
		[ -n "$l" ] && printf '%s\t%s\n' "$f" "$l"
	done
	find "$dir" -type f -name '*.sum' | sort | while read -r f; do
		grep -E "$re" "$f" | sed "s|^|$f	|"
	done
}

# What failed: the "not ok" lines of logs, named STAGE/PROGRAM/TEST
# unless a check script named them already, then those of sums.
# (A stage's own summary is run on RESULTS/STAGE, with a label.)
top=$dir
[ -n "$label" ] && top=$(dirname "$dir")
find "$dir" -type f -name '*.log' | sort | while read -r f; do
	rel=${f#"$top"/}
	rel=${rel%.log}
	stage=${rel%%/*}
	sed -n 's/^not ok //p' "$f" | while IFS= read -r t; do
		case $t in
		"$stage" | "$stage"/* | "$stage":*) echo "  $t" ;;
		*) echo "  $rel/$t" ;;
		esac
	done
done >"$dir/.failures"
find "$dir" -type f -name '*.sum' | sort | while read -r f; do
	sed -n 's/^not ok /  /p' "$f"
done >>"$dir/.failures"

counted | awk -F '\t' -v label="$label" -v failures="$dir/.failures" '
{
	s = $2
	sub(/^[A-Za-z0-9_.\/-]+: /, "", s)
	split(s, w, /[ ,]+/)
	# w: N passed N failed [N skipped]
	passed += w[1]; failed += w[3]; skipped += w[5]
}
END {
	if (failed) {
		n = 0
		while ((getline l < failures) > 0)
			print (n++ ? "" : "failed:\n") l
	}
	passed += 0; failed += 0
	none = passed + failed == 0 && label == ""
	line = label passed " passed, " failed " failed"
	if (skipped)
		line = line ", " skipped " skipped"
	if (none)
		print "no test ran"
	print line
	exit (failed || none) ? 1 : 0
}'
