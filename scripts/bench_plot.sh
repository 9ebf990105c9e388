#!/bin/sh
# SPDX-License-Identifier: MIT
# Draws what `make bench` measured against message size, because a curve
# reads faster than a table: latency.png (a message one way between two
# processes: ioverbs' shared queues through ioverbsd, libfabric's shm and
# tcp providers, memcpy) and bandwidth.png (RDMA WRITE through ioverbs
# against memcpy); with bench_perftest's lines, perftest through
# `ioverbs run` and its fi_pingpong baselines on the same two plots.
#
# Usage: scripts/bench_plot.sh BENCH_OUTPUT OUT_DIR
#
# BENCH_OUTPUT holds the "bench NAME: VALUE UNIT (baseline ...)" lines;
# the ones of bench_ring (daemon_send_lat_SIZE[_vs_PROV],
# daemon_write_bw_SIZE) are plotted.  Without gnuplot it says so and
# writes only the data files.
set -eu
in=$1
out=$2
mkdir -p "$out"

# SIZE as bench_ring names it (2B, 4KiB, 1MiB) in bytes.
awk_bytes='
function bytes(s,   n) {
	n = s + 0
	if (s ~ /MiB$/) return n * 1048576
	if (s ~ /KiB$/) return n * 1024
	return n
}'

# bytes ioverbs_us memcpy_us shm_us tcp_us ("-" when not measured)
awk "$awk_bytes"'
/^bench daemon_send_lat_[0-9]+[KM]?i?B: / {
	s = $2; sub(/^daemon_send_lat_/, "", s); sub(/:$/, "", s)
	b = bytes(s); sizes[b] = 1; lat[b] = $3; mc[b] = $7
}
/^bench daemon_send_lat_[0-9]+[KM]?i?B_vs_(shm|tcp): / {
	s = $2; sub(/^daemon_send_lat_/, "", s); sub(/:$/, "", s)
	p = s; sub(/^.*_vs_/, "", p); sub(/_vs_.*$/, "", s)
	b = bytes(s); sizes[b] = 1; fi[b, p] = $7
}
END {
	for (b in sizes)
		printf "%d %s %s %s %s\n", b, (b in lat) ? lat[b] : "-",
			(b in mc) ? mc[b] : "-",
			((b, "shm") in fi) ? fi[b, "shm"] : "-",
			((b, "tcp") in fi) ? fi[b, "tcp"] : "-"
}' "$in" | sort -n >"$out/latency.dat"

# bytes ioverbs_GBps memcpy_GBps
awk "$awk_bytes"'
/^bench daemon_write_bw_[0-9]+[KM]?i?B: / {
	s = $2; sub(/^daemon_write_bw_/, "", s); sub(/:$/, "", s)
	printf "%d %s %s\n", bytes(s), $3, $7
}' "$in" | sort -n >"$out/bandwidth.dat"

# bench_perftest's: perftest through `ioverbs run` and fi_pingpong at the
# same sizes (the *_vs_shm and *_vs_tcp lines carry both baselines).
# bytes send_lat_us write_lat_us fi_shm_us fi_tcp_us
awk "$awk_bytes"'
/^bench perftest_(send|write)_lat_[0-9]+[KM]?i?B_vs_(shm|tcp): / {
	s = $2; sub(/^perftest_/, "", s); sub(/:$/, "", s)
	p = s; sub(/^.*_vs_/, "", p); sub(/_vs_.*$/, "", s)
	t = s; sub(/_lat_.*$/, "", t); sub(/^.*_lat_/, "", s)
	b = bytes(s); sizes[b] = 1; v[b, t] = $3; fi[b, p] = $7
}
END {
	for (b in sizes)
		printf "%d %s %s %s %s\n", b,
			((b, "send") in v) ? v[b, "send"] : "-",
			((b, "write") in v) ? v[b, "write"] : "-",
			((b, "shm") in fi) ? fi[b, "shm"] : "-",
			((b, "tcp") in fi) ? fi[b, "tcp"] : "-"
}' "$in" | sort -n >"$out/perftest_lat.dat"

