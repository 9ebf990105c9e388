// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: the standard verbs actions and the soft device's data
 * path (drivers/soft/, core/objects/), driven by sequences of operations.
 *
 * fuzz_ioctl.c sends raw command buffers to the test driver; this target
 * decodes its input as operations (GET_CONTEXT, PD/MR/CQ/QP/SRQ/AH
 * create and destroy, QP state changes, POST_SEND/RECV, polls, CQ
 * resizes, ...), each built into a real RDMA_VERBS_IOCTL command with
 * lib/ (ioverbs_cmd_*) and sent to a soft device.  A table of the
 * handles the run created lets parameters name live objects, stale ones,
 * objects of another type or of the other file, or garbage.  Completion
 * channels (fd objects) are created, named by CQ_CREATE, read and
 * destroyed too.  One operation in four is "raw": the command is built,
 * then its header and attributes are mutated (ids, lengths, reserved
 * fields, handles, attributes dropped or duplicated) and sent as is, so
 * that malformed input reaches the same actions.
 *
 * Memory: a sandbox address space (fs_mm).  Everything a command points
 * to -- the header and attributes, the PTR_IN/PTR_OUT buffers, the data
 * buffer the MRs cover -- lives in one arena (struct fs_arena), at its
 * real address, so lib/ builds commands with ordinary pointers.  fs_mm
 * copies only inside the arena's two user-visible regions (the command's
 * header + attributes, and the I/O area); a range that starts outside
 * copies nothing, one that runs off a region's end copies the part
 * inside, as the kernel does up to a faulting page.  Why not
 * compat_self_mm: MR start/hca_va and SGE addresses are fuzzed, and
 * through the self mm the engine would RDMA-write into the fuzzer's own
 * heap or ASan's shadow (the fault-safe copy only survives unmapped
 * pages, and its rep movsb is not instrumented), a false finding or
 * silent corruption.  Files get fs_mm as their context's mm through
 * ib_uverbs_file_ops.context_mm; current_mm is fs_mm during the input.
 *
 * The device: created once (LLVMFuzzerInitialize), 2 ports and small
 * limits so the limit paths are reachable; every input opens a fresh file
 * (and maybe a second one), and the DEVICE_REPLUG operation removes the
 * device under its open files (hot unplug) and creates a new one, which
 * later inputs keep using.  RNR retries run on the device's workqueue
 * (a thread): closing the files at the end of an input cancels them.
 *
 * Input format:
 *   byte 0   fail_nth: >= 0xc0 makes the (byte - 0xbf)-th injection point
 *            of the operations fail (compat_fail_nth_set); else none
 *   byte 1   flags: FS_F_FILE2 opens a second file at the start
 *   then     records, at most FS_MAX_OPS: u8 sel, u8 len, len bytes of
 *            parameters (read as zeros past their end, so a mutation of
 *            one record never shifts the next)
 *            sel bits 0-4: the operation (enum fs_op); bits 5-6 both
 *            set: raw; bit 7: on the second file (if open)
 *
 * Per input, abort() on: a sanitizer report; an errno outside the
 * contract of rdma_user_ioctl.h's DOC block (EAGAIN only from the
 * event-reading actions); a successful command on a file whose device
 * was removed, other than a DESTROY or an action marked after_removal
 * (rule 20); a failed command leaving a context behind (rule 14); after
 * every command, an object locked, with a wrong
 * reference or dependency count, or in the wrong state; a poll answering
 * more completions than there was room for, or a WC with a status out of
 * range; after the files are closed, a soft device object count not back
 * to zero or compat_live_objects() not back to where it was (a leak);
 * a WARN_ON (compat_warn_abort).
 *
 * FUZZ_SOFT_TRACE=1 prints every command and its result on stderr.
 */
#include <stdio.h>
#include <stdlib.h>

#include <ioverbs/verbs.h>
#include <rdma/ib_verbs.h>
#include <rdma/soft_device.h>
#include <rdma/ib_user_verbs.h>

#include "../core/core_priv.h"
#include "../drivers/soft/soft.h"

#define FS_CTL_LEN 2
#define FS_MAX_OPS 48
#define FS_SLOTS 6
#define FS_BUF_LEN 16384
#define FS_MAX_WR 8
#define FS_MAX_SGE 24
#define FS_MAX_WC 32

enum fs_flags {
	FS_F_FILE2 = 1 << 0,
};

enum fs_op {
	FS_OP_GET_CONTEXT,
	FS_OP_QUERY_DEVICE,
	FS_OP_QUERY_PORT,
	FS_OP_QUERY_GID,
	FS_OP_PD_ALLOC,
	FS_OP_PD_DEALLOC,
	FS_OP_MR_REG,
	FS_OP_MR_DEREG,
	FS_OP_CQ_CREATE,
	FS_OP_CQ_DESTROY,
	FS_OP_CQ_POLL,
	FS_OP_CQ_REQ_NOTIFY,
	FS_OP_QP_CREATE,
	FS_OP_QP_MODIFY,
	FS_OP_QP_CONNECT,
	FS_OP_QP_QUERY,
	FS_OP_QP_DESTROY,
	FS_OP_SRQ_CREATE,
	FS_OP_SRQ_MODIFY,
	FS_OP_SRQ_POST_RECV,
	FS_OP_SRQ_DESTROY,
	FS_OP_AH_CREATE,
	FS_OP_AH_DESTROY,
	FS_OP_POST_SEND,
	FS_OP_POST_RECV,
	FS_OP_QP_COUNTERS,
	FS_OP_GET_ASYNC_EVENT,
	FS_OP_FILE_REOPEN,
	FS_OP_DEVICE_REPLUG,
	FS_OP_CQ_RESIZE,
	FS_OP_CHANNEL,		/* COMP_CHANNEL create/destroy/get_event */
	FS_OP_BOOT,		/* context, PD, MR, CQ, two connected QPs */
	FS_NUM_OPS,
};

#define FS_SEL_OP 0x1f
#define FS_SEL_RAW 0x60
#define FS_SEL_FILE2 0x80

/* The kinds of objects the handle table keeps. */
enum fs_kind { FS_PD, FS_MR, FS_CQ, FS_QP, FS_SRQ, FS_AH, FS_CH, FS_NKINDS };

struct fs_obj {
	bool set;	/* created once; the handle may be stale since */
	bool live;
	u32 h;			/* the handle, or the fd of a channel */
	u32 lkey, rkey, access;	/* MR */
	u64 iova, len;		/* MR */
	u32 qpn;		/* QP */
	u8 qp_type;		/* QP */
};

struct fs_file {
	struct ib_uverbs_file *f;
	const void *dev;	/* opened on this device (identity only) */
	bool removed;		/* that device was removed */
	struct fs_obj obj[FS_NKINDS][FS_SLOTS];
};

/*
 * Where commands and their buffers live: see fs_mm above.  (The command
 * is followed by the I/O area: the same GNU extension as in cmd.h.)
 */
#ifdef __clang__
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
struct fs_arena {
	struct ioverbs_cmd cmd;
	/* --- the I/O area: user-visible from here on --- */
	union {
		struct ib_uverbs_get_context_resp ctx;
		struct ib_uverbs_query_device_resp dev;
		struct ib_uverbs_query_port_resp port;
		struct ib_uverbs_gid gid;
		struct ib_uverbs_mr_reg_resp mr;
		struct ib_uverbs_cq_create_resp cq;
		struct ib_uverbs_cq_destroy_resp cq_destroy;
		struct ib_uverbs_cq_resize_resp cq_resize;
		struct ib_uverbs_qp_create_resp qp;
		struct ib_uverbs_qp_query_resp qp_query;
		struct ib_uverbs_qp_destroy_resp qp_destroy;
		struct ib_uverbs_srq_create_resp srq;
		struct ib_uverbs_async_event_desc ev;
		struct soft_qp_counters counters;
		struct ib_uverbs_comp_event_desc comp_ev;
	} out;
	union {
		struct ib_uverbs_mr_reg_cmd mr;
		struct ib_uverbs_cq_create_cmd cq;
		struct ib_uverbs_qp_create_cmd qp;
		struct ib_uverbs_qp_attr qp_attr;
		struct ib_uverbs_srq_create_cmd srq;
		struct ib_uverbs_srq_modify_cmd srq_modify;
		struct ib_uverbs_ah_attr ah;
	} in;
	u8 port;
	u32 u32_in;
	u32 count;
	u32 bad_wr;
	struct ib_uverbs_send_wr swr[FS_MAX_WR];
	struct ib_uverbs_recv_wr rwr[FS_MAX_WR];
	struct ib_uverbs_sge sge[FS_MAX_SGE];
	struct ib_uverbs_wc wc[FS_MAX_WC];
	u8 buf[FS_BUF_LEN];
};
#ifdef __clang__
#pragma clang diagnostic pop
#endif

