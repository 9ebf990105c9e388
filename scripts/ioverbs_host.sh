#!/bin/sh
# SPDX-License-Identifier: MIT
# One command on a RoCEv2 ioverbsd of its own: starts ioverbsd with
# --roce=ADDR on a fresh mount, runs CMD through `ioverbs run`, prints
# the port's `ioverbs stat` line, stops the daemon.  For the interop
# tests (tests/roce/), where it runs in a network namespace.
#
# Usage: scripts/ioverbs_host.sh ADDR CMD [ARGS...]
#
# IOVERBS_BUILD (default build/rel of this tree) has the daemon, the
# tool and the provider; IOVERBSD_ARGS adds options to the daemon's
# (--test-hooks --roce-faults=LOSS,REORDER).  A daemon that does not
# stop within 10 s of SIGTERM is killed, and the exit status is 3.
# Exits with CMD's status (2: no daemon).
#
# A host stays up after its program: its port still acknowledges the
# peer's retries of what the program's destroyed QPs received (the last
# ACK of a run may be lost on a lossy wire).  With IOVERBS_HOST_DONE=FILE
# and IOVERBS_HOST_RELEASE=FILE, the script creates the first once CMD
# has exited and keeps the daemon until the second exists (at most
# IOVERBS_HOST_HOLD seconds, default 60): the caller releases both hosts
# of a pair once both programs are done.
set -u
here=$(cd "$(dirname "$0")/.." && pwd)
b=${IOVERBS_BUILD:-$here/build/rel}
addr=$1
shift
mnt=$(mktemp -d /tmp/ioverbs-roce.XXXXXX) || exit 2
"$b/daemon/ioverbsd" -f --roce="$addr" ${IOVERBSD_ARGS:-} --log-file="$mnt.log" "$mnt" &
dpid=$!
i=0
while [ ! -e "$mnt/uverbs0" ] && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if [ ! -e "$mnt/uverbs0" ]; then
	echo "ioverbs_host: ioverbsd did not start: $(tail -n1 "$mnt.log")"
	[ -z "${IOVERBS_HOST_DONE:-}" ] || : >"$IOVERBS_HOST_DONE"
	kill $dpid 2>/dev/null
	rmdir "$mnt"
	exit 2
fi
IOVERBS_PROVIDER_DIR=$b/provider "$b/tools/ioverbs" run -m "$mnt" -- "$@"
st=$?
if [ -n "${IOVERBS_HOST_DONE:-}" ] && [ -n "${IOVERBS_HOST_RELEASE:-}" ]; then
	: >"$IOVERBS_HOST_DONE"
	i=0
	while [ ! -e "$IOVERBS_HOST_RELEASE" ] &&
		[ $i -lt $((${IOVERBS_HOST_HOLD:-60} * 10)) ]; do
		sleep 0.1
		i=$((i + 1))
	done
fi
"$b/tools/ioverbs" stat -m "$mnt" | sed -n 's/^ *roce: /ioverbs_host: /p'
kill $dpid
# A daemon that does not stop in 10 s is a bug: say so, and clean up.
i=0
while kill -0 $dpid 2>/dev/null && [ $i -lt 100 ]; do
	sleep 0.1
	i=$((i + 1))
done
if kill -0 $dpid 2>/dev/null; then
	echo "ioverbs_host: ioverbsd did not stop in 10 s: killed"
	kill -9 $dpid
	fusermount3 -u -z "$mnt" 2>/dev/null
	st=3
fi
wait $dpid
rmdir "$mnt" 2>/dev/null
rm -f "$mnt.log"
exit $st
