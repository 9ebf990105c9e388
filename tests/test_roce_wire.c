// SPDX-License-Identifier: MIT
/*
 * The RoCEv2 wire codec (drivers/soft/roce_wire.c) alone: the opcode
 * table against the IBTA list written out here, every opcode built,
 * parsed and built again, every truncation of every opcode rejected with
 * its reason (from buffers of the exact length, so that ASan sees any
 * read past the end), hand-made bad packets by reason, the builder's
 * errors, ICRC vectors from hardware (a ConnectX-4 Lx capture) and from
 * another implementation (scapy), the decoder's lines golden, and, when
 * tshark is installed, Wireshark's InfiniBand dissector reading pcaps of
 * our packets.  rdma_rxe's own, captured between two guests
 * (tests/golden/roce/), parse, check and build again byte for byte.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#include "../drivers/soft/roce_wire.h"

/* IBTA vol. 1 table 38, the opcodes we implement, with their headers. */
static const struct {
	u8 opcode;
	const char *name;	/* "RC SEND_FIRST" */
	u8 hdr_len;
} ibta_opcodes[] = {
	{ 0x00, "RC SEND_FIRST", 12 },
	{ 0x01, "RC SEND_MIDDLE", 12 },
	{ 0x02, "RC SEND_LAST", 12 },
	{ 0x03, "RC SEND_LAST_WITH_IMMEDIATE", 16 },
	{ 0x04, "RC SEND_ONLY", 12 },
	{ 0x05, "RC SEND_ONLY_WITH_IMMEDIATE", 16 },
	{ 0x06, "RC RDMA_WRITE_FIRST", 28 },
	{ 0x07, "RC RDMA_WRITE_MIDDLE", 12 },
	{ 0x08, "RC RDMA_WRITE_LAST", 12 },
	{ 0x09, "RC RDMA_WRITE_LAST_WITH_IMMEDIATE", 16 },
	{ 0x0a, "RC RDMA_WRITE_ONLY", 28 },
	{ 0x0b, "RC RDMA_WRITE_ONLY_WITH_IMMEDIATE", 32 },
	{ 0x0c, "RC RDMA_READ_REQUEST", 28 },
	{ 0x0d, "RC RDMA_READ_RESPONSE_FIRST", 16 },
	{ 0x0e, "RC RDMA_READ_RESPONSE_MIDDLE", 12 },
	{ 0x0f, "RC RDMA_READ_RESPONSE_LAST", 16 },
	{ 0x10, "RC RDMA_READ_RESPONSE_ONLY", 16 },
	{ 0x11, "RC ACKNOWLEDGE", 16 },
	{ 0x12, "RC ATOMIC_ACKNOWLEDGE", 24 },
	{ 0x13, "RC COMPARE_SWAP", 40 },
	{ 0x14, "RC FETCH_ADD", 40 },
	{ 0x16, "RC SEND_LAST_WITH_INVALIDATE", 16 },
	{ 0x17, "RC SEND_ONLY_WITH_INVALIDATE", 16 },
	{ 0x20, "UC SEND_FIRST", 12 },
	{ 0x21, "UC SEND_MIDDLE", 12 },
	{ 0x22, "UC SEND_LAST", 12 },
	{ 0x23, "UC SEND_LAST_WITH_IMMEDIATE", 16 },
	{ 0x24, "UC SEND_ONLY", 12 },
	{ 0x25, "UC SEND_ONLY_WITH_IMMEDIATE", 16 },
	{ 0x26, "UC RDMA_WRITE_FIRST", 28 },
	{ 0x27, "UC RDMA_WRITE_MIDDLE", 12 },
	{ 0x28, "UC RDMA_WRITE_LAST", 12 },
	{ 0x29, "UC RDMA_WRITE_LAST_WITH_IMMEDIATE", 16 },
	{ 0x2a, "UC RDMA_WRITE_ONLY", 28 },
	{ 0x2b, "UC RDMA_WRITE_ONLY_WITH_IMMEDIATE", 32 },
	{ 0x64, "UD SEND_ONLY", 20 },
	{ 0x65, "UD SEND_ONLY_WITH_IMMEDIATE", 24 },
};

#define NUM_OPCODES (sizeof(ibta_opcodes) / sizeof(ibta_opcodes[0]))

static const u8 payload_bytes[300] = {
	'p', 'a', 'y', 'l', 'o', 'a', 'd', 0x00, 0xff, 0x80,
};

/* Every field of every header set, each to a different value. */
static void pkt_fill(struct roce_pkt *p, u8 opcode)
{
	memset(p, 0, sizeof(*p));
	p->opcode = opcode;
	p->bth_flags = ROCE_BTH_SE | ROCE_BTH_MIGREQ | ROCE_BTH_ACKREQ |
		       ROCE_BTH_FECN | ROCE_BTH_BECN;
	p->pkey = 0x8001;
	p->dqpn = 0xabcdef;
	p->psn = 0xfedcba;
	p->deth.qkey = 0x11223344;
	p->deth.sqpn = 0xa1b2c3;
	p->reth.va = 0x0102030405060708ull;
	p->reth.rkey = 0x99887766;
	p->reth.dma_len = 0x10000;
	p->atmeth.va = 0x1122334455667788ull;
	p->atmeth.rkey = 0x55aa55aa;
	p->atmeth.swap_add = 0xa5a5a5a5a5a5a5a5ull;
	p->atmeth.compare = 0x5a5a5a5a5a5a5a5aull;
	p->aeth.syndrome = ROCE_AETH_SYN_NAK(ROCE_NAK_REM_ACCESS_ERR);
	p->aeth.msn = 0x123456;
	p->atomic_orig = 0xdeadbeefcafef00dull;
	p->imm = 0xc0ffee01;
	p->inv_rkey = 0x0badf00d;
}

/* A payload length the opcode allows: 5 (pad 3), 8 for FIRST/MIDDLE. */
static u32 pkt_payload_len(const struct roce_opcode_info *info)
{
	if (!(info->flags & ROCE_OPF_PAYLOAD))
		return 0;
	if (info->seg == ROCE_SEG_FIRST || info->seg == ROCE_SEG_MIDDLE)
		return 8;
	return 5;
}

