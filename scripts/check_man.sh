#!/bin/sh
# SPDX-License-Identifier: MIT
# The check-man stage: every man page renders cleanly, and the driver
# guide's example compiles.
#
# Usage: CC="COMPILER FLAGS..." check_man.sh RESULTS_DIR PAGE...
#	(from the repository root, with the built pages, after the
#	Makefile's build_progs wrote RESULTS_DIR/build-failed)
#
# Per PAGE, "ok man/NAME" or "not ok man/NAME: why": the page was built;
# `MANWIDTH=80 man --warnings -l PAGE` exits 0 and writes nothing to
# stderr (groff's warnings go there); no line of the rendered page is
# wider than 80 columns; every ioverbs page it names ("ioverbs-ctl(1)")
# is one of the PAGEs; every long option of the program's source
# (getopt_long's table: daemon/ioverbsd.c for ioverbsd.8, tools/SUB.c for
# ioverbs-SUB.1) is in the page.  Then "ok man/ioverbs-driver.7/example" if the
# C code between the page source's comments "example: begin" and
# "example: end" (its .EX blocks, roff escapes undone) compiles with
# $CC, from the repository root's include paths.  Then "N passed, N
# failed"; the same, with each failure's details, goes to
# RESULTS_DIR/man.log.  Exits 1 if a check failed.
set -u
out=$1
shift
cc=${CC:-cc}
mkdir -p "$out"
log=$out/man.log
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$log"
passed=0
failed=0

# verdict NAME [WHY]: one line; the details (in $tmp/why) indented after.
verdict() {
	if [ $# -eq 1 ]; then
		echo "ok man/$1" | tee -a "$log"
		passed=$((passed + 1))
	else
		echo "not ok man/$1: $2" | tee -a "$log"
		[ -s "$tmp/why" ] && sed 's/^/  /' "$tmp/why" | head -n 20 |
			tee -a "$log"
		failed=$((failed + 1))
	fi
	: >"$tmp/why"
}

have_man=1
if ! command -v man >/dev/null 2>&1 || ! command -v groff >/dev/null 2>&1; then
	have_man=0
fi

# The pages there are, as NAME(SECTION).
for p in "$@"; do
	n=$(basename "$p")
	echo "${n%.*}(${n##*.})"
done >"$tmp/have"

for p in "$@"; do
	name=$(basename "$p")
	: >"$tmp/why"
	if grep -qxF "$p" "$out/build-failed" 2>/dev/null || [ ! -f "$p" ]; then
		verdict "$name" "build failed"
		continue
	fi
	if [ "$have_man" = 0 ]; then
		verdict "$name" "no man(1) or groff(1): scripts/install.sh installs man-db and groff-base"
		continue
	fi
	# MAN_DISABLE_SECCOMP: man-db's sandbox of its groff children can
	# fail in restricted containers; what groff says is the same.
	MANWIDTH=80 MAN_DISABLE_SECCOMP=1 man --warnings -l "$p" \
		>"$tmp/page" 2>"$tmp/why"
	rc=$?
	if [ $rc -ne 0 ] || [ -s "$tmp/why" ]; then
		verdict "$name" "man --warnings -l: exit $rc, $(wc -l <"$tmp/why") line(s) on stderr"
		continue
	fi
	# Columns, not bytes (wc -L): the page may hold UTF-8 bullets.
	width=$(wc -L <"$tmp/page")
	if [ "$width" -gt 80 ]; then
		awk 'length($0) > 80 { printf "line %d: %s\n", NR, $0 }' \
			"$tmp/page" >"$tmp/why"
		verdict "$name" "rendered $width columns wide, more than 80"
		continue
	fi
	# "ioverbs-ctl (1)" in .BR references, "ioverbs\-ctl" escaped.
	sed -n 's/^\.[BI]R[ \t]\{1,\}\(ioverbs[a-z\\-]*\)[ \t]\{1,\}(\([1-8]\)).*/\1(\2)/p' "$p" |
		sed 's/\\-/-/g' | sort -u | while read -r ref; do
		grep -qxF "$ref" "$tmp/have" || echo "names $ref, which is not a page here"
	done >"$tmp/why"
	if [ -s "$tmp/why" ]; then
		verdict "$name" "a reference to a missing page"
		continue
	fi
	# The long options the program takes, each in its page.
	case $name in
	ioverbsd.8) src=daemon/ioverbsd.c ;;
	ioverbs-*.1)
		src=tools/${name#ioverbs-}
		src=${src%.1}.c
		;;
	*) src= ;;
	esac
	if [ -n "$src" ] && [ -f "$src" ]; then
		sed -n 's/.*{ *"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' \
			"$src" | while read -r opt; do
			grep -qF -- "\\-\\-$(echo "$opt" | sed 's/-/\\-/g')" "$p" ||
				echo "--$opt of $src is not in the page"
		done >"$tmp/why"
		if [ -s "$tmp/why" ]; then
			verdict "$name" "an option of $src left out"
			continue
		fi
	fi
	verdict "$name"
done

# The driver guide's example, as its reader would copy it.
guide=man/ioverbs-driver.7
: >"$tmp/why"
awk '
/^\.\\" example: begin/ { on = 1; next }
/^\.\\" example: end/ { on = 0; next }
on && /^\.EX/ { code = 1; next }
on && /^\.EE/ { code = 0; next }
code {
	s = $0
	out = ""
	# Undo the escapes the code uses: \e \- \(aq \&.
	while ((i = index(s, "\\")) > 0) {
		out = out substr(s, 1, i - 1)
		t = substr(s, i)
		if (substr(t, 1, 2) == "\\e") { out = out "\\"; s = substr(t, 3) }
		else if (substr(t, 1, 2) == "\\-") { out = out "-"; s = substr(t, 3) }
		else if (substr(t, 1, 2) == "\\&") { s = substr(t, 3) }
		else if (substr(t, 1, 4) == "\\(aq") { out = out "\047"; s = substr(t, 5) }
		else { print "unknown escape: " t > "/dev/stderr"; exit 1 }
	}
	print out s
}' "$guide" >"$tmp/example.c" 2>"$tmp/why"
# shellcheck disable=SC2086 # $cc is a command line
if [ ! -s "$tmp/example.c" ]; then
	echo "no code between its example: begin and end comments" >>"$tmp/why"
	verdict ioverbs-driver.7/example "no example to compile"
elif [ -s "$tmp/why" ]; then
	verdict ioverbs-driver.7/example "cannot take the example out of $guide"
elif ! $cc -Iinclude -Iinclude/uapi -Icompat -c "$tmp/example.c" \
	-o "$tmp/example.o" >"$tmp/why" 2>&1; then
	verdict ioverbs-driver.7/example "$guide's example does not compile"
else
	verdict ioverbs-driver.7/example
fi

echo "$passed passed, $failed failed" | tee -a "$log"
[ "$failed" -eq 0 ]
