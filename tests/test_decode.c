// SPDX-License-Identifier: MIT
/*
 * lib/'s command decoder (<ioverbs/decode.h>) alone, on commands built in
 * this process's memory and read back through process_vm_readv as a
 * tracer reads its tracee: golden text for arrays of work requests
 * element by element up to the limit, flags and enums by name, outputs
 * after the call; numbers and "???" where the tables have no names or no
 * entry; and random garbage, which must never crash it nor overrun the
 * caller's buffer.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#include <ioverbs/decode.h>
#include <rdma/ib_user_verbs.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/uverbs_layouts.h>
#include <rdma/soft_device.h>

#include "harness.h"

static ssize_t read_self(void *ctx, __u64 addr, void *buf, size_t len)
{
	struct iovec l = { buf, len }, r = { (void *)(uintptr_t)addr, len };
	ssize_t n = process_vm_readv(getpid(), &l, 1, &r, 1, 0);

	if (n < 0)
		return -errno;
	return n == (ssize_t)len ? n : -EFAULT;
}

static const struct uverbs_types *soft_only(void *ctx, __u16 driver_id)
{
	return driver_id == SOFT_DRIVER_ID ? soft_device_types() : NULL;
}

/* A header and its attributes, as a client sends them. */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wgnu-variable-sized-type-not-at-end"
#endif
struct cmd {
	struct ib_uverbs_ioctl_hdr h;
	struct ib_uverbs_attr a[8];
};

static void cmd_init(struct cmd *c, u16 driver, u16 type, u16 action,
		     unsigned int n)
{
	memset(c, 0, sizeof(*c));
	c->h.length = sizeof(c->h) + 16 * n;
	c->h.driver_id = driver;
	c->h.object_type = type;
	c->h.action = action;
	c->h.num_attrs = n;
}

static void attr(struct cmd *c, unsigned int i, u16 id, const void *p,
		 u16 len)
{
	c->a[i].attr_id = id;
	c->a[i].len = len;
	c->a[i].ptr_idr = (u64)(uintptr_t)p;
}

static void expect_line(int line, const char *got, const char *want)
{
	if (strcmp(got, want))
		harness_fail(__FILE__, line, "decoded:\n  %s\nexpected:\n  %s",
			     got, want);
}

/* The whole line: call, then result. */
static void decode(struct ioverbs_decode *d, struct cmd *c, long ret,
		   const char *reason, void (*between)(struct cmd *),
		   char *buf, size_t size)
{
	size_t n;

	ioverbs_decode_enter(d, 3, RDMA_VERBS_IOCTL, (u64)(uintptr_t)c);
	n = ioverbs_decode_call(d, buf, size);
	if (between)
		between(c);
	ioverbs_decode_result(d, ret, reason, buf + n, size - n);
}

