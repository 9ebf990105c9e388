#!/bin/sh
# SPDX-License-Identifier: MIT
# Draws bench_perftest's figures against message size, because a curve
# reads faster than a table (docs/bench.md says how to read them):
#
#   latency.png    three panels: one way (ib_send_lat, ib_write_lat), a
#                  round trip (ib_read_lat, ib_atomic_lat), and pinned to
#                  one CPU (ib_send_lat's and ib_write_lat's typical and
#                  worst); ioverbs
#                  direct and relay against fi_pingpong shm and tcp
#   bandwidth.png  ib_write_bw and ib_send_bw, direct and relay, against
#                  fi_pingpong shm and tcp (one message in flight)
#
# Usage: scripts/bench_plot.sh BENCH_OUTPUT OUT_DIR
#
# BENCH_OUTPUT holds the "bench NAME: VALUE UNIT (baseline BNAME: BVALUE
# UNIT, ratio R)" lines; the data files (*.dat, "-" where a figure is
# missing) are written to OUT_DIR too.  Without gnuplot it says so and
# writes only the data files.
set -eu
in=$1
out=$2
mkdir -p "$out"

# bench_perftest's lines,
#   perftest_TEST_KIND_SIZE_PATH[_pinned[_max]]_vs_PROV: V UNIT (baseline
#   fi_pingpong_...: B UNIT, ratio R)
# (TEST send, write, read, atomic; KIND lat or bw; SIZE 2B, 4KiB, 1MiB;
# PATH direct or relay; PROV shm or tcp), into four tables by size:
#   one_way.dat   bytes send_direct send_relay write_direct write_relay
#                 fi_shm fi_tcp                                  (us)
#   rtt.dat       bytes read_direct read_relay atomic_direct atomic_relay
#                 fi_shm_rtt fi_tcp_rtt                          (us)
#   pinned.dat    bytes send_direct send_relay send_direct_max
#                 send_relay_max fi_shm fi_tcp (pinned means)
#                 write_direct write_relay write_direct_max
#                 write_relay_max                                (us)
#   bandwidth.dat bytes write_direct write_relay send_direct send_relay
#                 fi_shm fi_tcp                                  (GB/s)
awk -v out="$out" '
function bytes(s,   n) {
	n = s + 0
	if (s ~ /MiB$/) return n * 1048576
	if (s ~ /KiB$/) return n * 1024
	return n
}
function get(k) { return (k in v) ? v[k] : "-" }
/^bench perftest_[a-z]+_(lat|bw)_[0-9]+[KM]?i?B_(direct|relay)(_pinned(_max)?)?_vs_(shm|tcp): / {
	n = $2; sub(/:$/, "", n); sub(/^perftest_/, "", n)
	prov = n; sub(/^.*_vs_/, "", prov); sub(/_vs_.*$/, "", n)
	k = split(n, f, "_")
	test = f[1]; kind = f[2]; b = bytes(f[3]); path = f[4]
	mode = k >= 5 ? "_" f[5] : ""; max = k >= 6 ? "_" f[6] : ""
	if (kind == "bw") {
		t = "bandwidth"; y = $3 / 1000; base = $7 / 1000
	} else if (mode == "_pinned") {
		if (test != "send" && test != "write") next
		t = "pinned"; y = $3; base = $7
	} else if (test == "read" || test == "atomic") {
		t = "rtt"; y = $3; base = $7
	} else {
		t = "one_way"; y = $3; base = $7
	}
	sizes[t, b] = 1
	v[t, b, test "_" path max] = y
	if (max == "")
		v[t, b, "fi_" prov] = base
}
END {
	cols["one_way"] = "send_direct send_relay write_direct write_relay fi_shm fi_tcp"
	cols["rtt"] = "read_direct read_relay atomic_direct atomic_relay fi_shm fi_tcp"
	cols["pinned"] = "send_direct send_relay send_direct_max send_relay_max fi_shm fi_tcp write_direct write_relay write_direct_max write_relay_max"
	cols["bandwidth"] = "write_direct write_relay send_direct send_relay fi_shm fi_tcp"
	for (t in cols) {
		file = out "/" t ".dat"
		printf "" >file
		close(file)
		nc = split(cols[t], c, " ")
		for (tb in sizes) {
			split(tb, p, SUBSEP)
			if (p[1] != t)
				continue
			line = p[2]
			for (i = 1; i <= nc; i++)
				line = line " " get(t SUBSEP p[2] SUBSEP c[i])
			print line | "sort -n >" file
		}
		close("sort -n >" file)
	}
}' "$in"

if [ ! -s "$out/one_way.dat" ] && [ ! -s "$out/bandwidth.dat" ]; then
	echo "bench_plot: no bench_perftest figures in $in: nothing to draw" >&2
	exit 1
fi
if ! command -v gnuplot >/dev/null 2>&1; then
	echo "bench_plot: gnuplot is not installed: data in $out/*.dat, no plot"
	exit 0
