// SPDX-License-Identifier: MIT
/*
 * Writes fuzz/corpus-roce/: one packet of every RoCEv2 opcode the codec
 * knows (roce_opcodes), with payload where the opcode carries one and the
 * ICRC of an IPv4 + UDP header, as fuzz/fuzz_roce_wire.c takes them.
 *
 *   mkcorpus_roce DIR
 */
#include <stdio.h>
#include <string.h>

#include "../drivers/soft/roce_wire.h"

static int write_seed(const char *dir, const char *name, const u8 *buf,
		      size_t len)
{
	char path[4096];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(buf, 1, len, f) != len) {
		perror(path);
		return -1;
	}
	return fclose(f);
}

int main(int argc, char **argv)
{
	static const u8 a[4] = { 10, 0, 0, 1 }, b[4] = { 10, 0, 0, 2 };
	static const char payload[] = "RoCEv2 seed payload, 33 bytes...";
	u8 buf[256], l3[ROCE_L3_IPV4_LEN];
	unsigned int op;

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	for (op = 0; op < 256; op++) {
		const struct roce_opcode_info *info = roce_opcode_info(op);
		struct roce_pkt p = {
			.opcode = op, .bth_flags = ROCE_BTH_ACKREQ,
			.pkey = ROCE_DEFAULT_PKEY, .dqpn = 0x11, .psn = 100,
			.deth = { .qkey = ROCE_GSI_QKEY, .sqpn = 1 },
			.reth = { .va = 0x7f0000001000, .rkey = 0x1234,
				  .dma_len = 32 },
			.atmeth = { .va = 0x7f0000002000, .rkey = 0x1234,
				    .swap_add = 1, .compare = 2 },
			.aeth = { .syndrome = ROCE_AETH_SYN_ACK(31),
				  .msn = 7 },
			.atomic_orig = 3, .imm = 0xabcd, .inv_rkey = 0x99,
		};
		char name[64];
		u32 len = 0;
		int n;

		if (!info)
			continue;
		if (info->flags & ROCE_OPF_PAYLOAD)
			len = (info->seg == ROCE_SEG_FIRST ||
			       info->seg == ROCE_SEG_MIDDLE) ? 32 : 33;
		n = roce_pkt_build(&p, payload, len, buf, sizeof(buf));
		if (n < 0 || roce_l3_hdr_ipv4(l3, a, b, 49152, 0, n) ||
		    roce_icrc_set(l3, sizeof(l3), buf, n)) {
			fprintf(stderr, "opcode 0x%02x: cannot build\n", op);
			return 1;
		}
		snprintf(name, sizeof(name), "seed-%02x-%s-%s", op,
			 roce_qp_type_name(info->qp_type), info->name);
		if (write_seed(argv[1], name, buf, n))
			return 1;
	}
	return 0;
}