/* @got, parsed, holds @sent's fields of the headers present, zero else. */
static void expect_pkt(int line, const struct roce_pkt *got,
		       const struct roce_pkt *sent, const u8 *payload,
		       u32 len)
{
	const struct roce_opcode_info *info = roce_opcode_info(sent->opcode);
	u32 h = info->hdrs;

#define EXPECT_FIELD(f, want)                                             \
	do {                                                              \
		if ((u64)got->f != (u64)(want))                           \
			harness_fail(__FILE__, line,                      \
				     "opcode 0x%02x: %s 0x%llx, want 0x%llx", \
				     sent->opcode, #f,                    \
				     (unsigned long long)got->f,          \
				     (unsigned long long)(want));         \
	} while (0)
	EXPECT_FIELD(opcode, sent->opcode);
	EXPECT_FIELD(bth_flags, sent->bth_flags);
	EXPECT_FIELD(pad, -len & 3);
	EXPECT_FIELD(pkey, sent->pkey);
	EXPECT_FIELD(dqpn, sent->dqpn);
	EXPECT_FIELD(psn, sent->psn);
	EXPECT_FIELD(hdrs, h);
	EXPECT_FIELD(deth.qkey, (h & ROCE_HDR_DETH) ? sent->deth.qkey : 0);
	EXPECT_FIELD(deth.sqpn, (h & ROCE_HDR_DETH) ? sent->deth.sqpn : 0);
	EXPECT_FIELD(reth.va, (h & ROCE_HDR_RETH) ? sent->reth.va : 0);
	EXPECT_FIELD(reth.rkey, (h & ROCE_HDR_RETH) ? sent->reth.rkey : 0);
	EXPECT_FIELD(reth.dma_len,
		     (h & ROCE_HDR_RETH) ? sent->reth.dma_len : 0);
	EXPECT_FIELD(atmeth.va, (h & ROCE_HDR_ATMETH) ? sent->atmeth.va : 0);
	EXPECT_FIELD(atmeth.rkey,
		     (h & ROCE_HDR_ATMETH) ? sent->atmeth.rkey : 0);
	EXPECT_FIELD(atmeth.swap_add,
		     (h & ROCE_HDR_ATMETH) ? sent->atmeth.swap_add : 0);
	EXPECT_FIELD(atmeth.compare,
		     (h & ROCE_HDR_ATMETH) ? sent->atmeth.compare : 0);
	EXPECT_FIELD(aeth.syndrome,
		     (h & ROCE_HDR_AETH) ? sent->aeth.syndrome : 0);
	EXPECT_FIELD(aeth.msn, (h & ROCE_HDR_AETH) ? sent->aeth.msn : 0);
	EXPECT_FIELD(atomic_orig,
		     (h & ROCE_HDR_ATMACK) ? sent->atomic_orig : 0);
	EXPECT_FIELD(imm, (h & ROCE_HDR_IMMDT) ? sent->imm : 0);
	EXPECT_FIELD(inv_rkey, (h & ROCE_HDR_IETH) ? sent->inv_rkey : 0);
	EXPECT_FIELD(payload_len, len);
#undef EXPECT_FIELD
	if (len && memcmp(got->payload, payload, len))
		harness_fail(__FILE__, line, "opcode 0x%02x: payload differs",
			     sent->opcode);
	if (!len && got->payload)
		harness_fail(__FILE__, line,
			     "opcode 0x%02x: payload pointer without payload",
			     sent->opcode);
}

/* Parses @len bytes copied to a heap block of exactly that size. */
static enum roce_drop parse_exact(struct roce_pkt *p, const u8 *buf,
				  size_t len)
{
	u8 *copy = malloc(len ? len : 1);
	enum roce_drop r;

	ASSERT_TRUE(copy);
	memcpy(copy, buf, len);
	r = roce_pkt_parse(p, copy, len);
	p->payload = NULL;	/* it pointed into copy */
	free(copy);
	return r;
}

static const u8 l3_a[4] = { 192, 168, 122, 1 };
static const u8 l3_b[4] = { 192, 168, 122, 2 };

TEST(roce_wire_table_is_ibta_table_38)
{
	unsigned int i, op, rows = 0;

	for (op = 0; op < 256; op++)
		if (roce_opcode_info(op))
			rows++;
	ASSERT_EQ(rows, NUM_OPCODES);
	for (i = 0; i < NUM_OPCODES; i++) {
		const struct roce_opcode_info *info =
			roce_opcode_info(ibta_opcodes[i].opcode);
		char name[64];
		u32 len = ROCE_BTH_LEN;

		ASSERT_TRUE(info);
		snprintf(name, sizeof(name), "%s %s",
			 roce_qp_type_name(info->qp_type), info->name);
		if (strcmp(name, ibta_opcodes[i].name))
			harness_fail(__FILE__, __LINE__, "0x%02x is %s, want %s",
				     ibta_opcodes[i].opcode, name,
				     ibta_opcodes[i].name);
		ASSERT_EQ(info->hdr_len, ibta_opcodes[i].hdr_len);
		/* the flags agree with the headers */
		len += (info->hdrs & ROCE_HDR_DETH) ? 8 : 0;
		len += (info->hdrs & ROCE_HDR_RETH) ? 16 : 0;
		len += (info->hdrs & ROCE_HDR_ATMETH) ? 28 : 0;
		len += (info->hdrs & ROCE_HDR_AETH) ? 4 : 0;
		len += (info->hdrs & ROCE_HDR_ATMACK) ? 8 : 0;
		len += (info->hdrs & ROCE_HDR_IMMDT) ? 4 : 0;
		len += (info->hdrs & ROCE_HDR_IETH) ? 4 : 0;
		ASSERT_EQ(len, info->hdr_len);
		ASSERT_EQ(!(info->flags & ROCE_OPF_REQUEST),
			  !!(info->flags & ROCE_OPF_RESPONSE));
		ASSERT_EQ(!!(info->flags & ROCE_OPF_ACK),
			  !!(info->hdrs & ROCE_HDR_AETH));
		ASSERT_EQ(!!(info->flags & ROCE_OPF_IMM),
			  !!(info->hdrs & ROCE_HDR_IMMDT));
		ASSERT_EQ(!!(info->flags & ROCE_OPF_INV),
			  !!(info->hdrs & ROCE_HDR_IETH));
		ASSERT_EQ(info->qp_type == ROCE_QPT_UD,
			  !!(info->hdrs & ROCE_HDR_DETH));
		ASSERT_EQ(info->qp_type, ibta_opcodes[i].opcode < 0x20 ?
			  ROCE_QPT_RC : ibta_opcodes[i].opcode < 0x40 ?
			  ROCE_QPT_UC : ROCE_QPT_UD);
	}
	/* reserved: RC 0x15, 0x18-0x1f; UC past 0x2b; RD; UD but 0x64-5 */
	ASSERT_TRUE(!roce_opcode_info(0x15));
	ASSERT_TRUE(!roce_opcode_info(0x18));
	ASSERT_TRUE(!roce_opcode_info(0x2c));
	ASSERT_TRUE(!roce_opcode_info(0x40));	/* RD SEND_FIRST */
	ASSERT_TRUE(!roce_opcode_info(0x60));
	ASSERT_TRUE(!roce_opcode_info(0x81));	/* CNP */
	ASSERT_TRUE(!roce_opcode_info(0xa0));	/* XRC SEND_FIRST */
	ASSERT_TRUE(!roce_opcode_info(0xff));
	ASSERT_TRUE(!strcmp(roce_qp_type_name(0), "?"));
}

TEST(roce_wire_every_opcode_round_trips)
{
	static const u32 lens[] = { 0, 1, 2, 3, 4, 5, 256, 257, 300 };
	unsigned int i, j;
	u8 buf[512], again[512];

	for (i = 0; i < NUM_OPCODES; i++) {
		u8 op = ibta_opcodes[i].opcode;
		const struct roce_opcode_info *info = roce_opcode_info(op);

		for (j = 0; j < sizeof(lens) / sizeof(lens[0]); j++) {
			struct roce_pkt sent, got;
			u32 len = lens[j];
			size_t total = info->hdr_len + len + (-len & 3) + 4;
			int n;

			if (len && !(info->flags & ROCE_OPF_PAYLOAD))
				continue;
			/* FIRST and MIDDLE carry a path MTU: words */
			if ((info->seg == ROCE_SEG_FIRST ||
			     info->seg == ROCE_SEG_MIDDLE) && (!len || len & 3))
				continue;
			pkt_fill(&sent, op);
			n = roce_pkt_build(&sent, payload_bytes, len, buf,
					   sizeof(buf));
			ASSERT_EQ(n, total);
			ASSERT_EQ(roce_pkt_len(op, len), total);
			ASSERT_EQ(roce_pkt_parse(&got, buf, n), ROCE_DROP_NONE);
			expect_pkt(__LINE__, &got, &sent, payload_bytes, len);
			/* the parsed struct builds the same bytes */
			ASSERT_EQ(roce_pkt_build(&got, got.payload,
						 got.payload_len, again,
						 sizeof(again)), n);
			ASSERT_TRUE(!memcmp(buf, again, n));
		}
	}
}