static struct fs_arena *A;

/* --- the sandbox address space ------------------------------------- */

struct fs_region {
	u64 start, end;
};

static struct fs_region fs_regions[2];

/* The bytes of [uaddr, uaddr + n) inside one region; *@p their start. */
static size_t fs_span(u64 uaddr, size_t n, u8 **p)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(fs_regions); i++) {
		const struct fs_region *r = &fs_regions[i];

		if (uaddr >= r->start && uaddr < r->end) {
			*p = (u8 *)(uintptr_t)uaddr;
			return min_t(u64, n, r->end - uaddr);
		}
	}
	return 0;
}

static size_t fs_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	u8 *p = NULL;
	size_t k = fs_span(uaddr, n, &p);

	(void)mm;
	if (k)
		memmove(dst, p, k);
	return n - k;
}

static size_t fs_write(struct compat_mm *mm, u64 uaddr, const void *src,
		       size_t n)
{
	u8 *p = NULL;
	size_t k = fs_span(uaddr, n, &p);

	(void)mm;
	if (k)
		memmove(p, src, k);
	return n - k;
}

static const struct compat_mm_ops fs_mm_ops = {
	.read = fs_read,
	.write = fs_write,
};

static struct compat_mm fs_mm = { .ops = &fs_mm_ops };

static struct compat_mm *fs_context_mm(struct ib_uverbs_file *ufile)
{
	(void)ufile;
	return &fs_mm;
}

static int fs_fd_alloc(struct ib_uverbs_file *ufile, struct ib_uobject *uobj,
		       int hint)
{
	(void)ufile;
	(void)uobj;
	(void)hint;
	return compat_event_fd_alloc();
}

static void fs_fd_release(struct ib_uverbs_file *ufile, int fd)
{
	(void)ufile;
	compat_event_fd_release(fd);
}

static const struct ib_uverbs_file_ops fs_file_ops = {
	.fd_alloc = fs_fd_alloc,
	.fd_release = fs_fd_release,
	.context_mm = fs_context_mm,
};

/* --- the world of one input ---------------------------------------- */

static struct ib_device *fs_dev;	/* the current device */
static long fs_base_live;
static bool fs_trace;
/*
 * FUZZ_SOFT_MASK: known bugs to step around, so that fuzzing goes on past
 * them (their reproducers are in fuzz/crashes-soft/):
 *   inline-stride  ask for max_inline_data in multiples of 8 only: the
 *                  misaligned send WQEs of soft_send_stride()
 */
static bool fs_mask_stride;
/* Successful receive and RDMA/atomic completions polled (mkcorpus_soft). */
static unsigned long fs_stat_recv_ok, fs_stat_rdma_ok;

static const struct soft_device_config fs_cfg = {
	.num_ports = 2,
	.max_qp = 16,
	.max_qp_wr = 64,
	.max_sge = 16,		/* above the engine's 8 on-stack segments */
	.max_cq = 12,
	.max_cqe = 256,
	.max_mr = 12,
	.max_pd = 8,
	.max_inline_data = 64,
	.max_srq = 4,
	.max_srq_wr = 64,
	.max_ah = 12,
};

struct fs {
	struct fs_file file[2];
	u16 lid[3];			/* by port, from QUERY_PORT */
	struct ib_uverbs_gid gid[3];	/* by port, from QUERY_GID */
	unsigned int nops;
};

/* The parameters of one record: zeros past their end. */
struct fs_rd {
	const u8 *p;
	size_t n;
};

static u8 rd8(struct fs_rd *r)
{
	u8 v;

	if (!r->n)
		return 0;
	v = *r->p++;
	r->n--;
	return v;
}

static u16 rd16(struct fs_rd *r)
{
	return (u16)(rd8(r) | rd8(r) << 8);
}

static u32 rd32(struct fs_rd *r)
{
	return (u32)rd16(r) | (u32)rd16(r) << 16;
}

static u64 rd64(struct fs_rd *r)
{
	return (u64)rd32(r) | (u64)rd32(r) << 32;
}

static void fs_die(const char *what, long v)
{
	fprintf(stderr, "fuzz_soft: %s (%ld)\n", what, v);
	if (ib_uverbs_last_error()[0])
		fprintf(stderr, "fuzz_soft: last command error: %s\n",
			ib_uverbs_last_error());
	abort();
}

/* --- handles ------------------------------------------------------- */

static struct fs_obj *fs_slot(struct fs_file *ff, enum fs_kind k, u8 b)
{
	struct fs_obj *o = &ff->obj[k][b % FS_SLOTS];
	unsigned int i;

	if (o->set)
		return o;
	/* An empty slot: the first one that was ever set, live or not. */
	for (i = 0; i < FS_SLOTS; i++)
		if (ff->obj[k][i].set)
			return &ff->obj[k][i];
	return NULL;
}

/*
 * A handle of kind @k: mostly one of the table's (live or stale), else
 * one of another kind, one of the other file, or garbage.
 */
static u32 fs_pick(struct fs *z, struct fs_file *ff, enum fs_kind k,
		   struct fs_rd *r, struct fs_obj **objp)
{
	u8 b = rd8(r);
	struct fs_obj *o = NULL;

	if (b < 0xe0)
		o = fs_slot(ff, k, b);
	else if (b < 0xf0)
		o = fs_slot(ff, (enum fs_kind)(b % FS_NKINDS), b >> 3);
	else if (b < 0xf8)
		o = fs_slot(&z->file[ff == &z->file[0]], k, b);
	else
		return b == 0xff ? rd32(r) : (u32)(b - 0xf8);
	if (objp)
		*objp = o;
	return o ? o->h : 0;
}

static void fs_obj_new(struct fs_file *ff, enum fs_kind k, u8 slot, u32 h)
{
	struct fs_obj *o = &ff->obj[k][slot % FS_SLOTS];

	memset(o, 0, sizeof(*o));
	o->set = true;
	o->live = true;
	o->h = h;
}

static void fs_obj_gone(struct fs_file *ff, enum fs_kind k, u32 h)
{
	unsigned int i;

	for (i = 0; i < FS_SLOTS; i++)
		if (ff->obj[k][i].set && ff->obj[k][i].h == h)
			ff->obj[k][i].live = false;
}

/* --- sending ------------------------------------------------------- */

static long fs_ioctl(void *ctx, unsigned int cmd, void *arg)
{
	return ib_uverbs_ioctl(ctx, cmd, (unsigned long)arg);
}

/*
 * The library builds every command (ioverbs_*_prep()), checked against
 * the live device's tables; fs_exec() sends it as built, or mutated.
 * Only the tables and driver id of the client matter here.
 */
static const struct ioverbs_client *fs_lib(void)
{
	static struct ioverbs_client v;

	ioverbs_client_init(&v, NULL, NULL);
	ioverbs_client_spec_set(&v, fs_dev->types, SOFT_DRIVER_ID);
	return &v;
}

static bool fs_is_destroy(const struct ib_uverbs_ioctl_hdr *hdr)
{
	switch (hdr->object_type) {
	case UVERBS_TYPE_PD:
		return hdr->action == UVERBS_ACTION_PD_DEALLOC;
	case UVERBS_TYPE_MR:
		return hdr->action == UVERBS_ACTION_MR_DEREG;
	case UVERBS_TYPE_COMP_CHANNEL:
		return hdr->action == UVERBS_ACTION_COMP_CHANNEL_DESTROY;
	case UVERBS_TYPE_CQ:
		return hdr->action == UVERBS_ACTION_CQ_DESTROY;
	case UVERBS_TYPE_QP:
		return hdr->action == UVERBS_ACTION_QP_DESTROY;
	case UVERBS_TYPE_SRQ:
		return hdr->action == UVERBS_ACTION_SRQ_DESTROY;
	case UVERBS_TYPE_AH:
		return hdr->action == UVERBS_ACTION_AH_DESTROY;
	}
	return false;
}

