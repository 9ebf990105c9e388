#!/bin/sh
# SPDX-License-Identifier: MIT
# One errno contract, written twice, checked to say the same thing: for
# every conformance rule, the errnos that docs/design.md gives it and
# those that the DOC block of include/uapi/rdma/rdma_user_ioctl.h gives it
# must be the same set.  The man page ioverbs-abi(7), whose errno section
# scripts/man_errnos.sh generates from that DOC block, must give each
# rule the same errnos too, and list the same errno entries.
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
#   the man page: the page scripts/man_errnos.sh makes of MAN_TEMPLATE,
#	between its "BEGIN errno contract" and "END errno contract"
#	comments: an entry is a tagged paragraph (.TP, then ".B EBUSY"),
#	a paragraph (.PP) has no errno; "(rule N)" as in the header.
#
# Every rule from 1 to the highest one docs/design.md numbers must be in
# both, with the same errnos (a rule may have none: the same none).
#
# Usage: check_errnos.sh [RESULTS_DIR [RULES_DOC [HEADER [MAN_TEMPLATE]]]]
#	(from anywhere; paths relative to the repository root; MAN_TEMPLATE
#	defaults to man/ioverbs-abi.7.in)
#
# Prints "ok errnos/ruleNN: ERRNOS" or "not ok errnos/ruleNN: what
# differs" per rule, then "ok errnos/man-entries" or "not ok
# errnos/man-entries: the errnos the page lacks or adds", then "N passed,
# N failed"; the same goes to RESULTS_DIR/errnos.log.  Exits 1 if a rule
# differs or nothing was found.
set -u
out=${1:-}
case $out in
/* | "") ;;
*) out=$PWD/$out ;;
esac
cd "$(dirname "$0")/.." || exit 1
design=${2:-docs/design.md}
header=${3:-include/uapi/rdma/rdma_user_ioctl.h}
man_template=${4:-man/ioverbs-abi.7.in}
man_name=$(basename "$man_template" .in)

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

# One entry (an errno line or a paragraph, with its continuation lines)
# at a time, so that "(rule" may end a line and "10)" start the next:
# "RULE -" for every rule it names, and "RULE ERRNO" when it is an errno's.
awk_flush='
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
'

header_pairs() {
	awk "$awk_flush"'
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

# The same of the generated man page.
man_pairs() {
	awk "$awk_flush"'
	/^\.\\" BEGIN errno contract/ { in_doc = 1; next }
	!in_doc { next }
	/^\.\\" END errno contract/ { flush(); exit }
	/^\.(TP|PP)/ { flush(); errno = ""; tag = ($1 == ".TP"); text = " "; next }
	tag && /^\.B / {
		errno = ($2 ~ /^E[A-Z0-9]+$/) ? $2 : ""
		tag = 0
		next
	}
	{ tag = 0; text = text " " $0 }
	END { flush() }' "$1"
}

# The errno entries (and "others") of the header, and of the page.
header_entries() {
	awk '/DOC: errno contract/ { in_doc = 1; next }
	in_doc && /^ \*\// { exit }
	in_doc && /^ \* (E[A-Z0-9]+|others)([ \t]|$)/ { print $2 }' "$1" |
		sort -u
}

man_entries() {
	awk '/^\.\\" BEGIN errno contract/ { in_doc = 1; next }
	in_doc && /^\.\\" END errno contract/ { exit }
	in_doc && prev == ".TP" && /^\.B / { print $2 }
	{ prev = $1 }' "$1" | sort -u
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
	for f in "$design" "$header" "$man_template"; do
		[ -f "$f" ] || problems="$problems$f does not exist; "
	done
	if [ -z "$problems" ] &&
		! sh scripts/man_errnos.sh "$man_template" "$header" \
			>"$tmp/man" 2>"$tmp/man.err"; then
		problems="${problems}scripts/man_errnos.sh cannot make"
		problems="$problems $man_name of $man_template: $(cat "$tmp/man.err"); "
	fi
	if [ -z "$problems" ]; then
		design_pairs "$design" >"$tmp/d"
		header_pairs "$header" >"$tmp/h"
		man_pairs "$tmp/man" >"$tmp/m"
		[ -s "$tmp/d" ] || problems="${problems}no rule in $design"
		[ -s "$tmp/d" ] || problems="$problems (numbered items under"
		[ -s "$tmp/d" ] || problems="$problems \"## The conformance rules\"); "
		[ -s "$tmp/h" ] || problems="${problems}no \"(rule N)\" in the"
		[ -s "$tmp/h" ] || problems="$problems errno contract of $header; "
		[ -s "$tmp/m" ] || problems="${problems}no \"(rule N)\" in the"
		[ -s "$tmp/m" ] || problems="$problems errno contract of $man_name; "
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
			m=$(errnos_of "$r" "$tmp/m")
			if [ -n "$d" ] && [ "$d" = "$h" ] && [ "$h" = "$m" ]; then
				echo "ok $name: $d"
				passed=$((passed + 1))
			elif [ "$d" = "$h" ]; then
				echo "not ok $name: $design and $header say" \
					"${d:-nothing (no such rule)}," \
					"$man_name (made by scripts/man_errnos.sh" \
					"of $man_template) says" \
					"${m:-nothing (no \"(rule $r)\")}"
				failed=$((failed + 1))
			else
				echo "not ok $name: $design says" \
					"${d:-nothing (no such rule)}," \
					"$header says" \
					"${h:-nothing (no \"(rule $r)\")}"
				failed=$((failed + 1))
			fi
			r=$((r + 1))
		done
		header_entries "$header" >"$tmp/he"
		man_entries "$tmp/man" >"$tmp/me"
		lacks=$(comm -23 "$tmp/he" "$tmp/me" | tr '\n' ' ' | sed 's/ $//')
		adds=$(comm -13 "$tmp/he" "$tmp/me" | tr '\n' ' ' | sed 's/ $//')
		if [ -s "$tmp/he" ] && [ -z "$lacks$adds" ]; then
			echo "ok errnos/man-entries: $man_name lists the" \
				"$(wc -l <"$tmp/he") entries of $header"
			passed=$((passed + 1))
		else
			echo "not ok errnos/man-entries: $man_name" \
				"lacks ${lacks:-nothing} and adds ${adds:-nothing}" \
				"against the entries of $header"
			failed=$((failed + 1))
		fi
		if [ "$failed" -ne 0 ]; then
			echo "  One contract, three places: rule N's bold errnos in" \
				"$design and the errno entries of"
			echo "  $header's errno contract" \
				"that say \"(rule N)\" must be the same;"
			echo "  $man_name's errno section is made of the" \
				"header by scripts/man_errnos.sh and must agree."
		fi
	fi
	echo "$passed passed, $failed failed"
} >"$tmp/log"

if [ -n "$out" ]; then
	mkdir -p "$out" && cp "$tmp/log" "$out/errnos.log"
fi
cat "$tmp/log"
! grep -q '^not ok' "$tmp/log"
