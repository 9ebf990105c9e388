// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as a RoCEv2 UDP payload into the wire codec
 * (drivers/soft/roce_wire.c), which the soft device's RoCE port runs on
 * every datagram a remote host sends.  A packet is either dropped with a
 * reason inside enum roce_drop, or parsed into fields that describe the
 * input exactly: the payload lies inside it, headers + payload + pad +
 * ICRC are its length, building the parsed struct writes the same bytes
 * (but for the reserved bits, the pad bytes and the ICRC, which the parser
 * ignores), the rebuilt packet parses to the same struct, and the decoder's
 * line fits ROCE_FORMAT_MAX.  The ICRC is computed over the input as it is
 * and after roce_icrc_set() must check.  Never a crash, an out-of-bounds
 * access or undefined behaviour.  Seeds: fuzz/corpus-roce/: seed-*, one
 * packet of every opcode (fuzz/mkcorpus_roce.c), and rxe-*, one of each
 * opcode Linux rdma_rxe sent in the captures of tests/golden/roce/.
 */
#include <stdlib.h>
#include <string.h>

#include "../drivers/soft/roce_wire.h"

/* An IPv4 + UDP header, the same for every run (addresses 10.0.0.1/2). */
static void fz_l3(u8 *l3, size_t len)
{
	static const u8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };

	if (roce_l3_hdr_ipv4(l3, a, b, 49152, 0, len))
		abort();
}

static void fz_same(const struct roce_pkt *x, const struct roce_pkt *y)
{
	if (x->opcode != y->opcode || x->bth_flags != y->bth_flags ||
	    x->pad != y->pad || x->pkey != y->pkey || x->dqpn != y->dqpn ||
	    x->psn != y->psn || x->hdrs != y->hdrs ||
	    x->deth.qkey != y->deth.qkey || x->deth.sqpn != y->deth.sqpn ||
	    x->reth.va != y->reth.va || x->reth.rkey != y->reth.rkey ||
	    x->reth.dma_len != y->reth.dma_len ||
	    x->atmeth.va != y->atmeth.va || x->atmeth.rkey != y->atmeth.rkey ||
	    x->atmeth.swap_add != y->atmeth.swap_add ||
	    x->atmeth.compare != y->atmeth.compare ||
	    x->aeth.syndrome != y->aeth.syndrome ||
	    x->aeth.msn != y->aeth.msn || x->atomic_orig != y->atomic_orig ||
	    x->imm != y->imm || x->inv_rkey != y->inv_rkey ||
	    x->payload_len != y->payload_len)
		abort();
	if (x->payload_len && memcmp(x->payload, y->payload, x->payload_len))
		abort();
}

/* Which bits of byte @i the parser reads (the others are reserved). */
static u8 fz_meaningful(const struct roce_opcode_info *info, size_t i,
			size_t len, u8 pad)
{
	if (i == 4)
		return 0xc0;		/* FECN, BECN */
	if (i == 8)
		return 0x80;		/* AckReq */
	if ((info->hdrs & ROCE_HDR_DETH) && i == ROCE_BTH_LEN + 4)
		return 0;		/* DETH reserved byte */
	if (i >= len - ROCE_ICRC_LEN - pad)
		return 0;		/* pad, ICRC */
	return 0xff;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	const struct roce_opcode_info *info;
	struct roce_pkt pkt, again;
	char line[ROCE_FORMAT_MAX];
	u8 l3[ROCE_L3_IPV4_LEN];
	enum roce_drop reason;
	u8 *copy, *built;
	size_t i;
	int n;

	/* Any bytes after an IPv4 + UDP header: no crash, a verdict. */
	if (size >= ROCE_L3_IPV4_LEN) {
		reason = roce_icrc_check(data, ROCE_L3_IPV4_LEN,
					 data + ROCE_L3_IPV4_LEN,
					 size - ROCE_L3_IPV4_LEN);
		if (reason != ROCE_DROP_NONE && reason != ROCE_DROP_ICRC &&
		    reason != ROCE_DROP_SHORT)
			abort();
	}
	if (size >= ROCE_L3_IPV6_LEN &&
	    roce_icrc_check(data, ROCE_L3_IPV6_LEN, data + ROCE_L3_IPV6_LEN,
			    size - ROCE_L3_IPV6_LEN) >= ROCE_DROP_NR)
		abort();

	reason = roce_pkt_parse(&pkt, data, size);
	if (reason >= ROCE_DROP_NR || reason == ROCE_DROP_ICRC)
		abort();
	if (reason != ROCE_DROP_NONE)
		return 0;

	info = roce_opcode_info(pkt.opcode);
	if (!info || pkt.hdrs != info->hdrs || pkt.pad > 3)
		abort();
	if ((size_t)info->hdr_len + pkt.payload_len + pkt.pad +
	    ROCE_ICRC_LEN != size)
		abort();
	if (pkt.payload_len &&
	    (pkt.payload != data + info->hdr_len))
		abort();
	if (pkt.dqpn > ROCE_QPN_MASK || pkt.psn > ROCE_PSN_MASK)
		abort();

	n = roce_pkt_format(line, sizeof(line), &pkt);
	if (n <= 0 || n >= ROCE_FORMAT_MAX || (size_t)n != strlen(line))
		abort();

	/* Built again: the same bytes where they mean something. */
	built = malloc(size);
	if (!built)
		return 0;
	if (roce_pkt_build(&pkt, pkt.payload, pkt.payload_len, built,
			   size - 1) != -ENOSPC)
		abort();
	if (roce_pkt_build(&pkt, pkt.payload, pkt.payload_len, built, size) !=
	    (int)size)
		abort();
	for (i = 0; i < size; i++) {
		u8 m = fz_meaningful(info, i, size, pkt.pad);

		if ((built[i] ^ data[i]) & m)
			abort();
	}
	if (roce_pkt_parse(&again, built, size) != ROCE_DROP_NONE)
		abort();
	fz_same(&pkt, &again);

	/* Its ICRC, once set, checks; a copy of the input, too. */
	fz_l3(l3, size);
	if (roce_icrc_set(l3, sizeof(l3), built, size) ||
	    roce_icrc_check(l3, sizeof(l3), built, size) != ROCE_DROP_NONE)
		abort();
	copy = malloc(size);
	if (copy) {
		memcpy(copy, data, size);
		if (roce_icrc_set(l3, sizeof(l3), copy, size) ||
		    roce_icrc_check(l3, sizeof(l3), copy, size) !=
		    ROCE_DROP_NONE)
			abort();
		free(copy);
	}
	free(built);
	return 0;
}
