#!/bin/sh
# SPDX-License-Identifier: MIT
# Linux rdma_rxe peers for the RoCEv2 tests (docs/roce.md): Debian's
# kernel in qemu (TCG) on a tap device of a bridge in a network
# namespace (scripts/roce_net.sh), rxe0 on its virtio NIC, and the
# unmodified Debian verbs programs in its initramfs.  Run as root.
#
# Usage: scripts/roce_guest.sh run [-s guest|host] [-p PORT] [-t SECS]
#                                  OUTDIR GUEST_CMD HOST_CMD
#
#   Boots one guest (10.50.0.2) on bridge br0 (10.50.0.1, the host's
#   end, in the namespace), then runs GUEST_CMD in the guest and
#   HOST_CMD in the namespace, both at once, each under `timeout SECS`
#   (default 60).  With -s guest (or host) and -p PORT, that side is the
#   server: the other command starts once the server listens on TCP
#   PORT.  Writes OUTDIR/guest.out, guest.status, host.out, host.status
#   and the guest's console OUTDIR/g2.console; exits 0 when both exited
#   0, else 1 (and says which failed).  GUEST_CMD runs in the guest's
#   busybox sh, where `gidx` prints the RoCEv2 GID index of its IPv4
#   address on rxe0 (ibv_rc_pingpong -g "$(gidx)"); HOST_CMD sees
#   ROCE_HOST=10.50.0.1, ROCE_GUEST=10.50.0.2 and ROCE_NS (its namespace).
#
# KVER (the environment; default: the release linux-image-amd64
# resolves to, as make check-kernel resolves it) names /boot/vmlinuz-KVER
# and /lib/modules/KVER.
#
# Sourced (after scripts/roce_net.sh's roce_net_init and roce_bridge_up),
# it defines:
#
#   roce_guest_initramfs KVER   $roce_dir/roce-initramfs.gz, made once
#   roce_guest_launch N [BR]    boots guest gN (10.50.0.N, MAC
#                               52:54:00:0a:32:NN) on tap gN of br0 (or
#                               BR: br1 of roce_bridge_lossy)
#   roce_guest_ready N [SECS]   waits until gN's rxe0 has its RoCEv2 GID
#                               (default 120 s); its console is
#                               $roce_dir/gN.console
#   roce_guest_start N ID SECS PORT CMD   CMD in gN in the background
#                               under `timeout SECS`; with PORT (not 0)
#                               returns once it listens on TCP PORT
#   roce_guest_wait N ID        waits for it (SECS and 30 s more at most):
#                               $roce_dir/ID.out, ID.status; returns the
#                               status (124: no answer from the guest)
#   roce_capture_start FILE     tcpdump of RoCEv2 (UDP 4791) on br0
#   roce_capture_stop           ends it, the file complete
#
# The guest is driven through a virtio-serial port (qemu's pipe
# chardev $roce_dir/gN.ctl.in/.out), apart from its console, so that no
# kernel message can mix with a command's output: a line "ID SECS PORT
# CMD" in, "=== started ID" then "=== begin ID", the output, "=== end ID
# status N" out.

roce_guest_kver() {
	if [ -n "${KVER:-}" ]; then
		echo "$KVER"
		return
	fi
	_rg_k=$(dpkg-query -W -f='${Depends}' linux-headers-amd64 2>/dev/null |
		sed -n 's/^linux-headers-\([^ ,]*\).*/\1/p')
	[ -n "$_rg_k" ] || _rg_k=$(dpkg-query -W -f='${Depends}' linux-image-amd64 2>/dev/null |
		sed -n 's/^linux-image-\([^ ,]*\).*/\1/p')
	[ -n "$_rg_k" ] || _rg_k=$(ls /boot/vmlinuz-*-amd64 2>/dev/null |
		sed 's|.*/vmlinuz-||' | sort -V | tail -n 1)
	echo "$_rg_k"
}

