// SPDX-License-Identifier: MIT
/*
 * The RoCEv2 wire codec: the opcode table, the parser, the builder, the
 * ICRC and the one-line decoder declared in roce_wire.h.  Every multi-byte
 * field is read and written a byte at a time, so nothing here depends on
 * the host's byte order or alignment, and every read of a received packet
 * is preceded by a length check against its buffer.
 */
#include "roce_wire.h"

/* Bytes of the BTH and the extension headers in @hdrs (ROCE_HDR_*). */
#define ROCE_HDRS_LEN(hdrs)						\
	(ROCE_BTH_LEN +							\
	 (((hdrs) & ROCE_HDR_DETH) ? ROCE_DETH_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_RETH) ? ROCE_RETH_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_ATMETH) ? ROCE_ATMETH_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_AETH) ? ROCE_AETH_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_ATMACK) ? ROCE_ATMACK_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_IMMDT) ? ROCE_IMMDT_LEN : 0) +		\
	 (((hdrs) & ROCE_HDR_IETH) ? ROCE_IETH_LEN : 0))

/* One row: the header length follows from the headers. */
#define ROCE_OP(_name, _qpt, _kind, _seg, _flags, _hdrs)		\
	{ .name = (_name), .qp_type = (_qpt), .kind = (_kind),		\
	  .seg = (_seg), .flags = (_flags), .hdrs = (_hdrs),		\
	  .hdr_len = ROCE_HDRS_LEN(_hdrs) }

#define REQ_DATA (ROCE_OPF_REQUEST | ROCE_OPF_PAYLOAD)
#define RESP_DATA (ROCE_OPF_RESPONSE | ROCE_OPF_PAYLOAD)
#define RESP_ACK (ROCE_OPF_RESPONSE | ROCE_OPF_ACK)
#define IMM ROCE_OPF_IMM
#define INV ROCE_OPF_INV
#define FIRST ROCE_SEG_FIRST
#define MIDDLE ROCE_SEG_MIDDLE
#define LAST ROCE_SEG_LAST
#define ONLY ROCE_SEG_ONLY
#define RC ROCE_QPT_RC
#define UC ROCE_QPT_UC
#define UD ROCE_QPT_UD