/* Served after removal too (uverbs_action.after_removal), per the spec. */
static bool fs_after_removal(const struct ib_uverbs_ioctl_hdr *hdr)
{
	const struct uverbs_types *types = fs_dev->types;
	const struct uverbs_type *t;

	if (hdr->object_type >= types->num_types)
		return false;
	t = types->types[hdr->object_type];
	return t && hdr->action < t->num_actions &&
	       t->actions[hdr->action].after_removal;
}

static bool fs_reads_events(const struct ib_uverbs_ioctl_hdr *hdr)
{
	return (hdr->object_type == UVERBS_TYPE_DEVICE &&
		hdr->action == UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT) ||
	       (hdr->object_type == UVERBS_TYPE_COMP_CHANNEL &&
		hdr->action == UVERBS_ACTION_COMP_CHANNEL_GET_EVENT);
}

/* rdma_user_ioctl.h's DOC block. */
static bool fs_errno_ok(const struct ib_uverbs_ioctl_hdr *hdr, long ret)
{
	switch (ret) {
	case 0:
	case -EFAULT:
	case -EINVAL:
	case -EOPNOTSUPP:
	case -EIO:
	case -ENOENT:
	case -EBUSY:
	case -EBADF:
	case -ENOMEM:
		return true;
	case -EMFILE:	/* an eventfd for a raw COMP_CHANNEL_CREATE */
		return hdr->object_type == UVERBS_TYPE_COMP_CHANNEL;
	case -EAGAIN:
		return fs_reads_events(hdr);
	}
	return false;
}

/* Object invariants between commands (as fuzz_ioctl.c's). */
static void fs_check_file(const struct fs_file *ff)
{
	struct ib_ucontext *uctx;
	struct ib_uobject *u, *v;
	unsigned int i;
	int kids;

	if (!ff->f)
		return;
	uctx = smp_load_acquire(&ff->f->ucontext);
	if (!uctx)
		return;
	list_for_each_entry(u, &uctx->uobjects, list) {
		if (u->state != (ff->removed ? UVERBS_UOBJ_ZOMBIE :
					       UVERBS_UOBJ_LIVE))
			fs_die("object in the wrong state", u->state);
		if (atomic_read(&u->usecnt))
			fs_die("object still locked after a command",
			       atomic_read(&u->usecnt));
		kids = 0;
		list_for_each_entry(v, &uctx->uobjects, list)
			for (i = 0; i < v->num_parents; i++)
				kids += v->parents[i] == u;
		if (atomic_read(&u->num_children) != kids)
			fs_die("dependency count wrong",
			       atomic_read(&u->num_children));
		if (atomic_read(&u->ref.refcount) != 1 + kids)
			fs_die("reference count wrong",
			       atomic_read(&u->ref.refcount));
		if (ff->removed && u->num_parents)
			fs_die("zombie still holds its parents",
			       u->num_parents);
	}
}

static const char *const fs_op_names[FS_NUM_OPS] = {
	"GET_CONTEXT", "QUERY_DEVICE", "QUERY_PORT", "QUERY_GID", "PD_ALLOC",
	"PD_DEALLOC", "MR_REG", "MR_DEREG", "CQ_CREATE", "CQ_DESTROY",
	"CQ_POLL", "CQ_REQ_NOTIFY", "QP_CREATE", "QP_MODIFY", "QP_CONNECT",
	"QP_QUERY", "QP_DESTROY", "SRQ_CREATE", "SRQ_MODIFY",
	"SRQ_POST_RECV", "SRQ_DESTROY", "AH_CREATE", "AH_DESTROY",
	"POST_SEND", "POST_RECV", "QP_COUNTERS", "GET_ASYNC_EVENT",
	"FILE_REOPEN", "DEVICE_REPLUG", "CQ_RESIZE", "CHANNEL", "BOOT",
};

/* Mutates the built command: bad ids, lengths, flags, handles. */
static void fs_mutate(struct ioverbs_cmd *c, struct fs_rd *r)
{
	struct ib_uverbs_ioctl_hdr *h = &c->hdr;
	u8 m = rd8(r);
	unsigned int n = 1 + (m >> 6), k, i, na;
	struct ib_uverbs_attr *a;
	u32 v;

	while (n--) {
		/* num_attrs itself may be garbage by now (case 15). */
		na = min_t(unsigned int, h->num_attrs, IOVERBS_CMD_MAX_ATTRS);
		k = rd8(r) & 15;
		i = na ? rd8(r) % na : 0;
		a = &c->attrs[i];
		v = rd32(r);
		switch (k) {
		case 0:
			a->attr_id = (u16)v;
			break;
		case 1:
			a->attr_id ^= UVERBS_VENDOR_FLAG;
			break;
		case 2:
			a->attr_id += (u16)((v & 7) - 3);
			break;
		case 3:
			a->len = (u16)v;
			break;
		case 4:
			a->len += (u16)((v & 31) - 16);
			break;
		case 5:
			a->reserved = v | 1;
			break;
		case 6:
			a->ptr_idr ^= (u64)(v | 1) << 32;
			break;
		case 7:
			a->ptr_idr = v;
			break;
		case 8:
			if (na && na == h->num_attrs) {
				memmove(a, a + 1, (na - i - 1) * sizeof(*a));
				h->num_attrs--;
				h->length -= sizeof(*a);
			}
			break;
		case 9:
			if (na && na < IOVERBS_CMD_MAX_ATTRS) {
				c->attrs[h->num_attrs++] = *a;
				h->length += sizeof(*a);
			}
			break;
		case 10:
			h->length = v & 1 ? (u16)v :
				    h->length + (u16)((v & 0x3e) - 32);
			break;
		case 11:
			h->flags = (u16)(v | 1);
			break;
		case 12:
			h->object_type = (u16)(v % (SOFT_NUM_TYPES + 2));
			break;
		case 13:
			h->action = (u16)(v % 8);
			break;
		case 14:
			h->driver_id ^= (u16)(v | 1);
			break;
		case 15:
			if (v & 1)
				h->reserved = v;
			else
				h->num_attrs = (u16)(v >> 8) & 0xff;
			break;
		}
	}
}

/*
 * Sends @c on @ff (raw: mutated first, outputs not stored) and checks the
 * result.  A command lib/ refused is not sent: its error is returned.
 */
static long fs_exec(struct fs *z, struct fs_file *ff, struct ioverbs_cmd *c,
		    bool raw, struct fs_rd *r)
{
	struct ib_uverbs_ioctl_hdr hdr;
	bool had_ctx;
	long ret;

	if (!ff->f)
		return -EBADF;
	if (raw) {
		c->error = 0;
		fs_mutate(c, r);
	} else if (c->error) {
		if (fs_trace)
			fprintf(stderr, "  lib refused %u/%u: %s\n",
				c->hdr.object_type, c->hdr.action,
				ioverbs_cmd_error(c));
		return c->error;
	}
	hdr = c->hdr;
	had_ctx = smp_load_acquire(&ff->f->ucontext);
	if (raw)
		ret = ib_uverbs_ioctl(ff->f, RDMA_VERBS_IOCTL,
				      (unsigned long)&c->hdr);
	else
		ret = ioverbs_cmd_exec(c, fs_ioctl, ff->f);
	if (fs_trace)
		fprintf(stderr, "  %s%u/%u -> %ld %s\n", raw ? "raw " : "",
			hdr.object_type, hdr.action, ret,
			ret ? ib_uverbs_last_error() : "");
	if (!fs_errno_ok(&hdr, ret))
		fs_die("errno outside the contract", ret);
	if (ret && !had_ctx && smp_load_acquire(&ff->f->ucontext))
		fs_die("a failed command left a context behind", ret);
	if (ff->removed && !ret && !fs_is_destroy(&hdr) &&
	    !fs_after_removal(&hdr))
		fs_die("a command succeeded on a removed device",
		       hdr.object_type << 16 | hdr.action);
	fs_check_file(&z->file[0]);
	fs_check_file(&z->file[1]);
	/* A raw command's outputs are not ours to believe. */
	return raw && !ret ? 1 : ret;
}

