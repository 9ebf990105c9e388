// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: raw RDMA_VERBS_IOCTL command buffers against the
 * embedded core and the test driver (tests/test_driver.c).
 *
 * The caller's address space is a window: the input itself, copied, seen
 * at FZ_BASE through a compat_mm of our own.  Reads and writes inside the
 * window succeed; a range that starts outside it copies nothing; a range
 * that runs off its end copies the part inside (as the kernel copies up to
 * the faulting page) and reports the rest as not copied.  So every
 * pointer in a command is fuzzed data and none touches real memory.
 *
 * Input format (all integers little endian):
 *
 *   offset 0  u8 flags     FZ_CTX       GET_CONTEXT on every file first
 *                          FZ_OBJS      pre-create objects (with FZ_CTX):
 *                                       file 0: parent 0 (value 7, vendor
 *                                       tag 0x77), parent 1 (value 9),
 *                                       child 2 of parents 0 and 1, a
 *                                       channel (fd 3); file 1: parent 0,
 *                                       a channel (fd 4)
 *                          FZ_EVENTFD   real eventfds for channels (the
 *                                       embedded default) instead of
 *                                       fake fds 3, 4, ...
 *                          FZ_REFUSE    the driver refuses one destroy
 *                          FZ_FILE2     open a second file (file 1)
 *                          FZ_REMOVE_END remove the device after the
 *                                       commands, before the files close
 *                          FZ_READONLY  writes to the window fail
 *   offset 1  u8 fail_nth  the n-th injection point of the command phase
 *                          fails (compat_fail_nth_set()); 0: none
 *   offset 2  u8 ncmds     commands that follow (at most FZ_MAX_CMDS)
 *   offset 3  u8 knob      errno a handler returns for FZ_SEL_FAIL:
 *                          fz_knob_errs[knob & 3]
 *   offset 4  commands, back to back, each:
 *             u8 sel       bits 0-1: the ioctl number, fz_ioctl_nums[]
 *                          (RDMA_VERBS_IOCTL twice, RDMA_DIRECT_IOCTL,
 *                          the upstream 24-byte-header number)
 *                          FZ_SEL_REMOVE  remove the device first
 *                          FZ_SEL_FAIL    the next handler fails
 *                          FZ_SEL_FILE2   run it on file 1 (if open)
 *                          FZ_SEL_HDR     through ib_uverbs_ioctl_hdr():
 *                                         the transport copied the header
 *                          FZ_SEL_BADARG  the arg pointer is moved out
 *                                         of the window
 *                          FZ_SEL_EVENT   read an async event afterwards
 *             u8 slots     attribute slots that follow the header (at
 *                          most FZ_MAX_SLOTS); independent of
 *                          hdr.num_attrs, so that mutating the header
 *                          does not shift the commands after it
 *             struct ib_uverbs_ioctl_hdr, then slots * ib_uverbs_attr,
 *             verbatim; ioctl arg = FZ_BASE + the header's offset
 *   then      data: whatever the commands' PTR attributes point to
 *             (FZ_BASE + offset in the input)
 *
 * Per input: a device and its files are created, objects pre-created
 * (through ordinary memory), the commands run with current_mm set to the
 * window, the files are closed, the device destroyed, and then nothing may
 * be left: a live allocation or a fake fd still open is a finding, and so
 * is a WARN_ON (compat_warn_abort), an errno outside the contract, a
 * successful non-DESTROY command after removal (rule 20), a failed
 * command that leaves a new context behind (rule 14), or a lock,
 * reference or dependency count left wrong after a command (rule 17,
 * checked on every object of every file after each command).
 *
 * fuzz/mkcorpus.c includes this file to write and check the seed corpus.
 */
#include <stdio.h>
#include <stdlib.h>

#include <rdma/ib_verbs.h>

/* The invariant checks read a file's context (struct ib_uverbs_file). */
#include "../core/core_priv.h"
#include "../tests/test_driver.h"

#define FZ_BASE 0x10000000ull
/* BADARG moves a pointer this far: beyond any window. */
#define FZ_FAR 0x01000000ull
#define FZ_CTL_LEN 4
#define FZ_MAX_CMDS 15
#define FZ_MAX_SLOTS 96

enum fz_flags {
	FZ_CTX = 1 << 0,
	FZ_OBJS = 1 << 1,
	FZ_EVENTFD = 1 << 2,
	FZ_REFUSE = 1 << 3,
	FZ_FILE2 = 1 << 4,
	FZ_REMOVE_END = 1 << 5,
	FZ_READONLY = 1 << 6,
};

