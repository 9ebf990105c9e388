// SPDX-License-Identifier: MIT
/*
 * Writes the seed corpus of fuzz_ioctl: valid and near-valid commands for
 * every action of the test driver, the removal, fault-injection and
 * transport paths, and one seed per header and attribute rule.  Each seed
 * is run through the fuzz target before it is written, and every command's
 * result must be the errno written next to it here, so the corpus cannot
 * silently drift from the input format or the contract.
 *
 * `make fuzz-corpus` builds it and rewrites fuzz/corpus/seed-* with it.
 *
 * It also writes the reproducers of the core bugs found so far to
 * fuzz/crashes/ (see crashes()).
 */
#include <sys/stat.h>

#include "fuzz_ioctl.c"

#define ANY FZ_NO_RESULT	/* a result not checked (fault injection) */
#define OBJS (FZ_CTX | FZ_OBJS)
#define VERBS 0			/* sel: RDMA_VERBS_IOCTL */

/* The header last: it ends in a flexible array. */
struct seed_cmd {
	u8 sel;
	int slots;		/* record slots; -1: hdr.num_attrs */
	long expect;
	int data_off[FZ_MAX_SLOTS];	/* PTR into the data, or -1 */
	struct ib_uverbs_attr attrs[FZ_MAX_SLOTS];
	struct ib_uverbs_ioctl_hdr hdr;
};

static struct {
	char name[64];
	u8 ctl[FZ_CTL_LEN];
	struct seed_cmd cmds[FZ_MAX_CMDS];
	unsigned int ncmds;
	u8 data[2048];
	size_t data_len;
	bool crash;	/* goes to fuzz/crashes/, see crash() */
} S;

static const char *out_dir;
static unsigned int num_written, num_crashes;

static void seed(const char *name, u8 flags)
{
	memset(&S, 0, sizeof(S));
	snprintf(S.name, sizeof(S.name), "%s", name);
	S.ctl[0] = flags;
}

/*
 * Reproducers of core bugs the fuzzer found go to fuzz/crashes/ (beside
 * the corpus directory) as regression inputs.  They are checked like the
 * seeds, so a bug that is not fixed yet stops the generator here: write
 * such a reproducer with the errnos the fix will give.
 */
static void crash(const char *name, u8 flags)
{
	seed(name, flags);
	S.crash = true;
}

static struct seed_cmd *C(void)
{
	return &S.cmds[S.ncmds - 1];
}

static struct ib_uverbs_ioctl_hdr *H(void)
{
	return &C()->hdr;
}

static void cmd(u8 sel, u16 type, u16 action, long expect)
{
	struct seed_cmd *c = &S.cmds[S.ncmds++];

	if (S.ncmds > FZ_MAX_CMDS) {
		fprintf(stderr, "%s: too many commands\n", S.name);
		exit(1);
	}
	c->sel = sel;
	c->slots = -1;
	c->hdr.object_type = type;
	c->hdr.driver_id = TD_DRIVER_ID;
	c->hdr.action = action;
	c->hdr.length = sizeof(c->hdr);
	c->expect = expect;
}

static struct ib_uverbs_attr *attr(u16 id)
{
	struct seed_cmd *c = C();
	struct ib_uverbs_attr *a = &c->attrs[c->hdr.num_attrs];

	c->data_off[c->hdr.num_attrs] = -1;
	c->hdr.num_attrs++;
	c->hdr.length += sizeof(*a);
	a->attr_id = id;
	return a;
}

/* The last attribute added. */
static struct ib_uverbs_attr *A(void)
{
	return &C()->attrs[C()->hdr.num_attrs - 1];
}

static struct ib_uverbs_attr *in(u16 id, const void *p, u16 len)
{
	struct ib_uverbs_attr *a = attr(id);