/* --- files and the device ------------------------------------------- */

static void fs_file_open(struct fs_file *ff)
{
	struct ib_uverbs_file *f;

	memset(ff, 0, sizeof(*ff));
	f = ib_uverbs_open(fs_dev, &fs_file_ops, NULL);
	if (IS_ERR(f)) {
		if (PTR_ERR(f) != -ENOMEM)
			fs_die("open", PTR_ERR(f));
		return;
	}
	ff->f = f;
	ff->dev = fs_dev;
}

static void fs_file_close(struct fs_file *ff)
{
	if (ff->f)
		ib_uverbs_release(ff->f);
	memset(ff, 0, sizeof(*ff));
}

static void fs_soft_counts_zero(struct ib_device *dev)
{
	struct soft_device *sdev = to_soft_dev(dev);

	if (atomic_read(&sdev->num_pd) || atomic_read(&sdev->num_mr) ||
	    atomic_read(&sdev->num_cq) || atomic_read(&sdev->num_qp) ||
	    atomic_read(&sdev->num_srq) || atomic_read(&sdev->num_ah))
		fs_die("soft device object counts not back to zero",
		       atomic_read(&sdev->num_qp));
}

static void fs_device_create(void)
{
	unsigned int saved = compat_fail_nth_left();
	struct ib_device *dev;

	compat_fail_nth_set(0);
	dev = soft_device_create(&fs_cfg);
	compat_fail_nth_set(saved);
	if (IS_ERR(dev))
		fs_die("soft_device_create", PTR_ERR(dev));
	fs_dev = dev;
}

/* Hot unplug under the open files, then a new device. */
static void fs_device_replug(struct fs *z)
{
	const void *old = fs_dev;
	unsigned int i;

	soft_device_destroy(fs_dev);
	for (i = 0; i < ARRAY_SIZE(z->file); i++)
		if (z->file[i].f && z->file[i].dev == old)
			z->file[i].removed = true;
	fs_check_file(&z->file[0]);
	fs_check_file(&z->file[1]);
	fs_device_create();
	memset(z->lid, 0, sizeof(z->lid));
	memset(z->gid, 0, sizeof(z->gid));
}

/* --- operations ----------------------------------------------------- */

/* Fuzzed address into the data buffer: mostly in, sometimes around. */
static u64 fs_addr(struct fs_rd *r, u64 *len)
{
	u8 mode = rd8(r);
	u64 base = (uintptr_t)A->buf;
	u16 off = rd16(r), l = rd16(r);

	switch (mode & 7) {
	default:	/* inside */
		off %= FS_BUF_LEN;
		*len = 1 + l % (FS_BUF_LEN - off);
		return base + off;
	case 5:		/* the whole buffer */
		*len = FS_BUF_LEN;
		return base;
	case 6:		/* around it */
		*len = l;
		return base + off - 8192;
	case 7:		/* anywhere */
		*len = rd64(r);
		return rd64(r);
	}
}

static long fs_op_get_context(struct fs *z, struct fs_file *ff, bool raw,
			      struct fs_rd *r)
{
	ioverbs_context_get_prep(fs_lib(), &A->cmd, &A->out.ctx);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static long fs_op_query_port(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r, u8 port)
{
	long ret;

	A->port = port;
	ioverbs_port_query_prep(fs_lib(), &A->cmd, &A->port, &A->out.port);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret && port >= 1 && port <= 2 && !ff->removed)
		z->lid[port] = A->out.port.lid;
	return ret;
}

static long fs_op_query_gid(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r, u8 port, u32 index)
{
	long ret;

	A->port = port;
	A->u32_in = index;
	ioverbs_port_query_gid_prep(fs_lib(), &A->cmd, &A->port, &A->u32_in,
				    &A->out.gid);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret && port >= 1 && port <= 2 && !ff->removed)
		z->gid[port] = A->out.gid;
	return ret;
}

static long fs_op_create_simple(struct fs *z, struct fs_file *ff, bool raw,
				struct fs_rd *r)
{
	u8 slot = rd8(r);
	u32 h = 0;
	long ret;

	ioverbs_pd_alloc_prep(fs_lib(), &A->cmd, &h);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_new(ff, FS_PD, slot, h);
	return ret;
}

/* PD_DEALLOC, MR_DEREG, AH_DESTROY: a handle and nothing else. */
static long fs_op_destroy_simple(struct fs *z, struct fs_file *ff, bool raw,
				 struct fs_rd *r, enum fs_kind k, u16 type,
				 u16 action)
{
	u32 h = fs_pick(z, ff, k, r, NULL);
	long ret;

	ioverbs_object_destroy_prep(fs_lib(), &A->cmd, type, action, 0, h);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_gone(ff, k, h);
	return ret;
}

static long fs_mr_reg(struct fs *z, struct fs_file *ff, bool raw,
		      struct fs_rd *r, u8 slot, u32 pd,
		      const struct ib_uverbs_mr_reg_cmd *cmd)
{
	struct fs_obj *o;
	u32 h = 0;
	long ret;

	A->in.mr = *cmd;
	ioverbs_mr_reg_prep(fs_lib(), &A->cmd, pd, &A->in.mr, &h, &A->out.mr);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret) {
		fs_obj_new(ff, FS_MR, slot, h);
		o = &ff->obj[FS_MR][slot % FS_SLOTS];
		o->lkey = A->out.mr.lkey;
		o->rkey = A->out.mr.rkey;
		o->iova = cmd->hca_va;
		o->len = cmd->length;
		o->access = cmd->access_flags;
	}
	return ret;
}

static long fs_op_mr_reg(struct fs *z, struct fs_file *ff, bool raw,
			 struct fs_rd *r)
{
	struct ib_uverbs_mr_reg_cmd cmd = { 0 };
	u8 slot = rd8(r), acc = rd8(r), va = rd8(r);
	u32 pd = fs_pick(z, ff, FS_PD, r, NULL);

	cmd.start = fs_addr(r, (u64 *)&cmd.length);
	cmd.hca_va = va < 0xc0 ? cmd.start :
		     va < 0xf0 ? 0x100000ull * (va & 15) : rd64(r);
	cmd.access_flags = acc < 0xf0 ? acc & 15 : acc == 0xff ? rd32(r) :
								 acc & 0x1f;
	if ((va & 3) == 3)
		cmd.reserved = rd32(r);
	return fs_mr_reg(z, ff, raw, r, slot, pd, &cmd);
}

static long fs_cq_create(struct fs *z, struct fs_file *ff, bool raw,
			 struct fs_rd *r, u8 slot, u32 cqe, u32 vec, u64 uh,
			 const u32 *ch)
{
	u32 h = 0;
	long ret;

	A->in.cq = (struct ib_uverbs_cq_create_cmd){
		.user_handle = uh, .cqe = cqe, .comp_vector = vec,
	};
	ioverbs_cq_create_prep(fs_lib(), &A->cmd, &A->in.cq,
			       ch ? (int)*ch : -1, &h, &A->out.cq);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_new(ff, FS_CQ, slot, h);
	return ret;
}

static long fs_op_cq_create(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	u8 slot = rd8(r), b = rd8(r);
	u32 cqe = b < 0xf0 ? b : rd32(r);
	u8 v = rd8(r);
	u32 ch = 0;

	if ((v & 0xc0) == 0x40)
		ch = fs_pick(z, ff, FS_CH, r, NULL) & 0x7fffffff;
	return fs_cq_create(z, ff, raw, r, slot, cqe, v < 0xf0 ? 0 : v & 15,
			    0xc0ull + slot, (v & 0xc0) == 0x40 ? &ch : NULL);
}

/* COMP_CHANNEL: create (an fd object), destroy, or read an event. */
static long fs_op_channel(struct fs *z, struct fs_file *ff, bool raw,
			  struct fs_rd *r)
{
	u8 sub = rd8(r), slot = rd8(r);
	struct ioverbs_cmd *c = &A->cmd;
	int fd = -1;
	u32 h;
	long ret;