/* A packet as bytes, for the exact-layout tests. */
static int hex_to_bytes(const char *hex, u8 *out, size_t size)
{
	size_t n = 0;

	while (*hex) {
		unsigned int x;

		if (*hex == ' ' || *hex == '\n') {
			hex++;
			continue;
		}
		if (n == size || sscanf(hex, "%2x", &x) != 1)
			return -EINVAL;
		out[n++] = x;
		hex += 2;
	}
	return (int)n;
}

static void expect_bytes(int line, const u8 *got, int n, const char *hex)
{
	u8 want[512];
	int m = hex_to_bytes(hex, want, sizeof(want));
	int i;

	if (m != n)
		harness_fail(__FILE__, line, "%d bytes, want %d", n, m);
	for (i = 0; i < n; i++)
		if (got[i] != want[i])
			harness_fail(__FILE__, line,
				     "byte %d is 0x%02x, want 0x%02x", i,
				     got[i], want[i]);
}

TEST(roce_wire_builds_ibta_layout)
{
	struct roce_pkt p = {
		.opcode = ROCE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE,
		.bth_flags = ROCE_BTH_SE | ROCE_BTH_ACKREQ,
		.pkey = 0xffff,
		.dqpn = 0x000123,
		.psn = 0x456789,
		.reth = { .va = 0x00007f0012345678ull, .rkey = 0x1a2b3c4d,
			  .dma_len = 3 },
		.imm = 0x01020304,
	};
	u8 buf[128];

	ASSERT_EQ(roce_pkt_build(&p, "abc", 3, buf, sizeof(buf)), 40);
	expect_bytes(__LINE__, buf, 40,
		     /* BTH: opcode, SE|pad 1, P_Key, resv, QPN, AckReq, PSN */
		     "0b 90 ffff 00 000123 80 456789"
		     /* RETH: VA, R_Key, DMA length */
		     " 00007f0012345678 1a2b3c4d 00000003"
		     /* ImmDt, payload, pad, ICRC (not yet) */
		     " 01020304 616263 00 00000000");

	p = (struct roce_pkt){
		.opcode = ROCE_UD_SEND_ONLY,
		.pkey = 0xffff,
		.dqpn = 1,
		.psn = 0,
		.deth = { .qkey = ROCE_GSI_QKEY, .sqpn = 0x000011 },
	};
	ASSERT_EQ(roce_pkt_build(&p, "abcd", 4, buf, sizeof(buf)), 28);
	expect_bytes(__LINE__, buf, 28,
		     "64 00 ffff 00 000001 00 000000"
		     " 80010000 00 000011 61626364 00000000");

	p = (struct roce_pkt){
		.opcode = ROCE_RC_ATOMIC_ACKNOWLEDGE,
		.pkey = 0xffff,
		.dqpn = 0x10,
		.psn = 7,
		.aeth = { .syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID),
			  .msn = 9 },
		.atomic_orig = 0x1122334455667788ull,
	};
	ASSERT_EQ(roce_pkt_build(&p, NULL, 0, buf, sizeof(buf)), 28);
	expect_bytes(__LINE__, buf, 28,
		     "12 00 ffff 00 000010 00 000007 1f 000009"
		     " 1122334455667788 00000000");

	p = (struct roce_pkt){
		.opcode = ROCE_RC_COMPARE_SWAP,
		.pkey = 0x7fff,
		.dqpn = 0x10,
		.psn = 8,
		.atmeth = { .va = 0x1000, .rkey = 0x22, .swap_add = 5,
			    .compare = 6 },
	};
	ASSERT_EQ(roce_pkt_build(&p, NULL, 0, buf, sizeof(buf)), 44);
	expect_bytes(__LINE__, buf, 44,
		     "13 00 7fff 00 000010 00 000008 0000000000001000 00000022"
		     " 0000000000000005 0000000000000006 00000000");
}

/* Build one packet of @op with @len bytes of payload; returns its length. */
static int build_one(u8 op, u32 len, u8 *buf, size_t size)
{
	struct roce_pkt p;
	int n;

	pkt_fill(&p, op);
	p.aeth.syndrome = ROCE_AETH_SYN_ACK(3);
	n = roce_pkt_build(&p, payload_bytes, len, buf, size);
	ASSERT_TRUE(n > 0);
	return n;
}

TEST(roce_wire_every_truncation_rejected)
{
	u8 buf[512], l3[ROCE_L3_IPV4_LEN];
	unsigned int i;

	for (i = 0; i < NUM_OPCODES; i++) {
		u8 op = ibta_opcodes[i].opcode;
		const struct roce_opcode_info *info = roce_opcode_info(op);
		u32 len = pkt_payload_len(info);
		int total = build_one(op, len, buf, sizeof(buf));
		u8 pad = -len & 3;
		int cut;

		for (cut = 0; cut < total; cut++) {
			struct roce_pkt p;
			enum roce_drop want, got;
			int rest = cut - info->hdr_len - ROCE_ICRC_LEN;

			if (cut < ROCE_MIN_PKT_LEN)
				want = ROCE_DROP_SHORT;
			else if (rest < 0)
				want = ROCE_DROP_HDR_SHORT;
			else if ((rest & 3) || pad > rest)
				want = ROCE_DROP_PAD;
			else if (rest == pad)
				/* what is left is the pad: no payload */
				want = (info->seg == ROCE_SEG_FIRST ||
					info->seg == ROCE_SEG_MIDDLE) ?
				       ROCE_DROP_PAYLOAD : ROCE_DROP_NONE;
			else
				want = ROCE_DROP_NONE;
			got = parse_exact(&p, buf, cut);
			if (got != want)
				harness_fail(__FILE__, __LINE__,
					     "0x%02x cut to %d of %d: %s, want %s",
					     op, cut, total,
					     roce_drop_name(got),
					     roce_drop_name(want));
			if (got != ROCE_DROP_NONE)
				continue;
			/*
			 * A cut by whole words inside the payload looks
			 * like a shorter packet: only the ICRC catches it.
			 */
			ASSERT_OK(roce_l3_hdr_ipv4(l3, l3_a, l3_b, 49152, 0,
						   cut));
			ASSERT_EQ(roce_icrc_check(l3, sizeof(l3), buf, cut),
				  ROCE_DROP_ICRC);
		}
		/* and whole, it parses */
		{
			struct roce_pkt p;

			ASSERT_EQ(parse_exact(&p, buf, total), ROCE_DROP_NONE);
		}
	}
}

