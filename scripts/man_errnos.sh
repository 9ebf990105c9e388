#!/bin/sh
# SPDX-License-Identifier: MIT
# Writes ioverbs-abi(7): its template, with the errno contract section
# generated from the uapi header, so that the contract has one source.
#
# Usage: man_errnos.sh [TEMPLATE [HEADER]] >PAGE
#	(from anywhere; paths relative to the repository root; defaults
#	man/ioverbs-abi.7.in and include/uapi/rdma/rdma_user_ioctl.h)
#
# The template's line
#	.\" @ERRNO_CONTRACT@
# becomes the entries of the header's "DOC: errno contract" block, each
# as a tagged paragraph (.TP, the errno in bold, its text as written),
# then the paragraphs after them (the rules without an errno of their
# own).  The block's first paragraph, which speaks of the header itself,
# is left out.  The generated lines sit between the comments
#	.\" BEGIN errno contract ...    and    .\" END errno contract
# which scripts/check_errnos.sh reads to check the page against the
# rules of docs/design.md.  Exits 1, with a message, if the template has
# no marker or the header no entries.
set -u
cd "$(dirname "$0")/.." || exit 1
template=${1:-man/ioverbs-abi.7.in}
header=${2:-include/uapi/rdma/rdma_user_ioctl.h}

for f in "$template" "$header"; do
	if [ ! -f "$f" ]; then
		echo "man_errnos.sh: $f does not exist" >&2
		exit 1
	fi
done
if [ "$(grep -c '^\.\\" @ERRNO_CONTRACT@$' "$template")" != 1 ]; then
	echo "man_errnos.sh: $template needs exactly one line" \
		"'.\\\" @ERRNO_CONTRACT@'" >&2
	exit 1
fi

tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

# The block, as roff.  Text is escaped for roff: backslashes, a leading
# dot or quote, and the minus signs of options ("--limit-files") and
# numbers ("-1").
awk -v header="$header" '
# Each @c in @s becomes @with (no gsub: what a backslash in a
# replacement does differs between awks).
function replace(s, c, with,   out, i) {
	out = ""
	while ((i = index(s, c)) > 0) {
		out = out substr(s, 1, i - 1) with
		s = substr(s, i + 1)
	}
	return out s
}
function roff(s,   out, tok) {
	sub(/^[ \t]+/, "", s)
	sub(/[ \t]+$/, "", s)
	s = replace(s, "\\", "\\e")
	# "-1", "--limit-files": a word that starts with a minus.
	out = ""
	while (match(s, /(^|[ (])-[-a-z0-9]+/)) {
		tok = replace(substr(s, RSTART, RLENGTH), "-", "\\-")
		out = out substr(s, 1, RSTART - 1) tok
		s = substr(s, RSTART + RLENGTH)
	}
	s = out s
	if (s ~ /^[.\047]/)
		s = "\\&" s
	return s
}
/DOC: errno contract/ { in_doc = 1; state = "start"; next }
!in_doc { next }
/^ \*\// { exit }
/^ \*[ \t]*$/ { blank = 1; next }
# An entry starts with an errno at the first column of the comment; its
# text goes on in indented lines, a paragraph in unindented ones.
/^ \* [^ \t]/ {
	rest = substr($0, 4)
	word = $2
	if (word ~ /^E[A-Z0-9]+$/ || word == "others") {
		sub(/^[^ \t]+[ \t]*/, "", rest)
		print ".TP"
		print ".B " word
		if (rest != "")
			print roff(rest)
		state = "entry"
		entries++
	} else if (!blank && (state == "intro" || state == "para")) {
		if (state == "para")
			print roff(rest)
	} else if (state == "start") {
		state = "intro"	# the first paragraph: about the header
	} else {
		print ".PP"
		print roff(rest)
		state = "para"
	}
	blank = 0
	next
}
/^ \*/ {
	if (state == "entry" || state == "para")
		print roff(substr($0, 3))
	blank = 0
	next
}
END {
	if (!entries) {
		print "man_errnos.sh: no errno entries in the errno contract of " \
			header > "/dev/stderr"
		exit 1
	}
}' "$header" >"$tmp" || exit 1

awk -v gen="$tmp" -v header="$header" '
$0 == ".\\\" @ERRNO_CONTRACT@" {
	print ".\\\" BEGIN errno contract: generated from " header \
		" by scripts/man_errnos.sh; edit the header, not this"
	while ((getline line < gen) > 0)
		print line
	print ".\\\" END errno contract"
	next
}
{ print }' "$template"
