#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-roce: the RoCEv2 test bed itself (docs/roce.md).  Two
# rdma_rxe guests (scripts/roce_guest.sh) on one bridge run the
# unmodified Debian programs against each other (and a third, behind
# tests/roce/netimp, through loss and reordering), their packets
# captured on the bridge and checked for the RoCEv2 opcodes each program
# must send; the host's end of the bridge reaches them; two namespaces
# on a veth pair (scripts/roce_net.sh) run fi_pingpong -p tcp, and again
# through netimp.
#
# Usage: tests/roce/check_roce.sh RESULTS_DIR
#        tests/roce/check_roce.sh --golden RESULTS_DIR GOLDEN_DIR
#
# Prints "ok roce/NAME" / "not ok roce/NAME: why" per test and "N passed,
# N failed" last, all also in RESULTS_DIR/roce.log; keeps each test's
# outputs (NAME_server.out, NAME_client.out), its capture (NAME.pcap)
# and the guests' consoles (gN.console) there.  Exits 1 if
# a test failed.  --golden instead captures the small runs whose pcaps
# are tests/golden/roce/ into GOLDEN_DIR (tests/golden/roce/README).
# Without tcpdump (package tcpdump) the opcode checks are skipped, and
# say so.  KVER as scripts/roce_guest.sh says.
set -u
golden=
if [ "${1:-}" = --golden ]; then
	golden=$3
	shift
fi
out=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/guest_lib.sh"
. "$here/scripts/roce_net.sh"
. "$here/tests/roce/results.sh"
. "$here/scripts/roce_guest.sh"

roce_results "$out" roce.log

have_tcpdump=0
command -v tcpdump >/dev/null && have_tcpdump=1

# opcodes PCAP NAME=HEX...: each named RoCEv2 opcode (the BTH's first
# byte, the UDP payload's) is in PCAP; prints the missing ones.
opcodes() {
	f=$1
	shift
	miss=
	for o in "$@"; do
		n=$(tcpdump -nn -r "$f" "udp dst port 4791 and udp[8] = ${o#*=}" 2>/dev/null | wc -l)
		[ "$n" -gt 0 ] || miss="$miss ${o%=*}"
	done
	echo "${miss# }"
}

# start_on SIDE ID SECS PORT CMD, wait_on SIDE ID: a command on SIDE,
# a guest's number (2, 3) or "host" (the bridge's namespace, 10.50.0.1).
start_on() {
	if [ "$1" = host ]; then
		roce_ns_start "$ROCE_NS_BR" "$2" "$3" "$4" "$5"
	else
		roce_guest_start "$@"
	fi
}
wait_on() {
	if [ "$1" = host ]; then
		roce_ns_wait "$2"
	else
		roce_guest_wait "$@"
	fi
}

# run_pair NAME SERVER_SIDE SERVER_CMD CLIENT_SIDE CLIENT_CMD
#          CLIENT_REGEX OPCODE...: SERVER_CMD on its side (listening on
# TCP 18515 before the client starts), then CLIENT_CMD on its side;
# passes when both exit 0 within 60 s, the client prints a line matching
# CLIENT_REGEX and the capture on br0 holds each OPCODE (NAME=HEX, the
# BTH opcode).  Outputs: NAME_server.out, NAME_client.out, NAME.pcap.
run_pair() {
	name=$1 sside=$2 scmd=$3 cside=$4 ccmd=$5 re=$6
	shift 6
	cap=
	if [ $have_tcpdump = 1 ]; then
		cap=$out/$name.pcap
		roce_capture_start "$cap" || cap=
	fi
	why=
	start_on "$sside" "${name}_server" 60 18515 "$scmd" ||
		why="the server did not start"
	if [ -z "$why" ]; then
		start_on "$cside" "${name}_client" 60 0 "$ccmd" ||
			why="the client did not start"
	fi
	[ -z "$why" ] && wait_on "$cside" "${name}_client"
	wait_on "$sside" "${name}_server"
	[ -n "$cap" ] && roce_capture_stop
	[ -n "$why" ] || why=$(status_why "${name}_client" client)
	[ -n "$why" ] || why=$(status_why "${name}_server" server)
	if [ -z "$why" ] && ! grep -qE "$re" "$roce_dir/${name}_client.out"; then
		why="the client printed no line matching '$re'"
	fi
	if [ -n "$why" ]; then
		not_ok "$name" "$why"
		return
	fi
	ok "$name"
	if [ -z "$cap" ]; then
		skip "${name}_opcodes" "no tcpdump (package tcpdump)"
		return
	fi
	miss=$(opcodes "$cap" "$@")
	if [ -n "$miss" ]; then
		not_ok "${name}_opcodes" "not captured on br0: $miss"
	else
		ok "${name}_opcodes"
	fi
}

