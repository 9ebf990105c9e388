#!/bin/sh
# SPDX-License-Identifier: MIT
# The host-to-host networks of the RoCEv2 tests (docs/roce.md): network
# namespaces made for one run and always removed, even on failure or
# SIGINT.  Run as root.
#
# Usage: scripts/roce_net.sh veth [-l LOSS] [-r REORDER] [-p PORT]
#                                 [-t SECS] OUTDIR CMD_A CMD_B
#        scripts/roce_net.sh bench
#
#   veth   two namespaces joined by a veth pair, A 10.51.0.1/24 and B
#          10.51.0.2/24 (with -l or -r, by two taps and
#          tests/roce/netimp between them instead, which drops LOSS
#          percent of the IPv4 frames each way and swaps REORDER percent
#          with their successor, from seed $ROCE_SEED, default 1: the
#          kernels here have no sch_netem); runs CMD_A in A, then CMD_B in B
#          (once CMD_A listens on TCP PORT, with -p), each under
#          `timeout SECS` (default 60), both at once.  Writes
#          OUTDIR/a.out, a.status, b.out, b.status; exits 0 when both
#          exited 0, else 1 (and says which failed).  The commands see
#          ROCE_A=10.51.0.1, ROCE_B=10.51.0.2 and ROCE_NS (their own
#          namespace).
#   bench  `fi_pingpong -p tcp` between the two namespaces (the baseline
#          that ioverbs over RoCEv2 is compared with): `bench` lines as
#          docs/bench.md says.
#
# Sourced by another script (scripts/roce_guest.sh, tests/roce/), it only
# defines the functions below and runs nothing.  The namespaces are
# named ioverbs-roce-PID-KIND, so that parallel runs never meet.
#
#   roce_net_init OUTDIR      the run's state directory; installs the
#                             cleanup trap (EXIT, INT, TERM, HUP)
#   roce_veth_up [LOSS [REORDER]]   $ROCE_NS_A and $ROCE_NS_B, joined
#                             (impaired by $ROCE_NETIMP, or netimp built
#                             into $roce_dir, when LOSS or REORDER given)
#   roce_bridge_up            $ROCE_NS_BR with bridge br0, 10.50.0.1/24
#   roce_bridge_tap NAME [BR] a tap device on br0 (or BR; for a guest)
#   roce_bridge_lossy LOSS REORDER  bridge br1, joined to br0 through
#                             tests/roce/netimp -a (positive ACKs spared)
#   roce_ns_start NS ID SECS PORT CMD   CMD in NS in the background under
#                             `timeout SECS`, output to $roce_dir/ID.out
#                             (ID: letters, digits and _);
#                             with PORT (not 0) returns once a TCP
#                             socket listens on it in NS (or after 15 s)
#                             `ip netns exec` gives CMD a mount namespace
#                             of its own (a FUSE mount made in it is
#                             seen by it alone); ROCE_NS_MOUNTS=shared
#                             runs it with `nsenter --net` instead, in
#                             the caller's mounts (and /sys)
#   roce_ns_wait ID           waits for it; returns its exit status (also
#                             in $roce_dir/ID.status)
#   roce_bg CMD...            CMD in the background, killed at cleanup
#   roce_net_down             kills what was started, removes the
#                             namespaces (the trap calls it)

roce_dir=
roce_namespaces=
roce_pids=
roce_prefix=ioverbs-roce-$$

roce_net_down() {
	for _rn_p in $roce_pids; do
		kill "$_rn_p" 2>/dev/null
	done
	for _rn_p in $roce_pids; do
		wait "$_rn_p" 2>/dev/null
	done
	roce_pids=
	for _rn_ns in $roce_namespaces; do
		ip netns del "$_rn_ns" 2>/dev/null ||
			echo "roce_net.sh: cannot remove namespace $_rn_ns" >&2
	done
	roce_namespaces=
}

roce_net_init() {
	roce_dir=$1
	mkdir -p "$roce_dir" || {
		echo "roce_net.sh: cannot make $roce_dir" >&2
		return 1
	}
	if [ "$(id -u)" -ne 0 ]; then
		echo "roce_net.sh: network namespaces need root" >&2
		return 1
	fi
	trap 'roce_net_down' EXIT
	trap 'roce_net_down; trap - EXIT; exit 130' INT
	trap 'roce_net_down; trap - EXIT; exit 143' TERM
	trap 'roce_net_down; trap - EXIT; exit 129' HUP
}