fi
# Colours: direct blue, relay red, libfabric shm green, tcp grey; a
# dashed line with open marks is the same path's second test
# (or, pinned, its worst exchange).
gnuplot <<EOF
set terminal pngcairo size 1500,720 noenhanced font ",10"
set datafile missing "-"
set logscale xy
set grid
set ylabel "microseconds"
set key below box
set style line 1 lc rgb "#1f5fbf" lw 2 pt 7
set style line 2 lc rgb "#c0302a" lw 2 pt 5
set style line 3 lc rgb "#1f5fbf" lw 2 dt 2 pt 6
set style line 4 lc rgb "#c0302a" lw 2 dt 2 pt 4
set style line 5 lc rgb "#2a9a3a" lw 2 pt 9
set style line 6 lc rgb "#707070" lw 2 pt 11
set output "$out/latency.png"
set multiplot layout 1,3
set title "One way (perftest t_typical, fi_pingpong mean)"
set xrange [1:8192]
set xtics ("2 B" 2, "16 B" 16, "128 B" 128, "1 KiB" 1024, "4 KiB" 4096)
plot "$out/one_way.dat" using 1:2 with linespoints ls 1 title "ioverbs direct ib_send_lat", \
     "$out/one_way.dat" using 1:3 with linespoints ls 2 title "ioverbs relay ib_send_lat", \
     "$out/one_way.dat" using 1:4 with points ls 3 title "ioverbs direct ib_write_lat", \
     "$out/one_way.dat" using 1:5 with points ls 4 title "ioverbs relay ib_write_lat", \
     "$out/one_way.dat" using 1:6 with linespoints ls 5 title "libfabric shm (fi_pingpong)", \
     "$out/one_way.dat" using 1:7 with linespoints ls 6 title "libfabric tcp (fi_pingpong)"
set title "Round trip (ib_read_lat 2 B, ib_atomic_lat 8 B; fi_pingpong: 2 x one way)"
set xrange [1:16]
set xtics ("2 B" 2, "8 B" 8)
plot "$out/rtt.dat" using 1:2 with points ls 1 ps 1.5 title "ioverbs direct ib_read_lat", \
     "$out/rtt.dat" using 1:3 with points ls 2 ps 1.5 title "ioverbs relay ib_read_lat", \
     "$out/rtt.dat" using 1:4 with points ls 3 ps 1.5 title "ioverbs direct ib_atomic_lat", \
     "$out/rtt.dat" using 1:5 with points ls 4 ps 1.5 title "ioverbs relay ib_atomic_lat", \
     "$out/rtt.dat" using 1:6 with points ls 5 ps 1.5 title "libfabric shm (fi_pingpong)", \
     "$out/rtt.dat" using 1:7 with points ls 6 ps 1.5 title "libfabric tcp (fi_pingpong)"
set title "Both processes on CPU 0 (dashed, open: worst)"
set xrange [1:8192]
set xtics ("2 B" 2, "16 B" 16, "128 B" 128, "1 KiB" 1024, "4 KiB" 4096)
plot "$out/pinned.dat" using 1:2 with linespoints ls 1 title "ioverbs direct ib_send_lat, typical", \
     "$out/pinned.dat" using 1:3 with linespoints ls 2 title "ioverbs relay ib_send_lat, typical", \
     "$out/pinned.dat" using 1:4 with linespoints ls 3 title "ioverbs direct ib_send_lat, worst", \
     "$out/pinned.dat" using 1:5 with linespoints ls 4 title "ioverbs relay ib_send_lat, worst", \
     "$out/pinned.dat" using 1:6 with linespoints ls 5 title "libfabric shm, mean", \
     "$out/pinned.dat" using 1:7 with linespoints ls 6 title "libfabric tcp, mean", \
     "$out/pinned.dat" using 1:8 with points ls 1 pt 9 ps 1.5 title "ioverbs direct ib_write_lat, typical", \
     "$out/pinned.dat" using 1:9 with points ls 2 pt 9 ps 1.5 title "ioverbs relay ib_write_lat, typical", \
     "$out/pinned.dat" using 1:10 with points ls 3 pt 8 ps 1.5 title "ioverbs direct ib_write_lat, worst", \
     "$out/pinned.dat" using 1:11 with points ls 4 pt 8 ps 1.5 title "ioverbs relay ib_write_lat, worst"
unset multiplot
set terminal pngcairo size 900,620 noenhanced font ",10"
set output "$out/bandwidth.png"
set title "Bandwidth into another process (perftest: 128 in flight; fi_pingpong: 1)"
set xrange [32768:2097152]
set xtics ("64 KiB" 65536, "256 KiB" 262144, "1 MiB" 1048576)
set ylabel "GB/s (10^9 bytes)"
unset logscale y
set yrange [0:*]
plot "$out/bandwidth.dat" using 1:2 with linespoints ls 1 title "ioverbs direct ib_write_bw", \
     "$out/bandwidth.dat" using 1:3 with linespoints ls 2 title "ioverbs relay ib_write_bw", \
     "$out/bandwidth.dat" using 1:4 with linespoints ls 3 title "ioverbs direct ib_send_bw", \
     "$out/bandwidth.dat" using 1:5 with linespoints ls 4 title "ioverbs relay ib_send_bw", \
     "$out/bandwidth.dat" using 1:6 with linespoints ls 5 title "libfabric shm (fi_pingpong)", \
     "$out/bandwidth.dat" using 1:7 with linespoints ls 6 title "libfabric tcp (fi_pingpong)"
EOF
echo "bench_plot: $out/latency.png, $out/bandwidth.png"
