# SPDX-License-Identifier: MIT
# Sourced (not run): what the qemu guests' initramfs scripts share,
# scripts/kernel_guest.sh (check-kernel, bench-kernel) and
# scripts/roce_guest.sh (check-roce).
#
#   guest_root ROOT           a fresh ROOT with busybox in bin/ and the
#                             directories the init scripts mount on
#   guest_add_mod MODDIR NAME adds module NAME of MODDIR (a
#                             /lib/modules/KVER) and every module it
#                             depends on to $guest_modlist, dependencies
#                             first (the order to insmod them in)
#   guest_copy_mods MODDIR ROOT  copies $guest_modlist to ROOT/lib/modules/
#   guest_copy_bin ROOT PROG...  copies each PROG (a path) to ROOT at the
#                             same path, with every shared library ldd
#                             resolves for it (and the dynamic loader)
#   guest_cpio ROOT OUT       ROOT as a gzipped newc cpio archive OUT
#
# Each failure says what failed on stderr and returns 1.

guest_modlist=

guest_root() {
	rm -rf "$1" || return 1
	mkdir -p "$1/bin" "$1/lib/modules" "$1/dev" "$1/proc" "$1/sys" \
		"$1/tmp" || return 1
	if ! cp /bin/busybox "$1/bin/busybox"; then
		echo "guest_lib.sh: cannot copy /bin/busybox" >&2
		return 1
	fi
}

_guest_add_path() {
	case " $guest_modlist " in
	*" $1 "*) ;;
	*) guest_modlist="$guest_modlist $1" ;;
	esac
}

# modules.dep lists every dependency (indirect ones too), the one to
# load first last.
guest_add_mod() {
	_gl_line=$(grep -E "^([^:]*/)?$2\.ko(\.[a-z]+)?:" "$1/modules.dep") || {
		echo "guest_lib.sh: no module $2 in $1" >&2
		return 1
	}
	_gl_rev=
	for _gl_d in ${_gl_line#*:}; do
		_gl_rev="$_gl_d $_gl_rev"
	done
	for _gl_d in $_gl_rev; do
		_guest_add_path "$_gl_d"
	done
	_guest_add_path "${_gl_line%%:*}"
}

guest_copy_mods() {
	for _gl_m in $guest_modlist; do
		case $_gl_m in
		*.ko) ;;
		*)
			echo "guest_lib.sh: compressed module $_gl_m (busybox insmod loads plain .ko)" >&2
			return 1 ;;
		esac
		cp "$1/$_gl_m" "$2/lib/modules/" || {
			echo "guest_lib.sh: cannot copy $1/$_gl_m" >&2
			return 1
		}
	done
}

# The guest's insmod order: the modules' file names, space-separated.
guest_mod_names() {
	for _gl_m in $guest_modlist; do
		printf '%s ' "${_gl_m##*/}"
	done
}

guest_copy_bin() {
	_gl_root=$1
	shift
	for _gl_p in "$@"; do
		if [ ! -f "$_gl_p" ]; then
			echo "guest_lib.sh: $_gl_p missing" >&2
			return 1
		fi
		_gl_libs=$(ldd "$_gl_p" 2>/dev/null |
			sed -n 's/.*=> \(\/[^ ]*\).*/\1/p;s/^[[:space:]]*\(\/[^ ]*\) .*/\1/p')
		for _gl_f in "$_gl_p" $_gl_libs; do
			[ -e "$_gl_root$_gl_f" ] && continue
			if ! mkdir -p "$_gl_root$(dirname "$_gl_f")" ||
				! cp -L "$_gl_f" "$_gl_root$_gl_f"; then
				echo "guest_lib.sh: cannot copy $_gl_f (for $_gl_p)" >&2
				return 1
			fi
		done
	done
}

guest_cpio() {
	(cd "$1" && find . | cpio -o -H newc --quiet | gzip -1) >"$2" || {
		echo "guest_lib.sh: cannot make the initramfs $2 from $1" >&2
		return 1
	}
}