	switch (sub % 3) {
	case 0:
		ioverbs_comp_channel_create_prep(fs_lib(), c, -1, &fd);
		ret = fs_exec(z, ff, c, raw, r);
		if (!ret)
			fs_obj_new(ff, FS_CH, slot, (u32)fd);
		return ret;
	case 1:
		h = fs_pick(z, ff, FS_CH, r, NULL) & 0x7fffffff;
		ioverbs_comp_channel_destroy_prep(fs_lib(), c, (int)h);
		ret = fs_exec(z, ff, c, raw, r);
		if (!ret)
			fs_obj_gone(ff, FS_CH, h);
		return ret;
	default:
		h = fs_pick(z, ff, FS_CH, r, NULL) & 0x7fffffff;
		ioverbs_comp_channel_get_event_prep(fs_lib(), c, (int)h,
						    &A->out.comp_ev);
		return fs_exec(z, ff, c, raw, r);
	}
}

static long fs_op_cq_destroy(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_CQ, r, NULL);
	long ret;

	ioverbs_cq_destroy_prep(fs_lib(), &A->cmd, h, &A->out.cq_destroy);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_gone(ff, FS_CQ, h);
	return ret;
}

static long fs_op_cq_resize(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_CQ, r, NULL);
	u8 b = rd8(r);

	A->u32_in = b < 0xf0 ? b : rd32(r);
	ioverbs_cq_resize_prep(fs_lib(), &A->cmd, h, &A->u32_in,
			       &A->out.cq_resize);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static long fs_op_cq_poll(struct fs *z, struct fs_file *ff, bool raw,
			  struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_CQ, r, NULL);
	u32 room = 1 + rd8(r) % FS_MAX_WC, i;
	long ret;

	A->count = 0xdead;
	ioverbs_cq_poll_prep(fs_lib(), &A->cmd, h, A->wc, room, &A->count);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret) {
		if (A->count > room)
			fs_die("poll: more completions than room", A->count);
		for (i = 0; i < A->count; i++) {
			const struct ib_uverbs_wc *wc = &A->wc[i];

			if (wc->status > IB_UVERBS_WC_GENERAL_ERR)
				fs_die("poll: WC status out of range",
				       wc->status);
			if (fs_trace)
				fprintf(stderr,
					"  wc %#llx status %u op %#x len %u qp %u\n",
					(unsigned long long)wc->wr_id,
					wc->status, wc->opcode, wc->byte_len,
					wc->qp_num);
			if (wc->status != IB_UVERBS_WC_SUCCESS)
				continue;
			if (wc->opcode & IB_UVERBS_WC_RECV)
				fs_stat_recv_ok++;
			else if (wc->opcode != IB_UVERBS_WC_SEND)
				fs_stat_rdma_ok++;
		}
	}
	return ret;
}

static long fs_op_cq_req_notify(struct fs *z, struct fs_file *ff, bool raw,
				struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_CQ, r, NULL);
	u8 s = rd8(r);

	A->u32_in = s < 0xf0 ? s & 1 : s;
	ioverbs_cq_req_notify_prep(fs_lib(), &A->cmd, h, &A->u32_in);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static const u8 fs_qp_types[4] = {
	IB_UVERBS_QPT_RC, IB_UVERBS_QPT_UC, IB_UVERBS_QPT_UD, IB_UVERBS_QPT_RC,
};

static long fs_qp_create(struct fs *z, struct fs_file *ff, bool raw,
			 struct fs_rd *r, u8 slot, u32 pd, u32 scq, u32 rcq,
			 const u32 *srq,
			 const struct ib_uverbs_qp_create_cmd *cmd)
{
	struct fs_obj *o;
	u32 h = 0;
	long ret;

	A->in.qp = *cmd;
	ioverbs_qp_create_prep(fs_lib(), &A->cmd, &A->in.qp, pd, scq, rcq,
			       srq ? *srq : IOVERBS_NONE, &h, &A->out.qp);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret) {
		fs_obj_new(ff, FS_QP, slot, h);
		o = &ff->obj[FS_QP][slot % FS_SLOTS];
		o->qpn = A->out.qp.qpn;
		o->qp_type = cmd->qp_type;
	}
	return ret;
}

static long fs_op_qp_create(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	struct ib_uverbs_qp_create_cmd cmd = { 0 };
	u8 slot = rd8(r), t = rd8(r), w = rd8(r);
	u32 pd = fs_pick(z, ff, FS_PD, r, NULL);
	u32 scq = fs_pick(z, ff, FS_CQ, r, NULL);
	u32 rcq = fs_pick(z, ff, FS_CQ, r, NULL);
	u32 srq = 0;
	bool with_srq = t & 0x10;

	if (with_srq)
		srq = fs_pick(z, ff, FS_SRQ, r, NULL);
	cmd.qp_type = t < 0xf0 ? fs_qp_types[t & 3] : t & 15;
	cmd.sq_sig_all = (t >> 2) & 1;
	if (t == 0xef)
		cmd.sq_sig_all = 2;
	cmd.user_handle = 0x900 + slot;
	if (w < 0xf0) {
		cmd.cap.max_send_wr = 1 + (w & 15);
		cmd.cap.max_recv_wr = 1 + (w >> 4);
		cmd.cap.max_send_sge = 1 + (rd8(r) & 3);
		cmd.cap.max_recv_sge = 1 + (rd8(r) & 3);
		cmd.cap.max_inline_data = rd8(r) & 0x3f;
	} else {
		cmd.cap.max_send_wr = rd8(r);
		cmd.cap.max_recv_wr = rd8(r);
		cmd.cap.max_send_sge = rd8(r) & 31;
		cmd.cap.max_recv_sge = rd8(r) & 31;
		cmd.cap.max_inline_data = rd8(r);
		if (w == 0xff) {
			cmd.cap.reserved = rd32(r);
			cmd.reserved[rd8(r) % 6] = rd8(r);
		}
	}
	if (fs_mask_stride)
		cmd.cap.max_inline_data &= ~7u;
	return fs_qp_create(z, ff, raw, r, slot, pd, scq, rcq,
			    with_srq ? &srq : NULL, &cmd);
}

