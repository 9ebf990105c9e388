#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install` into a scratch DESTDIR, then what a user of the
# installed tree does: programs built with nothing but pkg-config.
#
# Usage: CC=... [CLANG=...] check_install.sh RESULTS_DIR "MAKE..."
#	(from the repository root, once the installed files are built)
#
# Installs with PREFIX=/usr/local into RESULTS_DIR/root, and checks: the
# files are there (the libibverbs provider and its .driver file too); libioverbs.so has its soname and exports only
# ioverbs_* functions that the installed headers declare; each installed
# <ioverbs/*.h> compiles alone (CC, and CLANG if given, -Wall -Wextra); tests/install/client.c links against the
# shared library, then the static one, and runs; tests/install/embedded.c
# (ioverbs-embedded) runs a soft device in-process; man(1) finds every
# page of man/ in the installed MANDIR.  pkg-config sees only
# the installed .pc files (PKG_CONFIG_LIBDIR, PKG_CONFIG_SYSROOT_DIR).
# Prints "ok install/NAME" or "not ok install/NAME" per check, then
# "N passed, N failed"; the same and the errors go to
# RESULTS_DIR/install.log.  Exits 1 if a check failed.
set -u
out=$1 make=$2
cc=${CC:-cc}
prefix=/usr/local
mkdir -p "$out"
out=$(cd "$out" && pwd)
root=$out/root
lib=$root$prefix/lib
inc=$root$prefix/include
log=$out/install.log
tmp=$out/tmp
rm -rf "$root" "$tmp"
mkdir -p "$tmp"
: >"$log"
passed=0
failed=0

# check NAME COMMAND...: one verdict; COMMAND's output is the error.
check() {
	name=$1
	shift
	if "$@" >"$tmp/err" 2>&1; then
		echo "ok install/$name" | tee -a "$log"
		passed=$((passed + 1))
		return 0
	fi
	echo "not ok install/$name" | tee -a "$log"
	sed 's/^/  /' "$tmp/err" | tee -a "$log" | head -n 20
	failed=$((failed + 1))
	return 1
}

# Only the installed tree, as a packager's sysroot.
export PKG_CONFIG_LIBDIR="$lib/pkgconfig" PKG_CONFIG_PATH=
export PKG_CONFIG_SYSROOT_DIR="$root"
unset PKG_CONFIG_ALLOW_SYSTEM_CFLAGS PKG_CONFIG_ALLOW_SYSTEM_LIBS
ldpath=$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}
warn="-Wall -Wextra -Werror"