# pair NAME ARGS CLIENT_REGEX OPCODE...: the program line ARGS on g2 as
# the server, and with 10.50.0.2 appended on g3 as the client.
pair() {
	_name=$1 _args=$2 _re=$3
	shift 3
	run_pair "$_name" 2 "$_args" 3 "$_args 10.50.0.2" "$_re" "$@"
}

roce_begin "$out"

roce_bridge "$out"
# g4 sits on br1, behind netimp (5% loss, 10% reordering each way; 10%
# loss for the golden NAKs).
loss=5
[ -n "$golden" ] && loss=10
if ! roce_bridge_lossy $loss 10 2>"$out/lossy.err"; then
	not_ok bridge_lossy "$(tail -n1 "$out/lossy.err")"
	finish
fi
start=$(date +%s)
if roce_guest_launch 2 2>"$out/boot.err" && roce_guest_launch 3 2>>"$out/boot.err" &&
	roce_guest_launch 4 br1 2>>"$out/boot.err" &&
	roce_guest_ready 2 2>>"$out/boot.err" && roce_guest_ready 3 2>>"$out/boot.err" &&
	roce_guest_ready 4 2>>"$out/boot.err"; then
	ok "guests_boot_with_rxe0 ($(($(date +%s) - start)) s, $kver)"
else
	not_ok guests_boot_with_rxe0 "$(tail -n1 "$out/boot.err")"
	finish
fi

# netimp's counts so far, "DROPPED REORDERED" (both ways).
lossy_counts() {
	kill -USR1 "$roce_netimp_br_pid"
	sleep 0.3
	tail -n 2 "$out/netimp_br.out" | awk '
		/dropped/ { for (i = 1; i <= NF; i++) {
			if ($(i + 1) ~ /^dropped/) d += $i
			if ($(i + 1) ~ /^reordered/) r += $i } }
		END { print d + 0, r + 0 }'
}

# lossy NAME ARGS REGEX OPCODE...: pair's g2 and g4, through netimp;
# netimp must have dropped frames during the run.
lossy() {
	_name=$1 _args=$2 _re=$3
	shift 3
	# shellcheck disable=SC2046
	set -- $(lossy_counts) "$@"
	_d0=$1
	shift 2
	run_pair "$_name" 2 "$_args" 4 "$_args 10.50.0.2" "$_re" "$@"
	# shellcheck disable=SC2046
	set -- $(lossy_counts)
	if [ "$1" -gt "$_d0" ]; then
		ok "${_name}_frames_lost ($(($1 - _d0)) dropped)"
	else
		not_ok "${_name}_frames_lost" "netimp dropped no frame during the run"
	fi
}

# Expanded in the guest.
# shellcheck disable=SC2016
G='-g $(gidx)'
# shellcheck disable=SC2016
X='-x $(gidx) -F -d rxe0'
if [ -n "$golden" ]; then
	mkdir -p "$golden"
	have_tcpdump=1
	# name, program line, client's line, opcodes: small runs, a few
	# packets each.
	pair rc_send "ibv_rc_pingpong $G -s 2500 -n 1" ' iters in ' \
		send_first=0x00 send_middle=0x01 send_last=0x02 ack=0x11
	pair rc_write "ib_write_bw $X -s 64 -n 5 -t 4" '^ *64 +5 ' \
		write_only=0x0a ack=0x11
	pair rc_write_multi "ib_write_bw $X -s 2500 -n 5 -t 4" '^ *2500 +5 ' \
		write_first=0x06 write_middle=0x07 write_last=0x08 ack=0x11
	pair rc_read "ib_read_lat $X -s 2500 -n 5" '^ *2500 +5 ' \
		read_request=0x0c read_first=0x0d read_middle=0x0e read_last=0x0f
	pair rc_atomic "ib_atomic_lat $X -n 5" '^ *8 +5 ' \
		fetch_add=0x14 atomic_ack=0x12
	pair rc_cmp_swap "ib_atomic_lat $X -A CMP_AND_SWAP -n 5" '^ *8 +5 ' \
		cmp_swap=0x13 atomic_ack=0x12
	pair uc_send "ibv_uc_pingpong $G -s 2500 -n 1" ' iters in ' \
		uc_send_first=0x20 uc_send_middle=0x21 uc_send_last=0x22
	pair ud_send "ibv_ud_pingpong $G -s 64 -n 2" ' iters in ' \
		ud_send_only=0x64
	# RNR NAKs: a receiver with one receive posted at a time, which
	# the sender outruns; the RNR NAKs alone are kept.
	pair rc_rnr "ib_send_bw $X -s 64 -n 50 -r 1" '^ *64 +50 ' \
		send_only=0x04 ack=0x11
	if [ -f "$out/rc_rnr.pcap" ]; then
		tcpdump -r "$out/rc_rnr.pcap" -w "$out/rc_rnr_nak.pcap" \
			'udp dst port 4791 and udp[8] = 0x11 and (udp[20] & 0xe0) = 0x20' 2>/dev/null
	fi
	# A NAK (PSN sequence error) of rxe's, from a run over netimp: the
	# NAKs alone are kept.
	lossy rc_lossy "ibv_rc_pingpong $G -s 2500 -n 50" ' iters in ' \
		send_first=0x00 ack=0x11
	if [ -f "$out/rc_lossy.pcap" ]; then
		tcpdump -r "$out/rc_lossy.pcap" -w "$out/rc_nak.pcap" \
			'udp dst port 4791 and udp[8] = 0x11 and (udp[20] & 0xe0) = 0x60' 2>/dev/null
	fi
	for n in rc_send rc_write rc_write_multi rc_read rc_atomic rc_cmp_swap uc_send ud_send rc_rnr_nak rc_nak; do
		cp "$out/$n.pcap" "$golden/$n.pcap" 2>/dev/null ||
			not_ok "golden_$n" "no capture"
	done
	finish