# The guest's programs: the unmodified Debian binaries.
ROCE_GUEST_PROGS="rdma ibv_devinfo ibv_devices ibv_rc_pingpong ibv_uc_pingpong
ibv_ud_pingpong ib_send_lat ib_send_bw ib_write_lat ib_write_bw ib_read_lat
ib_read_bw ib_atomic_lat ib_atomic_bw"
ROCE_GUEST_MODS="virtio_pci virtio_net virtio_console crc32_generic ib_uverbs rdma_rxe"

roce_guest_initramfs() {
	_rg_kver=$1
	_rg_mods=/lib/modules/$_rg_kver
	ROCE_KERNEL=/boot/vmlinuz-$_rg_kver
	ROCE_INITRD=$roce_dir/roce-initramfs.gz
	[ -s "$ROCE_INITRD" ] && return 0
	for _rg_f in "$ROCE_KERNEL" "$_rg_mods/modules.dep" /bin/busybox \
		/etc/libibverbs.d/rxe.driver \
		/usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so; do
		if [ ! -e "$_rg_f" ]; then
			echo "roce_guest.sh: $_rg_f missing" >&2
			return 1
		fi
	done
	_rg_root=$roce_dir/root
	guest_modlist=
	guest_root "$_rg_root" || return 1
	for _rg_m in $ROCE_GUEST_MODS; do
		guest_add_mod "$_rg_mods" "$_rg_m" || return 1
	done
	guest_copy_mods "$_rg_mods" "$_rg_root" || return 1
	for _rg_p in $ROCE_GUEST_PROGS; do
		_rg_path=$(command -v "$_rg_p") || {
			echo "roce_guest.sh: no $_rg_p here (packages ibverbs-utils, perftest, iproute2)" >&2
			return 1
		}
		guest_copy_bin "$_rg_root" "$_rg_path" || return 1
	done
	guest_copy_bin "$_rg_root" \
		/usr/lib/x86_64-linux-gnu/libibverbs/librxe-rdmav34.so || return 1
	mkdir -p "$_rg_root/etc/libibverbs.d"
	cp /etc/libibverbs.d/rxe.driver "$_rg_root/etc/libibverbs.d/"
	roce_guest_gidx >"$_rg_root/bin/gidx"
	roce_guest_init "$(guest_mod_names)" >"$_rg_root/init"
	chmod +x "$_rg_root/init" "$_rg_root/bin/gidx"
	guest_cpio "$_rg_root" "$ROCE_INITRD" || return 1
	rm -rf "$_rg_root"
}

# The guest's gidx: the index of the RoCEv2 GID of eth0's IPv4 address.
roce_guest_gidx() {
	cat <<'EOF'
#!/bin/sh
a=$(ip -4 -o addr show dev eth0 | awk '{ split($4, p, "/"); print p[1]; exit }')
want=$(echo "$a" | awk -F. '{ printf "0000:0000:0000:0000:0000:ffff:%02x%02x:%02x%02x", $1, $2, $3, $4 }')
port=/sys/class/infiniband/rxe0/ports/1
for g in "$port"/gids/*; do
	n=${g##*/}
	[ "$(cat "$g" 2>/dev/null)" = "$want" ] || continue
	if [ "$(cat "$port/gid_attrs/types/$n" 2>/dev/null)" = "RoCE v2" ]; then
		echo "$n"
		exit 0
	fi
done
echo "gidx: no RoCEv2 GID for $a on rxe0" >&2
exit 1
EOF
}