	S.data_len = (S.data_len + 7) & ~(size_t)7;
	if (S.data_len + len > sizeof(S.data)) {
		fprintf(stderr, "%s: data full\n", S.name);
		exit(1);
	}
	memcpy(S.data + S.data_len, p, len);
	C()->data_off[C()->hdr.num_attrs - 1] = (int)S.data_len;
	S.data_len += len;
	a->len = len;
	return a;
}

static struct ib_uverbs_attr *out(u16 id, u16 len)
{
	static const u8 zero[64];

	return in(id, zero, len);
}

static struct ib_uverbs_attr *in_u32(u16 id, u32 v)
{
	return in(id, &v, sizeof(v));
}

static struct ib_uverbs_attr *idr(u16 id, u64 handle)
{
	struct ib_uverbs_attr *a = attr(id);

	a->ptr_idr = handle;
	return a;
}

/* A PTR attribute at a raw address (outside the window, say). */
static struct ib_uverbs_attr *raw_ptr(u16 id, u64 addr, u16 len)
{
	struct ib_uverbs_attr *a = attr(id);

	a->ptr_idr = addr;
	a->len = len;
	return a;
}

/* Common commands. */
static void get_context(u8 sel, long expect)
{
	cmd(sel, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT, expect);
	out(TD_GET_CONTEXT_RESP, sizeof(struct td_context_resp));
}

static void parent_create(u8 sel, u32 value, long expect)
{
	cmd(sel, TD_TYPE_PARENT, TD_PARENT_CREATE, expect);
	idr(TD_PARENT_CREATE_HANDLE, 0);
	in_u32(TD_PARENT_CREATE_VALUE, value);
}

static void parent_read(u8 sel, u64 h, long expect)
{
	struct td_read_buf buf = { 1, 2 };

	cmd(sel, TD_TYPE_PARENT, TD_PARENT_READ, expect);
	idr(TD_PARENT_READ_HANDLE, h);
	in(TD_PARENT_READ_IN, &buf, sizeof(buf));
	out(TD_PARENT_READ_OUT, sizeof(buf));
}

static void parent_write(u8 sel, u64 h, u32 value, long expect)
{
	cmd(sel, TD_TYPE_PARENT, TD_PARENT_WRITE, expect);
	idr(TD_PARENT_WRITE_HANDLE, h);
	in_u32(TD_PARENT_WRITE_VALUE, value);
}

static void parent_destroy(u8 sel, u64 h, bool resp, long expect)
{
	cmd(sel, TD_TYPE_PARENT, TD_PARENT_DESTROY, expect);
	idr(TD_PARENT_DESTROY_HANDLE, h);
	if (resp)
		out(TD_PARENT_DESTROY_RESP, sizeof(u32));
}

static void child_create(u8 sel, u64 parent, const u64 *parent2, long expect)
{
	cmd(sel, TD_TYPE_CHILD, TD_CHILD_CREATE, expect);
	idr(TD_CHILD_CREATE_HANDLE, 0);
	idr(TD_CHILD_CREATE_PARENT, parent);
	if (parent2)
		idr(TD_CHILD_CREATE_PARENT2, *parent2);
	in_u32(TD_CHILD_CREATE_VALUE, 3);
}

static void child_read(u8 sel, u64 h, long expect)
{
	cmd(sel, TD_TYPE_CHILD, TD_CHILD_READ, expect);
	idr(TD_CHILD_READ_HANDLE, h);
	out(TD_CHILD_READ_OUT, sizeof(u32));
}

static void child_write(u8 sel, u64 h, u64 parent, long expect)
{
	cmd(sel, TD_TYPE_CHILD, TD_CHILD_WRITE, expect);
	idr(TD_CHILD_WRITE_HANDLE, h);
	idr(TD_CHILD_WRITE_PARENT, parent);
	in_u32(TD_CHILD_WRITE_VALUE, 11);
}

static void child_destroy(u8 sel, u64 h, long expect)
{
	cmd(sel, TD_TYPE_CHILD, TD_CHILD_DESTROY, expect);
	idr(TD_CHILD_DESTROY_HANDLE, h);
}