installed() {
	for f in $(cd include && ls ioverbs/*.h); do
		[ -f "$inc/$f" ] || { echo "missing $prefix/include/$f"; return 1; }
	done
	for f in lib/libioverbs.so lib/libioverbs.a lib/libioverbs-core.a \
		lib/pkgconfig/ioverbs.pc lib/pkgconfig/ioverbs-embedded.pc \
		sbin/ioverbsd bin/ioverbs bin/ioverbs-ctl \
		lib/libibverbs/libioverbs-rdmav34.so \
		etc/libibverbs.d/ioverbs.driver $(man_pages); do
		[ -e "$root$prefix/$f" ] || { echo "missing $prefix/$f"; return 1; }
	done
	# libibverbs loads "driver PATH" as PATH-rdmav34.so.
	grep -qx "driver $prefix/lib/libibverbs/libioverbs" \
		"$root$prefix/etc/libibverbs.d/ioverbs.driver" ||
		{ echo "ioverbs.driver: $(cat "$root$prefix/etc/libibverbs.d/ioverbs.driver")"; return 1; }
}

# share/man/manN/PAGE.N of each page of man/ (ioverbs-abi.7.in: .7).
man_pages() {
	for p in man/*.[1-8] man/*.[1-8].in; do
		[ -f "$p" ] || continue
		p=$(basename "$p" .in)
		echo "share/man/man${p##*.}/$p"
	done
}

# man -M MANDIR -w SECTION NAME finds each installed page where it is.
man_finds() {
	command -v man >/dev/null 2>&1 ||
		{ echo "no man(1): scripts/install.sh installs man-db"; return 1; }
	bad=0
	for f in $(man_pages); do
		p=$(basename "$f")
		w=$(man -M "$root$prefix/share/man" -w "${p##*.}" "${p%.*}" 2>&1)
		[ "$w" = "$root$prefix/$f" ] ||
			{ echo "man -w ${p##*.} ${p%.*}: $w"; bad=1; }
	done
	return $bad
}

# libioverbs.so -> .so.MAJOR (the soname) -> .so.VERSION (the file).
soname() {
	v=$(pkg-config --modversion ioverbs) || return 1
	major=${v%%.*}
	if [ "$(readlink "$lib/libioverbs.so")" != "libioverbs.so.$major" ] ||
		[ "$(readlink "$lib/libioverbs.so.$major")" != "libioverbs.so.$v" ] ||
		[ ! -f "$lib/libioverbs.so.$v" ]; then
		ls -l "$lib"
		return 1
	fi
	s=$(readelf -d "$lib/libioverbs.so.$v" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
	[ "$s" = "libioverbs.so.$major" ] || {
		echo "soname '$s', not libioverbs.so.$major"
		return 1
	}
}

exports() {
	nm -D --defined-only "$lib/libioverbs.so" | awk '{ print $NF }' |
		sort >"$tmp/exports"
	[ -s "$tmp/exports" ] || { echo "exports nothing"; return 1; }
	bad=0
	while read -r s; do
		case $s in
		ioverbs_*) ;;
		*) echo "exports $s: not ioverbs_*"; bad=1; continue ;;
		esac
		grep -qw "$s" "$inc"/ioverbs/*.h ||
			{ echo "exports $s: no installed header declares it"; bad=1; }
	done <"$tmp/exports"
	return $bad
}

# header COMPILER NAME
header() {
	echo "#include <$2>" >"$tmp/h.c"
	# shellcheck disable=SC2046,SC2086 # flags: split on purpose
	$1 $warn $(pkg-config --cflags ioverbs) -c "$tmp/h.c" -o "$tmp/h.o"
}

# build PROGRAM SOURCE PACKAGE [static]
build() {
	if [ "${4:-}" = static ]; then
		# shellcheck disable=SC2046,SC2086
		$cc $warn $(pkg-config --cflags "$3") -o "$tmp/$1" "$2" \
			-Wl,-Bstatic $(pkg-config --libs --static "$3") -Wl,-Bdynamic
	else
		# shellcheck disable=SC2046,SC2086
		$cc $warn $(pkg-config --cflags "$3") -o "$tmp/$1" "$2" \
			$(pkg-config --libs "$3")
	fi
}

needs_libioverbs() {
	readelf -d "$tmp/$1" | grep -q 'NEEDED.*\[libioverbs\.so\.'
}

shared() {
	build client tests/install/client.c ioverbs &&
		needs_libioverbs client &&
		LD_LIBRARY_PATH=$ldpath ldd "$tmp/client" |
		grep -qF "libioverbs.so.$major => $lib/" &&
		LD_LIBRARY_PATH=$ldpath "$tmp/client"
}

static() {
	build client-static tests/install/client.c ioverbs static || return 1
	if needs_libioverbs client-static; then
		echo "client-static needs libioverbs.so"
		return 1
	fi
	"$tmp/client-static"
}

embedded() {
	build embedded tests/install/embedded.c ioverbs-embedded &&
		LD_LIBRARY_PATH=$ldpath "$tmp/embedded"
}

major=0
# shellcheck disable=SC2086 # $make is a command line
if check make-install $make install DESTDIR="$root" PREFIX="$prefix" &&
	check files installed; then
	check soname soname
	check man man_finds
	check exports exports
	for c in $cc ${CLANG:-}; do
		for h in $(cd "$inc" && ls ioverbs/*.h); do
			check "headers/$c/$h" header "$c" "$h"
		done
	done
	check shared shared
	check static static
	check embedded embedded
fi
rm -rf "$tmp"
echo "$passed passed, $failed failed" | tee -a "$log"
[ "$failed" -eq 0 ]
