#!/bin/sh
# SPDX-License-Identifier: MIT
# Every public header compiles on its own: for each header under include/,
# a file holding only its #include is compiled with each given compiler
# command (the project's CFLAGS, -Werror).  The ABI headers under
# include/uapi/ must moreover need nothing but the system's linux/ headers
# and each other: they are compiled a second time with only -Iinclude/uapi.
#
# Usage: check_headers.sh RESULTS_DIR "CC CFLAGS..." ["CC2 CFLAGS..."]
#	(from the repository root, as the Makefile runs it)
#
# Prints "ok headers/CC/NAME" or "not ok headers/CC/NAME" per header and
# compiler, then "N passed, N failed"; the same and the compilers' errors
# go to RESULTS_DIR/headers.log.  Exits 1 if a header failed.
set -u
out=$1
shift
mkdir -p "$out"
log=$out/headers.log
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: >"$log"
passed=0
failed=0

# try LABEL NAME COMPILER-COMMAND...
try() {
	label=$1 name=$2
	shift 2
	echo "#include <$name>" >"$tmp/h.c"
	if "$@" -c "$tmp/h.c" -o "$tmp/h.o" >"$tmp/err" 2>&1; then
		echo "ok headers/$label/$name" | tee -a "$log"
		passed=$((passed + 1))
	else
		echo "not ok headers/$label/$name" | tee -a "$log"
		sed 's/^/  /' "$tmp/err" | tee -a "$log" | head -n 20
		failed=$((failed + 1))
	fi
}

headers=$(find include -type f -name '*.h' | sort)
for cc in "$@"; do
	label=$(basename "${cc%% *}")
	for h in $headers; do
		case $h in
		include/uapi/*) name=${h#include/uapi/} ;;
		*) name=${h#include/} ;;
		esac
		# $cc is a command line: split on purpose.
		# shellcheck disable=SC2086
		try "$label" "$name" $cc
	done
done
cc=${1%% *}
for h in $headers; do
	case $h in
	include/uapi/*)
		try "uapi-alone" "${h#include/uapi/}" \
			"$cc" -std=gnu11 -Wall -Wextra -Werror -Iinclude/uapi ;;
	esac
done

echo "$passed passed, $failed failed" | tee -a "$log"
[ "$failed" -eq 0 ]