static void vendor_only(u8 sel, long expect)
{
	cmd(sel, TD_TYPE_VENDOR, TD_VENDOR_ONLY, expect);
	in_u32(TD_VENDOR_ONLY_IN, 21);
	out(TD_VENDOR_ONLY_OUT, sizeof(u32));
}

static void channel_create(u8 sel, long expect)
{
	cmd(sel, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE, expect);
	idr(TD_CHANNEL_FD, 0);
}

static void channel_read(u8 sel, u64 fd, long expect)
{
	cmd(sel, TD_TYPE_CHANNEL, TD_CHANNEL_READ, expect);
	idr(TD_CHANNEL_FD, fd);
	out(TD_CHANNEL_READ_OUT, sizeof(u32));
}

static void channel_destroy(u8 sel, u64 fd, long expect)
{
	cmd(sel, TD_TYPE_CHANNEL, TD_CHANNEL_DESTROY, expect);
	idr(TD_CHANNEL_FD, fd);
}

/* Serializes S, runs it, checks each result, writes fuzz/corpus/seed-NAME. */
static void done(void)
{
	u8 buf[8192];
	size_t len = FZ_CTL_LEN, data_start = FZ_CTL_LEN;
	unsigned int i, j;
	char path[512];
	FILE *f;

	for (i = 0; i < S.ncmds; i++) {
		struct seed_cmd *c = &S.cmds[i];
		int slots = c->slots < 0 ? c->hdr.num_attrs : c->slots;

		data_start += 2 + sizeof(c->hdr) + slots * sizeof(c->attrs[0]);
	}
	S.ctl[2] = (u8)S.ncmds;
	memcpy(buf, S.ctl, FZ_CTL_LEN);
	for (i = 0; i < S.ncmds; i++) {
		struct seed_cmd *c = &S.cmds[i];
		int slots = c->slots < 0 ? c->hdr.num_attrs : c->slots;

		for (j = 0; j < (unsigned int)slots; j++)
			if (c->data_off[j] >= 0)
				c->attrs[j].ptr_idr =
					FZ_BASE + data_start + c->data_off[j];
		buf[len++] = c->sel;
		buf[len++] = (u8)slots;
		memcpy(buf + len, &c->hdr, sizeof(c->hdr));
		len += sizeof(c->hdr);
		memcpy(buf + len, c->attrs, slots * sizeof(c->attrs[0]));
		len += slots * sizeof(c->attrs[0]);
	}
	if (len != data_start || len + S.data_len > sizeof(buf)) {
		fprintf(stderr, "%s: layout\n", S.name);
		exit(1);
	}
	memcpy(buf + len, S.data, S.data_len);
	len += S.data_len;

	printf("%s%s\n", S.crash ? "crashes/" : "seed-", S.name);
	fflush(stdout);
	LLVMFuzzerTestOneInput(buf, len);
	if (fz_num_results != S.ncmds) {
		fprintf(stderr, "%s: %u of %u commands ran\n", S.name,
			fz_num_results, S.ncmds);
		exit(1);
	}
	for (i = 0; i < S.ncmds; i++) {
		if (S.cmds[i].expect == ANY || fz_results[i] == S.cmds[i].expect)
			continue;
		fprintf(stderr, "%s: command %u returned %ld, expected %ld (%s)\n",
			S.name, i, fz_results[i], S.cmds[i].expect,
			ib_uverbs_last_error());
		exit(1);
	}

	if (S.crash)
		snprintf(path, sizeof(path), "%s/../crashes/%s", out_dir,
			 S.name);
	else
		snprintf(path, sizeof(path), "%s/seed-%s", out_dir, S.name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len || fclose(f)) {
		perror(path);
		exit(1);
	}
	num_written += !S.crash;
	num_crashes += S.crash;
}