const struct roce_opcode_info roce_opcodes[256] = {
	[ROCE_RC_SEND_FIRST] =
		ROCE_OP("SEND_FIRST", RC, ROCE_OP_SEND, FIRST, REQ_DATA, 0),
	[ROCE_RC_SEND_MIDDLE] =
		ROCE_OP("SEND_MIDDLE", RC, ROCE_OP_SEND, MIDDLE, REQ_DATA, 0),
	[ROCE_RC_SEND_LAST] =
		ROCE_OP("SEND_LAST", RC, ROCE_OP_SEND, LAST, REQ_DATA, 0),
	[ROCE_RC_SEND_LAST_WITH_IMMEDIATE] =
		ROCE_OP("SEND_LAST_WITH_IMMEDIATE", RC, ROCE_OP_SEND, LAST,
			REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_RC_SEND_ONLY] =
		ROCE_OP("SEND_ONLY", RC, ROCE_OP_SEND, ONLY, REQ_DATA, 0),
	[ROCE_RC_SEND_ONLY_WITH_IMMEDIATE] =
		ROCE_OP("SEND_ONLY_WITH_IMMEDIATE", RC, ROCE_OP_SEND, ONLY,
			REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_RC_RDMA_WRITE_FIRST] =
		ROCE_OP("RDMA_WRITE_FIRST", RC, ROCE_OP_WRITE, FIRST, REQ_DATA,
			ROCE_HDR_RETH),
	[ROCE_RC_RDMA_WRITE_MIDDLE] =
		ROCE_OP("RDMA_WRITE_MIDDLE", RC, ROCE_OP_WRITE, MIDDLE,
			REQ_DATA, 0),
	[ROCE_RC_RDMA_WRITE_LAST] =
		ROCE_OP("RDMA_WRITE_LAST", RC, ROCE_OP_WRITE, LAST, REQ_DATA,
			0),
	[ROCE_RC_RDMA_WRITE_LAST_WITH_IMMEDIATE] =
		ROCE_OP("RDMA_WRITE_LAST_WITH_IMMEDIATE", RC, ROCE_OP_WRITE,
			LAST, REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_RC_RDMA_WRITE_ONLY] =
		ROCE_OP("RDMA_WRITE_ONLY", RC, ROCE_OP_WRITE, ONLY, REQ_DATA,
			ROCE_HDR_RETH),
	[ROCE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE] =
		ROCE_OP("RDMA_WRITE_ONLY_WITH_IMMEDIATE", RC, ROCE_OP_WRITE,
			ONLY, REQ_DATA | IMM, ROCE_HDR_RETH | ROCE_HDR_IMMDT),
	[ROCE_RC_RDMA_READ_REQUEST] =
		ROCE_OP("RDMA_READ_REQUEST", RC, ROCE_OP_READ, ONLY,
			ROCE_OPF_REQUEST, ROCE_HDR_RETH),
	[ROCE_RC_RDMA_READ_RESPONSE_FIRST] =
		ROCE_OP("RDMA_READ_RESPONSE_FIRST", RC, ROCE_OP_READ_RESP,
			FIRST, RESP_DATA | ROCE_OPF_ACK, ROCE_HDR_AETH),
	[ROCE_RC_RDMA_READ_RESPONSE_MIDDLE] =
		ROCE_OP("RDMA_READ_RESPONSE_MIDDLE", RC, ROCE_OP_READ_RESP,
			MIDDLE, RESP_DATA, 0),
	[ROCE_RC_RDMA_READ_RESPONSE_LAST] =
		ROCE_OP("RDMA_READ_RESPONSE_LAST", RC, ROCE_OP_READ_RESP, LAST,
			RESP_DATA | ROCE_OPF_ACK, ROCE_HDR_AETH),
	[ROCE_RC_RDMA_READ_RESPONSE_ONLY] =
		ROCE_OP("RDMA_READ_RESPONSE_ONLY", RC, ROCE_OP_READ_RESP, ONLY,
			RESP_DATA | ROCE_OPF_ACK, ROCE_HDR_AETH),
	[ROCE_RC_ACKNOWLEDGE] =
		ROCE_OP("ACKNOWLEDGE", RC, ROCE_OP_ACK, ONLY, RESP_ACK,
			ROCE_HDR_AETH),
	[ROCE_RC_ATOMIC_ACKNOWLEDGE] =
		ROCE_OP("ATOMIC_ACKNOWLEDGE", RC, ROCE_OP_ATOMIC_ACK, ONLY,
			RESP_ACK, ROCE_HDR_AETH | ROCE_HDR_ATMACK),
	[ROCE_RC_COMPARE_SWAP] =
		ROCE_OP("COMPARE_SWAP", RC, ROCE_OP_ATOMIC, ONLY,
			ROCE_OPF_REQUEST, ROCE_HDR_ATMETH),
	[ROCE_RC_FETCH_ADD] =
		ROCE_OP("FETCH_ADD", RC, ROCE_OP_ATOMIC, ONLY, ROCE_OPF_REQUEST,
			ROCE_HDR_ATMETH),
	[ROCE_RC_SEND_LAST_WITH_INVALIDATE] =
		ROCE_OP("SEND_LAST_WITH_INVALIDATE", RC, ROCE_OP_SEND, LAST,
			REQ_DATA | INV, ROCE_HDR_IETH),
	[ROCE_RC_SEND_ONLY_WITH_INVALIDATE] =
		ROCE_OP("SEND_ONLY_WITH_INVALIDATE", RC, ROCE_OP_SEND, ONLY,
			REQ_DATA | INV, ROCE_HDR_IETH),

	[ROCE_UC_SEND_FIRST] =
		ROCE_OP("SEND_FIRST", UC, ROCE_OP_SEND, FIRST, REQ_DATA, 0),
	[ROCE_UC_SEND_MIDDLE] =
		ROCE_OP("SEND_MIDDLE", UC, ROCE_OP_SEND, MIDDLE, REQ_DATA, 0),
	[ROCE_UC_SEND_LAST] =
		ROCE_OP("SEND_LAST", UC, ROCE_OP_SEND, LAST, REQ_DATA, 0),
	[ROCE_UC_SEND_LAST_WITH_IMMEDIATE] =
		ROCE_OP("SEND_LAST_WITH_IMMEDIATE", UC, ROCE_OP_SEND, LAST,
			REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_UC_SEND_ONLY] =
		ROCE_OP("SEND_ONLY", UC, ROCE_OP_SEND, ONLY, REQ_DATA, 0),
	[ROCE_UC_SEND_ONLY_WITH_IMMEDIATE] =
		ROCE_OP("SEND_ONLY_WITH_IMMEDIATE", UC, ROCE_OP_SEND, ONLY,
			REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_UC_RDMA_WRITE_FIRST] =
		ROCE_OP("RDMA_WRITE_FIRST", UC, ROCE_OP_WRITE, FIRST, REQ_DATA,
			ROCE_HDR_RETH),
	[ROCE_UC_RDMA_WRITE_MIDDLE] =
		ROCE_OP("RDMA_WRITE_MIDDLE", UC, ROCE_OP_WRITE, MIDDLE,
			REQ_DATA, 0),
	[ROCE_UC_RDMA_WRITE_LAST] =
		ROCE_OP("RDMA_WRITE_LAST", UC, ROCE_OP_WRITE, LAST, REQ_DATA,
			0),
	[ROCE_UC_RDMA_WRITE_LAST_WITH_IMMEDIATE] =
		ROCE_OP("RDMA_WRITE_LAST_WITH_IMMEDIATE", UC, ROCE_OP_WRITE,
			LAST, REQ_DATA | IMM, ROCE_HDR_IMMDT),
	[ROCE_UC_RDMA_WRITE_ONLY] =
		ROCE_OP("RDMA_WRITE_ONLY", UC, ROCE_OP_WRITE, ONLY, REQ_DATA,
			ROCE_HDR_RETH),
	[ROCE_UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE] =
		ROCE_OP("RDMA_WRITE_ONLY_WITH_IMMEDIATE", UC, ROCE_OP_WRITE,
			ONLY, REQ_DATA | IMM, ROCE_HDR_RETH | ROCE_HDR_IMMDT),

	[ROCE_UD_SEND_ONLY] =
		ROCE_OP("SEND_ONLY", UD, ROCE_OP_SEND, ONLY, REQ_DATA,
			ROCE_HDR_DETH),
	[ROCE_UD_SEND_ONLY_WITH_IMMEDIATE] =
		ROCE_OP("SEND_ONLY_WITH_IMMEDIATE", UD, ROCE_OP_SEND, ONLY,
			REQ_DATA | IMM, ROCE_HDR_DETH | ROCE_HDR_IMMDT),
};