fi

# ibv_devinfo -v shows rxe0's port active on Ethernet, with the RoCEv2
# GID of the guest's address at the index gidx found in sysfs.
roce_guest_start 2 devinfo 30 0 'echo "gidx $(gidx)"; ibv_devinfo -v' &&
	roce_guest_wait 2 devinfo
why=$(status_why devinfo ibv_devinfo)
n=$(sed -n 's/^gidx \([0-9][0-9]*\)$/\1/p' "$roce_dir/devinfo.out")
[ -n "$why" ] || [ -n "$n" ] || why="gidx found no RoCEv2 GID"
for re in 'state:[[:space:]]+PORT_ACTIVE' 'link_layer:[[:space:]]+Ethernet' \
	"GID\\[ *$n\\]:[[:space:]]+::ffff:10\\.50\\.0\\.2, RoCE v2\$"; do
	[ -n "$why" ] && break
	grep -qE "$re" "$roce_dir/devinfo.out" || why="no line matching '$re'"
done
if [ -n "$why" ]; then
	not_ok devinfo_roce_v2_gid "$why"
else
	ok devinfo_roce_v2_gid
fi

# rxe to rxe, the unmodified programs; each one's packets checked for
# the opcodes it must use (4096-byte messages: four packets at MTU 1024).
pair rc_pingpong "ibv_rc_pingpong $G -n 20" '^20 iters in ' \
	send_first=0x00 send_middle=0x01 send_last=0x02 ack=0x11
pair rc_pingpong_events "ibv_rc_pingpong $G -e -s 64 -n 20" '^20 iters in ' \
	send_only=0x04 ack=0x11
pair uc_pingpong "ibv_uc_pingpong $G -s 64 -n 20" '^20 iters in ' \
	uc_send_only=0x24
pair ud_pingpong "ibv_ud_pingpong $G -s 512 -n 20" '^20 iters in ' \
	ud_send_only=0x64
pair write_bw "ib_write_bw $X -s 4096 -n 200" '^ *4096 +200 ' \
	write_first=0x06 write_middle=0x07 write_last=0x08 ack=0x11
pair read_lat "ib_read_lat $X -s 64 -n 100" '^ *64 +100 ' \
	read_request=0x0c read_response_only=0x10
pair atomic_lat "ib_atomic_lat $X -n 100" '^ *8 +100 ' \
	fetch_add=0x14 atomic_ack=0x12
pair send_lat "ib_send_lat $X -s 64 -n 100" '^ *64 +100 ' \
	send_only=0x04

# rdma_rxe through a lossy, reordering wire: retransmissions recover.
lossy rc_pingpong_lossy "ibv_rc_pingpong $G -s 2500 -n 20" '^20 iters in ' \
	send_first=0x00 send_middle=0x01 send_last=0x02 ack=0x11

# The host's end of the bridge reaches the guests.
if ip netns exec "$ROCE_NS_BR" /bin/busybox ping -c 1 -W 5 10.50.0.3 \
	>"$out/ping.out" 2>&1; then
	ok host_end_reaches_guest
