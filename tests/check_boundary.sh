#!/bin/sh
# SPDX-License-Identifier: MIT
# The portability boundary: core/ and drivers/ include only the project's
# own headers (include/, include/uapi/, compat/, or a header beside the
# including file), never a system header, so that they can be built as a
# kernel module against a kernel compat/.
#
# Usage: check_boundary.sh [RESULTS_DIR]   (from the repository root)
#
# Prints "ok boundary" or "not ok boundary" followed by every offending
# "file:line: #include ...", then "N passed, N failed"; the same goes to
# RESULTS_DIR/boundary.log.  Exits 1 on a violation.
set -u
out=${1:-}
case $out in
/* | "") ;;
*) out=$PWD/$out ;;
esac
cd "$(dirname "$0")/.." || exit 1
root=$(pwd -P)

# ours FILE NAME QUOTED: is NAME, as FILE includes it, one of ours?  A
# quoted name is looked up beside FILE first, as the compiler does.
ours() {
	beside=
	[ "$3" = y ] && beside=$(dirname "$1")/$2
	for c in $beside "include/$2" "include/uapi/$2" "compat/$2"; do
		[ -f "$c" ] || continue
		case $(realpath "$c") in
		"$root"/core/* | "$root"/drivers/* | "$root"/include/* | "$root"/compat/*)
			return 0 ;;
		esac
		return 1
	done
	return 1
}

violations=$(
	for dir in core drivers; do
		[ -d "$dir" ] || continue
		find "$dir" -type f \( -name '*.c' -o -name '*.h' \)
	done | sort | while read -r f; do
		grep -nE '^[[:space:]]*#[[:space:]]*include' "$f" | while IFS= read -r hit; do
			line=${hit%%:*}
			text=${hit#*:}
			spec=$(echo "$text" | sed -nE 's/^[[:space:]]*#[[:space:]]*include[[:space:]]*([<"][^>"]*[>"]).*/\1/p')
			name=$(echo "$spec" | sed -E 's/^[<"](.*)[>"]$/\1/')
			case $spec in
			\"*) quoted=y ;;
			*) quoted=n ;;
			esac
			if [ -z "$spec" ] || ! ours "$f" "$name" "$quoted"; then
				echo "$f:$line: $(echo "$text" | sed -E 's/^[[:space:]]+//')"
			fi
		done
	done
)

{
	if [ -z "$violations" ]; then
		echo "ok boundary"
		echo "1 passed, 0 failed"
	else
		echo "not ok boundary"
		echo "$violations" | sed 's/^/  /'
		echo "  core/ and drivers/ may include only include/, include/uapi/ and compat/ headers: add what is missing to compat/"
		echo "0 passed, 1 failed"
	fi
} | if [ -n "$out" ]; then
	mkdir -p "$out" && tee "$out/boundary.log"
else
	cat
fi
[ -z "$violations" ]
