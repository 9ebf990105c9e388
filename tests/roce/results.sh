# SPDX-License-Identifier: MIT
# Sourced by tests/roce/check_*.sh (after scripts/roce_net.sh): the
# results of one script and what its commands said.
#
# roce_results OUT LOG: empties the directory OUT and starts OUT/LOG.
# roce_begin OUT: the namespaces (roce_net_init), finish at any exit.
# roce_bridge OUT: the guests' initramfs for $kver and the bridge
# (scripts/roce_guest.sh, sourced by the caller), errors in OUT/*.err.
# ok NAME, not_ok NAME WHY, skip NAME WHY: one result, on stdout and in
# the log.  finish: takes the namespaces down, prints "N passed, N
# failed" (", N skipped" when some were) and exits 1 if a test failed.
# why ID, status_why ID WHAT: what went wrong with ID (roce_ns_start,
# roce_ns_wait in scripts/roce_net.sh keep $roce_dir/ID.out and
# ID.status).

roce_results() {
	rm -rf "$1"
	mkdir -p "$1"
	log=$1/$2
	pass=0 fail=0 skip=0
	: >"$log"
}

roce_begin() {
	roce_net_init "$1" || { not_ok setup "cannot make the namespaces"; finish; }
	trap 'finish' EXIT
	trap 'fail=$((fail + 1)); echo "not ok roce: interrupted" | tee -a "$log"; finish' INT TERM HUP
}

roce_bridge() {
	kver=$(roce_guest_kver)
	if ! roce_guest_initramfs "$kver" 2>"$1/initramfs.err"; then
		not_ok initramfs "$(tail -n1 "$1/initramfs.err")"
		finish
	fi
	if ! roce_bridge_up 2>"$1/bridge.err"; then
		not_ok bridge "$(tail -n1 "$1/bridge.err")"
		finish
	fi
}

ok() {
	echo "ok roce/$1" | tee -a "$log"
	pass=$((pass + 1))
}
not_ok() {
	echo "not ok roce/$1: $2" | tee -a "$log"
	fail=$((fail + 1))
}
skip() {
	echo "skip roce/$1: $2" | tee -a "$log"
	skip=$((skip + 1))
}
finish() {
	trap - EXIT INT TERM HUP
	roce_net_down
	line="$pass passed, $fail failed"
	[ $skip -gt 0 ] && line="$line, $skip skipped"
	echo "$line" | tee -a "$log"
	# (An exit without a status in a trap would be the status before it.)
	[ $fail = 0 ] && exit 0
	exit 1
}

# why ID: the last line of ID's output that says what went wrong.
why() {
	l=$(grep -iE 'fail|error|couldn|unable|invalid|refused|timed? ?out|no ' \
		"$roce_dir/$1.out" 2>/dev/null | tail -n1)
	[ -n "$l" ] || l=$(tail -n1 "$roce_dir/$1.out" 2>/dev/null)
	echo "$l"
}

# status_why ID WHAT: "" when ID exited 0, else what happened.
status_why() {
	st=$(cat "$roce_dir/$1.status" 2>/dev/null || echo none)
	case $st in
	0) ;;
	124 | 137) echo "$2 timed out: $(why "$1")" ;;
	*) echo "$2 exited $st: $(why "$1")" ;;
	esac
}