TEST(decode_post_send_arrays_up_to_the_limit)
{
	static struct ioverbs_decode d;
	struct ib_uverbs_send_wr wr[6];
	struct ib_uverbs_sge sge = { .addr = 0x1000, .length = 64,
				     .lkey = 0x1234 };
	u32 bad = 5;
	char buf[4096];
	struct cmd c;
	unsigned int i;

	memset(wr, 0, sizeof(wr));
	for (i = 0; i < 6; i++) {
		wr[i].wr_id = 0x100 + i;
		wr[i].num_sge = 1;
		wr[i].opcode = i % 2 ? IB_UVERBS_WR_RDMA_WRITE :
				       IB_UVERBS_WR_SEND;
		wr[i].send_flags = IB_UVERBS_SEND_SIGNALED |
				   (i % 2 ? IB_UVERBS_SEND_SOLICITED : 0);
	}
	ioverbs_decode_init(&d, read_self, NULL, soft_only, NULL);
	cmd_init(&c, SOFT_DRIVER_ID, UVERBS_TYPE_QP, UVERBS_ACTION_QP_POST_SEND,
		 4);
	c.a[0].attr_id = UVERBS_QP_POST_SEND_HANDLE;
	c.a[0].ptr_idr = 7;
	attr(&c, 1, UVERBS_QP_POST_SEND_WR, wr, sizeof(wr));
	attr(&c, 2, UVERBS_QP_POST_SEND_SGE, &sge, sizeof(sge));
	attr(&c, 3, UVERBS_QP_POST_SEND_BAD_WR, &bad, sizeof(bad));
	/* BAD_WR is copied on error too (the spec's copy_on_error). */
	decode(&d, &c, -EINVAL, "QP_POST_SEND: wr 5: too many", NULL, buf,
	       sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft QP_POST_SEND, [HANDLE=7, WR=["
		    "{wr_id=0x100, num_sge=1, opcode=SEND, send_flags=SIGNALED, imm_data=0x0, wr.rdma={remote_addr=0x0, rkey=0x0}, wr.atomic={remote_addr=0x0, compare_add=0x0, swap=0x0, rkey=0x0}, wr.ud={ah=0, remote_qpn=0, remote_qkey=0x0}}, "
		    "{wr_id=0x101, num_sge=1, opcode=RDMA_WRITE, send_flags=SIGNALED|SOLICITED, imm_data=0x0, wr.rdma={remote_addr=0x0, rkey=0x0}, wr.atomic={remote_addr=0x0, compare_add=0x0, swap=0x0, rkey=0x0}, wr.ud={ah=0, remote_qpn=0, remote_qkey=0x0}}, "
		    "{wr_id=0x102, num_sge=1, opcode=SEND, send_flags=SIGNALED, imm_data=0x0, wr.rdma={remote_addr=0x0, rkey=0x0}, wr.atomic={remote_addr=0x0, compare_add=0x0, swap=0x0, rkey=0x0}, wr.ud={ah=0, remote_qpn=0, remote_qkey=0x0}}, "
		    "{wr_id=0x103, num_sge=1, opcode=RDMA_WRITE, send_flags=SIGNALED|SOLICITED, imm_data=0x0, wr.rdma={remote_addr=0x0, rkey=0x0}, wr.atomic={remote_addr=0x0, compare_add=0x0, swap=0x0, rkey=0x0}, wr.ud={ah=0, remote_qpn=0, remote_qkey=0x0}}, "
		    "...(2 more)], SGE={addr=0x1000, length=64, lkey=0x1234}, BAD_WR=out[4]]} => {[BAD_WR=5]}) = -1 EINVAL (QP_POST_SEND: wr 5: too many)");
}

static void write_handle(struct cmd *c)
{
	c->a[0].ptr_idr = 42;
}

TEST(decode_outputs_after_the_call)
{
	static struct ioverbs_decode d;
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xc0, .cqe = 16 };
	struct ib_uverbs_cq_create_resp resp = { .cqe = 32 };
	char buf[1024];
	struct cmd c;

	ioverbs_decode_init(&d, read_self, NULL, soft_only, NULL);
	cmd_init(&c, SOFT_DRIVER_ID, UVERBS_TYPE_CQ, UVERBS_ACTION_CQ_CREATE, 3);
	c.a[0].attr_id = UVERBS_CQ_CREATE_HANDLE;
	attr(&c, 1, UVERBS_CQ_CREATE_CMD, &cmd, sizeof(cmd));
	attr(&c, 2, UVERBS_CQ_CREATE_RESP, &resp, sizeof(resp));
	/* The core writes the new handle into the array: read after. */
	decode(&d, &c, 0, NULL, write_handle, buf, sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft CQ_CREATE, [HANDLE=NEW, CMD={user_handle=0xc0, cqe=16, comp_vector=0}, RESP=out[8]]}"
		    " => {[HANDLE=42, RESP={cqe=32}]}) = 0");
	/* A failure shows no outputs, and the reason when given. */
	decode(&d, &c, -ENOMEM, NULL, NULL, buf, sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft CQ_CREATE, [HANDLE=NEW, CMD={user_handle=0xc0, cqe=16, comp_vector=0}, RESP=out[8]]}) = -1 ENOMEM");
	/* A vendor attribute through the driver's vendor chain. */
	cmd_init(&c, SOFT_DRIVER_ID, SOFT_TYPE_VENDOR, SOFT_VENDOR_ATTACH, 1);
	c.a[0].attr_id = SOFT_ATTACH_QP;
	c.a[0].ptr_idr = 3;
	decode(&d, &c, 0, NULL, NULL, buf, sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {soft VENDOR_ATTACH, [vendor.QP=3]}) = 0");
}

/* A table without names or layouts: numbers, never "???" for known ids. */
static const struct uverbs_attr_spec bare_attrs[] = {
	[0] = { .type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = 0, .access = UVERBS_ACCESS_NEW } },
	[1] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 1, .max_len = 64 },
	/* Layouts without names: a flexible byte buffer, an array of u32. */
	[2] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 1, .max_len = 64,
		.layout = &uverbs_layout_bytes },
	[3] = { .type = UVERBS_ATTR_TYPE_PTR_IN, .min_len = 4, .max_len = 64,
		.layout = &uverbs_layout_u32 },
};

static const struct uverbs_action bare_actions[] = {
	[0] = UVERBS_STD_ACTION(NULL, NULL, bare_attrs),
};

static const struct uverbs_type bare_type = {
	.actions = bare_actions,
	.num_actions = ARRAY_SIZE(bare_actions),
};

static const struct uverbs_type *const bare_types_list[] = { &bare_type };

static const struct uverbs_types bare_types = {
	.types = bare_types_list,
	.num_types = 1,
};

static const struct uverbs_types *bare(void *ctx, __u16 driver_id)
{
	return driver_id == 1 ? &bare_types : NULL;
}