enum fz_sel {
	FZ_SEL_IOCTL = 3 << 0,
	FZ_SEL_REMOVE = 1 << 2,
	FZ_SEL_FAIL = 1 << 3,
	FZ_SEL_FILE2 = 1 << 4,
	FZ_SEL_HDR = 1 << 5,
	FZ_SEL_BADARG = 1 << 6,
	FZ_SEL_EVENT = 1 << 7,
};

/* What the pre-created objects are called. */
enum {
	FZ_H_PARENT0 = 0,
	FZ_H_PARENT1 = 1,
	FZ_H_CHILD = 2,
	FZ_FAKE_FD0 = 3,	/* the first fake fd: file 0's channel */
	FZ_FAKE_FD1 = 4,	/* file 1's channel */
};

static const unsigned int fz_ioctl_nums[4] = {
	RDMA_VERBS_IOCTL, RDMA_VERBS_IOCTL, RDMA_DIRECT_IOCTL,
	0xc0181b01,	/* upstream's later 24-byte header: ENOTTY */
};

static const int fz_knob_errs[4] = { -EINVAL, -ENOMEM, -EPERM, -EAGAIN };

#define FZ_NO_RESULT 1	/* a command that did not run (or no expectation) */

/* Per-command results of the last input, for fuzz/mkcorpus.c. */
static long fz_results[FZ_MAX_CMDS];
static unsigned int fz_num_results;

static void fz_die(const char *what, long v)
{
	fprintf(stderr, "fuzz_ioctl: %s (%ld)\n", what, v);
	if (ib_uverbs_last_error()[0])
		fprintf(stderr, "fuzz_ioctl: last command error: %s\n",
			ib_uverbs_last_error());
	abort();
}

/* The window: the input, as the caller's memory. */
struct fz_window {
	struct compat_mm mm;
	u8 *bytes;
	size_t len;
	bool readonly;
};

/* Bytes of [uaddr, uaddr + n) inside @w from uaddr on; *@off their start. */
static size_t fz_span(const struct fz_window *w, u64 uaddr, size_t n,
		      size_t *off)
{
	u64 o;

	if (uaddr < FZ_BASE)
		return 0;
	o = uaddr - FZ_BASE;
	if (o >= w->len)
		return 0;
	*off = (size_t)o;
	return min_t(size_t, n, w->len - (size_t)o);
}

static size_t fz_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	struct fz_window *w = container_of(mm, struct fz_window, mm);
	size_t off = 0, k = fz_span(w, uaddr, n, &off);

	memcpy(dst, w->bytes + off, k);
	return n - k;
}

static size_t fz_write(struct compat_mm *mm, u64 uaddr, const void *src,
		       size_t n)
{
	struct fz_window *w = container_of(mm, struct fz_window, mm);
	size_t off = 0, k;

	if (w->readonly)
		return n;
	k = fz_span(w, uaddr, n, &off);
	memcpy(w->bytes + off, src, k);
	return n - k;
}

static const struct compat_mm_ops fz_window_ops = {
	.read = fz_read,
	.write = fz_write,
};

/*
 * Fake fds: small, deterministic numbers, so inputs can name them; one
 * table for the process, as real fds are, so that a file naming another
 * file's fd gets EBADF.  Releasing an fd the file does not own, or
 * leaving one open, is a finding.
 */
#define FZ_NUM_FDS 64
static struct ib_uverbs_file *fz_fd_owner[FZ_NUM_FDS];

static int fz_fd_alloc(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		       int hint)
{
	unsigned int i;

	(void)uobj;
	(void)hint;
	/* The same injection point as the embedded eventfd. */
	if (compat_should_fail(FAULT_ALLOC))
		return -EMFILE;
	for (i = 0; i < FZ_NUM_FDS; i++) {
		if (!fz_fd_owner[i]) {
			fz_fd_owner[i] = ufile;
			return FZ_FAKE_FD0 + (int)i;
		}
	}
	return -EMFILE;
}

static void fz_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	unsigned int i = (unsigned int)(fd - FZ_FAKE_FD0);

	if (fd < FZ_FAKE_FD0 || i >= FZ_NUM_FDS || fz_fd_owner[i] != ufile)
		fz_die("fd released that the file does not hold", fd);
	fz_fd_owner[i] = NULL;
}

static const struct ib_uverbs_file_ops fz_fake_fd_ops = {
	.fd_alloc = fz_fd_alloc,
	.fd_release = fz_fd_release,
};

/* One input's world. */
struct fz {
	struct ib_device *dev;
	struct ib_uverbs_file *f[2];
	bool removed;
	int knob_err;
};

/* Setup commands go through ordinary memory (current_mm NULL). */
static void fz_setup_ok(long ret, const char *what)
{
	if (ret)
		fz_die(what, ret);
}