static long fs_qp_modify(struct fs *z, struct fs_file *ff, bool raw,
			 struct fs_rd *r, u32 qp,
			 const struct ib_uverbs_qp_attr *attr)
{
	A->in.qp_attr = *attr;
	ioverbs_qp_modify_prep(fs_lib(), &A->cmd, qp, &A->in.qp_attr);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

/* An address vector: to a port of ours by LID or GID, or garbage. */
static void fs_av(struct fs *z, struct fs_rd *r, struct ib_uverbs_ah_attr *av)
{
	u8 m = rd8(r), port = 1 + ((m >> 2) & 1);

	memset(av, 0, sizeof(*av));
	av->port_num = port;
	switch (m & 3) {
	case 0:
	case 1:
		av->dlid = z->lid[port];
		break;
	case 2:
		av->is_global = 1;
		av->hop_limit = 64;
		av->dgid = z->gid[port];
		av->sgid_index = 0;
		break;
	case 3:
		av->dlid = rd16(r);
		av->is_global = rd8(r) & 1;
		av->port_num = rd8(r) & 3;
		av->sgid_index = rd8(r) & 1;
		av->sl = rd8(r);
		av->static_rate = rd8(r);
		av->dgid.raw[0] = rd8(r);
		av->reserved[0] = rd8(r) & 1;
		break;
	}
}

static long fs_op_qp_modify(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	struct ib_uverbs_qp_attr a = { 0 };
	u32 qp = fs_pick(z, ff, FS_QP, r, NULL);
	struct fs_obj *peer = NULL;
	u8 b = rd8(r);

	a.attr_mask = b < 0xe0 ? rd32(r) & 0x1fffff : rd32(r);
	if (b & 1)
		a.attr_mask |= IB_UVERBS_QP_STATE;
	a.qp_state = rd8(r) % 8;
	a.cur_qp_state = rd8(r) % 8;
	a.qp_access_flags = rd8(r) & 0x1f;
	a.pkey_index = rd8(r) % 3;
	a.port_num = rd8(r) % 4;
	a.qkey = b & 2 ? 0x11111111 : rd32(r);
	fs_pick(z, ff, FS_QP, r, &peer);
	a.dest_qp_num = peer ? peer->qpn : rd32(r) & 0xffffff;
	fs_av(z, r, &a.ah_attr);
	if (b & 4)
		fs_av(z, r, &a.alt_ah_attr);
	a.alt_port_num = rd8(r) % 4;
	a.path_mtu = rd8(r) % 7;
	a.min_rnr_timer = rd8(r) & 31;
	a.rnr_retry = rd8(r) & 7;
	a.retry_cnt = rd8(r) & 7;
	a.timeout = rd8(r) & 31;
	a.max_rd_atomic = rd8(r);
	a.max_dest_rd_atomic = rd8(r);
	a.sq_psn = b & 8 ? rd32(r) : rd32(r) & 0xffffff;
	a.rq_psn = b & 8 ? rd32(r) : rd32(r) & 0xffffff;
	a.path_mig_state = rd8(r) % 4;
	a.en_sqd_async_notify = rd8(r) & 1;
	if (b & 0x10) {
		a.cap.max_send_wr = rd8(r);
		a.cap.max_recv_wr = rd8(r);
	}
	if ((b & 0x60) == 0x60)
		a.reserved[rd8(r) % 5] = rd8(r) | 1;
	return fs_qp_modify(z, ff, raw, r, qp, &a);
}

/*
 * The valid RESET->INIT->RTR->RTS sequence of a QP, aimed at another QP of
 * the run (by QPN, and by the LID or GID of a port from QUERY_PORT /
 * QUERY_GID) so that traffic flows.
 */
static long fs_qp_connect(struct fs *z, struct fs_file *ff, bool raw,
			  struct fs_rd *r, struct fs_obj *q, u32 dqpn, u8 m)
{
	u8 port = 1 + (m & 1);
	struct ib_uverbs_qp_attr a;
	bool ud = q->qp_type == IB_UVERBS_QPT_UD;
	bool rc = q->qp_type == IB_UVERBS_QPT_RC;
	long ret;

	ret = fs_op_query_port(z, ff, false, r, port);
	if (ret)
		return ret;
	if (m & 2) {
		ret = fs_op_query_gid(z, ff, false, r, port, 0);
		if (ret)
			return ret;
	}
	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_PKEY_INDEX |
		      IB_UVERBS_QP_PORT |
		      (ud ? IB_UVERBS_QP_QKEY : IB_UVERBS_QP_ACCESS_FLAGS);
	a.qp_state = IB_UVERBS_QPS_INIT;
	a.port_num = port;
	a.qkey = 0x11111111;
	a.qp_access_flags = m & 4 ? IB_UVERBS_ACCESS_REMOTE_WRITE :
				    IB_UVERBS_ACCESS_LOCAL_WRITE |
				    IB_UVERBS_ACCESS_REMOTE_WRITE |
				    IB_UVERBS_ACCESS_REMOTE_READ |
				    IB_UVERBS_ACCESS_REMOTE_ATOMIC;
	ret = fs_qp_modify(z, ff, false, r, q->h, &a);
	if (ret)
		return ret;

	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE;
	a.qp_state = IB_UVERBS_QPS_RTR;
	if (!ud) {
		a.attr_mask |= IB_UVERBS_QP_AV | IB_UVERBS_QP_PATH_MTU |
			       IB_UVERBS_QP_DEST_QPN | IB_UVERBS_QP_RQ_PSN;
		a.ah_attr.port_num = port;
		if (m & 2) {
			a.ah_attr.is_global = 1;
			a.ah_attr.hop_limit = 64;
			a.ah_attr.dgid = z->gid[port];
		} else {
			a.ah_attr.dlid = z->lid[port];
		}
		a.path_mtu = IB_UVERBS_MTU_1024 + ((m >> 3) & 1);
		a.dest_qp_num = dqpn;
		a.rq_psn = 0x100;
	}
	if (rc) {
		a.attr_mask |= IB_UVERBS_QP_MAX_DEST_RD_ATOMIC |
			       IB_UVERBS_QP_MIN_RNR_TIMER;
		a.max_dest_rd_atomic = 4;
		a.min_rnr_timer = 1 + ((m >> 4) & 3);
	}
	ret = fs_qp_modify(z, ff, false, r, q->h, &a);
	if (ret || (m & 0x80))	/* stop in RTR: a responder only */
		return ret;

	memset(&a, 0, sizeof(a));
	a.attr_mask = IB_UVERBS_QP_STATE | IB_UVERBS_QP_SQ_PSN;
	a.qp_state = IB_UVERBS_QPS_RTS;
	a.sq_psn = 0x100;
	if (rc) {
		a.attr_mask |= IB_UVERBS_QP_TIMEOUT | IB_UVERBS_QP_RETRY_CNT |
			       IB_UVERBS_QP_RNR_RETRY |
			       IB_UVERBS_QP_MAX_QP_RD_ATOMIC;
		a.timeout = 14;
		a.retry_cnt = 7;
		/* 0: RNR at once; 1..6: retries on the workqueue; 7: waits */
		a.rnr_retry = (m >> 5) & 3 ? ((m >> 5) & 3) * 3 - 2 : 0;
		a.max_rd_atomic = 4;
	}
	return fs_qp_modify(z, ff, raw, r, q->h, &a);
}

static long fs_op_qp_connect(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r)
{
	struct fs_obj *q = NULL, *peer = NULL;
	u8 m;

	fs_pick(z, ff, FS_QP, r, &q);
	fs_pick(z, ff, FS_QP, r, &peer);
	m = rd8(r);
	if (!q)
		return -ENOENT;
	return fs_qp_connect(z, ff, raw, r, q,
			     peer ? peer->qpn : rd32(r) & 0xffffff, m);
}

static long fs_op_qp_query(struct fs *z, struct fs_file *ff, bool raw,
			   struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_QP, r, NULL);

	A->u32_in = rd32(r);
	ioverbs_qp_query_prep(fs_lib(), &A->cmd, h, &A->u32_in,
			      &A->out.qp_query);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static long fs_op_qp_destroy(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_QP, r, NULL);
	long ret;

	ioverbs_qp_destroy_prep(fs_lib(), &A->cmd, h, &A->out.qp_destroy);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_gone(ff, FS_QP, h);
	return ret;
}

static long fs_op_srq_create(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r)
{
	u8 slot = rd8(r), w = rd8(r), s = rd8(r), l = rd8(r);
	u32 pd = fs_pick(z, ff, FS_PD, r, NULL);
	u32 h = 0;
	long ret;

	A->in.srq = (struct ib_uverbs_srq_create_cmd){
		.user_handle = 0x500 + slot,
		.max_wr = w < 0xf0 ? 1 + (w & 31) : rd32(r),
		.max_sge = s < 0xf0 ? 1 + (s & 3) : s & 15,
		.srq_limit = l < 0xf0 ? l & 7 : rd32(r),
		.reserved = l == 0xff ? 1 : 0,
	};
	ioverbs_srq_create_prep(fs_lib(), &A->cmd, pd, &A->in.srq, &h,
				&A->out.srq);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_new(ff, FS_SRQ, slot, h);
	return ret;
}

static long fs_op_srq_modify(struct fs *z, struct fs_file *ff, bool raw,
			     struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_SRQ, r, NULL);
	u8 m = rd8(r);

	A->in.srq_modify = (struct ib_uverbs_srq_modify_cmd){
		.attr_mask = m < 0xf0 ? m & 3 : rd32(r),
		.max_wr = rd8(r),
		.srq_limit = rd8(r) & 15,
		.reserved = m == 0xef,
	};
	ioverbs_srq_modify_prep(fs_lib(), &A->cmd, h, &A->in.srq_modify);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

/* An SGE: inside one of the file's MRs mostly, with its lkey or not. */
static void fs_sge(struct fs *z, struct fs_file *ff, struct fs_rd *r,
		   struct ib_uverbs_sge *sge)
{
	struct fs_obj *mr = NULL;
	u8 m;
	u16 off, len;

	fs_pick(z, ff, FS_MR, r, &mr);
	m = rd8(r);
	off = rd16(r);
	len = rd16(r);
	if (!mr || (m & 0xc0) == 0xc0) {
		u64 l;

		sge->addr = fs_addr(r, &l);
		sge->length = (u32)l;
		sge->lkey = mr ? mr->lkey : rd32(r);
	} else {
		u64 room = mr->len ? mr->len : 1;

		sge->addr = mr->iova + off % room;
		sge->length = (m & 0x30) == 0x30 ? len :
			      (u32)min_t(u64, len % 512,
					 room - off % room);
		sge->lkey = (m & 0x0f) < 13 ? mr->lkey :
			    (m & 0x0f) == 13 ? mr->rkey : rd32(r);
	}
}

