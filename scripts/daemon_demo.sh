#!/bin/sh
# SPDX-License-Identifier: MIT
# The daemon in one minute: starts ioverbsd on a temporary mount, shows
# its devices with ioverbs devinfo, runs examples/daemon_pingpong (two
# processes, shared queues, an RDMA WRITE), traces examples/rdma_rw
# through it with ioverbs trace -c, runs Debian's unmodified
# ibv_rc_pingpong through ioverbs run (when ibverbs-utils is installed),
# lists what is left with ioverbs ctl,
# and stops the daemon with SIGTERM (a clean unmount).
#
# Usage: scripts/daemon_demo.sh [BUILD_DIR]	(default build/rel)
# Needs root (or /dev/fuse and the right to mount); says so otherwise.
set -u
bin=${1:-build/rel}
daemon=$bin/daemon/ioverbsd
tool=$bin/tools/ioverbs
demo=$bin/examples/daemon_pingpong
rdma_rw=$bin/examples/rdma_rw
provider=$bin/provider/libioverbs-rdmav34.so

for f in "$daemon" "$tool" "$demo" "$rdma_rw"; do
	if [ ! -x "$f" ]; then
		echo "daemon_demo: $f is not built (run make)" >&2
		exit 1
	fi
done
if [ "$(id -u)" -ne 0 ] || [ ! -w /dev/fuse ]; then
	echo "daemon_demo: skipped: the daemon needs root and /dev/fuse"
	exit 0
fi

dir=$(mktemp -d /tmp/ioverbs-demo.XXXXXX)
mkdir "$dir/mnt"
"$daemon" -f --devices=2 --mode=0666 --pidfile="$dir/pid" \
	--log-file="$dir/log" "$dir/mnt" &
pid=$!
cleanup() {
	kill -TERM "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	fusermount3 -u -z "$dir/mnt" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM

i=0
while [ ! -e "$dir/mnt/uverbs1" ]; do
	i=$((i + 1))
	if [ $i -gt 300 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "daemon_demo: ioverbsd did not start; its log:" >&2
		cat "$dir/log" >&2
		exit 1
	fi
	sleep 0.1
done

echo "== ioverbsd (pid $pid) serves $dir/mnt:"
ls -l "$dir/mnt"
echo "== ioverbs devinfo"
"$tool" devinfo -m "$dir/mnt" || exit 1
echo "== daemon_pingpong: two processes on uverbs0"
"$demo" "$dir/mnt" uverbs0 1000 || exit 1
echo "== ioverbs trace -c: examples/rdma_rw through uverbs1"
IOVERBS_DEVICE="$dir/mnt/uverbs1" IOVERBS_MOUNT="$dir/mnt" \
	"$tool" trace -c -- "$rdma_rw" >/dev/null || exit 1
if [ -x /usr/bin/ibv_rc_pingpong ] && [ -r "$provider" ]; then
	echo "== Debian's ibv_rc_pingpong, unmodified, through ioverbs run (-e: completion events)"
	port=$((20000 + $$ % 20000))
	IOVERBS_PROVIDER=$provider "$tool" run -m "$dir/mnt" -- \
		ibv_rc_pingpong -d ioverbs0 -p $port -e >"$dir/server" 2>&1 &
	server=$!
	i=0
	until IOVERBS_PROVIDER=$provider "$tool" run -m "$dir/mnt" -- \
		ibv_rc_pingpong -d ioverbs0 -p $port -e 127.0.0.1 \
		>"$dir/client" 2>&1; do
		i=$((i + 1))
		if [ $i -gt 50 ] || ! kill -0 $server 2>/dev/null; then
			echo "daemon_demo: ibv_rc_pingpong failed:" >&2
			cat "$dir/server" "$dir/client" >&2
			exit 1
		fi
		sleep 0.1
	done
	wait $server || exit 1
	echo "-- server"
	cat "$dir/server"
	echo "-- client"
	cat "$dir/client"
fi
echo "== ioverbs ctl list (the clients are gone, so are their objects)"
"$tool" ctl -m "$dir/mnt" list
kill -TERM "$pid"
if ! wait "$pid"; then
	echo "daemon_demo: ioverbsd did not exit cleanly; its log:" >&2
	cat "$dir/log" >&2
	exit 1
fi
echo "== ioverbsd stopped: unmounted, $(grep -c . "$dir/log") log lines"