static void seeds_actions(void)
{
	static const u64 h1 = FZ_H_PARENT1;
	u8 flex[24] = "flexible length input";
	u64 tag = 0x1122334455667788ull;

	seed("get_context", 0);
	get_context(VERBS, 0);
	get_context(VERBS, -EINVAL);	/* the file has one */
	done();

	seed("parent_create", FZ_CTX);
	parent_create(VERBS, 5, 0);
	out(TD_PARENT_CREATE_RESP, sizeof(u32));
	in(TD_PARENT_CREATE_FLEX, flex, sizeof(flex));
	in(TD_PARENT_CREATE_VENDOR_TAG, &tag, sizeof(tag));
	parent_read(VERBS, 0, 0);
	done();

	seed("parent_read", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, 0);
	done();

	seed("parent_write", OBJS);
	parent_write(VERBS, FZ_H_PARENT1, 99, 0);
	parent_read(VERBS, FZ_H_PARENT1, 0);
	done();

	seed("parent_destroy", OBJS);
	parent_destroy(VERBS, FZ_H_PARENT0, false, -EBUSY);
	child_destroy(VERBS, FZ_H_CHILD, 0);
	parent_destroy(VERBS, FZ_H_PARENT0, true, 0);
	parent_read(VERBS, FZ_H_PARENT0, -ENOENT);
	done();

	seed("child_create", OBJS);
	child_create(VERBS, FZ_H_PARENT0, NULL, 0);
	child_read(VERBS, 3, 0);
	done();

	seed("child_create_two_parents", OBJS);
	child_create(VERBS, FZ_H_PARENT0, &h1, 0);
	parent_destroy(VERBS, FZ_H_PARENT1, false, -EBUSY);
	done();

	seed("child_read", OBJS);
	child_read(VERBS, FZ_H_CHILD, 0);
	done();

	seed("child_write", OBJS);
	child_write(VERBS, FZ_H_CHILD, FZ_H_PARENT1, 0);
	done();

	seed("child_destroy", OBJS);
	child_destroy(VERBS, FZ_H_CHILD, 0);
	child_destroy(VERBS, FZ_H_CHILD, -ENOENT);
	done();

	seed("vendor_only", FZ_CTX);
	vendor_only(VERBS, 0);
	done();

	seed("channel_create", FZ_CTX);
	channel_create(VERBS, 0);
	channel_read(VERBS, FZ_FAKE_FD0, 0);
	done();

	seed("channel_read", OBJS);
	channel_read(VERBS, FZ_FAKE_FD0, 0);
	done();

	seed("channel_destroy", OBJS);
	channel_destroy(VERBS, FZ_FAKE_FD0, 0);
	channel_read(VERBS, FZ_FAKE_FD0, -EBADF);
	done();

	/* From nothing to everything and back: handles 0 and 1, fd 3. */
	seed("lifecycle", 0);
	get_context(VERBS, 0);
	parent_create(VERBS, 1, 0);
	child_create(VERBS, 0, NULL, 0);
	channel_create(VERBS, 0);
	parent_read(VERBS, 0, 0);
	child_write(VERBS, 1, 0, 0);
	child_read(VERBS, 1, 0);
	vendor_only(VERBS, 0);
	channel_read(VERBS, FZ_FAKE_FD0, 0);
	child_destroy(VERBS, 1, 0);
	parent_destroy(VERBS, 0, true, 0);
	channel_destroy(VERBS, FZ_FAKE_FD0, 0);
	done();

	seed("close_live", 0);
	get_context(VERBS, 0);
	parent_create(VERBS, 1, 0);
	parent_create(VERBS, 2, 0);
	child_create(VERBS, 0, &h1, 0);
	child_create(VERBS, 1, NULL, 0);
	channel_create(VERBS, 0);
	channel_create(VERBS, 0);
	done();

	/* Handles and fds belong to their file. */
	seed("file2", OBJS | FZ_FILE2);
	parent_read(FZ_SEL_FILE2, FZ_H_PARENT0, 0);
	child_read(FZ_SEL_FILE2, FZ_H_CHILD, -ENOENT);
	channel_read(FZ_SEL_FILE2, FZ_FAKE_FD0, -EBADF);
	channel_read(FZ_SEL_FILE2, FZ_FAKE_FD1, 0);
	channel_read(VERBS, FZ_FAKE_FD1, -EBADF);
	done();

	seed("eventfd", OBJS | FZ_EVENTFD);
	channel_create(VERBS, 0);
	channel_create(VERBS, 0);
	done();

	seed("new_handle_ignored", FZ_CTX);
	parent_create(VERBS, 1, 0);
	C()->attrs[0].ptr_idr = 1234;	/* the core picks the handle */
	parent_read(VERBS, 0, 0);
	done();
}

