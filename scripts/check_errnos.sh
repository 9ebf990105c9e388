#!/bin/sh
# SPDX-License-Identifier: MIT
# One errno contract, written twice, checked to say the same thing: for
# every conformance rule, the errnos that docs/design.md gives it and
# those that the DOC block of include/uapi/rdma/rdma_user_ioctl.h gives it
# must be the same set.
#
#   docs/design.md: in the section "## The conformance rules", each rule is
#	a numbered item ("12. ...", continued on indented lines); its
#	errnos are the bold ones in it (**EBUSY**).  Errnos named without
#	bold are prose, not the rule's.
#   the uapi header: in the "DOC: errno contract" block, each entry
#	starts with an errno at the comment's first column (" * EBUSY  ...",
#	continued on indented lines); "(rule N)" or "(rules N, M and P)" in
#	an entry gives rule N that errno.  A rule named in an entry that
#	starts with anything else (a paragraph) is listed, without an errno.
#
# Every rule from 1 to the highest one docs/design.md numbers must be in
# both, with the same errnos (a rule may have none: the same none).
#
# Usage: check_errnos.sh [RESULTS_DIR [RULES_DOC [HEADER]]]
#	(from anywhere; paths relative to the repository root)
#
# Prints "ok errnos/ruleNN: ERRNOS" or "not ok errnos/ruleNN: what
# differs" per rule, then "N passed, N failed"; the same goes to
# RESULTS_DIR/errnos.log.  Exits 1 if a rule differs or nothing was found.
set -u
out=${1:-}
case $out in
/* | "") ;;
*) out=$PWD/$out ;;
esac
cd "$(dirname "$0")/.." || exit 1
design=${2:-docs/design.md}
header=${3:-include/uapi/rdma/rdma_user_ioctl.h}

# Each prints "RULE ERRNO" per errno of a rule and "RULE -" per rule seen.
design_pairs() {
	awk '
	/^## / { in_rules = ($0 ~ /^## The conformance rules/); cur = 0; next }
	!in_rules { next }
	/^[0-9]+\. / { cur = $1 + 0; print cur, "-" }
	/^[^ \t]/ && !/^[0-9]+\. / { cur = 0 }
	cur {
		s = $0
		while (match(s, /\*\*E[A-Z0-9]+\*\*/)) {
			print cur, substr(s, RSTART + 2, RLENGTH - 4)
			s = substr(s, RSTART + RLENGTH)
		}
	}' "$1"
}

header_pairs() {
	awk '
	# One entry (an errno line or a paragraph, with its continuation
	# lines) at a time, so that "(rule" may end a line and "10)" start
	# the next.
	function flush(   s, list, n, i, nums) {
		if (text == "")
			return
		s = text
		while (match(s, /\(rules? [0-9]+((, | and |, and )[0-9]+)*[;:,)]/)) {
			list = substr(s, RSTART, RLENGTH)
			s = substr(s, RSTART + RLENGTH)
			gsub(/[^0-9]+/, " ", list)
			n = split(list, nums, " ")
			for (i = 1; i <= n; i++) {
				print nums[i] + 0, "-"
				if (errno != "")
					print nums[i] + 0, errno
			}
		}
		text = ""
	}
	/DOC: errno contract/ { in_doc = 1; next }
	!in_doc { next }
	/^ \*\// { flush(); exit }
	/^ \*[ \t]*$/ { flush(); next }
	/^ \* [^ \t]/ {
		flush()
		errno = ($2 ~ /^E[A-Z0-9]+$/) ? $2 : ""
		text = $0
		next
	}
	{ text = text " " $0 }
	END { flush() }' "$1"
}

# The errnos of rule $1 in pairs file $2, sorted, on one line ("none" if
# the rule is there without one, "" if it is not there at all).
errnos_of() {
	set=$(awk -v r="$1" '$1 == r && $2 != "-" { print $2 }' "$2" |
		sort -u | tr '\n' ' ' | sed 's/ $//')
	if [ -n "$set" ]; then
		echo "$set"
	elif awk -v r="$1" '$1 == r { f = 1 } END { exit !f }' "$2"; then
		echo none
	fi
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

{
	passed=0
	failed=0
	problems=
	for f in "$design" "$header"; do
		[ -f "$f" ] || problems="$problems$f does not exist; "
	done
	if [ -z "$problems" ]; then
		design_pairs "$design" >"$tmp/d"
		header_pairs "$header" >"$tmp/h"
		[ -s "$tmp/d" ] || problems="${problems}no rule in $design"
		[ -s "$tmp/d" ] || problems="$problems (numbered items under"
		[ -s "$tmp/d" ] || problems="$problems \"## The conformance rules\"); "
		[ -s "$tmp/h" ] || problems="${problems}no \"(rule N)\" in the"
		[ -s "$tmp/h" ] || problems="$problems errno contract of $header; "
	fi
	if [ -n "$problems" ]; then
		echo "not ok errnos: ${problems%; }"
		failed=1
	else
		max=$(awk '{ if ($1 > m) m = $1 } END { print m + 0 }' "$tmp/d")
		hmax=$(awk '{ if ($1 > m) m = $1 } END { print m + 0 }' "$tmp/h")
		[ "$hmax" -gt "$max" ] && max=$hmax
		r=1
		while [ "$r" -le "$max" ]; do
			name=$(printf 'errnos/rule%02d' "$r")
			d=$(errnos_of "$r" "$tmp/d")
			h=$(errnos_of "$r" "$tmp/h")
			if [ -n "$d" ] && [ "$d" = "$h" ]; then
				echo "ok $name: $d"
				passed=$((passed + 1))
			else
				echo "not ok $name: $design says" \
					"${d:-nothing (no such rule)}," \
					"$header says" \
					"${h:-nothing (no \"(rule $r)\")}"
				failed=$((failed + 1))
			fi
			r=$((r + 1))
		done
		if [ "$failed" -ne 0 ]; then
			echo "  One contract, two places: rule N's bold errnos in" \
				"$design and the errno entries of"
			echo "  $header's errno contract" \
				"that say \"(rule N)\" must be the same."
		fi
	fi
	echo "$passed passed, $failed failed"
} >"$tmp/log"

if [ -n "$out" ]; then
	mkdir -p "$out" && cp "$tmp/log" "$out/errnos.log"
fi
cat "$tmp/log"
! grep -q '^not ok' "$tmp/log"