else
	not_ok host_end_reaches_guest "ping 10.50.0.3 from $ROCE_NS_BR: $(tail -n1 "$out/ping.out")"
fi

# Neither guest's kernel complained.
for n in 2 3 4; do
	roce_guest_start $n "dmesg$n" 20 0 dmesg && roce_guest_wait $n "dmesg$n"
	splat=$(grep -E 'WARNING:|BUG:|general protection|Oops|refcount_t:|INFO: task .* blocked' \
		"$roce_dir/dmesg$n.out" | head -n1)
	if [ ! -s "$roce_dir/dmesg$n.out" ]; then
		not_ok "g${n}_dmesg_clean" "no dmesg from the guest"
	elif [ -n "$splat" ]; then
		not_ok "g${n}_dmesg_clean" "$splat"
	else
		ok "g${n}_dmesg_clean"
	fi
done

# Two namespaces on a veth pair: fi_pingpong -p tcp between them.
roce_veth_up 2>"$out/veth.err" || not_ok veth "$(tail -n1 "$out/veth.err")"
if [ -n "${ROCE_NS_A:-}" ] && ! command -v fi_pingpong >/dev/null; then
	not_ok veth_fi_pingpong_tcp "no fi_pingpong (package libfabric-bin)"
elif [ -n "${ROCE_NS_A:-}" ]; then
	roce_ns_start "$ROCE_NS_A" veth_server 30 47599 \
		'exec fi_pingpong -p tcp -e rdm -B 47599 -S 4096 -I 100' 2>"$out/veth.err"
	# shellcheck disable=SC2016
	roce_ns_start "$ROCE_NS_B" veth_client 30 0 \
		'exec fi_pingpong -p tcp -e rdm -P 47599 -S 4096 -I 100 $ROCE_A'
	roce_ns_wait veth_client
	roce_ns_wait veth_server
	why=$(status_why veth_client client)
	[ -n "$why" ] || why=$(status_why veth_server server)
	if [ -z "$why" ] && ! grep -qE '^4k +100 +=100 ' "$roce_dir/veth_client.out"; then
		why="the client printed no row for 100 transfers of 4k"
	fi
	if [ -n "$why" ]; then
		not_ok veth_fi_pingpong_tcp "$why"
	else
		ok veth_fi_pingpong_tcp
	fi
fi

# The same through tests/roce/netimp: 5% of the frames lost and 10%
# reordered each way (seed 1), and fi_pingpong still passes.
roce_net_down
roce_net_init "$out"
trap 'finish' EXIT
trap 'fail=$((fail + 1)); echo "not ok roce: interrupted" | tee -a "$log"; finish' INT TERM HUP
ROCE_NS_A=
if ! ROCE_SEED=1 roce_veth_up 5 10 2>"$out/netimp.err"; then
	not_ok netimp_fi_pingpong_tcp "$(tail -n1 "$out/netimp.err")"
elif command -v fi_pingpong >/dev/null; then
	roce_ns_start "$ROCE_NS_A" imp_server 60 47599 \
		'exec fi_pingpong -p tcp -e rdm -B 47599 -S 1024 -I 100' 2>"$out/netimp.err"
	# shellcheck disable=SC2016
	roce_ns_start "$ROCE_NS_B" imp_client 60 0 \
		'exec fi_pingpong -p tcp -e rdm -P 47599 -S 1024 -I 100 $ROCE_A'
	roce_ns_wait imp_client
	roce_ns_wait imp_server
	roce_net_down
	why=$(status_why imp_client client)
	[ -n "$why" ] || why=$(status_why imp_server server)
	if [ -z "$why" ] && ! grep -qE '^1k +100 +=100 ' "$roce_dir/imp_client.out"; then
		why="the client printed no row for 100 transfers of 1k"
	fi
	# Both directions lost and reordered frames.
	if [ -z "$why" ] && [ "$(grep -cE '^netimp: .* [1-9][0-9]* dropped, [1-9][0-9]* reordered$' \
		"$out/netimp.out")" != 2 ]; then
		why="netimp did not drop and reorder both ways: $(grep -E '^netimp: [AB]' "$out/netimp.out" | tr '\n' ' ')"
	fi
	if [ -n "$why" ]; then
		not_ok netimp_fi_pingpong_tcp "$why"
	else
		ok "netimp_fi_pingpong_tcp ($(grep -E '^netimp: [AB]' "$out/netimp.out" | sed 's/^netimp: //' | tr '\n' ';' | sed 's/;$//; s/;/; /'))"
	fi
fi
finish