static void seeds_lifetime(void)
{
	seed("remove_then_destroy", OBJS);
	parent_read(FZ_SEL_REMOVE | FZ_SEL_EVENT, FZ_H_PARENT0, -EIO);
	parent_destroy(VERBS, FZ_H_PARENT0, true, 0);
	child_destroy(VERBS, FZ_H_CHILD, 0);
	channel_destroy(VERBS, FZ_FAKE_FD0, 0);
	parent_create(VERBS, 1, -EIO);
	get_context(VERBS, -EIO);
	vendor_only(VERBS, -EIO);
	parent_destroy(VERBS, FZ_H_PARENT0, false, -ENOENT);
	done();

	seed("remove_end", OBJS | FZ_FILE2 | FZ_REMOVE_END);
	parent_read(VERBS, FZ_H_PARENT0, 0);
	child_read(VERBS, FZ_H_CHILD, 0);
	done();

	seed("remove_no_context", 0);
	get_context(FZ_SEL_REMOVE, -EIO);
	parent_destroy(VERBS, 0, false, -EINVAL);
	done();

	seed("remove_file2", OBJS | FZ_FILE2);
	parent_destroy(FZ_SEL_REMOVE | FZ_SEL_FILE2 | FZ_SEL_EVENT,
		       FZ_H_PARENT0, false, 0);
	channel_destroy(FZ_SEL_FILE2, FZ_FAKE_FD1, 0);
	channel_read(VERBS | FZ_SEL_EVENT, FZ_FAKE_FD0, -EIO);
	done();

	seed("refuse_destroy", OBJS | FZ_REFUSE);
	child_destroy(VERBS, FZ_H_CHILD, -EBUSY);
	child_destroy(VERBS, FZ_H_CHILD, 0);
	done();

	/* The driver refuses once during close: a retry round. */
	seed("refuse_close", OBJS | FZ_REFUSE);
	parent_read(VERBS, FZ_H_PARENT0, 0);
	done();

	seed("refuse_remove", OBJS | FZ_REFUSE | FZ_REMOVE_END);
	child_read(VERBS, FZ_H_CHILD, 0);
	done();
}

