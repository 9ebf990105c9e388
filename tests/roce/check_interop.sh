#!/bin/sh
# SPDX-License-Identifier: MIT
# make check-roce, interop: ioverbsd's RoCEv2 port against Linux
# rdma_rxe.  One rdma_rxe guest (scripts/roce_guest.sh, 10.50.0.2) on
# the bridge; on the host's end (10.50.0.1, in the bridge's namespace)
# each test starts an ioverbsd with --roce=10.50.0.1 and runs the
# unmodified Debian program through `ioverbs run`
# (scripts/ioverbs_host.sh).  Every program runs both ways: rxe serves
# and ioverbs connects (NAME_to_rxe), ioverbs serves and rxe connects
# (NAME_from_rxe).  Then a second guest (10.50.0.4) behind a lossy,
# reordering wire (tests/roce/netimp between br0 and br1: 3% loss and 5%
# reordering each way) runs the RC programs with ioverbs both ways
# (NAME_lossy_to_rxe, NAME_lossy_from_rxe): each passes only if the
# ioverbs side recovered from something (retransmitted, NAKed, saw a gap
# or a duplicate).
#
# Usage: tests/roce/check_interop.sh RESULTS_DIR
#
# Prints "ok roce/NAME" / "not ok roce/NAME: why" per test and "N passed,
# N failed" last (also in RESULTS_DIR/interop.log); keeps each side's
# output (NAME_rxe.out, NAME_ioverbs.out, with the port's counters last)
# and the guest's console.  Exits 1 if a test failed.  The daemon,
# tool and provider come from IOVERBS_BUILD (default build/rel).
set -u
out=$1
here=$(cd "$(dirname "$0")/../.." && pwd)
. "$here/scripts/guest_lib.sh"
. "$here/scripts/roce_net.sh"
. "$here/tests/roce/results.sh"
. "$here/scripts/roce_guest.sh"

roce_results "$out" interop.log

host=$here/scripts/ioverbs_host.sh
port=18515

# both NAME RXE_ARGS IOVERBS_ARGS REGEX: the program line with rxe's
# arguments in guest $gn (10.50.0.$gn) and ioverbs's on the host, each
# way; passes when both exit 0 and the connecting side prints a line
# matching REGEX (and, with $lossy, when ioverbs retransmitted).
gn=2
lossy=
# recovered FILE: what the ioverbs side of FILE (its port's stat line)
# did about a lost or reordered packet: requests sent again, NAKs sent,
# packets out of sequence or duplicated.  A passive side (a WRITE's or
# READ's target) never retransmits, but it sees the gaps.
recovered() {
	sed -n 's/^ioverbs_host: //p' "$1" | awk '{
		for (i = 1; i < NF; i++)
			if ($i == "retransmits" || $i == "naks_sent" ||
			    $i == "rnr_naks_sent" || $i == "psn" || $i == "duplicate")
				s += $(i + 1)
	} END { print s + 0 }'
}
both() {
	name=$1 rargs=$2 hargs=$3 re=$4
	for dir in to_rxe from_rxe; do
		id=${name}_$dir
		why=
		# A TCP port of its own: no TIME_WAIT of the last test's.
		port=$((port + 1))
		if [ $dir = to_rxe ]; then
			roce_guest_start $gn "${id}_rxe" 90 $port "$rargs -p $port" ||
				why="rxe's server did not start"
			[ -n "$why" ] || roce_ns_start "$ROCE_NS_BR" "${id}_ioverbs" 90 0 \
				"$host 10.50.0.1 $hargs -p $port 10.50.0.$gn" ||
				why="ioverbs's client did not start"
			client=${id}_ioverbs
		else
			roce_ns_start "$ROCE_NS_BR" "${id}_ioverbs" 90 $port \
				"$host 10.50.0.1 $hargs -p $port" ||
				why="ioverbs's server did not start"
			[ -n "$why" ] || roce_guest_start $gn "${id}_rxe" 90 0 \
				"$rargs -p $port 10.50.0.1" ||
				why="rxe's client did not start"
			client=${id}_rxe
		fi
		roce_ns_wait "${id}_ioverbs"
		roce_guest_wait $gn "${id}_rxe"
		[ -n "$why" ] || why=$(status_why "${id}_ioverbs" ioverbs)
		[ -n "$why" ] || why=$(status_why "${id}_rxe" rxe)
		if [ -z "$why" ] && ! grep -qE "$re" "$roce_dir/$client.out"; then
			why="$client printed no line matching '$re'"
		fi
		cp "$roce_dir/${id}_ioverbs.out" "$roce_dir/${id}_rxe.out" "$out/" 2>/dev/null
		if [ -z "$why" ] && [ -n "$lossy" ] && [ "$(recovered "$out/${id}_ioverbs.out")" = 0 ]; then
			why="ioverbs recovered from nothing: the wire lost nothing of its"
		fi
		if [ -n "$why" ]; then
			not_ok "$id" "$why"
		else
			ok "$id"
		fi
	done
}