static long fs_post_recv(struct fs *z, struct fs_file *ff, bool raw,
			 struct fs_rd *r, bool srq)
{
	u32 h = fs_pick(z, ff, srq ? FS_SRQ : FS_QP, r, NULL);
	u8 b = rd8(r);
	unsigned int nwr = 1 + (b & 3), nsge = 0, i, j, k;

	for (i = 0; i < nwr; i++) {
		u8 w = rd8(r);

		k = w & 3;
		if (w == 0xff)
			k = 5 + (rd8(r) & 15);
		A->rwr[i] = (struct ib_uverbs_recv_wr){
			.wr_id = 0x1000 + i, .num_sge = k,
			.reserved = w == 0xfe,
		};
		for (j = 0; j < k && nsge < FS_MAX_SGE; j++)
			fs_sge(z, ff, r, &A->sge[nsge++]);
	}
	/* Array shapes: usually as the WRs say, sometimes not. */
	if ((b & 0x30) == 0x30 && nsge)
		nsge--;
	if (srq)
		ioverbs_srq_post_recv_prep(fs_lib(), &A->cmd, h, A->rwr, nwr,
					   A->sge, nsge,
					   b & 0x40 ? NULL : &A->bad_wr);
	else
		ioverbs_qp_post_recv_prep(fs_lib(), &A->cmd, h, A->rwr, nwr,
					  A->sge, nsge,
					  b & 0x40 ? NULL : &A->bad_wr);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static const u8 fs_opcodes[8] = {
	IB_UVERBS_WR_SEND, IB_UVERBS_WR_SEND_WITH_IMM, IB_UVERBS_WR_RDMA_WRITE,
	IB_UVERBS_WR_RDMA_WRITE_WITH_IMM, IB_UVERBS_WR_RDMA_READ,
	IB_UVERBS_WR_ATOMIC_CMP_AND_SWP, IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
	IB_UVERBS_WR_SEND,
};

static long fs_op_post_send(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_QP, r, NULL);
	u8 b = rd8(r);
	unsigned int nwr = 1 + (b & 3), nsge = 0, i, j, k;

	for (i = 0; i < nwr; i++) {
		struct ib_uverbs_send_wr *wr = &A->swr[i];
		struct fs_obj *tmr = NULL, *peer = NULL;
		u8 op = rd8(r), fl = rd8(r), ns = rd8(r), km = rd8(r);

		memset(wr, 0, sizeof(*wr));
		wr->wr_id = 0x2000 + i;
		wr->opcode = op < 0xf0 ? fs_opcodes[op & 7] : op & 15;
		wr->send_flags = fl < 0xf0 ? fl & 0xf : fl;
		wr->imm_data = 0x42;
		k = ns < 0xf0 ? ns & 3 : ns & 15;
		wr->num_sge = k;
		/* Remote: an MR of the run with its rkey, or garbage. */
		fs_pick(z, ff, FS_MR, r, &tmr);
		if (tmr && km < 0xc0) {
			u64 room = tmr->len ? tmr->len : 1;
			u16 off = rd16(r);

			wr->wr.rdma.remote_addr = tmr->iova + off % room;
			if (km & 1)
				wr->wr.rdma.remote_addr &= ~7ull;
			wr->wr.rdma.rkey = km < 0xb0 ? tmr->rkey : tmr->lkey;
		} else {
			wr->wr.rdma.remote_addr = rd64(r);
			wr->wr.rdma.rkey = rd32(r);
		}
		if (wr->opcode == IB_UVERBS_WR_ATOMIC_CMP_AND_SWP ||
		    wr->opcode == IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD) {
			u64 ra = wr->wr.rdma.remote_addr;
			u32 rkey = wr->wr.rdma.rkey;

			wr->wr.atomic.remote_addr = ra;
			wr->wr.atomic.compare_add = rd8(r);
			wr->wr.atomic.swap = rd64(r);
			wr->wr.atomic.rkey = rkey;
		}
		if (km & 0x40)
			wr->wr.rdma.reserved = 1;
		/* UD: an AH and a QPN, of the run or not. */
		if (op & 0x80 || (km & 0x30) == 0x30) {
			u32 ah = fs_pick(z, ff, FS_AH, r, NULL);

			fs_pick(z, ff, FS_QP, r, &peer);
			memset(&wr->wr, 0, sizeof(wr->wr));
			wr->wr.ud.ah = ah;
			wr->wr.ud.remote_qpn = peer ? peer->qpn : rd32(r);
			wr->wr.ud.remote_qkey = km & 8 ? rd32(r) : 0x11111111;
		}
		for (j = 0; j < k && nsge < FS_MAX_SGE; j++)
			fs_sge(z, ff, r, &A->sge[nsge++]);
	}
	if ((b & 0x30) == 0x30 && nsge)
		nsge--;
	ioverbs_qp_post_send_prep(fs_lib(), &A->cmd, h, A->swr, nwr, A->sge,
				  nsge, b & 0x40 ? NULL : &A->bad_wr);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

static long fs_op_ah_create(struct fs *z, struct fs_file *ff, bool raw,
			    struct fs_rd *r)
{
	u8 slot = rd8(r);
	u32 pd = fs_pick(z, ff, FS_PD, r, NULL);
	u32 h = 0;
	long ret;

	fs_av(z, r, &A->in.ah);
	ioverbs_ah_create_prep(fs_lib(), &A->cmd, pd, &A->in.ah, &h);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret)
		fs_obj_new(ff, FS_AH, slot, h);
	return ret;
}

static long fs_op_qp_counters(struct fs *z, struct fs_file *ff, bool raw,
			      struct fs_rd *r)
{
	u32 h = fs_pick(z, ff, FS_QP, r, NULL);
	const struct soft_qp_counters *k = &A->out.counters;
	long ret;

	ioverbs_soft_qp_counters_query_prep(fs_lib(), &A->cmd, h,
					    &A->out.counters);
	ret = fs_exec(z, ff, &A->cmd, raw, r);
	if (!ret && (k->send_completed > k->send_posted ||
		     k->flushed > k->send_completed + k->recv_completed))
		fs_die("QP counters inconsistent", (long)k->send_completed);
	return ret;
}

static long fs_op_get_async_event(struct fs *z, struct fs_file *ff, bool raw,
				  struct fs_rd *r)
{
	ioverbs_async_event_get_prep(fs_lib(), &A->cmd, &A->out.ev);
	return fs_exec(z, ff, &A->cmd, raw, r);
}

/* Context, PD, MR over the buffer, CQ, and two QPs connected together. */
static long fs_op_boot(struct fs *z, struct fs_file *ff, bool raw,
		       struct fs_rd *r)
{
	u8 t = rd8(r), m = rd8(r);
	struct ib_uverbs_mr_reg_cmd mr = {
		.start = (uintptr_t)A->buf, .length = FS_BUF_LEN,
		.hca_va = (uintptr_t)A->buf,
		.access_flags = IB_UVERBS_ACCESS_LOCAL_WRITE |
				IB_UVERBS_ACCESS_REMOTE_WRITE |
				IB_UVERBS_ACCESS_REMOTE_READ |
				IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	};
	struct ib_uverbs_qp_create_cmd qc = {
		.qp_type = fs_qp_types[t & 3],
		.sq_sig_all = (t >> 2) & 1,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 4, .max_recv_sge = 4,
			 .max_inline_data = 64 },
	};
	struct fs_obj *q[2];
	long ret;
	int i;

	if (!smp_load_acquire(&ff->f->ucontext)) {
		ret = fs_op_get_context(z, ff, false, r);
		if (ret)
			return ret;
	}
	{
		u32 h = 0;

		ioverbs_pd_alloc_prep(fs_lib(), &A->cmd, &h);
		ret = fs_exec(z, ff, &A->cmd, false, r);
		if (ret)
			return ret;
		fs_obj_new(ff, FS_PD, 0, h);
	}
	ret = fs_mr_reg(z, ff, false, r, 0, ff->obj[FS_PD][0].h, &mr);
	if (ret)
		return ret;
	ret = fs_cq_create(z, ff, false, r, 0, 64, 0, 0xc0, NULL);
	if (ret)
		return ret;
	for (i = 0; i < 2; i++) {
		ret = fs_qp_create(z, ff, false, r, (u8)i, ff->obj[FS_PD][0].h,
				   ff->obj[FS_CQ][0].h, ff->obj[FS_CQ][0].h,
				   NULL, &qc);
		if (ret)
			return ret;
		q[i] = &ff->obj[FS_QP][i];
	}
	for (i = 0; i < 2; i++) {
		ret = fs_qp_connect(z, ff, raw && i, r, q[i], q[!i]->qpn, m);
		if (ret)
			return ret;
	}
	return 0;
}