# The guest's /init: modules, eth0's address, rxe0, then the command
# loop on the virtio-serial port.
roce_guest_init() {
	echo '#!/bin/busybox sh'
	echo "mods=\"$1\""
	cat <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin:/usr/bin:/sbin:/usr/sbin HOME=/tmp
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
mount -t tmpfs tmp /tmp
fail() {
	echo "=== guest: $*"
	[ -n "${ctl:-}" ] && echo "=== guest: $*" >&3
	poweroff -f
}
for m in $mods; do
	insmod /lib/modules/$m || fail "insmod $m failed"
done
ip=
for w in $(cat /proc/cmdline); do
	case $w in roce_ip=*) ip=${w#roce_ip=} ;; esac
done
ctl=
for p in /dev/vport*p*; do
	[ -e "$p" ] && ctl=$p
done
[ -n "$ctl" ] || fail "no virtio-serial port"
exec 3<>"$ctl"
ip link set lo up
ip addr add "$ip/24" dev eth0 && ip link set eth0 up ||
	fail "eth0: cannot set $ip"
rdma link add rxe0 type rxe netdev eth0 || fail "rdma link add rxe0 failed"
i=0
until gidx >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -lt 200 ] || fail "rxe0 has no RoCEv2 GID for $ip"
	usleep 50000
done
# Each answer leaves whole: one writer at a time.
say() {
	until mkdir /tmp/.say 2>/dev/null; do usleep 10000; done
	cat "$1" >&3
	rmdir /tmp/.say
}
listening() {
	hex=$(printf ':%04X ' "$1")
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$hex" '$4 == "0A" && index($2 " ", p) { f = 1 } END { exit !f }'
}
echo "=== guest: ready $ip gid $(gidx) uptime $(cut -d' ' -f1 /proc/uptime) s" >/tmp/.ready
say /tmp/.ready
cd /tmp
while IFS= read -r line <&3; do
	set -f
	set -- $line
	set +f
	id=$1 secs=$2 port=$3
	cmd=${line#"$1 $2 $3 "}
	[ -n "$id" ] || continue
	(
		# Its own session, so that a timeout kills all it started,
		# and whatever it left behind goes when it ends.
		setsid sh -c "$cmd" >/tmp/$id.out 2>&1 </dev/null &
		pid=$!
		(
			sleep "$secs" &
			s=$!
			trap 'kill $s; exit 0' TERM
			wait $s && kill -KILL -$pid
		) 2>/dev/null &
		killer=$!
		wait $pid
		st=$?
		kill $killer 2>/dev/null
		kill -KILL -$pid 2>/dev/null
		{ echo "=== begin $id"; cat /tmp/$id.out; echo "=== end $id status $st"; } >/tmp/$id.msg
		say /tmp/$id.msg
	) &
	if [ "$port" != 0 ]; then
		i=0
		while [ $i -lt 150 ] && ! listening "$port"; do
			usleep 100000
			i=$((i + 1))
		done
	fi
	echo "=== started $id" >/tmp/$id.started
	say /tmp/$id.started
done
fail "the control port closed"
EOF
}

roce_guest_launch() {
	_rg_n=$1
	_rg_g=g$_rg_n
	roce_bridge_tap "$_rg_g" "${2:-br0}" || return 1
	rm -f "$roce_dir/$_rg_g.ctl.in" "$roce_dir/$_rg_g.ctl.out" \
		"$roce_dir/$_rg_g.stream" "$roce_dir/$_rg_g.console"
	mkfifo "$roce_dir/$_rg_g.ctl.in" "$roce_dir/$_rg_g.ctl.out" || {
		echo "roce_guest.sh: mkfifo in $roce_dir failed" >&2
		return 1
	}
	_rg_mac=$(printf '52:54:00:0a:32:%02x' "$_rg_n")
	# Its life is bounded too: killed at cleanup, or after 30 minutes.
	roce_bg timeout -k 5 1800 ip netns exec "$ROCE_NS_BR" \
		qemu-system-x86_64 -accel tcg -nodefaults -display none \
		-m 384 -smp 1 -no-reboot \
		-kernel "$ROCE_KERNEL" -initrd "$ROCE_INITRD" \
		-append "console=ttyS0 quiet panic=-1 roce_ip=10.50.0.$_rg_n" \
		-serial "file:$roce_dir/$_rg_g.console" \
		-netdev "tap,id=n0,ifname=$_rg_g,script=no,downscript=no" \
		-device "virtio-net-pci,netdev=n0,mac=$_rg_mac" \
		-chardev "pipe,id=ctl,path=$roce_dir/$_rg_g.ctl" \
		-device virtio-serial-pci \
		-device virtserialport,chardev=ctl,name=ctl \
		</dev/null >"$roce_dir/$_rg_g.qemu" 2>&1
	eval "roce_qemu_g$_rg_n=\$!"
	roce_bg cat "$roce_dir/$_rg_g.ctl.out" >"$roce_dir/$_rg_g.stream"
}

