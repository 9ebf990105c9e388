#!/bin/sh
# SPDX-License-Identifier: MIT
# Boots Debian's kernel in qemu (TCG) with our modules (ioverbs_core.ko,
# and the driver module ioverbs_soft.ko found beside it) and runs
# programs in the guest: make check-kernel and make bench-kernel.
#
# Usage: kernel_guest.sh check|bench OUTDIR KVER KMOD PROGRAM...
#
#   check  loads the modules, runs each PROGRAM with
#          IOVERBS_TRANSPORT=kernel, checks the modules' life under open
#          files (a device removed and destroyed under one, the driver
#          module unloaded under them, the core's rmmod refused until
#          they close, 0 live objects), then scans the guest's dmesg.  Writes
#          OUTDIR/NAME.log per program and OUTDIR/module.log (their
#          "ok"/"not ok" lines and "N passed, N failed"),
#          OUTDIR/dmesg.log (the scan's verdict, "1 passed, 0 failed"
#          when clean) and OUTDIR/guest.txt (the whole console).
#   bench  also loads Linux's ib_uverbs and rdma_rxe (crc32_generic by
#          hand, rxe0 on eth0, an e1000 on qemu's user network) and runs
#          each PROGRAM with no argument; their lines go to stdout.
#
# KVER names /boot/vmlinuz-KVER and /lib/modules/KVER (the version the
# installed linux-image package resolves to).  busybox-static makes the
# guest's userland; the programs must be static.  Exits 1 when the guest
# did not finish, a program failed or the scan found a splat.
set -eu
mode=$1 out=$2 kver=$3 kmod=$4
shift 4

kernel=/boot/vmlinuz-$kver
mods=/lib/modules/$kver
for f in "$kernel" "$mods/modules.dep" /bin/busybox "$kmod"; do
	if [ ! -e "$f" ]; then
		echo "kernel_guest.sh: $f missing" >&2
		exit 1
	fi
done
mkdir -p "$out"
. "$(dirname "$0")/guest_lib.sh"
root=$out/root
guest_root "$root" || exit 1
# Where tests/kernel/test_kmod_rmmod.c loads the driver module again.
cp "$kmod" "$root/lib/modules/ioverbs_core.ko"
cp "$(dirname "$kmod")/ioverbs_soft.ko" "$root/lib/modules/ioverbs_soft.ko"
for p in "$@"; do
	cp "$p" "$root/bin/"
done

if [ "$mode" = bench ]; then
	for m in e1000 crc32_generic ib_uverbs rdma_rxe; do
		guest_add_mod "$mods" $m || exit 1
	done
	guest_copy_mods "$mods" "$root" || exit 1
	# rdma(8) and the libraries it links.
	rdma=$(command -v rdma || echo /usr/bin/rdma)
	guest_copy_bin "$root" "$rdma" || exit 1
	cp "$rdma" "$root/bin/rdma"
fi
modlist=$guest_modlist

{
	cat <<'EOF'
#!/bin/busybox sh
/bin/busybox --install -s /bin
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
echo 1 >/proc/sys/kernel/printk_ratelimit_burst 2>/dev/null
t0=$(cut -d' ' -f1 /proc/uptime)
echo
EOF
	echo "mode=$mode"
	echo "mods=\"$(for m in $modlist; do basename "$m"; done | tr '\n' ' ')\""
	echo "progs=\"$(for p in "$@"; do basename "$p"; done | tr '\n' ' ')\""
	cat <<'EOF'
if ! insmod /lib/modules/ioverbs_core.ko ||
	! insmod /lib/modules/ioverbs_soft.ko; then
	echo "=== guest: insmod of our modules failed"
	poweroff -f
fi
# The modules' life under open files: a device removed (Rule 20) and
# destroyed under one, the driver module unloaded under another device's
# file (its nodes go), the core's rmmod refused while a file is open,
# then done once they closed.
module_check() {
	pass=0 fail=0
	verdict() {
		if [ "$1" = 0 ]; then
			echo "ok $2"; pass=$((pass + 1))
		else
			echo "not ok $2"; fail=$((fail + 1))
		fi
	}
	exec 3<>/dev/ioverbs-uverbs0
	! rmmod ioverbs_core 2>/dev/null
	verdict $? module_core_rmmod_refused_while_the_driver_is_loaded
	echo "add td td_rm" >/dev/ioverbs-ctl
	exec 4<>/dev/ioverbs-td_rm
	verdict $? module_td_device_opened
	echo "remove uverbs0" >/dev/ioverbs-ctl
	verdict $? module_device_removed_under_an_open_file
	echo "destroy uverbs0" >/dev/ioverbs-ctl
	verdict $? module_device_destroyed_under_an_open_file
	rmmod ioverbs_soft
	verdict $? module_driver_rmmod_under_an_open_file
	[ ! -e /dev/ioverbs-td_rm ] && [ ! -e /dev/ioverbs-td-knobs ]
	verdict $? module_driver_rmmod_took_its_nodes
	! rmmod ioverbs_core 2>/dev/null
	verdict $? module_core_rmmod_refused_while_a_file_is_open
	exec 3>&- 4>&-
	rmmod ioverbs_core
	verdict $? module_core_rmmod_after_the_last_close
	dmesg | grep -q 'ioverbs: unloaded, 0 live objects'
	verdict $? module_unloaded_with_0_live_objects
	echo "$pass passed, $fail failed"
}

if [ "$mode" = check ]; then
	for p in $progs; do
		echo "=== begin $p"
		IOVERBS_TRANSPORT=kernel /bin/$p 2>&1
		echo "=== end $p status $?"
	done
	echo "=== begin module"
	module_check
	echo "=== end module status 0"
else
	for m in $mods; do
		insmod /lib/modules/$m || echo "=== guest: insmod $m failed"
	done
	ip link set eth0 up
	rdma link add rxe0 type rxe netdev eth0 ||
		echo "=== guest: rdma link add failed"
	for p in $progs; do
		/bin/$p 2>&1
	done
fi
if [ "$mode" = bench ] && ! rmmod ioverbs_soft ioverbs_core; then
	echo "=== guest: rmmod of our modules failed"
fi
echo "=== begin dmesg"
dmesg
echo "=== end dmesg"
echo "=== guest: done in $(awk -v t0="$t0" '{ printf "%.2f", $1 - t0 }' /proc/uptime) s after init, uptime $(cut -d' ' -f1 /proc/uptime) s"
poweroff -f
EOF
} >"$root/init"
chmod +x "$root/init"
guest_cpio "$root" "$out/initramfs.gz" || exit 1