static long fs_run_op(struct fs *z, u8 sel, struct fs_rd *r)
{
	struct fs_file *ff = (sel & FS_SEL_FILE2) && z->file[1].f ?
			     &z->file[1] : &z->file[0];
	bool raw = (sel & FS_SEL_RAW) == FS_SEL_RAW;
	u8 op = sel & FS_SEL_OP;

	if (fs_trace)
		fprintf(stderr, "op %u: %s%s file %d\n", z->nops,
			fs_op_names[op], raw ? " (raw)" : "",
			ff == &z->file[1]);
	if (!ff->f && op != FS_OP_FILE_REOPEN && op != FS_OP_DEVICE_REPLUG)
		return -EBADF;
	switch ((enum fs_op)op) {
	case FS_OP_GET_CONTEXT:
		return fs_op_get_context(z, ff, raw, r);
	case FS_OP_QUERY_DEVICE:
		ioverbs_device_query_prep(fs_lib(), &A->cmd, &A->out.dev);
		return fs_exec(z, ff, &A->cmd, raw, r);
	case FS_OP_QUERY_PORT:
		return fs_op_query_port(z, ff, raw, r, rd8(r) % 4);
	case FS_OP_QUERY_GID: {
		u8 port = rd8(r) % 4, i = rd8(r);

		return fs_op_query_gid(z, ff, raw, r, port,
				       i < 0xf0 ? i & 1 : rd32(r));
	}
	case FS_OP_PD_ALLOC:
		return fs_op_create_simple(z, ff, raw, r);
	case FS_OP_PD_DEALLOC:
		return fs_op_destroy_simple(z, ff, raw, r, FS_PD,
					    UVERBS_TYPE_PD,
					    UVERBS_ACTION_PD_DEALLOC);
	case FS_OP_MR_REG:
		return fs_op_mr_reg(z, ff, raw, r);
	case FS_OP_MR_DEREG:
		return fs_op_destroy_simple(z, ff, raw, r, FS_MR,
					    UVERBS_TYPE_MR,
					    UVERBS_ACTION_MR_DEREG);
	case FS_OP_CQ_CREATE:
		return fs_op_cq_create(z, ff, raw, r);
	case FS_OP_CQ_DESTROY:
		return fs_op_cq_destroy(z, ff, raw, r);
	case FS_OP_CQ_POLL:
		return fs_op_cq_poll(z, ff, raw, r);
	case FS_OP_CQ_REQ_NOTIFY:
		return fs_op_cq_req_notify(z, ff, raw, r);
	case FS_OP_QP_CREATE:
		return fs_op_qp_create(z, ff, raw, r);
	case FS_OP_QP_MODIFY:
		return fs_op_qp_modify(z, ff, raw, r);
	case FS_OP_QP_CONNECT:
		return fs_op_qp_connect(z, ff, raw, r);
	case FS_OP_QP_QUERY:
		return fs_op_qp_query(z, ff, raw, r);
	case FS_OP_QP_DESTROY:
		return fs_op_qp_destroy(z, ff, raw, r);
	case FS_OP_SRQ_CREATE:
		return fs_op_srq_create(z, ff, raw, r);
	case FS_OP_SRQ_MODIFY:
		return fs_op_srq_modify(z, ff, raw, r);
	case FS_OP_SRQ_POST_RECV:
		return fs_post_recv(z, ff, raw, r, true);
	case FS_OP_SRQ_DESTROY:
		return fs_op_destroy_simple(z, ff, raw, r, FS_SRQ,
					    UVERBS_TYPE_SRQ,
					    UVERBS_ACTION_SRQ_DESTROY);
	case FS_OP_AH_CREATE:
		return fs_op_ah_create(z, ff, raw, r);
	case FS_OP_AH_DESTROY:
		return fs_op_destroy_simple(z, ff, raw, r, FS_AH,
					    UVERBS_TYPE_AH,
					    UVERBS_ACTION_AH_DESTROY);
	case FS_OP_POST_SEND:
		return fs_op_post_send(z, ff, raw, r);
	case FS_OP_CQ_RESIZE:
		return fs_op_cq_resize(z, ff, raw, r);
	case FS_OP_POST_RECV:
		return fs_post_recv(z, ff, raw, r, false);
	case FS_OP_CHANNEL:
		return fs_op_channel(z, ff, raw, r);
	case FS_OP_QP_COUNTERS:
		return fs_op_qp_counters(z, ff, raw, r);
	case FS_OP_GET_ASYNC_EVENT:
		return fs_op_get_async_event(z, ff, raw, r);
	case FS_OP_FILE_REOPEN:
		fs_file_close(ff);
		fs_file_open(ff);
		return 0;
	case FS_OP_DEVICE_REPLUG:
		fs_device_replug(z);
		return 0;
	case FS_OP_BOOT:
		return fs_op_boot(z, ff, raw, r);
	case FS_NUM_OPS:
		break;
	}
	return -EINVAL;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	if (compat_init())
		fs_die("compat_init", -1);
	compat_warn_abort = true;
	compat_log_level = LOG_ERR;
	fs_trace = getenv("FUZZ_SOFT_TRACE") != NULL;
	fs_mask_stride = getenv("FUZZ_SOFT_MASK") &&
			 strstr(getenv("FUZZ_SOFT_MASK"), "inline-stride");
	A = calloc(1, sizeof(*A));
	if (!A)
		fs_die("calloc", -ENOMEM);
	fs_regions[0].start = (uintptr_t)&A->cmd.hdr;
	fs_regions[0].end = (uintptr_t)&A->cmd.attrs[IOVERBS_CMD_MAX_ATTRS];
	fs_regions[1].start = (uintptr_t)&A->out;
	fs_regions[1].end = (uintptr_t)(A + 1);
	fs_device_create();
	rcu_barrier();
	fs_base_live = compat_live_objects();
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fs z;
	size_t off = FS_CTL_LEN;
	unsigned int i;
	long live;

	if (size < FS_CTL_LEN)
		return -1;
	if (!A)
		LLVMFuzzerInitialize(NULL, NULL);
	memset(&z, 0, sizeof(z));
	memset(A->buf, 0, sizeof(A->buf));
	for (i = 0; i < 64; i++)
		A->buf[i] = (u8)i;

	current_mm = &fs_mm;
	fs_file_open(&z.file[0]);
	if (data[1] & FS_F_FILE2)
		fs_file_open(&z.file[1]);
	compat_fail_nth_set(data[0] >= 0xc0 ? data[0] - 0xbfu : 0);

	for (z.nops = 0; z.nops < FS_MAX_OPS && size - off >= 2; z.nops++) {
		u8 sel = data[off], len = data[off + 1];
		struct fs_rd r = { data + off + 2, 0 };
		long ret;

		off += 2;
		r.n = min_t(size_t, len, size - off);
		off += r.n;
		ret = fs_run_op(&z, sel, &r);
		if (fs_trace)
			fprintf(stderr, "op %u -> %ld\n", z.nops, ret);
	}

	compat_fail_nth_set(0);
	for (i = 0; i < ARRAY_SIZE(z.file); i++)
		fs_file_close(&z.file[i]);
	current_mm = NULL;
	rcu_barrier();
	fs_soft_counts_zero(fs_dev);
	live = compat_live_objects();
	if (live != fs_base_live)
		fs_die("objects leaked", live - fs_base_live);
	return 0;
}