roce_guest_ready() {
	_rg_g=g$1
	_rg_end=$(($(date +%s) + ${2:-120}))
	while [ "$(date +%s)" -lt $_rg_end ]; do
		if grep -q '^=== guest: ready' "$roce_dir/$_rg_g.stream" 2>/dev/null; then
			return 0
		fi
		if grep -q '^=== guest: ' "$roce_dir/$_rg_g.stream" 2>/dev/null; then
			echo "roce_guest.sh: $_rg_g: $(sed -n 's/^=== guest: //p' "$roce_dir/$_rg_g.stream" | head -n1)" >&2
			return 1
		fi
		eval "_rg_q=\$roce_qemu_$_rg_g"
		if ! kill -0 "$_rg_q" 2>/dev/null; then
			echo "roce_guest.sh: $_rg_g: qemu exited before the guest was ready ($(tail -n1 "$roce_dir/$_rg_g.qemu" 2>/dev/null); console $roce_dir/$_rg_g.console)" >&2
			return 1
		fi
		sleep 0.2
	done
	echo "roce_guest.sh: $_rg_g not ready after ${2:-120} s (console $roce_dir/$_rg_g.console)" >&2
	return 1
}

roce_guest_start() {
	_rg_g=g$1 _rg_id=$2 _rg_secs=$3 _rg_port=$4
	roce_id_ok "$_rg_id" || return 1
	if grep -qx "=== started $_rg_id" "$roce_dir/$_rg_g.stream"; then
		echo "roce_guest.sh: $_rg_g ran $_rg_id already: one ID per command" >&2
		return 1
	fi
	rm -f "$roce_dir/$_rg_id.out" "$roce_dir/$_rg_id.status"
	eval "roce_secs_$_rg_id=$_rg_secs"
	case $5 in
	*'
'*)
		echo "roce_guest.sh: a guest command is one line" >&2
		return 1 ;;
	esac
	printf '%s %s %s %s\n' "$_rg_id" "$_rg_secs" "$_rg_port" "$5" \
		>"$roce_dir/$_rg_g.ctl.in" || {
		echo "roce_guest.sh: cannot write to $_rg_g's control port" >&2
		return 1
	}
	_rg_i=0
	while [ $_rg_i -lt 200 ]; do
		grep -qx "=== started $_rg_id" "$roce_dir/$_rg_g.stream" && return 0
		sleep 0.1
		_rg_i=$((_rg_i + 1))
	done
	echo "roce_guest.sh: $_rg_g did not start $_rg_id in 20 s" >&2
	return 1
}

roce_guest_wait() {
	_rg_g=g$1 _rg_id=$2
	eval "_rg_secs=\${roce_secs_$_rg_id:-60}"
	_rg_end=$(($(date +%s) + _rg_secs + 30))
	_rg_re="^=== end $_rg_id status [0-9]*\$"
	while ! grep -q "$_rg_re" "$roce_dir/$_rg_g.stream"; do
		if [ "$(date +%s)" -ge $_rg_end ]; then
			echo "roce_guest.sh: $_rg_g: no answer for $_rg_id in $((_rg_secs + 30)) s (console $roce_dir/$_rg_g.console)" >&2
			echo 124 >"$roce_dir/$_rg_id.status"
			: >"$roce_dir/$_rg_id.out"
			return 124
		fi
		sleep 0.1
	done
	sed -n "/^=== begin $_rg_id\$/,/$_rg_re/p" "$roce_dir/$_rg_g.stream" |
		sed '1d;$d' >"$roce_dir/$_rg_id.out"
	_rg_st=$(sed -n "s/^=== end $_rg_id status //p" "$roce_dir/$_rg_g.stream" | head -n1)
	echo "$_rg_st" >"$roce_dir/$_rg_id.status"
	return "$_rg_st"
}

