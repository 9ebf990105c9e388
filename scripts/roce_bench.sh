#!/bin/sh
# SPDX-License-Identifier: MIT
# make bench: ioverbs over RoCEv2 between two hosts, against
# `fi_pingpong -p tcp` over the same wire in the same run.  Two network
# namespaces on a veth pair (scripts/roce_net.sh: 10.51.0.1, 10.51.0.2),
# an ioverbsd with --roce in each (scripts/ioverbs_host.sh); perftest's
# ib_send_lat (t_typical, one way) and ib_write_bw (average) through
# `ioverbs run`, fi_pingpong's usec/xfer and MB/sec: `bench` lines as
# docs/bench.md says.  Needs root, perftest and fi_pingpong.
#
# Usage: scripts/roce_bench.sh
#
# IOVERBS_BUILD (default build/rel) has ioverbsd, the tool and the
# provider.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
. "$here/scripts/roce_net.sh"
host=$here/scripts/ioverbs_host.sh

echo "# ioverbs RoCEv2 (ioverbsd --roce in each of two namespaces on a veth pair) against fi_pingpong -p tcp -e rdm on the same veth"
if [ "$(id -u)" -ne 0 ] || ! command -v fi_pingpong >/dev/null ||
	! command -v ib_send_lat >/dev/null; then
	echo "# roce veth: skipped (needs root, fi_pingpong and perftest)"
	exit 0
fi
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
roce_net_init "${TMPDIR:-/tmp}/$roce_prefix-rbench" || exit 1
roce_veth_up || exit 1
run=0

# perf PROG SIZE ITERS COLUMN: perftest between the two daemons; the
# result row's COLUMN (awk field), or nothing.
perf() {
	run=$((run + 1))
	roce_ns_start "$ROCE_NS_A" "p_srv$run" 60 18515 \
		"$host 10.51.0.1 $1 -x 0 -d ioverbs0 -F -s $2 -n $3" || return 1
	roce_ns_start "$ROCE_NS_B" "p_cli$run" 60 0 \
		"$host 10.51.0.2 $1 -x 0 -d ioverbs0 -F -s $2 -n $3 $ROCE_A"
	roce_ns_wait "p_cli$run"
	_c=$?
	roce_ns_wait "p_srv$run"
	[ $_c = 0 ] || return 1
	awk -v s="$2" -v c="$4" '$1 == s && NF >= c { print $c; f = 1; exit } END { exit !f }' \
		"$roce_dir/p_cli$run.out"
}

# line NAME VALUE UNIT BNAME BVALUE: one bench line with its ratio.
line() {
	echo "$1 $2 $3 $4 $5" | awk '{ printf "bench %s: %s %s (baseline %s: %s %s, ratio %.2f)\n", $1, $2, $3, $4, $5, $3, $2 / $5 }'
}

for sz in 2 4096 65536; do
	case $sz in
	2) nm=2B it=1000 ;;
	4096) nm=4KiB it=1000 ;;
	*) nm=64KiB it=300 ;;
	esac
	lat=$(perf ib_send_lat $sz $it 5) ||
		{ echo "bench FAILED: ioverbs_roce_veth_${nm}_lat: $(tail -n1 "$roce_dir/p_cli$run.out")"; continue; }
	fi=$(roce_fi_once $sz $it $run) ||
		{ echo "bench FAILED: fi_pingpong_tcp_veth_${nm}: $(tail -n1 "$roce_dir/fi_cli.out")"; continue; }
	line "ioverbs_roce_veth_${nm}_lat" "$lat" us \
		"fi_pingpong_tcp_veth_${nm}_lat" "${fi% *}"
done
for sz in 65536 1048576; do
	case $sz in
	65536) nm=64KiB it=2000 fit=300 ;;
	*) nm=1MiB it=200 fit=50 ;;
	esac
	bw=$(perf ib_write_bw $sz $it 4) ||
		{ echo "bench FAILED: ioverbs_roce_veth_${nm}_bw: $(tail -n1 "$roce_dir/p_cli$run.out")"; continue; }
	fi=$(roce_fi_once $sz $fit $run) ||
		{ echo "bench FAILED: fi_pingpong_tcp_veth_${nm}: $(tail -n1 "$roce_dir/fi_cli.out")"; continue; }
	line "ioverbs_roce_veth_${nm}_write_bw" "$bw" MB/s \
		"fi_pingpong_tcp_veth_${nm}_bw" "${fi#* }"
done
echo "# load average: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$roce_dir"