static void seeds_faults(void)
{
	static const u64 h1 = FZ_H_PARENT1;
	unsigned int n, i;
	char name[32];

	for (n = 1; n <= 6; n++) {
		snprintf(name, sizeof(name), "failnth_%u", n);
		seed(name, OBJS);
		S.ctl[1] = (u8)n;
		child_create(VERBS, FZ_H_PARENT0, &h1, ANY);
		channel_create(VERBS, ANY);
		parent_create(VERBS, 4, ANY);
		parent_destroy(VERBS, FZ_H_PARENT1, false, ANY);
		done();
	}

	for (n = 1; n <= 4; n++) {
		snprintf(name, sizeof(name), "failnth_context_%u", n);
		seed(name, 0);
		S.ctl[1] = (u8)n;
		get_context(VERBS, ANY);
		parent_create(VERBS, 1, ANY);
		done();
	}

	/* The attribute copy and the bundle of a big command, on the heap. */
	for (n = 1; n <= 2; n++) {
		snprintf(name, sizeof(name), "failnth_big_command_%u", n);
		seed(name, OBJS);
		S.ctl[1] = (u8)n;
		parent_read(VERBS, FZ_H_PARENT0, -ENOMEM);
		for (i = 0; i < 80; i++)
			out(TD_PARENT_READ_OUT, 16);
		done();
	}

	seed("failnth_remove", OBJS | FZ_FILE2 | FZ_REMOVE_END);
	S.ctl[1] = 1;
	done();

	seed("knob_create", FZ_CTX);
	S.ctl[3] = 0;	/* -EINVAL */
	parent_create(FZ_SEL_FAIL, 1, -EINVAL);
	parent_create(VERBS, 2, 0);
	parent_read(VERBS, 0, 0);	/* the failed create's handle, reused */
	done();

	seed("knob_destroy", OBJS);
	S.ctl[3] = 1;	/* -ENOMEM */
	parent_create(VERBS, 1, 0);
	parent_destroy(FZ_SEL_FAIL, 3, true, -ENOMEM);
	parent_read(VERBS, 3, 0);	/* rule 15: still there */
	done();

	seed("knob_read", OBJS);
	S.ctl[3] = 2;	/* -EPERM */
	child_read(FZ_SEL_FAIL, FZ_H_CHILD, -EPERM);
	channel_read(FZ_SEL_FAIL, FZ_FAKE_FD0, -EPERM);
	vendor_only(FZ_SEL_FAIL, -EPERM);
	get_context(FZ_SEL_FAIL, -EPERM);	/* the knob comes first */
	done();

	seed("knob_context", 0);
	S.ctl[3] = 3;	/* -EAGAIN */
	get_context(FZ_SEL_FAIL, -EAGAIN);
	get_context(VERBS, 0);
	done();
}

static void seeds_transport(void)
{
	seed("hdr_path", OBJS);
	parent_read(FZ_SEL_HDR, FZ_H_PARENT0, 0);
	child_create(FZ_SEL_HDR, FZ_H_PARENT0, NULL, 0);
	done();

	seed("ioctl_numbers", OBJS);
	parent_read(2, FZ_H_PARENT0, -ENOSYS);
	parent_read(3, FZ_H_PARENT0, -ENOTTY);
	parent_read(2 | FZ_SEL_HDR, FZ_H_PARENT0, -ENOSYS);
	parent_read(3 | FZ_SEL_HDR, FZ_H_PARENT0, -ENOTTY);
	done();

	seed("bad_arg", OBJS);
	parent_read(FZ_SEL_BADARG, FZ_H_PARENT0, -EFAULT);
	parent_read(FZ_SEL_BADARG | FZ_SEL_HDR, FZ_H_PARENT0, -EFAULT);
	done();

	/* Writes fail: no output reaches the caller. */
	seed("readonly", OBJS | FZ_READONLY);
	parent_read(VERBS, FZ_H_PARENT0, -EFAULT);
	vendor_only(VERBS, -EFAULT);
	child_destroy(VERBS, FZ_H_CHILD, 0);
	/* The driver object is gone even though the output copy failed. */
	parent_destroy(VERBS, FZ_H_PARENT1, true, -EFAULT);
	parent_write(VERBS, FZ_H_PARENT1, 1, -ENOENT);
	parent_write(VERBS, 3, 1, -ENOENT);
	done();
}