# bytes write_bw_GBps send_bw_GBps fi_shm_GBps fi_tcp_GBps (MB/s / 1000)
awk "$awk_bytes"'
/^bench perftest_(send|write)_bw_[0-9]+[KM]?i?B_vs_(shm|tcp): / {
	s = $2; sub(/^perftest_/, "", s); sub(/:$/, "", s)
	p = s; sub(/^.*_vs_/, "", p); sub(/_vs_.*$/, "", s)
	t = s; sub(/_bw_.*$/, "", t); sub(/^.*_bw_/, "", s)
	b = bytes(s); sizes[b] = 1; v[b, t] = $3 / 1000; fi[b, p] = $7 / 1000
}
END {
	for (b in sizes)
		printf "%d %s %s %s %s\n", b,
			((b, "write") in v) ? v[b, "write"] : "-",
			((b, "send") in v) ? v[b, "send"] : "-",
			((b, "shm") in fi) ? fi[b, "shm"] : "-",
			((b, "tcp") in fi) ? fi[b, "tcp"] : "-"
}' "$in" | sort -n >"$out/perftest_bw.dat"

if [ ! -s "$out/latency.dat" ] && [ ! -s "$out/bandwidth.dat" ] &&
   [ ! -s "$out/perftest_lat.dat" ] && [ ! -s "$out/perftest_bw.dat" ]; then
	echo "bench_plot: no bench_ring or bench_perftest figures in $in: nothing to draw" >&2
	exit 1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench_plot: gnuplot is not installed: data in $out/*.dat, no plot"
	exit 0
fi
gnuplot <<EOF
set terminal png size 900,560
set termoption noenhanced
set datafile missing "-"
set logscale xy
set grid
set key top left
set xlabel "message size (bytes)"
set output "$out/latency.png"
set title "One-way latency between two processes"
set ylabel "microseconds"
plot "$out/latency.dat" using 1:2 with linespoints title "ioverbs (shared queues, ioverbsd)", \
     "$out/latency.dat" using 1:4 with linespoints title "libfabric shm (fi_pingpong)", \
     "$out/latency.dat" using 1:5 with linespoints title "libfabric tcp (fi_pingpong)", \
     "$out/latency.dat" using 1:3 with linespoints title "memcpy", \
     "$out/perftest_lat.dat" using 1:2 with linespoints title "perftest ib_send_lat (ioverbs run)", \
     "$out/perftest_lat.dat" using 1:3 with points pt 7 title "perftest ib_write_lat (ioverbs run)", \
     "$out/perftest_lat.dat" using 1:4 with points pt 4 title "libfabric shm, perftest's run", \
     "$out/perftest_lat.dat" using 1:5 with points pt 6 title "libfabric tcp, perftest's run"
set output "$out/bandwidth.png"
set title "Bandwidth into another process (RDMA WRITE; perftest SEND too)"
set ylabel "GB/s"
set key bottom right
plot "$out/bandwidth.dat" using 1:2 with linespoints title "ioverbs RDMA WRITE", \
     "$out/bandwidth.dat" using 1:3 with linespoints title "memcpy", \
     "$out/perftest_bw.dat" using 1:2 with linespoints title "perftest ib_write_bw (ioverbs run)", \
     "$out/perftest_bw.dat" using 1:3 with linespoints title "perftest ib_send_bw (ioverbs run)", \
     "$out/perftest_bw.dat" using 1:4 with linespoints title "libfabric shm (fi_pingpong, 1 in flight)", \
     "$out/perftest_bw.dat" using 1:5 with linespoints title "libfabric tcp (fi_pingpong, 1 in flight)"
EOF
echo "bench_plot: $out/latency.png, $out/bandwidth.png"