roce_begin "$out"

if [ ! -x "${IOVERBS_BUILD:-$here/build/rel}/daemon/ioverbsd" ]; then
	not_ok setup "no ioverbsd in ${IOVERBS_BUILD:-$here/build/rel} (make)"
	finish
fi
roce_bridge "$out"
if ! { roce_guest_launch 2 && roce_guest_ready 2; } 2>"$out/boot.err"; then
	not_ok guest_boot "$(tail -n1 "$out/boot.err")"
	finish
fi

G='-g $(gidx)'
X='-x $(gidx) -d rxe0 -F'
HX='-x 0 -d ioverbs0 -F'
both rc_pingpong "ibv_rc_pingpong $G -n 100" \
	"ibv_rc_pingpong -g 0 -n 100" '^100 iters in '
both rc_pingpong_4096 "ibv_rc_pingpong $G -s 4096 -n 100" \
	"ibv_rc_pingpong -g 0 -s 4096 -n 100" '^100 iters in '
both rc_pingpong_events "ibv_rc_pingpong $G -e -n 100" \
	"ibv_rc_pingpong -g 0 -e -n 100" '^100 iters in '
both uc_pingpong "ibv_uc_pingpong $G -s 2500 -n 100" \
	"ibv_uc_pingpong -g 0 -s 2500 -n 100" '^100 iters in '
both ud_pingpong "ibv_ud_pingpong $G -s 512 -n 100" \
	"ibv_ud_pingpong -g 0 -s 512 -n 100" '^100 iters in '
both write_bw "ib_write_bw $X -s 65536 -n 200" \
	"ib_write_bw $HX -s 65536 -n 200" '^ *65536 +200 '
both read_lat "ib_read_lat $X -s 64 -n 100" \
	"ib_read_lat $HX -s 64 -n 100" '^ *64 +100 '
both atomic_lat "ib_atomic_lat $X -n 100" \
	"ib_atomic_lat $HX -n 100" '^ *8 +100 '

# Behind a lossy, reordering wire.
if ! { roce_bridge_lossy 3 5 && roce_guest_launch 4 br1 &&
	roce_guest_ready 4; } 2>"$out/lossy.err"; then
	not_ok lossy_guest "$(tail -n1 "$out/lossy.err")"
	finish
fi
gn=4
lossy=1
both rc_pingpong_lossy "ibv_rc_pingpong $G -n 100" \
	"ibv_rc_pingpong -g 0 -n 100" '^100 iters in '
both write_bw_lossy "ib_write_bw $X -s 65536 -n 100" \
	"ib_write_bw $HX -s 65536 -n 100" '^ *65536 +100 '
both read_lat_lossy "ib_read_lat $X -s 4096 -n 200" \
	"ib_read_lat $HX -s 4096 -n 200" '^ *4096 +200 '
both atomic_lat_lossy "ib_atomic_lat $X -n 300" \
	"ib_atomic_lat $HX -n 300" '^ *8 +300 '
for n in 2 4; do
	roce_guest_start $n "dmesg$n" 20 0 dmesg && roce_guest_wait $n "dmesg$n"
	splat=$(grep -E 'WARNING:|BUG:|general protection|Oops|refcount_t:' \
		"$roce_dir/dmesg$n.out" | head -n1)
	if [ -n "$splat" ]; then
		not_ok "g${n}_dmesg_clean" "$splat"
	else
		ok "g${n}_dmesg_clean"
	fi
done
cp "$roce_dir/g2.console" "$roce_dir/g4.console" "$out/" 2>/dev/null
finish