TEST(decode_numbers_without_names)
{
	static struct ioverbs_decode d;
	u32 words[8] = { 10, 11, 12, 13, 14, 15, 16, 17 };
	u8 bytes[40];
	char buf[1024];
	struct cmd c;
	unsigned int i;

	for (i = 0; i < sizeof(bytes); i++)
		bytes[i] = (u8)i;
	ioverbs_decode_init(&d, read_self, NULL, bare, NULL);
	cmd_init(&c, 1, 0, 0, 5);
	attr(&c, 1, 1, bytes, sizeof(bytes));
	c.a[2].attr_id = 9;
	attr(&c, 3, 2, bytes, 20);
	/* Seven u32s and a ragged tail of two bytes. */
	attr(&c, 4, 3, words, 30);
	decode(&d, &c, -EINVAL, NULL, NULL, buf, sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {driver=0x1 type=0 action=0, [attr0=NEW, attr1=<000102030405060708090a0b0c0d0e0f...(40 bytes)>, attr9???" "={len=0, ptr_idr=0x0}, "
		    "attr2=<000102030405060708090a0b0c0d0e0f...(20 bytes)>, attr3=[10, 11, 12, 13, ...(3 more)]+<1100>]}) = -1 EINVAL");
	/* An unknown driver, no fallback: numbers with ??? everywhere. */
	cmd_init(&c, 0x99, 1, 2, 1);
	c.a[0].attr_id = 0x8001;
	decode(&d, &c, -EINVAL, "driver_id 153, device has 20727", NULL, buf,
	       sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {driver=0x99??? type=1??? action=2???, [vendor.1???" "={len=0, ptr_idr=0x0}]}) = -1 EINVAL (driver_id 153, device has 20727)");
	/* The standard types as the fallback name standard objects. */
	d.fallback = &uverbs_std_types;
	cmd_init(&c, 0x99, UVERBS_TYPE_PD, UVERBS_ACTION_PD_DEALLOC, 1);
	c.a[0].ptr_idr = 4;
	decode(&d, &c, 0, NULL, NULL, buf, sizeof(buf));
	expect_line(__LINE__, buf,
		    "ioctl(3, RDMA_VERBS_IOCTL, {driver=0x99??? PD_DEALLOC, [HANDLE=4]}) = 0");
}

/* Random headers, attributes and pointers; small and large buffers. */
TEST(decode_garbage_never_crashes)
{
	static struct ioverbs_decode d;
	long page = sysconf(_SC_PAGESIZE);
	char *map, *mem, buf[2048];
	unsigned int i, j;
	u64 seed = 0x9e3779b97f4a7c15ull;

	/* A readable page, then an unmapped one. */
	map = mmap(NULL, (size_t)page * 2, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	ASSERT_OK(munmap(map + page, (size_t)page));
	ioverbs_decode_init(&d, read_self, NULL, soft_only, NULL);
	d.fallback = &uverbs_std_types;
	for (i = 0; i < 20000; i++) {
		size_t size = i % 7 ? sizeof(buf) : 1 + i % 40;
		struct ioverbs_decode *dp = &d;
		u64 arg;
		size_t n;

		for (j = 0; j < (unsigned int)page; j += 8) {
			seed = seed * 6364136223846793005ull + 1442695040888963407ull;
			memcpy(map + j, &seed, 8);
		}
		/* Keep some headers plausible: the soft driver, small counts. */
		if (i % 3 == 0) {
			struct ib_uverbs_ioctl_hdr *h = (void *)map;

			h->driver_id = SOFT_DRIVER_ID;
			h->object_type %= SOFT_NUM_TYPES + 1;
			h->action %= 8;
			h->num_attrs %= 6;
			if (i % 2)
				h->length = sizeof(*h) + 16 * h->num_attrs;
			for (j = 0; j < h->num_attrs; j++) {
				struct ib_uverbs_attr *a = (void *)(h + 1);

				a[j].attr_id %= 8;
				if (seed & (1ull << j))
					a[j].attr_id |= UVERBS_VENDOR_FLAG;
				/* In the page, across its end, or anywhere. */
				a[j].ptr_idr = (u64)(uintptr_t)map +
					       a[j].ptr_idr % (u64)(page + 64);
			}
		}
		/* The header near the unmapped page, or in it. */
		mem = map + (seed >> 40) % (u64)(page + 32);
		arg = (u64)(uintptr_t)mem;
		ioverbs_decode_enter(dp, (int)(i % 5), i % 11 ? RDMA_VERBS_IOCTL :
						 (unsigned int)seed, arg);
		n = ioverbs_decode_call(dp, buf, size);
		ASSERT_TRUE(n < size && strlen(buf) == n);
		n = ioverbs_decode_result(dp, -(long)(i % 140), "why", buf, size);
		ASSERT_TRUE(n < size && strlen(buf) == n);
	}
	ASSERT_OK(munmap(map, (size_t)page));
}