# roce_ns_add NAME: a new namespace with lo up, removed at cleanup.
roce_ns_add() {
	ip netns add "$1" || {
		echo "roce_net.sh: ip netns add $1 failed" >&2
		return 1
	}
	roce_namespaces="$roce_namespaces $1"
	ip -n "$1" link set lo up
}

# roce_ip NS ARGS...: `ip -n NS ARGS`, saying what failed.
roce_ip() {
	_rn_ns=$1
	shift
	ip -n "$_rn_ns" "$@" || {
		echo "roce_net.sh: in namespace $_rn_ns: ip $* failed" >&2
		return 1
	}
}

roce_veth_up() {
	ROCE_NS_A=$roce_prefix-a
	ROCE_NS_B=$roce_prefix-b
	roce_ns_add "$ROCE_NS_A" && roce_ns_add "$ROCE_NS_B" || return 1
	if [ -z "${1:-}" ] && [ -z "${2:-}" ]; then
		roce_ip "$ROCE_NS_A" link add veth0 type veth peer name veth0 \
			netns "$ROCE_NS_B" || return 1
		_rn_if=veth0
	else
		# Loss and reordering: tests/roce/netimp between two taps.
		roce_netimp_bin || return 1
		roce_ip "$ROCE_NS_A" tuntap add dev imp0 mode tap &&
			roce_ip "$ROCE_NS_B" tuntap add dev imp0 mode tap || return 1
		_rn_if=imp0
	fi
	roce_ip "$ROCE_NS_A" addr add 10.51.0.1/24 dev $_rn_if &&
		roce_ip "$ROCE_NS_B" addr add 10.51.0.2/24 dev $_rn_if &&
		roce_ip "$ROCE_NS_A" link set $_rn_if up &&
		roce_ip "$ROCE_NS_B" link set $_rn_if up || return 1
	if [ $_rn_if = imp0 ]; then
		rm -f "$roce_dir/netimp.out"
		roce_bg "$ROCE_NETIMP" -l "${1:-0}" -r "${2:-0}" -s "${ROCE_SEED:-1}" \
			"$ROCE_NS_A" imp0 "$ROCE_NS_B" imp0 \
			>"$roce_dir/netimp.out" 2>&1
		_rn_i=0
		until grep -q '^netimp: ready' "$roce_dir/netimp.out" 2>/dev/null; do
			_rn_i=$((_rn_i + 1))
			if [ $_rn_i -gt 50 ]; then
				echo "roce_net.sh: netimp did not start: $(tail -n1 "$roce_dir/netimp.out")" >&2
				return 1
			fi
			sleep 0.1
		done
	fi
	export ROCE_A=10.51.0.1 ROCE_B=10.51.0.2
}

# $ROCE_NETIMP, the impairing forwarder: as given, else built into
# $roce_dir from tests/roce/netimp.c.
roce_netimp_bin() {
	[ -n "${ROCE_NETIMP:-}" ] && [ -x "$ROCE_NETIMP" ] && return 0
	_rn_src=$(dirname "$0")/../tests/roce/netimp.c
	[ -f "$_rn_src" ] || _rn_src=$(dirname "$0")/netimp.c
	ROCE_NETIMP=$roce_dir/netimp
	${CC:-cc} -O2 -Wall -Wextra -o "$ROCE_NETIMP" "$_rn_src" || {
		echo "roce_net.sh: cannot build $_rn_src (set ROCE_NETIMP)" >&2
		return 1
	}
}

roce_bridge_up() {
	ROCE_NS_BR=$roce_prefix-br
	roce_ns_add "$ROCE_NS_BR" || return 1
	roce_ip "$ROCE_NS_BR" link add br0 type bridge &&
		roce_ip "$ROCE_NS_BR" addr add 10.50.0.1/24 dev br0 &&
		roce_ip "$ROCE_NS_BR" link set br0 up || return 1
	# A port forwards at once (no STP learning delay).
	ip netns exec "$ROCE_NS_BR" sh -c \
		'echo 0 >/sys/class/net/br0/bridge/forward_delay' 2>/dev/null
	export ROCE_HOST=10.50.0.1
}

roce_bridge_tap() {
	roce_ip "$ROCE_NS_BR" tuntap add dev "$1" mode tap &&
		roce_ip "$ROCE_NS_BR" link set "$1" master "${2:-br0}" &&
		roce_ip "$ROCE_NS_BR" link set "$1" up
}