roce_capture_start() {
	roce_capture_file=$1
	rm -f "$1" "$1.err"
	ip netns exec "$ROCE_NS_BR" tcpdump -i br0 -s 0 -U --immediate-mode -w "$1" \
		udp port 4791 2>"$1.err" &
	roce_capture_pid=$!
	roce_pids="$roce_pids $roce_capture_pid"
	_rg_i=0
	until grep -q 'listening on' "$1.err" 2>/dev/null; do
		_rg_i=$((_rg_i + 1))
		if [ $_rg_i -gt 100 ] || ! kill -0 $roce_capture_pid 2>/dev/null; then
			echo "roce_guest.sh: tcpdump on br0 did not start: $(tail -n1 "$1.err")" >&2
			return 1
		fi
		sleep 0.1
	done
}

roce_capture_stop() {
	[ -n "${roce_capture_pid:-}" ] || return 0
	# What is in flight reaches the file before tcpdump stops.
	sleep 0.3
	kill -INT "$roce_capture_pid" 2>/dev/null
	wait "$roce_capture_pid" 2>/dev/null
	roce_capture_pid=
	rm -f "$roce_capture_file.err"
}

roce_guest_main() {
	_usage="usage: roce_guest.sh run [-s guest|host] [-p PORT] [-t SECS] OUTDIR GUEST_CMD HOST_CMD"
	_srv='' _port=0 _secs=60
	while getopts s:p:t: _o; do
		case $_o in
		s) _srv=$OPTARG ;;
		p) _port=$OPTARG ;;
		t) _secs=$OPTARG ;;
		*) echo "$_usage" >&2; exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# -ne 3 ] || { [ -n "$_srv" ] && [ "$_srv" != guest ] && [ "$_srv" != host ]; }; then
		echo "$_usage" >&2
		exit 2
	fi
	roce_net_init "$1" || exit 1
	roce_guest_initramfs "$(roce_guest_kver)" || exit 1
	roce_bridge_up || exit 1
	export ROCE_GUEST=10.50.0.2
	roce_guest_launch 2 || exit 1
	roce_guest_ready 2 || exit 1
	_ok=1
	_gp=0 _hp=0
	[ "$_srv" = guest ] && _gp=$_port
	[ "$_srv" = host ] && _hp=$_port
	if [ "$_srv" = host ]; then
		roce_ns_start "$ROCE_NS_BR" host "$_secs" "$_hp" "$3" || _ok=0
		roce_guest_start 2 guest "$_secs" 0 "$2" || _ok=0
	else
		roce_guest_start 2 guest "$_secs" "$_gp" "$2" || _ok=0
		roce_ns_start "$ROCE_NS_BR" host "$_secs" 0 "$3" || _ok=0
	fi
	roce_ns_wait host || _ok=0
	roce_guest_wait 2 guest || _ok=0
	roce_say_status host "HOST_CMD ($3)"
	roce_say_status guest "GUEST_CMD ($2)"
	[ $_ok = 1 ]
}

if [ "${0##*/}" = roce_guest.sh ]; then
	set -u
	_rg_here=$(dirname "$0")
	. "$_rg_here/guest_lib.sh"
	. "$_rg_here/roce_net.sh"
	case ${1:-} in
	run) shift; roce_guest_main "$@" ;;
	*)
		sed -n '3,24s/^# \{0,1\}//p' "$0" >&2
		exit 2 ;;
	esac
fi