# check: SLUB's red zones, poisoning and free checks on every kmalloc
# cache (Debian builds SLUB_DEBUG, off by default; its reports begin
# "BUG"), and freed pages poisoned.  Not for bench: they cost time.
# Two CPUs for check (multi-threaded TCG: the suite's racing threads run
# in parallel in the guest), one for bench (steadier figures).
nic="-nic none"
debug="slub_debug=FZPU page_poison=1 init_on_free=1"
smp=2
if [ "$mode" = bench ]; then
	nic="-nic user,model=e1000"
	debug=
	smp=1
fi
start=$(date +%s.%N)
# shellcheck disable=SC2086
timeout 900 qemu-system-x86_64 -accel tcg -nographic -m 1024 -smp "$smp" \
	-kernel "$kernel" -initrd "$out/initramfs.gz" $nic -no-reboot \
	-append "console=ttyS0 quiet panic=-1 oops=panic $debug" \
	</dev/null 2>&1 | tr -d '\r' |
	sed -e 's/\x1bc//g' -e 's/\x1b\[[0-9;?]*[a-zA-Z]//g' >"$out/guest.txt" || true
end=$(date +%s.%N)
wall=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.1f", b - a }')

if ! grep -q '^=== guest: done' "$out/guest.txt"; then
	echo "not ok kernel: the guest did not finish (see $out/guest.txt)"
	tail -n 20 "$out/guest.txt"
	exit 1
fi
status=0
if grep '^=== guest: .*failed' "$out/guest.txt"; then
	status=1
fi

if [ "$mode" = check ]; then
	for p in "$@" module; do
		n=$(basename "$p")
		sed -n "/=== begin $n\$/,/^=== end $n status/p" "$out/guest.txt" |
			sed '1d;$d' >"$out/$n.log"
		grep -E '^[0-9]+ passed, [0-9]+ failed' "$out/$n.log" | tail -n1 |
			sed "s/^/$n (in the guest): /"
		grep -q '^=== end '"$n"' status 0$' "$out/guest.txt" || status=1
	done
	sed -n '/^=== begin dmesg$/,/^=== end dmesg$/p' "$out/guest.txt" |
		sed '1d;$d' >"$out/dmesg.txt"
	splats=$(grep -E 'WARNING:|BUG:|BUG |sleeping function called from invalid context|refcount_t:|general protection|Oops|leaked|INFO: task .* blocked' \
		"$out/dmesg.txt" || true)
	if [ -n "$splats" ]; then
		printf 'not ok dmesg: the guest kernel complained\n%s\n0 passed, 1 failed\n' \
			"$splats" >"$out/dmesg.log"
		status=1
	else
		printf 'ok dmesg: no WARNING, BUG, sleep-in-atomic or refcount splat\n1 passed, 0 failed\n' \
			>"$out/dmesg.log"
	fi
	head -n1 "$out/dmesg.log"
else
	grep '^bench ' "$out/guest.txt" || status=1
fi
sed -n 's/^=== guest: done/guest: done/p' "$out/guest.txt"
echo "qemu: boot, tests and power-off in $wall s (TCG)"
exit $status