# A second bridge br1 in $ROCE_NS_BR, joined to br0 through netimp
# (LOSS and REORDER percent each way): guests on br1 reach br0's
# through a lossy wire.  SIGUSR1 to $roce_netimp_br_pid makes it print
# its counts to $roce_dir/netimp_br.out.
roce_bridge_lossy() {
	roce_netimp_bin || return 1
	roce_ip "$ROCE_NS_BR" link add br1 type bridge &&
		roce_ip "$ROCE_NS_BR" link set br1 up || return 1
	ip netns exec "$ROCE_NS_BR" sh -c \
		'echo 0 >/sys/class/net/br1/bridge/forward_delay' 2>/dev/null
	roce_bridge_tap imp0 br0 && roce_bridge_tap imp1 br1 || return 1
	rm -f "$roce_dir/netimp_br.out"
	# -a: rdma_rxe guests sit behind it, and rxe forgets a destroyed QP
	# (a lost last ACK would leave ibv_rc_pingpong's peer retrying for
	# ever; netimp.c says more).
	roce_bg "$ROCE_NETIMP" -a -l "$1" -r "$2" -s "${ROCE_SEED:-1}" \
		"$ROCE_NS_BR" imp0 "$ROCE_NS_BR" imp1 \
		>"$roce_dir/netimp_br.out" 2>&1
	roce_netimp_br_pid=$!
	_rn_i=0
	until grep -q '^netimp: ready' "$roce_dir/netimp_br.out" 2>/dev/null; do
		_rn_i=$((_rn_i + 1))
		if [ $_rn_i -gt 50 ]; then
			echo "roce_net.sh: netimp between br0 and br1 did not start: $(tail -n1 "$roce_dir/netimp_br.out")" >&2
			return 1
		fi
		sleep 0.1
	done
}

roce_bg() {
	"$@" &
	roce_pids="$roce_pids $!"
}

# roce_listening NS PORT: a TCP socket (v4 or v6) listens on PORT in NS.
roce_listening() {
	_rn_hex=$(printf ':%04X ' "$2")
	ip netns exec "$1" cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p="$_rn_hex" '$4 == "0A" && index($2 " ", p) { f = 1 } END { exit !f }'
}

# roce_id_ok ID: IDs name shell variables and files.
roce_id_ok() {
	case $1 in
	'' | *[!A-Za-z0-9_]*)
		echo "roce_net.sh: ID '$1': only letters, digits and _" >&2
		return 1 ;;
	esac
}

roce_ns_start() {
	_rn_ns=$1 _rn_id=$2 _rn_secs=$3 _rn_port=$4
	shift 4
	roce_id_ok "$_rn_id" || return 1
	rm -f "$roce_dir/$_rn_id.out" "$roce_dir/$_rn_id.status"
	# timeout is the shell's own child, so that the cleanup's kill
	# reaches it, and it the command's whole process group.
	if [ "${ROCE_NS_MOUNTS:-}" = shared ]; then
		set -- nsenter "--net=/var/run/netns/$_rn_ns" -- sh -c "$1"
	else
		set -- ip netns exec "$_rn_ns" sh -c "$1"
	fi
	ROCE_NS=$_rn_ns timeout -k 5 "$_rn_secs" "$@" \
		>"$roce_dir/$_rn_id.out" 2>&1 </dev/null &
	roce_pids="$roce_pids $!"
	eval "roce_pid_$_rn_id=$!"
	[ "$_rn_port" = 0 ] && return 0
	_rn_i=0
	while [ $_rn_i -lt 150 ]; do
		roce_listening "$_rn_ns" "$_rn_port" && return 0
		kill -0 $! 2>/dev/null || break
		sleep 0.1
		_rn_i=$((_rn_i + 1))
	done
	echo "roce_net.sh: $_rn_id does not listen on TCP port $_rn_port in $_rn_ns" >&2
	return 1
}

roce_ns_wait() {
	eval "_rn_pid=\${roce_pid_$1:-}"
	if [ -z "$_rn_pid" ]; then
		echo "roce_net.sh: roce_ns_wait: $1 was not started" >&2
		return 1
	fi
	if [ ! -e "$roce_dir/$1.status" ]; then
		wait "$_rn_pid"
		echo $? >"$roce_dir/$1.status"
	fi
	return "$(cat "$roce_dir/$1.status")"
}

# say_status ID WHAT: one line on how ID ended.
roce_say_status() {
	_rn_st=$(cat "$roce_dir/$1.status" 2>/dev/null || echo none)
	case $_rn_st in
	0) ;;
	124 | 137) echo "roce_net.sh: $2 timed out (see $roce_dir/$1.out)" >&2 ;;
	*) echo "roce_net.sh: $2 exited $_rn_st (see $roce_dir/$1.out)" >&2 ;;
	esac
}