/* Parse @hex, expect @want. */
static void expect_drop(int line, const char *hex, enum roce_drop want)
{
	struct roce_pkt p;
	u8 buf[256];
	int n = hex_to_bytes(hex, buf, sizeof(buf));
	enum roce_drop got;

	if (n < 0)
		harness_fail(__FILE__, line, "bad hex");
	got = parse_exact(&p, buf, n);
	if (got != want)
		harness_fail(__FILE__, line, "%s: %s, want %s", hex,
			     roce_drop_name(got), roce_drop_name(want));
}

#define EXPECT_DROP(hex, want) expect_drop(__LINE__, hex, want)

/* An RC ACKNOWLEDGE with syndrome SS. */
#define ACK_WITH(ss) "11 00 ffff 00 000001 00 000001 " ss " 000001 00000000"

TEST(roce_wire_rejects_by_reason)
{
	struct roce_pkt p;

	EXPECT_DROP("", ROCE_DROP_SHORT);
	EXPECT_DROP("04 00 ffff 00 000001 00 000001 000000", ROCE_DROP_SHORT);
	/* TVer 1, then 15 */
	EXPECT_DROP("04 01 ffff 00 000001 00 000001 00000000", ROCE_DROP_TVER);
	EXPECT_DROP("04 0f ffff 00 000001 00 000001 00000000", ROCE_DROP_TVER);
	/* reserved RC, UC and UD, RD, CNP, XRC */
	EXPECT_DROP("15 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("1f 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("2c 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("44 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("60 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("81 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	EXPECT_DROP("a4 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_OPCODE);
	/* an RDMA WRITE FIRST needs 28 bytes of headers */
	EXPECT_DROP("06 00 ffff 00 000001 00 000001 0000000000001000 00000000",
		    ROCE_DROP_HDR_SHORT);
	/* a UD SEND needs its DETH */
	EXPECT_DROP("64 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_HDR_SHORT);
	/* an atomic its 28 bytes of AtomicETH */
	EXPECT_DROP("14 00 ffff 00 000001 00 000001 0000000000001000 00000001"
		    " 0000000000000001 000000 00000000",
		    ROCE_DROP_HDR_SHORT);
	/* AETH syndromes: reserved bit 7, type 2, NAK codes 5..31 */
	EXPECT_DROP(ACK_WITH("80"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("9f"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("40"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("5f"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("65"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("7f"), ROCE_DROP_AETH);
	EXPECT_DROP(ACK_WITH("00"), ROCE_DROP_NONE);
	EXPECT_DROP(ACK_WITH("1f"), ROCE_DROP_NONE);
	EXPECT_DROP(ACK_WITH("20"), ROCE_DROP_NONE);
	EXPECT_DROP(ACK_WITH("3f"), ROCE_DROP_NONE);
	EXPECT_DROP(ACK_WITH("60"), ROCE_DROP_NONE);
	EXPECT_DROP(ACK_WITH("64"), ROCE_DROP_NONE);
	/* pad: not a multiple of 4, more pad than bytes, pad on FIRST */
	EXPECT_DROP("04 00 ffff 00 000001 00 000001 6162636465 00000000",
		    ROCE_DROP_PAD);
	EXPECT_DROP("04 10 ffff 00 000001 00 000001 00000000", ROCE_DROP_PAD);
	EXPECT_DROP("00 10 ffff 00 000001 00 000001 61626364 00000000",
		    ROCE_DROP_PAD);
	EXPECT_DROP("07 30 ffff 00 000001 00 000001 61626364 00000000",
		    ROCE_DROP_PAD);
	EXPECT_DROP("04 30 ffff 00 000001 00 000001 61000000 00000000",
		    ROCE_DROP_NONE);
	/* payload where none goes; an empty MIDDLE */
	EXPECT_DROP("11 00 ffff 00 000001 00 000001 00000001 61626364 00000000",
		    ROCE_DROP_PAYLOAD);
	EXPECT_DROP("0c 00 ffff 00 000001 00 000001 0000000000001000 00000001"
		    " 00000010 61626364 00000000", ROCE_DROP_PAYLOAD);
	EXPECT_DROP("01 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_PAYLOAD);
	EXPECT_DROP("0e 00 ffff 00 000001 00 000001 00000000",
		    ROCE_DROP_PAYLOAD);
	/* an empty SEND ONLY is a message of zero bytes */
	EXPECT_DROP("04 00 ffff 00 000001 00 000001 00000000", ROCE_DROP_NONE);
	ASSERT_EQ(roce_pkt_parse(&p, "\x04\x00\xff\xff\x00\x00\x00\x01"
				 "\x00\x00\x00\x01\x11\x22\x33\x44", 16),
		  ROCE_DROP_NONE);
	ASSERT_EQ(p.payload_len, 0);
	ASSERT_TRUE(p.payload == NULL);
	ASSERT_EQ(p.icrc, 0x44332211);
	/* reserved bits are ignored */
	EXPECT_DROP("04 00 ffff 3f 000001 7f 000001 00000000", ROCE_DROP_NONE);

	ASSERT_TRUE(!strcmp(roce_drop_name(ROCE_DROP_NONE), "none"));
	ASSERT_TRUE(!strcmp(roce_drop_name(ROCE_DROP_HDR_SHORT), "hdr_short"));
	ASSERT_TRUE(!strcmp(roce_drop_name(ROCE_DROP_ICRC), "icrc"));
	ASSERT_TRUE(!strcmp(roce_drop_name(ROCE_DROP_NR), "?"));
}

TEST(roce_wire_build_errors)
{
	struct roce_pkt p;
	u8 buf[64];
	unsigned int i;

#define EXPECT_BUILD(err, payload, len, size)                             \
	do {                                                              \
		memset(buf, 0xee, sizeof(buf));                           \
		ASSERT_ERRNO(err, roce_pkt_build(&p, payload, len, buf,   \
						 size));                  \
		for (i = 0; i < sizeof(buf); i++)                         \
			ASSERT_EQ(buf[i], 0xee);                          \
	} while (0)

	pkt_fill(&p, 0x15);
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	pkt_fill(&p, ROCE_RC_SEND_ONLY);
	p.psn = 0x1000000;
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	pkt_fill(&p, ROCE_RC_SEND_ONLY);
	p.dqpn = 0x1000000;
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	pkt_fill(&p, ROCE_UD_SEND_ONLY);
	p.deth.sqpn = 0x1000000;
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	pkt_fill(&p, ROCE_RC_ACKNOWLEDGE);
	p.aeth.msn = 0x1000000;
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	pkt_fill(&p, ROCE_RC_ACKNOWLEDGE);
	p.aeth.syndrome = 0x45;
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	p.aeth.syndrome = ROCE_AETH_SYN_NAK(5);
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	/* payload on an ACK; none on a FIRST */
	pkt_fill(&p, ROCE_RC_ACKNOWLEDGE);
	EXPECT_BUILD(-EINVAL, "x", 1, sizeof(buf));
	pkt_fill(&p, ROCE_RC_SEND_FIRST);
	EXPECT_BUILD(-EINVAL, NULL, 0, sizeof(buf));
	/* a FIRST or MIDDLE packet has no pad */
	EXPECT_BUILD(-EINVAL, "hello", 5, sizeof(buf));
	pkt_fill(&p, ROCE_UC_RDMA_WRITE_MIDDLE);
	EXPECT_BUILD(-EINVAL, "hel", 3, sizeof(buf));
	/* one byte short: SEND ONLY of 5 bytes is 12 + 5 + 3 + 4 */
	pkt_fill(&p, ROCE_RC_SEND_ONLY);
	EXPECT_BUILD(-ENOSPC, "hello", 5, 23);
	ASSERT_EQ(roce_pkt_build(&p, "hello", 5, buf, 24), 24);
	/* fields of absent headers are ignored, even out of range */
	pkt_fill(&p, ROCE_RC_SEND_ONLY);
	p.deth.sqpn = 0xffffffff;
	p.aeth.syndrome = 0xff;
	ASSERT_EQ(roce_pkt_build(&p, NULL, 0, buf, sizeof(buf)), 16);
	ASSERT_EQ(roce_pkt_len(0x15, 0), 0);
	/* no payload pointer: its bytes are left as they were */
	pkt_fill(&p, ROCE_RC_RDMA_WRITE_ONLY);
	memset(buf, 0xee, sizeof(buf));
	ASSERT_EQ(roce_pkt_build(&p, NULL, 5, buf, sizeof(buf)), 28 + 5 + 3 + 4);
	for (i = 28; i < 28 + 5; i++)
		ASSERT_EQ(buf[i], 0xee);
	for (i = 28 + 5; i < 28 + 5 + 3 + 4; i++)
		ASSERT_EQ(buf[i], 0);
#undef EXPECT_BUILD
}

TEST(roce_wire_rnr_timer_table)
{
	ASSERT_EQ(roce_rnr_timer_usec(0), 655360);
	ASSERT_EQ(roce_rnr_timer_usec(1), 10);
	ASSERT_EQ(roce_rnr_timer_usec(12), 640);
	ASSERT_EQ(roce_rnr_timer_usec(14), 1280);
	ASSERT_EQ(roce_rnr_timer_usec(31), 491520);
	ASSERT_EQ(roce_rnr_timer_usec(32 + 14), 1280);
}

/* CRC-32 a bit at a time: the definition, to check the tables against. */
static u32 crc32_bitwise(const u8 *p, size_t len)
{
	u32 crc = 0xffffffff;
	int k;

	while (len--) {
		crc ^= *p++;
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0xedb88320 & -(crc & 1));
	}
	return ~crc;
}

TEST(roce_wire_crc32_every_length_and_alignment)
{
	u8 data[160];
	u32 seed = 12345;
	size_t off, len, cut;

	for (off = 0; off < sizeof(data); off++) {
		seed = seed * 1103515245 + 12345;
		data[off] = seed >> 16;
	}
	for (off = 0; off < 8; off++)
		for (len = 0; len + off <= 150; len++) {
			u32 want = crc32_bitwise(data + off, len);

			ASSERT_EQ(roce_crc32(0, data + off, len), want);
			/* in two pieces, cut anywhere */
			cut = len / 3;
			ASSERT_EQ(roce_crc32(roce_crc32(0, data + off, cut),
					     data + off + cut, len - cut), want);
		}
}

/* RoCEv2 CNP captured on a Mellanox ConnectX-4 Lx (public scapy test). */
static const char cx4_cnp[] =
	"45c2 003c 718c 4000 4011 9161 0a00 1101 0a00 1201"	/* IPv4 */
	" 0000 12b7 0028 0000"					/* UDP */
	" 8100 ffff 4000 0118 0000 0000"			/* BTH */
	" 0000 0000 0000 0000 0000 0000 0000 0000"		/* reserved */
	" 82fd 002a";						/* ICRC */

/* A UC SEND ONLY with its ICRC computed by scapy's RoCE layer. */
static const char scapy_uc[] =
	"4501 0040 0478 4000 4011 0000 c0a8 0007 c0a8 0007"
	" c000 12b7 002c aca2"
	" 2460 ffff 0000 00d3 00cf 1710"
	" 4630 818b e289 35d9 0e9a 9550 5401 be88 5e50 0000"
	" 78f3 53f3";

TEST(roce_wire_icrc_vectors)
{
	u8 f[128];
	u32 icrc;
	int n, i;

	/* CRC-32's check value; the LRH seed of rdma_rxe's comment */
	ASSERT_EQ(roce_crc32(0, "123456789", 9), 0xcbf43926);
	ASSERT_EQ(~roce_crc32(0, "\xff\xff\xff\xff\xff\xff\xff\xff", 8),
		  0xdebb20e3);
	ASSERT_EQ(roce_crc32(roce_crc32(0, "1234", 4), "56789", 5),
		  0xcbf43926);

	n = hex_to_bytes(cx4_cnp, f, sizeof(f));
	ASSERT_EQ(n, 60);
	ASSERT_EQ(roce_icrc_check(f, 28, f + 28, n - 28), ROCE_DROP_NONE);
	ASSERT_OK(roce_icrc_compute(f, 28, f + 28, n - 28, &icrc));
	ASSERT_EQ(icrc, 0x2a00fd82);

	/* the masked fields: DSCP/ECN, TTL, IP and UDP checksums, BTH 4 */
	for (i = 0; i < n - 4; i++) {
		bool masked = i == 1 || i == 8 || i == 10 || i == 11 ||
			      i == 26 || i == 27 || i == 28 + 4;

		/* version, IHL and protocol are checked, not covered */
		bool checked = i == 0 || i == 9;

		f[i] ^= 0x01;
		ASSERT_EQ(roce_icrc_check(f, 28, f + 28, n - 28),
			  checked ? ROCE_DROP_SHORT :
			  masked ? ROCE_DROP_NONE : ROCE_DROP_ICRC);
		f[i] ^= 0x01;
	}
	f[n - 1] ^= 0x80;
	ASSERT_EQ(roce_icrc_check(f, 28, f + 28, n - 28), ROCE_DROP_ICRC);

	n = hex_to_bytes(scapy_uc, f, sizeof(f));
	ASSERT_EQ(n, 64);
	ASSERT_EQ(roce_icrc_check(f, 28, f + 28, n - 28), ROCE_DROP_NONE);

	/* what roce_icrc_compute() refuses */
	ASSERT_ERRNO(-EINVAL, roce_icrc_compute(f, 20, f + 28, n - 28, &icrc));
	ASSERT_ERRNO(-EINVAL, roce_icrc_compute(f, 48, f + 28, n - 28, &icrc));
	ASSERT_ERRNO(-EINVAL, roce_icrc_compute(f, 28, f + 28, 15, &icrc));
	ASSERT_EQ(roce_icrc_check(f, 28, f + 28, 15), ROCE_DROP_SHORT);
	f[0] = 0x46;	/* IPv4 options */
	ASSERT_ERRNO(-EINVAL, roce_icrc_compute(f, 28, f + 28, n - 28, &icrc));
	f[0] = 0x45;
	f[9] = 6;	/* TCP */
	ASSERT_ERRNO(-EINVAL, roce_icrc_compute(f, 28, f + 28, n - 28, &icrc));
}

TEST(roce_wire_l3_headers_and_icrc_set)
{
	static const u8 a6[16] = { 0xfe, 0x80, [15] = 1 };
	static const u8 b6[16] = { 0xfe, 0x80, [15] = 2 };
	struct roce_pkt p = {
		.opcode = ROCE_RC_SEND_ONLY,
		.bth_flags = ROCE_BTH_ACKREQ,
		.pkey = 0xffff,
		.dqpn = 0x12,
		.psn = 5,
	};
	u8 l3[ROCE_L3_IPV6_LEN], pkt[64];
	u32 sum = 0;
	int n, i;

	n = roce_pkt_build(&p, "hi", 2, pkt, sizeof(pkt));
	ASSERT_EQ(n, 20);
	ASSERT_OK(roce_l3_hdr_ipv4(l3, l3_a, l3_b, 0xc000, 0, n));
	expect_bytes(__LINE__, l3, 28,
		     "4500 0030 0000 4000 4011 c568 c0a8 7a01 c0a8 7a02"
		     " c000 12b7 001c 0000");
	for (i = 0; i < 20; i += 2)
		sum += l3[i] << 8 | l3[i + 1];
	ASSERT_EQ((sum & 0xffff) + (sum >> 16), 0xffff);
	ASSERT_EQ(roce_icrc_check(l3, 28, pkt, n), ROCE_DROP_ICRC);
	ASSERT_OK(roce_icrc_set(l3, 28, pkt, n));
	ASSERT_EQ(roce_icrc_check(l3, 28, pkt, n), ROCE_DROP_NONE);
	expect_bytes(__LINE__, pkt, n,
		     "04 20 ffff 00 000012 80 000005 6869 0000 0cea c25b");
	/* a router's changes do not matter, the IP ID does */
	l3[8] = 1;
	l3[1] = 0x02;
	ASSERT_EQ(roce_icrc_check(l3, 28, pkt, n), ROCE_DROP_NONE);
	l3[5] = 1;
	ASSERT_EQ(roce_icrc_check(l3, 28, pkt, n), ROCE_DROP_ICRC);
	ASSERT_ERRNO(-EINVAL, roce_l3_hdr_ipv4(l3, l3_a, l3_b, 1, 0,
					       65536 - 28));
	ASSERT_OK(roce_l3_hdr_ipv4(l3, l3_a, l3_b, 1, 0, 65535 - 28));

	ASSERT_OK(roce_l3_hdr_ipv6(l3, a6, b6, 0xc000, n));
	expect_bytes(__LINE__, l3, 48,
		     "6000 0000 001c 1140 fe80 0000 0000 0000 0000 0000"
		     " 0000 0001 fe80 0000 0000 0000 0000 0000 0000 0002"
		     " c000 12b7 001c 0000");
	ASSERT_OK(roce_icrc_set(l3, 48, pkt, n));
	expect_bytes(__LINE__, pkt + 16, 4, "1e 54 24 ad");
	/* traffic class, flow label, hop limit, UDP checksum: masked */
	l3[0] = 0x6f;
	l3[1] = 0xff;
	l3[3] = 0x12;
	l3[7] = 1;
	l3[46] = 0xab;
	ASSERT_EQ(roce_icrc_check(l3, 48, pkt, n), ROCE_DROP_NONE);
	l3[39] = 3;	/* the source address is covered */
	ASSERT_EQ(roce_icrc_check(l3, 48, pkt, n), ROCE_DROP_ICRC);
	ASSERT_ERRNO(-EINVAL, roce_l3_hdr_ipv6(l3, a6, b6, 1, 65536 - 8));
}

static void expect_format(int line, const struct roce_pkt *p,
			  const void *payload, u32 len, const char *want)
{
	struct roce_pkt got;
	char out[ROCE_FORMAT_MAX];
	u8 buf[512];
	int n = roce_pkt_build(p, payload, len, buf, sizeof(buf));

	if (n < 0)
		harness_fail(__FILE__, line, "build: %s", errno_name(n));
	ASSERT_EQ(roce_pkt_parse(&got, buf, n), ROCE_DROP_NONE);
	ASSERT_EQ(roce_pkt_format(out, sizeof(out), &got), strlen(want));
	if (strcmp(out, want))
		harness_fail(__FILE__, line, "decoded:\n  %s\nexpected:\n  %s",
			     out, want);
}

#define EXPECT_FORMAT(p, payload, len, want) \
	expect_format(__LINE__, p, payload, len, want)

TEST(roce_wire_format_golden)
{
	struct roce_pkt p = {
		.opcode = ROCE_RC_SEND_ONLY,
		.bth_flags = ROCE_BTH_ACKREQ,
		.pkey = 0xffff,
		.dqpn = 0x12,
		.psn = 5,
	};
	char out[ROCE_FORMAT_MAX];
	struct roce_pkt got;
	u8 buf[512];
	unsigned int i;

	EXPECT_FORMAT(&p, "hi", 2,
		      "RC SEND_ONLY dqpn 0x12 psn 5 ack_req pad 2 len 2");
	p.opcode = ROCE_RC_ACKNOWLEDGE;
	p.bth_flags = 0;
	p.dqpn = 0x11;
	p.psn = 7;
	p.aeth.syndrome = ROCE_AETH_SYN_NAK(ROCE_NAK_PSN_SEQ_ERR);
	p.aeth.msn = 3;
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth NAK PSN_SEQ_ERR msn 3");
	p.aeth.syndrome = ROCE_AETH_SYN_NAK(ROCE_NAK_INVALID_RD_REQ);
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth NAK INVALID_RD_REQ msn 3");
	p.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth ACK msn 3");
	p.aeth.syndrome = ROCE_AETH_SYN_ACK(4);
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth ACK credits 4 msn 3");
	p.aeth.syndrome = ROCE_AETH_SYN_RNR(14);
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth RNR_NAK timer 14 msn 3");
	p.opcode = ROCE_RC_ATOMIC_ACKNOWLEDGE;
	p.aeth.syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID);
	p.atomic_orig = 41;
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC ATOMIC_ACKNOWLEDGE dqpn 0x11 psn 7 aeth ACK msn 3 orig 0x29");

	p = (struct roce_pkt){
		.opcode = ROCE_UD_SEND_ONLY_WITH_IMMEDIATE,
		.pkey = 0xffff,
		.dqpn = 1,
		.deth = { .qkey = ROCE_GSI_QKEY, .sqpn = 5 },
		.imm = 0x1234,
	};
	EXPECT_FORMAT(&p, payload_bytes, 256,
		      "UD SEND_ONLY_WITH_IMMEDIATE dqpn 0x1 psn 0 qkey 0x80010000 sqpn 0x5 imm 0x1234 len 256");
	p = (struct roce_pkt){
		.opcode = ROCE_UC_RDMA_WRITE_FIRST,
		.bth_flags = ROCE_BTH_SE | ROCE_BTH_MIGREQ | ROCE_BTH_FECN |
			     ROCE_BTH_BECN,
		.pkey = 0x8001,
		.dqpn = 0xabcdef,
		.psn = 0xffffff,
		.reth = { .va = 0x7f0000001000ull, .rkey = 0x1234,
			  .dma_len = 8192 },
	};
	EXPECT_FORMAT(&p, payload_bytes, 256,
		      "UC RDMA_WRITE_FIRST pkey 0x8001 dqpn 0xabcdef psn 16777215 se mig fecn becn va 0x7f0000001000 rkey 0x1234 dma_len 8192 len 256");
	p.opcode = ROCE_RC_RDMA_READ_REQUEST;
	p.bth_flags = ROCE_BTH_ACKREQ;
	p.pkey = 0xffff;
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC RDMA_READ_REQUEST dqpn 0xabcdef psn 16777215 ack_req va 0x7f0000001000 rkey 0x1234 dma_len 8192");
	p.opcode = ROCE_RC_RDMA_READ_RESPONSE_MIDDLE;
	p.bth_flags = 0;
	EXPECT_FORMAT(&p, payload_bytes, 256,
		      "RC RDMA_READ_RESPONSE_MIDDLE dqpn 0xabcdef psn 16777215 len 256");
	p = (struct roce_pkt){
		.opcode = ROCE_RC_COMPARE_SWAP,
		.bth_flags = ROCE_BTH_ACKREQ,
		.pkey = 0xffff,
		.dqpn = 0x11,
		.psn = 9,
		.atmeth = { .va = 0x1000, .rkey = 0x22, .swap_add = 5,
			    .compare = 6 },
	};
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC COMPARE_SWAP dqpn 0x11 psn 9 ack_req va 0x1000 rkey 0x22 compare 0x6 swap 0x5");
	p.opcode = ROCE_RC_FETCH_ADD;
	EXPECT_FORMAT(&p, NULL, 0,
		      "RC FETCH_ADD dqpn 0x11 psn 9 ack_req va 0x1000 rkey 0x22 add 0x5");
	p.opcode = ROCE_RC_SEND_LAST_WITH_INVALIDATE;
	p.inv_rkey = 0xabc;
	EXPECT_FORMAT(&p, "abcd", 4,
		      "RC SEND_LAST_WITH_INVALIDATE dqpn 0x11 psn 9 ack_req inv_rkey 0xabc len 4");
	p.opcode = ROCE_RC_SEND_ONLY;
	EXPECT_FORMAT(&p, NULL, 0, "RC SEND_ONLY dqpn 0x11 psn 9 ack_req len 0");

	/* truncation: snprintf's contract */
	ASSERT_EQ(roce_pkt_build(&p, NULL, 0, buf, sizeof(buf)), 16);
	ASSERT_EQ(roce_pkt_parse(&got, buf, 16), ROCE_DROP_NONE);
	memset(out, 'x', sizeof(out));
	ASSERT_EQ(roce_pkt_format(out, 8, &got), 42);
	ASSERT_TRUE(!strcmp(out, "RC SEND"));
	ASSERT_EQ(out[8], 'x');
	ASSERT_EQ(roce_pkt_format(out, 0, &got), 42);
	ASSERT_EQ(out[0], 'R');

	/* every opcode, every header, fits ROCE_FORMAT_MAX */
	for (i = 0; i < NUM_OPCODES; i++) {
		const struct roce_opcode_info *info;
		int n, len;

		info = roce_opcode_info(ibta_opcodes[i].opcode);
		pkt_fill(&p, ibta_opcodes[i].opcode);
		p.payload_len = 0;
		n = roce_pkt_build(&p, payload_bytes, pkt_payload_len(info),
				   buf, sizeof(buf));
		ASSERT_EQ(roce_pkt_parse(&got, buf, n), ROCE_DROP_NONE);
		len = roce_pkt_format(out, sizeof(out), &got);
		ASSERT_TRUE(len < ROCE_FORMAT_MAX);
		ASSERT_EQ(strncmp(out, ibta_opcodes[i].name,
				  strlen(ibta_opcodes[i].name)), 0);
	}
}

/* --- tshark ---------------------------------------------------------- */

static void put_le32(FILE *f, u32 v)
{
	u8 b[4] = { v, v >> 8, v >> 16, v >> 24 };

	fwrite(b, 1, 4, f);
}

static void put_le16(FILE *f, u16 v)
{
	u8 b[2] = { v, v >> 8 };

	fwrite(b, 1, 2, f);
}

/* A classic pcap of raw IPv4 (LINKTYPE_RAW): one record per packet. */
static void pcap_record(FILE *f, const u8 *l3, const u8 *pkt, size_t len)
{
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, ROCE_L3_IPV4_LEN + len);
	put_le32(f, ROCE_L3_IPV4_LEN + len);
	fwrite(l3, 1, ROCE_L3_IPV4_LEN, f);
	fwrite(pkt, 1, len, f);
}

static bool have_tshark(void)
{
	return !system("tshark --version >/dev/null 2>&1");
}

/*
 * Our packets through Wireshark's InfiniBand dissector (RoCEv2 on UDP
 * 4791): the opcode, QPN, PSN, pad and every extension header's fields
 * where it finds them, the ICRC where it expects it.  tshark 4.0 shows the
 * ICRC but does not verify it: the ICRC's own vectors are the hardware
 * and scapy ones above.
 */
TEST(roce_wire_tshark_decodes_our_packets)
{
	char path[] = "/tmp/roce_wire_XXXXXX";
	char cmd[2048], line[512], want[512];
	u8 l3[ROCE_L3_IPV4_LEN], buf[512];
	unsigned int i;
	FILE *f, *out;
	int fd;

	if (!have_tshark())
		harness_skip("tshark is not installed (scripts/install.sh "
			     "installs it; apt-get install tshark)");
	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	f = fdopen(fd, "wb");
	ASSERT_TRUE(f);
	put_le32(f, 0xa1b2c3d4);
	put_le16(f, 2);
	put_le16(f, 4);
	put_le32(f, 0);
	put_le32(f, 0);
	put_le32(f, 65535);
	put_le32(f, 101);	/* LINKTYPE_RAW */
	for (i = 0; i < NUM_OPCODES; i++) {
		u8 op = ibta_opcodes[i].opcode;
		u32 len = pkt_payload_len(roce_opcode_info(op));
		int n = build_one(op, len, buf, sizeof(buf));

		ASSERT_OK(roce_l3_hdr_ipv4(l3, l3_a, l3_b, 49152 + i, 0, n));
		ASSERT_OK(roce_icrc_set(l3, sizeof(l3), buf, n));
		pcap_record(f, l3, buf, n);
	}
	ASSERT_EQ(fclose(f), 0);

	snprintf(cmd, sizeof(cmd),
		 "tshark -r %s --disable-protocol rpcordma -T fields "
		 "-E separator=, -E occurrence=f "
		 "-e infiniband.bth.opcode -e infiniband.bth.destqp "
		 "-e infiniband.bth.psn -e infiniband.bth.padcnt "
		 "-e infiniband.bth.p_key -e infiniband.deth.q_key "
		 "-e infiniband.deth.srcqp -e infiniband.reth.va "
		 "-e infiniband.reth.r_key -e infiniband.reth.dmalen "
		 "-e infiniband.atomiceth.swapdt -e infiniband.atomiceth.cmpdt "
		 "-e infiniband.aeth.msn -e infiniband.atomicacketh.origremdt "
		 "-e infiniband.immdt -e infiniband.ieth "
		 "-e infiniband.invariant.crc 2>/dev/null", path);
	out = popen(cmd, "r");
	ASSERT_TRUE(out);
	for (i = 0; i < NUM_OPCODES; i++) {
		u8 op = ibta_opcodes[i].opcode;
		const struct roce_opcode_info *info = roce_opcode_info(op);
		u32 len = pkt_payload_len(info);
		u32 h = info->hdrs;
		struct roce_pkt p;
		int n = build_one(op, len, buf, sizeof(buf));

		ASSERT_OK(roce_l3_hdr_ipv4(l3, l3_a, l3_b, 49152 + i, 0, n));
		ASSERT_OK(roce_icrc_set(l3, sizeof(l3), buf, n));
		ASSERT_EQ(roce_pkt_parse(&p, buf, n), ROCE_DROP_NONE);
		snprintf(want, sizeof(want),
			 "%u,0x%06x,%u,%u,%u,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,%s,"
			 "0x%02x%02x%02x%02x",
			 op, p.dqpn, p.psn, p.pad, p.pkey,
			 (h & ROCE_HDR_DETH) ? "0x0000000011223344" : "",
			 (h & ROCE_HDR_DETH) ? "0x00a1b2c3" : "",
			 /* the dissector shows the AtomicETH's VA and R_Key
			  * as the RETH's fields */
			 (h & ROCE_HDR_RETH) ? "0x0102030405060708" :
			 (h & ROCE_HDR_ATMETH) ? "0x1122334455667788" : "",
			 (h & ROCE_HDR_RETH) ? "0x99887766" :
			 (h & ROCE_HDR_ATMETH) ? "0x55aa55aa" : "",
			 (h & ROCE_HDR_RETH) ? "65536" : "",
			 (h & ROCE_HDR_ATMETH) ? "11936128518282651045" : "",
			 (h & ROCE_HDR_ATMETH) ? "6510615555426900570" : "",
			 (h & ROCE_HDR_AETH) ? "1193046" : "",
			 (h & ROCE_HDR_ATMACK) ? "16045690984503111693" : "",
			 (h & ROCE_HDR_IMMDT) ? "c0ffee01" : "",
			 (h & ROCE_HDR_IETH) ? "0badf00d" : "",
			 buf[n - 4], buf[n - 3], buf[n - 2], buf[n - 1]);
		if (!fgets(line, sizeof(line), out))
			harness_fail(__FILE__, __LINE__,
				     "tshark printed %u lines of %zu", i,
				     NUM_OPCODES);
		line[strcspn(line, "\n")] = 0;
		if (strcmp(line, want))
			harness_fail(__FILE__, __LINE__,
				     "%s:\n tshark %s\n want   %s",
				     ibta_opcodes[i].name, line, want);
	}
	ASSERT_TRUE(!fgets(line, sizeof(line), out));
	ASSERT_EQ(pclose(out), 0);
	unlink(path);
}

/* --- rdma_rxe's packets ---------------------------------------------- */

/*
 * Captures of Linux rdma_rxe between two guests (tests/golden/roce/README
 * says how they were made), and each one's opcodes in order as tshark's
 * dissector reads them.
 */
static const struct {
	const char *file;
	const char *opcodes;
} rxe_captures[] = {
	{ "rc_send.pcap", "00 01 02 11 00 01 02 11" },
	{ "rc_write.pcap", "0a 0a 0a 0a 11 11 11 11 0a 11" },
	{ "rc_write_multi.pcap",
	  "06 07 08 11 06 07 08 06 07 08 06 07 08 11 11 11 06 07 08 11" },
	{ "rc_read.pcap",
	  "0c 0d 0e 0f 0c 0d 0e 0f 0c 0d 0e 0f 0c 0d 0e 0f 0c 0d 0e 0f" },
	{ "rc_atomic.pcap", "14 12 14 12 14 12 14 12 14 12" },
	{ "rc_cmp_swap.pcap", "13 12 13 12 13 12 13 12 13 12" },
	{ "uc_send.pcap", "20 21 22 20 21 22" },
	{ "ud_send.pcap", "64 64 64 64" },
};

static u32 le32_at(const u8 *p)
{
	return p[0] | p[1] << 8 | p[2] << 16 | (u32)p[3] << 24;
}

/*
 * One frame of rxe's: Ethernet, IPv4 without options, UDP to 4791.  The
 * codec accepts it, its ICRC checks, and the codec builds the same bytes
 * from what it parsed, ICRC included: our packets are rxe's.
 */
static void rxe_frame(const char *file, unsigned int no, const u8 *f,
		      u32 len, char *ops, size_t size)
{
	const u8 *l3 = f + 14, *pkt = f + 14 + ROCE_L3_IPV4_LEN;
	struct roce_pkt p;
	u32 plen;
	u8 again[2048];
	int n;

	if (len < 14 + ROCE_L3_IPV4_LEN + ROCE_MIN_PKT_LEN || f[12] != 0x08 ||
	    f[13] != 0x00 || l3[0] != 0x45 || l3[9] != 17 ||
	    (l3[22] << 8 | l3[23]) != ROCE_UDP_PORT)
		harness_fail(__FILE__, __LINE__,
			     "%s frame %u: not IPv4 RoCEv2", file, no);
	/* the UDP length is the packet's; Ethernet may have padded it */
	plen = (l3[24] << 8 | l3[25]) - 8;
	ASSERT_TRUE(plen <= len - 14 - ROCE_L3_IPV4_LEN);
	if (roce_pkt_parse(&p, pkt, plen) != ROCE_DROP_NONE ||
	    roce_icrc_check(l3, ROCE_L3_IPV4_LEN, pkt, plen) != ROCE_DROP_NONE)
		harness_fail(__FILE__, __LINE__, "%s frame %u: %s, icrc %s",
			     file, no,
			     roce_drop_name(roce_pkt_parse(&p, pkt, plen)),
			     roce_drop_name(roce_icrc_check(l3, 28, pkt,
							    plen)));
	n = roce_pkt_build(&p, p.payload, p.payload_len, again,
			   sizeof(again));
	ASSERT_EQ(n, plen);
	ASSERT_OK(roce_icrc_set(l3, ROCE_L3_IPV4_LEN, again, n));
	if (memcmp(again, pkt, n))
		harness_fail(__FILE__, __LINE__,
			     "%s frame %u: built differently", file, no);
	snprintf(ops + strlen(ops), size - strlen(ops), "%s%02x",
		 *ops ? " " : "", p.opcode);
}

TEST(roce_wire_rxe_captures)
{
	unsigned int i;

	for (i = 0; i < sizeof(rxe_captures) / sizeof(rxe_captures[0]); i++) {
		char path[256], ops[512] = "";
		u8 h[24], rec[16], frame[2048];
		unsigned int no = 0;
		FILE *f;

		snprintf(path, sizeof(path), "tests/golden/roce/%s",
			 rxe_captures[i].file);
		f = fopen(path, "rb");
		if (!f)
			harness_fail(__FILE__, __LINE__, "%s: %s", path,
				     strerror(errno));
		/* classic pcap, little-endian, Ethernet, as tcpdump wrote */
		ASSERT_EQ(fread(h, 1, sizeof(h), f), sizeof(h));
		ASSERT_EQ(le32_at(h), 0xa1b2c3d4);
		ASSERT_EQ(le32_at(h + 20), 1);
		while (fread(rec, 1, sizeof(rec), f) == sizeof(rec)) {
			u32 caplen = le32_at(rec + 8);

			ASSERT_TRUE(caplen <= sizeof(frame));
			ASSERT_EQ(le32_at(rec + 12), caplen);
			ASSERT_EQ(fread(frame, 1, caplen, f), caplen);
			rxe_frame(path, ++no, frame, caplen, ops, sizeof(ops));
		}
		ASSERT_TRUE(feof(f));
		fclose(f);
		if (strcmp(ops, rxe_captures[i].opcodes))
			harness_fail(__FILE__, __LINE__,
				     "%s: opcodes\n  %s\nwant\n  %s", path, ops,
				     rxe_captures[i].opcodes);
	}
}