static u32 fz_setup_parent(struct ib_uverbs_file *f, u32 value, u64 tag)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	if (tag)
		td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	fz_setup_ok(td_cmd_exec(f, &c), "setup: PARENT_CREATE");
	return td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
}

static void fz_setup_file(struct fz *z, unsigned int i, u8 flags)
{
	const struct ib_uverbs_file_ops *ops =
		flags & FZ_EVENTFD ? NULL : &fz_fake_fd_ops;
	struct td_context_resp resp;
	struct td_cmd c;
	u32 p0, p1;

	z->f[i] = ib_uverbs_open(z->dev, ops, NULL);
	if (IS_ERR(z->f[i]))
		fz_die("setup: open", PTR_ERR(z->f[i]));
	if (!(flags & FZ_CTX))
		return;
	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, &resp, sizeof(resp));
	fz_setup_ok(td_cmd_exec(z->f[i], &c), "setup: GET_CONTEXT");
	if (!(flags & FZ_OBJS))
		return;

	p0 = fz_setup_parent(z->f[i], 7, 0x77);
	if (i == 0) {
		p1 = fz_setup_parent(z->f[i], 9, 0);
		td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
		td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
		td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, p0);
		td_cmd_idr(&c, TD_CHILD_CREATE_PARENT2, p1);
		fz_setup_ok(td_cmd_exec(z->f[i], &c), "setup: CHILD_CREATE");
	}
	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, 0);
	fz_setup_ok(td_cmd_exec(z->f[i], &c), "setup: CHANNEL_CREATE");
}

/* The errnos of the contract (rdma_user_ioctl.h), the transport's and
 * the test driver's knob. */
static bool fz_errno_ok(const struct fz *z, long ret)
{
	switch (ret) {
	case 0:
	case -ENOTTY:
	case -ENOSYS:
	case -EFAULT:
	case -EINVAL:
	case -EOPNOTSUPP:
	case -EIO:
	case -ENOENT:
	case -EBUSY:
	case -EBADF:
	case -ENOMEM:
	case -EMFILE:	/* fd_alloc */
		return true;
	}
	return ret == z->knob_err;
}

static bool fz_is_destroy(const struct ib_uverbs_ioctl_hdr *hdr)
{
	switch (hdr->object_type) {
	case TD_TYPE_PARENT:
		return hdr->action == TD_PARENT_DESTROY;
	case TD_TYPE_CHILD:
		return hdr->action == TD_CHILD_DESTROY;
	case TD_TYPE_CHANNEL:
		return hdr->action == TD_CHANNEL_DESTROY;
	}
	return false;
}

/*
 * Rule 17 and the object invariants, between commands: nothing locked,
 * each object referenced by the table and by each child naming it, its
 * dependency count equal to its live children; after removal only
 * zombies, holding nothing.
 */
static void fz_check_file(const struct fz *z, struct ib_uverbs_file *f)
{
	struct ib_ucontext *uctx = smp_load_acquire(&f->ucontext);
	struct ib_uobject *u, *v;
	unsigned int i;
	int kids;

	if (!uctx)
		return;
	list_for_each_entry(u, &uctx->uobjects, list) {
		if (u->state != (z->removed ? UVERBS_UOBJ_ZOMBIE :
					      UVERBS_UOBJ_LIVE))
			fz_die("object in the wrong state", u->state);
		if (atomic_read(&u->usecnt))
			fz_die("object still locked after a command",
			       atomic_read(&u->usecnt));
		kids = 0;
		list_for_each_entry(v, &uctx->uobjects, list)
			for (i = 0; i < v->num_parents; i++)
				kids += v->parents[i] == u;
		if (atomic_read(&u->num_children) != kids)
			fz_die("dependency count wrong",
			       atomic_read(&u->num_children));
		if (atomic_read(&u->ref.refcount) != 1 + kids)
			fz_die("reference count wrong",
			       atomic_read(&u->ref.refcount));
		if (z->removed && u->num_parents)
			fz_die("zombie still holds its parents", u->num_parents);
	}
}

