#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-roce, two hosts: two ioverbsd, each in its own network
# namespace on a veth pair (scripts/roce_net.sh: A 10.51.0.1, B
# 10.51.0.2), talk RoCEv2 while their ports lose and reorder packets,
# and the unmodified programs of the interop list pass between them.
# This machine's kernel has no sch_netem: the wire between them is
# tests/roce/netimp (scripts/roce_net.sh veth -l/-r, $ROCE_NETIMP), which
# drops LOSS% of the frames and swaps REORDER% with the next.  UD has no
# retransmission and ibv_ud_pingpong waits for every reply, so it runs
# on a second wire that only reorders.  With HOOK=1 the wire is clean and
# the ports' own test hook (ioverbsd --test-hooks
# --roce-faults=LOSS,REORDER) drops and reorders instead.
#
# Usage: tests/roce/check_hosts.sh RESULTS_DIR [LOSS [REORDER]]
#
# LOSS and REORDER default to 2 and 5 (percent).  Prints "ok roce/NAME" /
# "not ok roce/NAME: why" and "N passed, N failed" (also in
# RESULTS_DIR/hosts.log); keeps each side's output with its port's
# counters (NAME_a.out, NAME_b.out).  Exits 1 if a test failed.
set -u
out=$1
loss=${2:-2}
reorder=${3:-5}
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/roce_net.sh"
. "$here/tests/roce/results.sh"

roce_results "$out" hosts.log

host=$here/scripts/ioverbs_host.sh

# release NAME: once both hosts' programs are done (or a host's script
# ended, or after 130 s), lets both daemons stop (scripts/ioverbs_host.sh:
# each keeps acknowledging its peer's retries until then).
release() {
	_d=$roce_dir/$1 _i=0
	until { [ -e "${_d}_a.done" ] || [ -e "${_d}_a.status" ]; } &&
		{ [ -e "${_d}_b.done" ] || [ -e "${_d}_b.status" ]; } ||
		[ $_i -ge 1300 ]; do
		sleep 0.1
		_i=$((_i + 1))
	done
	: >"$_d.release"
}

# pair NAME FAULTS ARGS REGEX: ARGS on A (the server) and with 10.51.0.1
# appended on B; with HOOK=1, both daemons with --roce-faults=FAULTS.
pair() {
	name=$1 faults=$2 args=$3 re=$4
	why=
	d=$roce_dir/$name
	rm -f "${d}_a.done" "${d}_b.done" "$d.release"
	env="IOVERBS_HOST_RELEASE=$d.release IOVERBS_HOST_HOLD=100"
	[ "${HOOK:-0}" = 1 ] &&
		env="$env IOVERBSD_ARGS='--test-hooks --roce-faults=$faults'"
	roce_ns_start "$ROCE_NS_A" "${name}_a" 120 18515 \
		"$env IOVERBS_HOST_DONE=${d}_a.done $host 10.51.0.1 $args" ||
		why="A did not start"
	[ -n "$why" ] || roce_ns_start "$ROCE_NS_B" "${name}_b" 120 0 \
		"$env IOVERBS_HOST_DONE=${d}_b.done $host 10.51.0.2 $args 10.51.0.1" ||
		why="B did not start"
	[ -n "$why" ] && : >"${d}_b.done"
	release "$name" &
	rel=$!
	roce_ns_wait "${name}_b"
	roce_ns_wait "${name}_a"
	wait $rel
	[ -n "$why" ] || why=$(status_why "${name}_b" B)
	[ -n "$why" ] || why=$(status_why "${name}_a" A)
	if [ -z "$why" ] && ! grep -qE "$re" "$roce_dir/${name}_b.out"; then
		why="B printed no line matching '$re'"
	fi
	cp "$roce_dir/${name}_a.out" "$roce_dir/${name}_b.out" "$out/" 2>/dev/null
	if [ -n "$why" ]; then
		not_ok "$name" "$why"
		return
	fi
	# Packets were lost, and the transport sent them again.
	again=$(sed -n 's/.* retransmits \([0-9]*\) .*/\1/p' "$out/${name}_a.out" "$out/${name}_b.out" |
		awk '{ s += $1 } END { print s + 0 }')
	if [ "${faults%%,*}" != 0 ] && [ "$again" = 0 ]; then
		not_ok "$name" "nothing was sent again: the test tested nothing"
		return
	fi
	ok "$name"
	echo "$name: $again retransmissions" >>"$out/retransmits"
}

# wire LOSS REORDER: the namespaces again, with that wire between them.
wire() {
	roce_net_down
	if [ "${HOOK:-0}" = 1 ]; then
		roce_veth_up
	else
		roce_veth_up "$1" "$2"
	fi 2>"$out/veth.err" || {
		not_ok veth "$(tail -n1 "$out/veth.err")"
		finish
	}
}

roce_begin "$out"
wire "$loss" "$reorder"
F=$loss,$reorder
X='-x 0 -d ioverbs0 -F'
pair hosts_rc_pingpong "$F" "ibv_rc_pingpong -g 0 -n 200" '^200 iters in '
pair hosts_rc_pingpong_4096 "$F" "ibv_rc_pingpong -g 0 -s 4096 -n 200" '^200 iters in '
pair hosts_rc_pingpong_events "$F" "ibv_rc_pingpong -g 0 -e -n 200" '^200 iters in '
pair hosts_write_bw "$F" "ib_write_bw $X -s 65536 -n 500" '^ *65536 +500 '
pair hosts_read_lat "$F" "ib_read_lat $X -s 64 -n 500" '^ *64 +500 '
pair hosts_atomic_lat "$F" "ib_atomic_lat $X -n 500" '^ *8 +500 '
pair hosts_atomic_bw "$F" "ib_atomic_bw $X -n 2000" '^ *8 +2000 '
wire 0 "$reorder"
pair hosts_ud_pingpong "0,$reorder" "ibv_ud_pingpong -g 0 -s 512 -n 200" '^200 iters in '
finish
