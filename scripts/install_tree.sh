#!/bin/sh
# SPDX-License-Identifier: MIT
# `make install`: copies the built library, its headers, its pkg-config
# files, the daemon, the tool and the man pages into $DESTDIR$PREFIX.
#
# Usage: install_tree.sh REL_DIR [MAN_DIR]
#	(from the repository root; the Makefile passes DESTDIR, PREFIX,
#	BINDIR, SBINDIR, LIBDIR, INCLUDEDIR, MANDIR, VERSION and SOVERSION
#	in the environment, and the built pages' directory, $(O)/man)
#
#   INCLUDEDIR/ioverbs/*.h        the public headers (include/ioverbs/)
#   INCLUDEDIR/ioverbs/kernel/    what they include: the ABI and core
#                                 headers (include/rdma/, include/uapi/
#                                 as uapi/, compat/), kept apart from the
#                                 system's <rdma/...>; ioverbs.pc adds it
#                                 to the include path
#   LIBDIR/libioverbs.so.VERSION  the client library, soname
#                                 libioverbs.so.SOVERSION, and its links
#   LIBDIR/libioverbs.a           the same, static
#   LIBDIR/libioverbs-core.a      the core and the soft device, for
#                                 embedded mode (static only)
#   LIBDIR/pkgconfig/ioverbs.pc, ioverbs-embedded.pc
#   SBINDIR/ioverbsd, BINDIR/ioverbs (and ioverbs-ctl, a link to it)
#   LIBDIR/libibverbs/libioverbs-rdmav34.so   the libibverbs provider
#                                 (`ioverbs run` finds it there), when built
#   SYSCONFDIR/libibverbs.d/ioverbs.driver   libibverbs' pointer to it, so
#                                 that programs find ioverbs devices
#                                 without `ioverbs run` when the system
#                                 has their sysfs and nodes (SYSCONFDIR:
#                                 /etc when PREFIX is /usr, else
#                                 PREFIX/etc; libibverbs reads /etc only)
#   MANDIR/manN/*.N               every page of MAN_DIR, by its section
#                                 (MANDIR defaults to PREFIX/share/man)
set -eu
rel=$1
mandir_built=${2:-}
: "${DESTDIR=}" "${PREFIX:=/usr/local}" "${VERSION:?}" "${SOVERSION:?}"
: "${BINDIR:=$PREFIX/bin}" "${SBINDIR:=$PREFIX/sbin}"
: "${LIBDIR:=$PREFIX/lib}" "${INCLUDEDIR:=$PREFIX/include}"
: "${MANDIR:=$PREFIX/share/man}"
inc=$DESTDIR$INCLUDEDIR/ioverbs
lib=$DESTDIR$LIBDIR
pc=$lib/pkgconfig

install -d "$inc/kernel/rdma" "$inc/kernel/uapi/rdma" "$lib" "$pc" \
	"$DESTDIR$BINDIR" "$DESTDIR$SBINDIR"
install -m 644 include/ioverbs/*.h "$inc/"
install -m 644 include/rdma/*.h "$inc/kernel/rdma/"
install -m 644 include/uapi/rdma/*.h "$inc/kernel/uapi/rdma/"
install -m 644 compat/*.h "$inc/kernel/"

so=libioverbs.so.$VERSION
install -m 755 "$rel/$so" "$lib/"
ln -sf "$so" "$lib/libioverbs.so.$SOVERSION"
ln -sf "libioverbs.so.$SOVERSION" "$lib/libioverbs.so"
install -m 644 "$rel/libioverbs.a" "$rel/libioverbs-core.a" "$lib/"
install -m 755 "$rel/daemon/ioverbsd" "$DESTDIR$SBINDIR/"
install -m 755 "$rel/tools/ioverbs" "$DESTDIR$BINDIR/"
ln -sf ioverbs "$DESTDIR$BINDIR/ioverbs-ctl"

if [ -f "$rel/provider/libioverbs-rdmav34.so" ]; then
	install -d "$lib/libibverbs"
	install -m 755 "$rel/provider/libioverbs-rdmav34.so" "$lib/libibverbs/"
	if [ "$PREFIX" = /usr ]; then
		: "${SYSCONFDIR:=/etc}"
	else
		: "${SYSCONFDIR:=$PREFIX/etc}"
	fi
	install -d "$DESTDIR$SYSCONFDIR/libibverbs.d"
	printf 'driver %s/libibverbs/libioverbs\n' "$LIBDIR" \
		>"$DESTDIR$SYSCONFDIR/libibverbs.d/ioverbs.driver"
	chmod 644 "$DESTDIR$SYSCONFDIR/libibverbs.d/ioverbs.driver"
fi

if [ -n "$mandir_built" ]; then
	for page in "$mandir_built"/*.[1-8]; do
		[ -f "$page" ] || continue
		section=${page##*.}
		install -d "$DESTDIR$MANDIR/man$section"
		install -m 644 "$page" "$DESTDIR$MANDIR/man$section/"
	done
fi

# Paths under the prefix are written relative to it, so that
# pkg-config --define-prefix can move the tree.
rel_to_prefix() {
	case $1 in
	"$PREFIX"/*) echo "\${prefix}${1#"$PREFIX"}" ;;
	*) echo "$1" ;;
	esac
}
vars="prefix=$PREFIX
libdir=$(rel_to_prefix "$LIBDIR")
includedir=$(rel_to_prefix "$INCLUDEDIR")
"
cat >"$pc/ioverbs.pc" <<EOF
$vars
Name: ioverbs
Description: RDMA verbs over the ioctl ABI: the client library
Version: $VERSION
Cflags: -I\${includedir} -I\${includedir}/ioverbs/kernel -I\${includedir}/ioverbs/kernel/uapi
Libs: -L\${libdir} -lioverbs
EOF
cat >"$pc/ioverbs-embedded.pc" <<EOF
$vars
Name: ioverbs-embedded
Description: the ioverbs core and soft device in the program (<ioverbs/embedded.h>)
Version: $VERSION
Requires: ioverbs = $VERSION
Libs: -L\${libdir} -lioverbs-core -lurcu-memb -pthread
EOF
chmod 644 "$pc/ioverbs.pc" "$pc/ioverbs-embedded.pc"