roce_veth_main() {
	_loss='' _reorder='' _port=0 _secs=60
	while getopts l:r:p:t: _o; do
		case $_o in
		l) _loss=$OPTARG ;;
		r) _reorder=$OPTARG ;;
		p) _port=$OPTARG ;;
		t) _secs=$OPTARG ;;
		*) echo "usage: roce_net.sh veth [-l LOSS] [-r REORDER] [-p PORT] [-t SECS] OUTDIR CMD_A CMD_B" >&2
		   exit 2 ;;
		esac
	done
	shift $((OPTIND - 1))
	if [ $# -ne 3 ]; then
		echo "usage: roce_net.sh veth [-l LOSS] [-r REORDER] [-p PORT] [-t SECS] OUTDIR CMD_A CMD_B" >&2
		exit 2
	fi
	roce_net_init "$1" || exit 1
	roce_veth_up "$_loss" "$_reorder" || exit 1
	_ok=1
	roce_ns_start "$ROCE_NS_A" a "$_secs" "$_port" "$2" || _ok=0
	roce_ns_start "$ROCE_NS_B" b "$_secs" 0 "$3"
	roce_ns_wait b || _ok=0
	roce_ns_wait a || _ok=0
	roce_say_status a "CMD_A ($2)"
	roce_say_status b "CMD_B ($3)"
	[ $_ok = 1 ]
}

# One fi_pingpong over the veth: "US MBS" (usec/xfer, MB/sec).
roce_fi_once() {
	_rn_port=$((47600 + $3))
	roce_ns_start "$ROCE_NS_A" fi_srv 30 "$_rn_port" \
		"exec fi_pingpong -p tcp -e rdm -B $_rn_port -S $1 -I $2" || true
	roce_ns_start "$ROCE_NS_B" fi_cli 30 0 \
		"exec fi_pingpong -p tcp -e rdm -P $_rn_port -S $1 -I $2 $ROCE_A"
	roce_ns_wait fi_cli
	_rn_c=$?
	roce_ns_wait fi_srv
	[ $_rn_c = 0 ] || return 1
	# bytes #sent #ack total time MB/sec usec/xfer Mxfers/sec
	awk 'NF == 8 && $1 ~ /^[0-9]/ { print $7, $6; f = 1 } END { exit !f }' \
		"$roce_dir/fi_cli.out"
}

roce_bench_main() {
	echo "# fi_pingpong -p tcp -e rdm between two network namespaces over a veth pair (10.51.0.1 <-> 10.51.0.2), best of 3"
	if [ "$(id -u)" -ne 0 ] || ! command -v fi_pingpong >/dev/null; then
		echo "# veth: skipped (needs root and fi_pingpong, package libfabric-bin)"
		return 0
	fi
	echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	roce_net_init "${TMPDIR:-/tmp}/$roce_prefix-bench" || return 1
	roce_veth_up || return 1
	_rn_run=0
	for _sz in 2 4096 65536 1048576; do
		case $_sz in
		2 | 4096) _it=2000 _nm=${_sz}B ;;
		65536) _it=300 _nm=64KiB ;;
		*) _it=50 _nm=1MiB ;;
		esac
		[ $_sz = 4096 ] && _nm=4KiB
		_best_us='' _best_mbs=''
		for _rep in 1 2 3; do
			_rn_run=$((_rn_run + 1))
			_r=$(roce_fi_once $_sz $_it $_rn_run) || continue
			_best_us=$(echo "$_r ${_best_us:-1e30}" | awk '{ print ($1 < $3) ? $1 : $3 }')
			_best_mbs=$(echo "$_r ${_best_mbs:-0}" | awk '{ print ($2 > $3) ? $2 : $3 }')
		done
		if [ -z "$_best_us" ]; then
			echo "bench FAILED: fi_pingpong_tcp_veth_$_nm: $(tail -n1 "$roce_dir/fi_cli.out")"
			continue
		fi
		echo "# fi_pingpong_tcp_veth_${_nm}_lat: $_best_us us"
		# One message in flight: a bandwidth only for large ones.
		[ $_sz -ge 65536 ] &&
			echo "# fi_pingpong_tcp_veth_${_nm}_bw: $_best_mbs MB/s"
	done
	echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
	rm -rf "$roce_dir"
}

if [ "${0##*/}" = roce_net.sh ]; then
	set -u
	case ${1:-} in
	veth) shift; roce_veth_main "$@" ;;
	bench) roce_bench_main ;;
	*)
		sed -n '3,23s/^# \{0,1\}//p' "$0" >&2
		exit 2 ;;
	esac
fi
