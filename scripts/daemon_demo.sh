#!/bin/sh
# SPDX-License-Identifier: MIT
# The daemon in one minute: starts ioverbsd on a temporary mount, shows
# its devices with ioverbs devinfo, runs examples/daemon_pingpong (two
# processes, shared queues, an RDMA WRITE), traces examples/rdma_rw
# through it with ioverbs trace -c, lists what is left with ioverbs ctl,
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
echo "== ioverbs ctl list (the clients are gone, so are their objects)"
"$tool" ctl -m "$dir/mnt" list
kill -TERM "$pid"
if ! wait "$pid"; then
	echo "daemon_demo: ioverbsd did not exit cleanly; its log:" >&2
	cat "$dir/log" >&2
	exit 1
fi
echo "== ioverbsd stopped: unmounted, $(grep -c . "$dir/log") log lines"