#undef REQ_DATA
#undef RESP_DATA
#undef RESP_ACK
#undef IMM
#undef INV
#undef FIRST
#undef MIDDLE
#undef LAST
#undef ONLY
#undef RC
#undef UC
#undef UD

/* IBTA numbers the UC operations as RC's, plus 0x20. */
_Static_assert(ROCE_UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE ==
	       ROCE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE + 0x20,
	       "UC opcodes are RC's plus 0x20");
_Static_assert(ROCE_HDRS_LEN(ROCE_HDR_ATMETH) == ROCE_MAX_HDR_LEN,
	       "the atomic request has the longest headers");

const struct roce_opcode_info *roce_opcode_info(u8 opcode)
{
	const struct roce_opcode_info *info = &roce_opcodes[opcode];

	return info->name ? info : NULL;
}

const char *roce_qp_type_name(u8 qp_type)
{
	switch (qp_type) {
	case ROCE_QPT_RC:
		return "RC";
	case ROCE_QPT_UC:
		return "UC";
	case ROCE_QPT_UD:
		return "UD";
	}
	return "?";
}

static const char *const roce_drop_names[ROCE_DROP_NR] = {
	[ROCE_DROP_NONE] = "none",
	[ROCE_DROP_SHORT] = "short",
	[ROCE_DROP_TVER] = "tver",
	[ROCE_DROP_OPCODE] = "opcode",
	[ROCE_DROP_HDR_SHORT] = "hdr_short",
	[ROCE_DROP_PAD] = "pad",
	[ROCE_DROP_PAYLOAD] = "payload",
	[ROCE_DROP_AETH] = "aeth",
	[ROCE_DROP_ICRC] = "icrc",
};

const char *roce_drop_name(unsigned int reason)
{
	return reason < ROCE_DROP_NR ? roce_drop_names[reason] : "?";
}