static long fz_run_cmd(struct fz *z, struct fz_window *w, u8 sel,
		       size_t hdr_off)
{
	struct ib_uverbs_file *f =
		(sel & FZ_SEL_FILE2) && z->f[1] ? z->f[1] : z->f[0];
	unsigned int cmd = fz_ioctl_nums[sel & FZ_SEL_IOCTL];
	unsigned long arg = FZ_BASE + hdr_off;
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_ioctl_hdr hdr;
	bool had_ctx;
	long ret;

	if (sel & FZ_SEL_REMOVE) {
		td_device_remove(z->dev);
		z->removed = true;
	}
	if (sel & FZ_SEL_FAIL)
		td_knobs.fail_next = z->knob_err;
	if (sel & FZ_SEL_BADARG)
		arg += FZ_FAR;
	/* The header as it was before the command (NEW writes back). */
	memcpy(&hdr, w->bytes + hdr_off, sizeof(hdr));
	had_ctx = smp_load_acquire(&f->ucontext);
	if (sel & FZ_SEL_HDR)
		ret = ib_uverbs_ioctl_hdr(f, cmd, &hdr, arg);
	else
		ret = ib_uverbs_ioctl(f, cmd, arg);
	td_knobs.fail_next = 0;

	if (!fz_errno_ok(z, ret))
		fz_die("errno outside the contract", ret);
	if (cmd == RDMA_DIRECT_IOCTL && ret != -ENOSYS)
		fz_die("RDMA_DIRECT_IOCTL did not give ENOSYS", ret);
	if (cmd != RDMA_VERBS_IOCTL && cmd != RDMA_DIRECT_IOCTL &&
	    ret != -ENOTTY)
		fz_die("a foreign ioctl number did not give ENOTTY", ret);
	/* Rule 14 for the context: a command that fails creates none. */
	if (ret && !had_ctx && smp_load_acquire(&f->ucontext))
		fz_die("a failed command left a context behind", ret);
	/* Rule 20: after removal only DESTROY succeeds. */
	if (z->removed && !ret && !fz_is_destroy(&hdr))
		fz_die("a command succeeded on a removed device", hdr.action);

	if (sel & FZ_SEL_EVENT) {
		long r = ib_uverbs_read_async_event(f, &ev);

		if (r != -EAGAIN &&
		    (r || ev.event_type != IB_UVERBS_EVENT_DEVICE_FATAL ||
		     !z->removed))
			fz_die("unexpected async event", r ? r : ev.event_type);
	}
	fz_check_file(z, z->f[0]);
	if (z->f[1])
		fz_check_file(z, z->f[1]);
	return ret;
}

static void fz_init_once(void)
{
	static bool done;

	if (done)
		return;
	if (compat_init())
		fz_die("compat_init", -1);
	compat_warn_abort = true;
	/* Injected failures during removal log a lost DEVICE_FATAL. */
	compat_log_level = LOG_ERR;
	done = true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_window w = { .mm = { .ops = &fz_window_ops } };
	struct fz z = { 0 };
	unsigned int ncmds, i;
	size_t off;
	u8 flags;
	long live;

	fz_num_results = 0;
	if (size < FZ_CTL_LEN)
		return -1;	/* not worth keeping */
	fz_init_once();

	w.bytes = malloc(size);
	if (!w.bytes)
		return 0;
	memcpy(w.bytes, data, size);
	w.len = size;
	flags = data[0];
	w.readonly = flags & FZ_READONLY;
	ncmds = min_t(unsigned int, data[2], FZ_MAX_CMDS);
	z.knob_err = fz_knob_errs[data[3] & 3];

	td_knobs_reset();
	z.dev = td_device_create();
	if (!z.dev)
		fz_die("td_device_create", 0);
	fz_setup_file(&z, 0, flags);
	if (flags & FZ_FILE2)
		fz_setup_file(&z, 1, flags);
	if (flags & FZ_REFUSE)
		td_knobs.refuse_destroy = 1;

	compat_fail_nth_set(data[1]);
	current_mm = &w.mm;
	off = FZ_CTL_LEN;
	for (i = 0; i < ncmds; i++) {
		size_t need, slots;
		u8 sel;

		need = 2 + sizeof(struct ib_uverbs_ioctl_hdr);
		if (size - off < need)
			break;
		sel = data[off];
		slots = min_t(size_t, data[off + 1], FZ_MAX_SLOTS);
		slots = min_t(size_t, slots, (size - off - need) /
						     sizeof(struct ib_uverbs_attr));
		fz_results[i] = fz_run_cmd(&z, &w, sel, off + 2);
		fz_num_results = i + 1;
		off += need + slots * sizeof(struct ib_uverbs_attr);
	}
	if (flags & FZ_REMOVE_END) {
		td_device_remove(z.dev);
		z.removed = true;
		fz_check_file(&z, z.f[0]);
	}
	current_mm = NULL;
	compat_fail_nth_set(0);

	for (i = 0; i < ARRAY_SIZE(z.f); i++)
		if (z.f[i])
			ib_uverbs_release(z.f[i]);
	td_device_destroy(z.dev);
	rcu_barrier();
	live = compat_live_objects();
	if (live)
		fz_die("objects leaked", live);
	for (i = 0; i < FZ_NUM_FDS; i++)
		if (fz_fd_owner[i])
			fz_die("fake fd left open", FZ_FAKE_FD0 + (long)i);
	td_knobs_reset();
	free(w.bytes);
	return 0;
}
