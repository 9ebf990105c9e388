#!/bin/sh
# SPDX-License-Identifier: MIT
# The provider against the installed libibverbs, without a daemon.
#
# Usage: check.sh RESULTS_DIR PROVIDER_SO SMOKE
#
# 1. abi: every symbol of version IBVERBS_PRIVATE_34 that the provider
#    imports is exported by the installed libibverbs.so.1 with that
#    version (our declarations in provider/verbs_private.h name them).
# 2. exports: the provider exports no symbol of its own (lib/ inside it
#    stays hidden from the programs it is loaded into).
# 3. smoke: libibverbs, given a generated sysfs tree with one device
#    "ioverbs0" and the provider in RDMAV_DRIVERS (as `ioverbs run` names
#    it; libibverbs dlopen()s it as for /etc/libibverbs.d), lists that device; a
#    device named otherwise is not claimed, and without the provider
#    nothing is.
set -u
out=$1 so=$2 smoke=$3
mkdir -p "$out"
log=$out/check.log
: >"$log"
pass=0 fail=0
ok() { echo "ok $1" >>"$log"; pass=$((pass + 1)); }
notok() { echo "not ok $1: $2" >>"$log"; fail=$((fail + 1)); }

lib=
for d in /usr/lib/x86_64-linux-gnu /usr/lib64 /usr/lib; do
	[ -e "$d/libibverbs.so.1" ] && lib=$d/libibverbs.so.1 && break
done

if [ -z "$lib" ]; then
	notok abi "no installed libibverbs.so.1"
else
	need=$(objdump -T "$so" | awk '$0 ~ /\*UND\*/ && $0 ~ /IBVERBS_PRIVATE_34/ { print $NF }' | sort -u)
	have=$(objdump -T "$lib" | awk '$0 ~ /IBVERBS_PRIVATE_34/ && $0 !~ /\*UND\*/ { print $NF }' | sort -u)
	missing=
	for s in $need; do
		echo "$have" | grep -qxF "$s" || missing="$missing $s"
	done
	if [ -z "$need" ]; then
		notok abi "the provider imports no IBVERBS_PRIVATE_34 symbol"
	elif [ -n "$missing" ]; then
		notok abi "$lib lacks:$missing"
	else
		ok "abi ($(echo $need | wc -w) symbols: $(echo $need))"
	fi
fi

own=$(objdump -T "$so" | awk '$0 !~ /\*UND\*/ && $2 == "g" { print $NF }')
if [ -z "$own" ]; then
	ok exports
else
	notok exports "exported: $(echo $own)"
fi

# A minimal sysfs tree: what libibverbs reads to find a device.
tree=$(mktemp -d)
trap 'rm -rf "$tree"' EXIT
mk() { mkdir -p "$(dirname "$tree/$1")" && printf '%s\n' "$2" >"$tree/$1"; }
dev=$(stat -c '%t:%T' /dev/null)
dev=$(printf '%d:%d' "0x${dev%:*}" "0x${dev#*:}")
mk class/infiniband_verbs/abi_version 6
for n in 0 1; do
	name=ioverbs$n
	[ $n = 1 ] && name=other1
	mk class/infiniband_verbs/uverbs$n/ibdev $name
	mk class/infiniband_verbs/uverbs$n/abi_version 1
	mk class/infiniband_verbs/uverbs$n/dev "$dev"
	mk class/infiniband/$name/node_type "1: CA"
done
# libibverbs lists a device only if /dev/infiniband/uverbsN exists (it
# opens it later, for a context): in a private mount namespace, over a
# tmpfs /dev, two empty files do for listing.
if ! command -v unshare >/dev/null; then
	echo "skip smoke: no unshare(1)" >>"$log"
	echo "$pass passed, $fail failed, 1 skipped" >>"$log"
else
	drivers=$(realpath "$so")
	if SYSFS_PATH=$tree RDMAV_DRIVERS=${drivers%-rdmav34.so} unshare -m -r sh -c '
		mount -t tmpfs none /dev && mkdir /dev/infiniband &&
		: >/dev/infiniband/uverbs0 && : >/dev/infiniband/uverbs1 &&
		exec "$0" ioverbs0' "$smoke" >"$out/smoke.out" 2>&1; then
		if [ "$(cat "$out/smoke.out")" != "ioverbs0 uverbs0" ]; then
			notok smoke "listed: $(cat "$out/smoke.out")"
		else
			ok smoke
		fi
	else
		notok smoke "$(cat "$out/smoke.out")"
	fi
	# Without the provider, libibverbs claims neither device.
	if SYSFS_PATH=$tree unshare -m -r sh -c '
		mount -t tmpfs none /dev && mkdir /dev/infiniband &&
		: >/dev/infiniband/uverbs0 && exec "$0" ioverbs0' "$smoke" \
		>"$out/smoke-none.out" 2>&1; then
		notok smoke-without-provider "$(cat "$out/smoke-none.out")"
	else
		ok smoke-without-provider
	fi
	echo "$pass passed, $fail failed" >>"$log"
fi
cat "$log"
[ "$fail" = 0 ]