/* IBTA table 45, the RNR NAK timer codes, in microseconds. */
static const u32 roce_rnr_usec[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120,
	160, 240, 320, 480, 640, 960, 1280, 1920,
	2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

u32 roce_rnr_timer_usec(u8 timer)
{
	return roce_rnr_usec[timer & ROCE_AETH_VALUE_MASK];
}

/* --- big-endian fields, a byte at a time ------------------------------ */

static u16 get_be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

static u32 get_be24(const u8 *p)
{
	return (u32)p[0] << 16 | (u32)p[1] << 8 | p[2];
}

static u32 get_be32(const u8 *p)
{
	return (u32)p[0] << 24 | get_be24(p + 1);
}

static u64 get_be64(const u8 *p)
{
	return (u64)get_be32(p) << 32 | get_be32(p + 4);
}

static void put_be16(u8 *p, u16 v)
{
	p[0] = v >> 8;
	p[1] = v;
}

static void put_be24(u8 *p, u32 v)
{
	p[0] = v >> 16;
	p[1] = v >> 8;
	p[2] = v;
}

static void put_be32(u8 *p, u32 v)
{
	p[0] = v >> 24;
	put_be24(p + 1, v);
}

static void put_be64(u8 *p, u64 v)
{
	put_be32(p, v >> 32);
	put_be32(p + 4, v);
}

/* BTH byte 1: SE, M, PadCnt, TVer; byte 4: FECN, BECN; byte 8: AckReq. */
#define BTH_SE 0x80
#define BTH_MIG 0x40
#define BTH_PAD_SHIFT 4
#define BTH_TVER_MASK 0x0f
#define BTH_FECN 0x80
#define BTH_BECN 0x40
#define BTH_ACKREQ 0x80

/* Is @syn a syndrome IBTA defines (not reserved)? */
static bool roce_aeth_syndrome_valid(u8 syn)
{
	switch (syn & ROCE_AETH_TYPE_MASK) {
	case ROCE_AETH_ACK:
	case ROCE_AETH_RNR_NAK:
		return true;
	case ROCE_AETH_NAK:
		return (syn & ROCE_AETH_VALUE_MASK) <= ROCE_NAK_INVALID_RD_REQ;
	}
	return false;
}

static bool roce_seg_full(u8 seg)
{
	return seg == ROCE_SEG_FIRST || seg == ROCE_SEG_MIDDLE;
}

enum roce_drop roce_pkt_parse(struct roce_pkt *pkt, const void *buf,
			      size_t len)
{
	const struct roce_opcode_info *info;
	const u8 *b = buf;
	size_t rest;
	u32 off;

	if (len < ROCE_MIN_PKT_LEN)
		return ROCE_DROP_SHORT;
	if (b[1] & BTH_TVER_MASK)
		return ROCE_DROP_TVER;
	info = roce_opcode_info(b[0]);
	if (!info)
		return ROCE_DROP_OPCODE;
	if (len < (size_t)info->hdr_len + ROCE_ICRC_LEN)
		return ROCE_DROP_HDR_SHORT;

	memset(pkt, 0, sizeof(*pkt));
	pkt->opcode = b[0];
	pkt->bth_flags = ((b[1] & BTH_SE) ? ROCE_BTH_SE : 0) |
			 ((b[1] & BTH_MIG) ? ROCE_BTH_MIGREQ : 0) |
			 ((b[4] & BTH_FECN) ? ROCE_BTH_FECN : 0) |
			 ((b[4] & BTH_BECN) ? ROCE_BTH_BECN : 0) |
			 ((b[8] & BTH_ACKREQ) ? ROCE_BTH_ACKREQ : 0);
	pkt->pad = (b[1] >> BTH_PAD_SHIFT) & 3;
	pkt->pkey = get_be16(b + 2);
	pkt->dqpn = get_be24(b + 5);
	pkt->psn = get_be24(b + 9);
	pkt->hdrs = info->hdrs;

	/* The headers fit: checked against info->hdr_len above. */
	off = ROCE_BTH_LEN;
	if (info->hdrs & ROCE_HDR_DETH) {
		pkt->deth.qkey = get_be32(b + off);
		pkt->deth.sqpn = get_be24(b + off + 5);
		off += ROCE_DETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_RETH) {
		pkt->reth.va = get_be64(b + off);
		pkt->reth.rkey = get_be32(b + off + 8);
		pkt->reth.dma_len = get_be32(b + off + 12);
		off += ROCE_RETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_ATMETH) {
		pkt->atmeth.va = get_be64(b + off);
		pkt->atmeth.rkey = get_be32(b + off + 8);
		pkt->atmeth.swap_add = get_be64(b + off + 12);
		pkt->atmeth.compare = get_be64(b + off + 20);
		off += ROCE_ATMETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_AETH) {
		pkt->aeth.syndrome = b[off];
		pkt->aeth.msn = get_be24(b + off + 1);
		off += ROCE_AETH_LEN;
		if (!roce_aeth_syndrome_valid(pkt->aeth.syndrome))
			return ROCE_DROP_AETH;
	}
	if (info->hdrs & ROCE_HDR_ATMACK) {
		pkt->atomic_orig = get_be64(b + off);
		off += ROCE_ATMACK_LEN;
	}
	if (info->hdrs & ROCE_HDR_IMMDT) {
		pkt->imm = get_be32(b + off);
		off += ROCE_IMMDT_LEN;
	}
	if (info->hdrs & ROCE_HDR_IETH) {
		pkt->inv_rkey = get_be32(b + off);
		off += ROCE_IETH_LEN;
	}

	/* Payload and pad: what lies between the headers and the ICRC. */
	rest = len - off - ROCE_ICRC_LEN;
	if ((rest & 3) || pkt->pad > rest)
		return ROCE_DROP_PAD;
	if (pkt->pad && roce_seg_full(info->seg))
		return ROCE_DROP_PAD;
	if (!(info->flags & ROCE_OPF_PAYLOAD) && rest)
		return ROCE_DROP_PAYLOAD;
	if (rest - pkt->pad > 0xffffffffu)
		return ROCE_DROP_PAYLOAD;
	pkt->payload_len = rest - pkt->pad;
	if (!pkt->payload_len && roce_seg_full(info->seg))
		return ROCE_DROP_PAYLOAD;
	pkt->payload = pkt->payload_len ? b + off : NULL;
	pkt->icrc = (u32)b[len - 4] | (u32)b[len - 3] << 8 |
		    (u32)b[len - 2] << 16 | (u32)b[len - 1] << 24;
	return ROCE_DROP_NONE;
}

size_t roce_pkt_len(u8 opcode, u32 payload_len)
{
	const struct roce_opcode_info *info = roce_opcode_info(opcode);

	if (!info)
		return 0;
	return (size_t)info->hdr_len + payload_len + (-payload_len & 3) +
	       ROCE_ICRC_LEN;
}

int roce_pkt_build(const struct roce_pkt *pkt, const void *payload,
		   u32 len, void *buf, size_t size)
{
	const struct roce_opcode_info *info = roce_opcode_info(pkt->opcode);
	u8 pad = -len & 3;
	size_t total;
	u8 *b = buf;
	u32 off;

	if (!info)
		return -EINVAL;
	if (pkt->dqpn > ROCE_QPN_MASK || pkt->psn > ROCE_PSN_MASK)
		return -EINVAL;
	if ((info->hdrs & ROCE_HDR_DETH) && pkt->deth.sqpn > ROCE_QPN_MASK)
		return -EINVAL;
	if ((info->hdrs & ROCE_HDR_AETH) &&
	    (pkt->aeth.msn > ROCE_PSN_MASK ||
	     !roce_aeth_syndrome_valid(pkt->aeth.syndrome)))
		return -EINVAL;
	if (!(info->flags & ROCE_OPF_PAYLOAD) && len)
		return -EINVAL;
	if (roce_seg_full(info->seg) && (!len || pad))
		return -EINVAL;
	total = roce_pkt_len(pkt->opcode, len);
	if (total > 0x7fffffff)
		return -EINVAL;
	if (size < total)
		return -ENOSPC;

	memset(b, 0, ROCE_BTH_LEN);
	b[0] = pkt->opcode;
	b[1] = ((pkt->bth_flags & ROCE_BTH_SE) ? BTH_SE : 0) |
	       ((pkt->bth_flags & ROCE_BTH_MIGREQ) ? BTH_MIG : 0) |
	       pad << BTH_PAD_SHIFT;
	put_be16(b + 2, pkt->pkey);
	b[4] = ((pkt->bth_flags & ROCE_BTH_FECN) ? BTH_FECN : 0) |
	       ((pkt->bth_flags & ROCE_BTH_BECN) ? BTH_BECN : 0);
	put_be24(b + 5, pkt->dqpn);
	b[8] = (pkt->bth_flags & ROCE_BTH_ACKREQ) ? BTH_ACKREQ : 0;
	put_be24(b + 9, pkt->psn);

	off = ROCE_BTH_LEN;
	if (info->hdrs & ROCE_HDR_DETH) {
		put_be32(b + off, pkt->deth.qkey);
		b[off + 4] = 0;
		put_be24(b + off + 5, pkt->deth.sqpn);
		off += ROCE_DETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_RETH) {
		put_be64(b + off, pkt->reth.va);
		put_be32(b + off + 8, pkt->reth.rkey);
		put_be32(b + off + 12, pkt->reth.dma_len);
		off += ROCE_RETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_ATMETH) {
		put_be64(b + off, pkt->atmeth.va);
		put_be32(b + off + 8, pkt->atmeth.rkey);
		put_be64(b + off + 12, pkt->atmeth.swap_add);
		put_be64(b + off + 20, pkt->atmeth.compare);
		off += ROCE_ATMETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_AETH) {
		b[off] = pkt->aeth.syndrome;
		put_be24(b + off + 1, pkt->aeth.msn);
		off += ROCE_AETH_LEN;
	}
	if (info->hdrs & ROCE_HDR_ATMACK) {
		put_be64(b + off, pkt->atomic_orig);
		off += ROCE_ATMACK_LEN;
	}
	if (info->hdrs & ROCE_HDR_IMMDT) {
		put_be32(b + off, pkt->imm);
		off += ROCE_IMMDT_LEN;
	}
	if (info->hdrs & ROCE_HDR_IETH) {
		put_be32(b + off, pkt->inv_rkey);
		off += ROCE_IETH_LEN;
	}
	if (len && payload)
		memcpy(b + off, payload, len);
	memset(b + off + len, 0, pad + ROCE_ICRC_LEN);
	return (int)total;
}

/* --- the ICRC ---------------------------------------------------------- */

/* CRC-32, reflected polynomial 0xedb88320, one byte per step. */
static const u32 roce_crc32_table[256] = {
	0x00000000, 0x77073096, 0xee0e612c, 0x990951ba,
	0x076dc419, 0x706af48f, 0xe963a535, 0x9e6495a3,
	0x0edb8832, 0x79dcb8a4, 0xe0d5e91e, 0x97d2d988,
	0x09b64c2b, 0x7eb17cbd, 0xe7b82d07, 0x90bf1d91,
	0x1db71064, 0x6ab020f2, 0xf3b97148, 0x84be41de,
	0x1adad47d, 0x6ddde4eb, 0xf4d4b551, 0x83d385c7,
	0x136c9856, 0x646ba8c0, 0xfd62f97a, 0x8a65c9ec,
	0x14015c4f, 0x63066cd9, 0xfa0f3d63, 0x8d080df5,
	0x3b6e20c8, 0x4c69105e, 0xd56041e4, 0xa2677172,
	0x3c03e4d1, 0x4b04d447, 0xd20d85fd, 0xa50ab56b,
	0x35b5a8fa, 0x42b2986c, 0xdbbbc9d6, 0xacbcf940,
	0x32d86ce3, 0x45df5c75, 0xdcd60dcf, 0xabd13d59,
	0x26d930ac, 0x51de003a, 0xc8d75180, 0xbfd06116,
	0x21b4f4b5, 0x56b3c423, 0xcfba9599, 0xb8bda50f,
	0x2802b89e, 0x5f058808, 0xc60cd9b2, 0xb10be924,
	0x2f6f7c87, 0x58684c11, 0xc1611dab, 0xb6662d3d,
	0x76dc4190, 0x01db7106, 0x98d220bc, 0xefd5102a,
	0x71b18589, 0x06b6b51f, 0x9fbfe4a5, 0xe8b8d433,
	0x7807c9a2, 0x0f00f934, 0x9609a88e, 0xe10e9818,
	0x7f6a0dbb, 0x086d3d2d, 0x91646c97, 0xe6635c01,
	0x6b6b51f4, 0x1c6c6162, 0x856530d8, 0xf262004e,
	0x6c0695ed, 0x1b01a57b, 0x8208f4c1, 0xf50fc457,
	0x65b0d9c6, 0x12b7e950, 0x8bbeb8ea, 0xfcb9887c,
	0x62dd1ddf, 0x15da2d49, 0x8cd37cf3, 0xfbd44c65,
	0x4db26158, 0x3ab551ce, 0xa3bc0074, 0xd4bb30e2,
	0x4adfa541, 0x3dd895d7, 0xa4d1c46d, 0xd3d6f4fb,
	0x4369e96a, 0x346ed9fc, 0xad678846, 0xda60b8d0,
	0x44042d73, 0x33031de5, 0xaa0a4c5f, 0xdd0d7cc9,
	0x5005713c, 0x270241aa, 0xbe0b1010, 0xc90c2086,
	0x5768b525, 0x206f85b3, 0xb966d409, 0xce61e49f,
	0x5edef90e, 0x29d9c998, 0xb0d09822, 0xc7d7a8b4,
	0x59b33d17, 0x2eb40d81, 0xb7bd5c3b, 0xc0ba6cad,
	0xedb88320, 0x9abfb3b6, 0x03b6e20c, 0x74b1d29a,
	0xead54739, 0x9dd277af, 0x04db2615, 0x73dc1683,
	0xe3630b12, 0x94643b84, 0x0d6d6a3e, 0x7a6a5aa8,
	0xe40ecf0b, 0x9309ff9d, 0x0a00ae27, 0x7d079eb1,
	0xf00f9344, 0x8708a3d2, 0x1e01f268, 0x6906c2fe,
	0xf762575d, 0x806567cb, 0x196c3671, 0x6e6b06e7,
	0xfed41b76, 0x89d32be0, 0x10da7a5a, 0x67dd4acc,
	0xf9b9df6f, 0x8ebeeff9, 0x17b7be43, 0x60b08ed5,
	0xd6d6a3e8, 0xa1d1937e, 0x38d8c2c4, 0x4fdff252,
	0xd1bb67f1, 0xa6bc5767, 0x3fb506dd, 0x48b2364b,
	0xd80d2bda, 0xaf0a1b4c, 0x36034af6, 0x41047a60,
	0xdf60efc3, 0xa867df55, 0x316e8eef, 0x4669be79,
	0xcb61b38c, 0xbc66831a, 0x256fd2a0, 0x5268e236,
	0xcc0c7795, 0xbb0b4703, 0x220216b9, 0x5505262f,
	0xc5ba3bbe, 0xb2bd0b28, 0x2bb45a92, 0x5cb36a04,
	0xc2d7ffa7, 0xb5d0cf31, 0x2cd99e8b, 0x5bdeae1d,
	0x9b64c2b0, 0xec63f226, 0x756aa39c, 0x026d930a,
	0x9c0906a9, 0xeb0e363f, 0x72076785, 0x05005713,
	0x95bf4a82, 0xe2b87a14, 0x7bb12bae, 0x0cb61b38,
	0x92d28e9b, 0xe5d5be0d, 0x7cdcefb7, 0x0bdbdf21,
	0x86d3d2d4, 0xf1d4e242, 0x68ddb3f8, 0x1fda836e,
	0x81be16cd, 0xf6b9265b, 0x6fb077e1, 0x18b74777,
	0x88085ae6, 0xff0f6a70, 0x66063bca, 0x11010b5c,
	0x8f659eff, 0xf862ae69, 0x616bffd3, 0x166ccf45,
	0xa00ae278, 0xd70dd2ee, 0x4e048354, 0x3903b3c2,
	0xa7672661, 0xd06016f7, 0x4969474d, 0x3e6e77db,
	0xaed16a4a, 0xd9d65adc, 0x40df0b66, 0x37d83bf0,
	0xa9bcae53, 0xdebb9ec5, 0x47b2cf7f, 0x30b5ffe9,
	0xbdbdf21c, 0xcabac28a, 0x53b39330, 0x24b4a3a6,
	0xbad03605, 0xcdd70693, 0x54de5729, 0x23d967bf,
	0xb3667a2e, 0xc4614ab8, 0x5d681b02, 0x2a6f2b94,
	0xb40bbe37, 0xc30c8ea1, 0x5a05df1b, 0x2d02ef8d,
};

u32 roce_crc32(u32 crc, const void *buf, size_t len)
{
	const u8 *p = buf;

	crc = ~crc;
	while (len--)
		crc = roce_crc32_table[(crc ^ *p++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

/*
 * Copy the IP and UDP headers to @masked with the variant fields set to
 * all ones (Annex A17.3.3).  Returns false if @l3 is not an IPv4 header
 * without options or an IPv6 header, followed by UDP, of @l3_len bytes.
 */
static bool roce_l3_mask(u8 *masked, const u8 *l3, size_t l3_len)
{
	switch (l3_len) {
	case ROCE_L3_IPV4_LEN:
		if (l3[0] != 0x45 || l3[9] != 17)
			return false;
		memcpy(masked, l3, l3_len);
		masked[1] = 0xff;		/* DSCP, ECN */
		masked[8] = 0xff;		/* TTL */
		masked[10] = 0xff;		/* header checksum */
		masked[11] = 0xff;
		masked[20 + 6] = 0xff;		/* UDP checksum */
		masked[20 + 7] = 0xff;
		return true;
	case ROCE_L3_IPV6_LEN:
		if ((l3[0] >> 4) != 6 || l3[6] != 17)
			return false;
		memcpy(masked, l3, l3_len);
		masked[0] |= 0x0f;	/* traffic class, flow label */
		masked[1] = 0xff;
		masked[2] = 0xff;
		masked[3] = 0xff;
		masked[7] = 0xff;		/* hop limit */
		masked[40 + 6] = 0xff;		/* UDP checksum */
		masked[40 + 7] = 0xff;
		return true;
	}
	return false;
}

int roce_icrc_compute(const void *l3, size_t l3_len, const void *pkt,
		      size_t len, u32 *icrc)
{
	static const u8 lrh[8] = {
		0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	};
	u8 masked[ROCE_L3_IPV6_LEN];
	u8 bth[ROCE_BTH_LEN];
	u32 crc;

	if (len < ROCE_MIN_PKT_LEN || !roce_l3_mask(masked, l3, l3_len))
		return -EINVAL;
	memcpy(bth, pkt, ROCE_BTH_LEN);
	bth[4] = 0xff;				/* FECN, BECN, reserved */

	crc = roce_crc32(0, lrh, sizeof(lrh));
	crc = roce_crc32(crc, masked, l3_len);
	crc = roce_crc32(crc, bth, sizeof(bth));
	crc = roce_crc32(crc, (const u8 *)pkt + ROCE_BTH_LEN,
			 len - ROCE_BTH_LEN - ROCE_ICRC_LEN);
	*icrc = crc;
	return 0;
}

int roce_icrc_set(const void *l3, size_t l3_len, void *pkt, size_t len)
{
	u8 *b = pkt;
	u32 icrc;
	int ret;

	ret = roce_icrc_compute(l3, l3_len, pkt, len, &icrc);
	if (ret)
		return ret;
	b[len - 4] = icrc;
	b[len - 3] = icrc >> 8;
	b[len - 2] = icrc >> 16;
	b[len - 1] = icrc >> 24;
	return 0;
}

enum roce_drop roce_icrc_check(const void *l3, size_t l3_len,
			       const void *pkt, size_t len)
{
	const u8 *b = pkt;
	u32 icrc, wire;

	if (roce_icrc_compute(l3, l3_len, pkt, len, &icrc))
		return ROCE_DROP_SHORT;
	wire = (u32)b[len - 4] | (u32)b[len - 3] << 8 |
	       (u32)b[len - 2] << 16 | (u32)b[len - 1] << 24;
	return icrc == wire ? ROCE_DROP_NONE : ROCE_DROP_ICRC;
}

/* The UDP header after an IP header at @l3 + @ip_len. */
static void roce_udp_hdr(u8 *udp, u16 sport, size_t pkt_len)
{
	put_be16(udp, sport);
	put_be16(udp + 2, ROCE_UDP_PORT);
	put_be16(udp + 4, (u16)(8 + pkt_len));
	put_be16(udp + 6, 0);
}

int roce_l3_hdr_ipv4(u8 *l3, const u8 saddr[4], const u8 daddr[4],
		     u16 sport, u16 ip_id, size_t pkt_len)
{
	u32 sum = 0;
	int i;

	if (pkt_len > 0xffff - ROCE_L3_IPV4_LEN)
		return -EINVAL;
	l3[0] = 0x45;
	l3[1] = 0;
	put_be16(l3 + 2, (u16)(ROCE_L3_IPV4_LEN + pkt_len));
	put_be16(l3 + 4, ip_id);
	put_be16(l3 + 6, 0x4000);		/* DF, fragment offset 0 */
	l3[8] = 64;
	l3[9] = 17;
	put_be16(l3 + 10, 0);
	memcpy(l3 + 12, saddr, 4);
	memcpy(l3 + 16, daddr, 4);
	for (i = 0; i < 20; i += 2)
		sum += get_be16(l3 + i);
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	put_be16(l3 + 10, (u16)~sum);
	roce_udp_hdr(l3 + 20, sport, pkt_len);
	return 0;
}

int roce_l3_hdr_ipv6(u8 *l3, const u8 saddr[16], const u8 daddr[16],
		     u16 sport, size_t pkt_len)
{
	if (pkt_len > 0xffff - 8)
		return -EINVAL;
	put_be32(l3, 0x60000000);		/* version 6, TC 0, flow 0 */
	put_be16(l3 + 4, (u16)(8 + pkt_len));
	l3[6] = 17;
	l3[7] = 64;
	memcpy(l3 + 8, saddr, 16);
	memcpy(l3 + 24, daddr, 16);
	roce_udp_hdr(l3 + 40, sport, pkt_len);
	return 0;
}

/* --- the decoder ------------------------------------------------------- */

/* A line being written; @len counts what would be written untruncated. */
struct roce_line {
	char *buf;
	size_t size;
	int len;
};

static __attribute__((format(printf, 2, 3)))
void roce_line_add(struct roce_line *line, const char *fmt, ...)
{
	size_t at = (size_t)line->len < line->size ? (size_t)line->len :
		    line->size;
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(line->buf + at, line->size - at, fmt, ap);
	va_end(ap);
	if (n > 0)
		line->len += n;
}

static const char *const roce_nak_names[] = {
	[ROCE_NAK_PSN_SEQ_ERR] = "PSN_SEQ_ERR",
	[ROCE_NAK_INVALID_REQ] = "INVALID_REQ",
	[ROCE_NAK_REM_ACCESS_ERR] = "REM_ACCESS_ERR",
	[ROCE_NAK_REM_OP_ERR] = "REM_OP_ERR",
	[ROCE_NAK_INVALID_RD_REQ] = "INVALID_RD_REQ",
};

static void roce_format_aeth(struct roce_line *line,
			     const struct roce_aeth *aeth)
{
	u8 value = aeth->syndrome & ROCE_AETH_VALUE_MASK;

	switch (aeth->syndrome & ROCE_AETH_TYPE_MASK) {
	case ROCE_AETH_ACK:
		if (value == ROCE_AETH_CREDIT_INVALID)
			roce_line_add(line, " aeth ACK");
		else
			roce_line_add(line, " aeth ACK credits %u", value);
		break;
	case ROCE_AETH_RNR_NAK:
		roce_line_add(line, " aeth RNR_NAK timer %u", value);
		break;
	default:
		/* reserved syndromes: the parser and builder refuse them */
		if (roce_aeth_syndrome_valid(aeth->syndrome))
			roce_line_add(line, " aeth NAK %s",
				      roce_nak_names[value]);
		else
			roce_line_add(line, " aeth 0x%02x", aeth->syndrome);
		break;
	}
	roce_line_add(line, " msn %u", aeth->msn);
}

int roce_pkt_format(char *buf, size_t size, const struct roce_pkt *pkt)
{
	const struct roce_opcode_info *info = roce_opcode_info(pkt->opcode);
	struct roce_line line = { .buf = buf, .size = size };
	char none[1];

	if (!size)
		line.buf = none;	/* measure only: nothing is written */
	if (!info) {
		roce_line_add(&line, "opcode 0x%02x", pkt->opcode);
		return line.len;
	}
	roce_line_add(&line, "%s %s", roce_qp_type_name(info->qp_type),
		      info->name);
	if (pkt->pkey != ROCE_DEFAULT_PKEY)
		roce_line_add(&line, " pkey 0x%x", pkt->pkey);
	roce_line_add(&line, " dqpn 0x%x psn %u", pkt->dqpn, pkt->psn);
	if (pkt->bth_flags & ROCE_BTH_SE)
		roce_line_add(&line, " se");
	if (pkt->bth_flags & ROCE_BTH_MIGREQ)
		roce_line_add(&line, " mig");
	if (pkt->bth_flags & ROCE_BTH_ACKREQ)
		roce_line_add(&line, " ack_req");
	if (pkt->bth_flags & ROCE_BTH_FECN)
		roce_line_add(&line, " fecn");
	if (pkt->bth_flags & ROCE_BTH_BECN)
		roce_line_add(&line, " becn");
	if (pkt->pad)
		roce_line_add(&line, " pad %u", pkt->pad);
	if (info->hdrs & ROCE_HDR_DETH)
		roce_line_add(&line, " qkey 0x%x sqpn 0x%x", pkt->deth.qkey,
			      pkt->deth.sqpn);
	if (info->hdrs & ROCE_HDR_RETH)
		roce_line_add(&line, " va 0x%llx rkey 0x%x dma_len %u",
			      (unsigned long long)pkt->reth.va,
			      pkt->reth.rkey, pkt->reth.dma_len);
	if (info->hdrs & ROCE_HDR_ATMETH) {
		roce_line_add(&line, " va 0x%llx rkey 0x%x",
			      (unsigned long long)pkt->atmeth.va,
			      pkt->atmeth.rkey);
		if (pkt->opcode == ROCE_RC_COMPARE_SWAP)
			roce_line_add(&line, " compare 0x%llx swap 0x%llx",
				      (unsigned long long)pkt->atmeth.compare,
				      (unsigned long long)pkt->atmeth.swap_add);
		else
			roce_line_add(&line, " add 0x%llx",
				      (unsigned long long)pkt->atmeth.swap_add);
	}
	if (info->hdrs & ROCE_HDR_AETH)
		roce_format_aeth(&line, &pkt->aeth);
	if (info->hdrs & ROCE_HDR_ATMACK)
		roce_line_add(&line, " orig 0x%llx",
			      (unsigned long long)pkt->atomic_orig);
	if (info->hdrs & ROCE_HDR_IMMDT)
		roce_line_add(&line, " imm 0x%x", pkt->imm);
	if (info->hdrs & ROCE_HDR_IETH)
		roce_line_add(&line, " inv_rkey 0x%x", pkt->inv_rkey);
	if (info->flags & ROCE_OPF_PAYLOAD)
		roce_line_add(&line, " len %u", pkt->payload_len);
	return line.len;
}