/* Rules 3, 4, 6 and 7 on an otherwise valid PARENT_READ. */
static void seeds_header(void)
{
	seed("hdr_length_mismatch", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	H()->length += 16;
	done();

	seed("hdr_length_too_big", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	H()->length = 4096 + 16;
	H()->num_attrs = 255;
	C()->slots = 3;
	done();

	seed("hdr_no_attrs", OBJS);
	cmd(VERBS, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT, -EINVAL);
	done();

	seed("hdr_flags", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EOPNOTSUPP);
	H()->flags = 1;
	done();

	seed("hdr_reserved", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	H()->reserved = 1;
	done();

	seed("hdr_driver_id", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	H()->driver_id = TD_DRIVER_ID + 1;
	done();

	seed("hdr_type_range", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	H()->object_type = TD_NUM_TYPES;
	done();

	seed("hdr_type_empty", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EOPNOTSUPP);
	H()->object_type = TD_TYPE_EMPTY;
	done();

	seed("hdr_action_range", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EOPNOTSUPP);
	H()->action = TD_PARENT_NUM_ACTIONS;
	done();

	seed("hdr_action_empty", OBJS);
	get_context(VERBS, -EOPNOTSUPP);
	H()->action = TD_DEVICE_EMPTY;
	vendor_only(VERBS, -EOPNOTSUPP);
	H()->action = TD_VENDOR_EMPTY;
	done();

	/* 200 attributes: the array runs off the end of the window. */
	seed("hdr_attrs_unreadable", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EFAULT);
	H()->num_attrs = 200;
	H()->length = 16 + 200 * 16;
	C()->slots = 3;
	done();
}

/* Rules 8 to 13, mostly on PARENT_READ. */
static void seeds_attrs(void)
{
	static const u64 far = FZ_BASE + FZ_FAR;
	u8 big[65] = { 0 };
	unsigned int i;

	seed("attr_reserved", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	A()->reserved = 1;
	done();

	seed("attr_unknown_id", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	idr(3, 0);
	done();

	seed("attr_vendor_without_chain", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	in_u32(UVERBS_VENDOR_FLAG, 1);
	done();

	seed("attr_vendor_unknown", FZ_CTX);
	parent_create(VERBS, 1, -EINVAL);
	in_u32(UVERBS_VENDOR_FLAG | 1, 1);
	vendor_only(VERBS, -EINVAL);
	in_u32(UVERBS_VENDOR_FLAG | 2, 1);
	vendor_only(VERBS, -EINVAL);
	in_u32(0, 1);	/* the common chain is empty */
	done();

	seed("attr_duplicate", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	idr(TD_PARENT_READ_HANDLE, FZ_H_PARENT0);
	done();

	seed("attr_mandatory_missing", OBJS);
	cmd(VERBS, TD_TYPE_PARENT, TD_PARENT_READ, -EINVAL);
	idr(TD_PARENT_READ_HANDLE, FZ_H_PARENT0);
	out(TD_PARENT_READ_OUT, sizeof(struct td_read_buf));
	cmd(VERBS, TD_TYPE_VENDOR, TD_VENDOR_ONLY, -EINVAL);
	out(TD_VENDOR_ONLY_OUT, sizeof(u32));
	done();

	seed("attr_ptr_len", OBJS);
	parent_write(VERBS, FZ_H_PARENT0, 1, -EINVAL);
	A()->len = 8;
	parent_create(VERBS, 1, -EINVAL);
	in(TD_PARENT_CREATE_FLEX, big, 0);
	parent_create(VERBS, 1, -EINVAL);
	in(TD_PARENT_CREATE_FLEX, big, 65);
	parent_create(VERBS, 1, 0);
	in(TD_PARENT_CREATE_FLEX, big, 64);
	done();

	seed("attr_idr_len", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	C()->attrs[0].len = 4;
	channel_read(VERBS, FZ_FAKE_FD0, -EINVAL);
	C()->attrs[0].len = 4;
	done();

	seed("attr_idr_high_bits", OBJS);
	parent_read(VERBS, FZ_H_PARENT0 | (1ull << 32), -EINVAL);
	done();

	seed("attr_no_context", 0);
	parent_read(VERBS, 0, -EINVAL);
	channel_read(VERBS, FZ_FAKE_FD0, -EINVAL);
	vendor_only(VERBS, -EINVAL);
	parent_create(VERBS, 1, -EINVAL);
	done();

	seed("attr_fd_range", OBJS);
	channel_read(VERBS, 0x80000000ull, -EBADF);
	channel_destroy(VERBS, 0x100000003ull, -EBADF);
	channel_read(VERBS, 0, -EBADF);
	done();

	seed("attr_wrong_type", OBJS);
	parent_read(VERBS, FZ_H_CHILD, -EINVAL);
	child_read(VERBS, FZ_H_PARENT0, -EINVAL);
	child_write(VERBS, FZ_H_CHILD, FZ_H_CHILD, -EINVAL);
	done();

	seed("attr_no_such_handle", OBJS);
	parent_read(VERBS, 77, -ENOENT);
	parent_read(VERBS, 4096 * 1024, -ENOENT);
	parent_read(VERBS, 0xffffffff, -ENOENT);
	child_create(VERBS, 77, NULL, -ENOENT);
	done();

	seed("attr_in_unreadable", OBJS);
	cmd(VERBS, TD_TYPE_PARENT, TD_PARENT_WRITE, -EFAULT);
	idr(TD_PARENT_WRITE_HANDLE, FZ_H_PARENT0);
	raw_ptr(TD_PARENT_WRITE_VALUE, FZ_BASE - 4, 4);
	cmd(VERBS, TD_TYPE_PARENT, TD_PARENT_WRITE, -EFAULT);
	idr(TD_PARENT_WRITE_HANDLE, FZ_H_PARENT0);
	raw_ptr(TD_PARENT_WRITE_VALUE, far, 4);
	done();

	/* The output copy fails: the new object is aborted, handle reused. */
	seed("attr_out_unwritable", OBJS);
	parent_create(VERBS, 1, -EFAULT);
	raw_ptr(TD_PARENT_CREATE_RESP, far, 4);
	parent_read(VERBS, 3, -ENOENT);
	child_create(VERBS, FZ_H_PARENT0, NULL, 0);
	child_read(VERBS, 3, 0);
	done();

	/* More attributes than the on-stack bundle holds. */
	seed("attr_many", OBJS);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	for (i = 0; i < 17; i++)
		idr(TD_PARENT_READ_HANDLE, FZ_H_PARENT0);
	parent_read(VERBS, FZ_H_PARENT0, -EINVAL);
	for (i = 0; i < 80; i++)
		out(TD_PARENT_READ_OUT, 16);
	done();
}

/*
 * A NEW attribute whose handle cannot be written back (the attribute array
 * is readable, not writable): EFAULT, and the reserved object must be
 * aborted (fetch_attr() returned before the attribute counted as fetched,
 * so finalize_attrs() never saw it; fixed in "Abort a NEW object whose
 * handle cannot be written back").
 */
static void crashes(void)
{
	crash("new-handle-writeback-leak", FZ_CTX | FZ_READONLY);
	parent_create(VERBS, 1, -EFAULT);
	done();

	crash("new-fd-writeback-leak", FZ_CTX | FZ_READONLY);
	channel_create(VERBS, -EFAULT);
	done();

	/*
	 * GET_CONTEXT whose response cannot be copied out: EFAULT, and no
	 * context (it used to stay, committed by the handler before the
	 * output copy, so that the retry got EINVAL; fixed in "GET_CONTEXT:
	 * publish the context only when the command succeeds").
	 */
	crash("get-context-efault-keeps-context", 0);
	cmd(VERBS, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT, -EFAULT);
	raw_ptr(TD_GET_CONTEXT_RESP, FZ_BASE + FZ_FAR,
		sizeof(struct td_context_resp));
	get_context(VERBS, 0);
	done();
}

int main(int argc, char **argv)
{
	char dir[512];

	out_dir = argc > 1 ? argv[1] : "fuzz/corpus";
	seeds_actions();
	seeds_lifetime();
	seeds_faults();
	seeds_transport();
	seeds_header();
	seeds_attrs();
	snprintf(dir, sizeof(dir), "%s/../crashes", out_dir);
	mkdir(dir, 0755);
	crashes();
	printf("%u seeds written to %s, %u reproducers to %s/../crashes\n",
	       num_written, out_dir, num_crashes, out_dir);
	return 0;
}
