#!/bin/sh
# SPDX-License-Identifier: MIT
# Installs what building and testing ioverbs needs on Debian 12, then
# builds it and runs the demo.
#
# Usage: scripts/install.sh [--no-demo]
#
# Installs only the packages that are missing (as root; through sudo when
# run as another user and sudo is there), never asks a question, and can
# be run again at any time: with everything present it installs nothing.
# --no-demo stops after installing (CI builds and tests with `make check`).
set -eu

# The kernel module's build and its qemu tests (make kmod, check-kernel,
# bench-kernel): installed when the mirror has them; without them those
# stages say why they skip, and the rest builds and tests as before.
OPTIONAL_PACKAGES="linux-headers-amd64 linux-image-amd64 qemu-system-x86 busybox-static cpio iproute2 kmod ibverbs-providers tcpdump"
# linux-headers-amd64: Debian 12's kernel headers (6.1), which `make kmod`
#	builds the module against
# linux-image-amd64: the same kernel, which check-kernel boots in qemu,
#	with Linux's own ib_uverbs and rdma_rxe (bench-kernel)
# qemu-system-x86: qemu-system-x86_64 (TCG; no KVM needed)
# busybox-static, cpio: the guest's initramfs (scripts/kernel_initramfs.sh)
# iproute2: rdma(8), with which bench-kernel adds rxe0 in the guest
# kmod: modprobe's module dependency files for the guest (depmod)
# ibverbs-providers: librxe, rdma_rxe's libibverbs provider, which
#	check-roce copies into its guests
# tcpdump: check-roce's captures on the guests' bridge (without it the
#	opcode checks skip)
PACKAGES="gcc make libc6-dev linux-libc-dev clang libclang-rt-14-dev liburcu-dev coreutils fuse3 libfuse3-dev pkg-config libfabric-bin gnuplot-nox man-db groff-base libibverbs-dev ibverbs-utils perftest python3-pyverbs rdma-core"
# gcc, make, libc6-dev: the build (gcc-12 brings the ASan, UBSan and TSan
#	runtimes: libasan8, libubsan1, libtsan2)
# linux-libc-dev: <linux/types.h> and <linux/ioctl.h>, which the ABI
#	headers include
# clang, libclang-rt-14-dev: the clang sanitizer build and libFuzzer
#	(Debian's clang does not pull in its runtime libraries)
# liburcu-dev: RCU in compat/ (-lurcu-memb)
# coreutils: timeout, for the test runner
# fuse3, libfuse3-dev: the daemon (fusermount3, libfuse3)
# pkg-config: libfuse3's flags, and check-install, which builds programs
#	against an installed ioverbs with ioverbs.pc alone (its readelf and
#	nm come with gcc's binutils)
# libfabric-bin: fi_pingpong, the fabric baselines of `make bench`
# gnuplot-nox: the plots `make bench` draws (scripts/bench_plot.sh)
# libibverbs-dev: <infiniband/verbs.h> (the public types) and
#	libibverbs.so, which the provider (provider/) is built against
# ibverbs-utils: ibv_devices and ibv_devinfo, the unmodified programs
#	the `ioverbs run` tests run (tests/daemon/test_run.c), and
#	ibv_rc_pingpong (tests/daemon/test_pingpong.c)
# perftest: ib_send_lat, ib_write_lat, ib_write_bw, ib_send_bw through
#	`ioverbs run` (tests/daemon/test_pingpong.c)
# python3-pyverbs, rdma-core: pyverbs and rdma-core's own pyverbs tests
#	(gzipped under /usr/share/doc/rdma-core/tests), which
#	scripts/pyverbs_check.sh runs through `ioverbs run`
# man-db, groff-base: man(1) and groff, with which check-man renders each
#	page of man/ (`man --warnings -l`) and check-install finds the
#	installed ones; a minbase Debian has neither

demo=1
for arg in "$@"; do
	case $arg in
	--no-demo) demo=0 ;;
	-h | --help)
		sed -n '3,11s/^# \{0,1\}//p' "$0"
		exit 0 ;;
	*)
		echo "install.sh: unknown argument '$arg' (try --help)" >&2
		exit 2 ;;
	esac
done

cd "$(dirname "$0")/.."

installed() {
	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[ "$status" = "install ok installed" ]
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	echo "install.sh: no dpkg-query: this script knows Debian 12;" \
		"install these by hand: $PACKAGES" >&2
	exit 1
fi

missing=
for p in $PACKAGES; do
	installed "$p" || missing="$missing $p"
done

if [ -n "$missing" ]; then
	sudo=
	if [ "$(id -u)" -ne 0 ]; then
		if command -v sudo >/dev/null 2>&1; then
			sudo="sudo -n env DEBIAN_FRONTEND=noninteractive"
		else
			echo "install.sh: missing:$missing; run as root to install them" >&2
			exit 1
		fi
	fi
	echo "install.sh: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt="$sudo apt-get -o DPkg::Lock::Timeout=300"
	$apt update </dev/null
	# A mirror's hiccup should not fail a CI run: try three times.
	for try in 1 2 3; do
		# shellcheck disable=SC2086
		$apt install -y --no-install-recommends $missing </dev/null && break
		[ "$try" = 3 ] && exit 1
		echo "install.sh: apt-get install failed; trying again" >&2
		sleep 10
		$apt update </dev/null || true
	done
	for p in $missing; do
		if ! installed "$p"; then
			echo "install.sh: $p is still not installed" >&2
			exit 1
		fi
	done
else
	echo "install.sh: every package the build and tests need is installed"
fi

# tshark: Wireshark's InfiniBand dissector, which test_roce_wire runs on
#	pcaps of the RoCEv2 codec's packets (the test says why it skips
#	without it)
OPTIONAL_PACKAGES="$OPTIONAL_PACKAGES tshark"

# Optional packages: one at a time, so that one the mirror lacks costs
# only the stages that need it.
opt_missing=
for p in $OPTIONAL_PACKAGES; do
	installed "$p" || opt_missing="$opt_missing $p"
done
if [ -n "$opt_missing" ]; then
	sudo=
	if [ "$(id -u)" -ne 0 ] && command -v sudo >/dev/null 2>&1; then
		sudo="sudo -n env DEBIAN_FRONTEND=noninteractive"
	fi
	if [ "$(id -u)" -eq 0 ] || [ -n "$sudo" ]; then
		echo "install.sh: installing (optional):$opt_missing"
		export DEBIAN_FRONTEND=noninteractive
		apt="$sudo apt-get -o DPkg::Lock::Timeout=300"
		[ -n "$missing" ] || $apt update </dev/null || true
		for p in $opt_missing; do
			# shellcheck disable=SC2086
			$apt install -y --no-install-recommends $p </dev/null ||
				echo "install.sh: optional $p not installed;" \
					"the kernel module stages will skip" >&2
		done
	else
		echo "install.sh: optional packages missing:$opt_missing" \
			"(the kernel module stages will skip)" >&2
	fi
fi

if [ "$demo" = 0 ]; then
	exit 0
fi

jobs=$(nproc 2>/dev/null || echo 2)
echo "install.sh: building (make -j$jobs)"
make -j"$jobs"
echo "install.sh: running the demo (make demo)"
make demo
