// SPDX-License-Identifier: MIT
/*
 * ioverbs roce-decode: captures written here with the wire codec (a pcap
 * of Ethernet frames, VLAN tags, other traffic, a bad ICRC, a reserved
 * opcode, a short capture and a fragment among them; a big-endian pcapng
 * of two interfaces, Linux cooked v2 and raw IP, IPv6 and IPv4), decoded
 * golden, line for line; the exit codes of --check, of a file that is
 * not a capture, a missing file and a usage error.  Needs no daemon.
 */
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#include "../../drivers/soft/roce_wire.h"

/* A file being written, in the byte order asked for. */
struct cap {
	FILE *f;
	bool be;
};

static void cap_u32(struct cap *c, u32 v)
{
	u8 b[4];

	if (c->be) {
		b[0] = v >> 24, b[1] = v >> 16, b[2] = v >> 8, b[3] = v;
	} else {
		b[0] = v, b[1] = v >> 8, b[2] = v >> 16, b[3] = v >> 24;
	}
	fwrite(b, 1, 4, c->f);
}

static void cap_u16(struct cap *c, u16 v)
{
	u8 b[2];

	if (c->be) {
		b[0] = v >> 8, b[1] = v;
	} else {
		b[0] = v, b[1] = v >> 8;
	}
	fwrite(b, 1, 2, c->f);
}

static struct cap cap_open(const char *path, bool be)
{
	struct cap c = { .f = fopen(path, "wb"), .be = be };

	ASSERT_TRUE(c.f);
	return c;
}

static void pcap_header(struct cap *c, u32 linktype)
{
	cap_u32(c, 0xa1b2c3d4);
	cap_u16(c, 2);
	cap_u16(c, 4);
	cap_u32(c, 0);
	cap_u32(c, 0);
	cap_u32(c, 65535);
	cap_u32(c, linktype);
}

static void pcap_record(struct cap *c, const u8 *frame, u32 caplen, u32 len)
{
	cap_u32(c, 1);
	cap_u32(c, 0);
	cap_u32(c, caplen);
	cap_u32(c, len);
	fwrite(frame, 1, caplen, c->f);
}

/* pcapng: section header, interface description, enhanced packet. */
static void ng_block(struct cap *c, u32 type, const u8 *body, u32 len)
{
	static const u8 zero[4];
	u32 pad = -len & 3;

	cap_u32(c, type);
	cap_u32(c, 12 + len + pad);
	fwrite(body, 1, len, c->f);
	fwrite(zero, 1, pad, c->f);
	cap_u32(c, 12 + len + pad);
}

static void ng_section(struct cap *c)
{
	cap_u32(c, 0x0a0d0d0a);
	cap_u32(c, 28);
	cap_u32(c, 0x1a2b3c4d);
	cap_u16(c, 1);
	cap_u16(c, 0);
	cap_u32(c, 0xffffffff);	/* section length unknown */
	cap_u32(c, 0xffffffff);
	cap_u32(c, 28);
}

static void ng_iface(struct cap *c, u16 linktype)
{
	cap_u32(c, 1);
	cap_u32(c, 20);
	cap_u16(c, linktype);
	cap_u16(c, 0);
	cap_u32(c, 65535);
	cap_u32(c, 20);
}

static void ng_packet(struct cap *c, u32 iface, const u8 *frame, u32 len)
{
	static const u8 zero[4];
	u32 pad = -len & 3;

	cap_u32(c, 6);
	cap_u32(c, 32 + len + pad);
	cap_u32(c, iface);
	cap_u32(c, 0);
	cap_u32(c, 0);
	cap_u32(c, len);
	cap_u32(c, len);
	fwrite(frame, 1, len, c->f);
	fwrite(zero, 1, pad, c->f);
	cap_u32(c, 32 + len + pad);
}

static const u8 ip_a[4] = { 192, 168, 7, 1 }, ip_b[4] = { 192, 168, 7, 2 };
static const u8 ip6_a[16] = { 0xfe, 0x80, [15] = 1 };
static const u8 ip6_b[16] = { 0xfe, 0x80, [15] = 2 };

/*
 * An IPv4 RoCEv2 frame at @frame + @link (the link header is the
 * caller's): IP + UDP from the codec, the IB packet built, its ICRC set.
 * Returns the frame's length.
 */
static u32 roce4(u8 *frame, u32 link, const struct roce_pkt *p,
		 const void *payload, u32 len, u16 sport)
{
	u8 *l3 = frame + link, *pkt = l3 + ROCE_L3_IPV4_LEN;
	int n = roce_pkt_build(p, payload, len, pkt, 512);

	ASSERT_TRUE(n > 0);
	ASSERT_OK(roce_l3_hdr_ipv4(l3, ip_a, ip_b, sport, 0, n));
	ASSERT_OK(roce_icrc_set(l3, ROCE_L3_IPV4_LEN, pkt, n));
	return link + ROCE_L3_IPV4_LEN + n;
}

static void eth(u8 *frame, u16 proto)
{
	memset(frame, 0x02, 12);
	frame[12] = proto >> 8;
	frame[13] = proto;
}

static const struct roce_pkt send_hi = {
	.opcode = ROCE_RC_SEND_ONLY,
	.bth_flags = ROCE_BTH_ACKREQ,
	.pkey = ROCE_DEFAULT_PKEY,
	.dqpn = 0x12,
	.psn = 5,
};

static void write_pcap(const char *path)
{
	struct cap c = cap_open(path, false);
	struct roce_pkt p;
	u8 f[1024];
	u32 n;

	pcap_header(&c, 1);
	/* 1: ARP */
	memset(f, 0, 42);
	eth(f, 0x0806);
	pcap_record(&c, f, 42, 42);
	/* 2: a SEND */
	eth(f, 0x0800);
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	pcap_record(&c, f, n, n);
	/* 3: its ACK */
	p = (struct roce_pkt){
		.opcode = ROCE_RC_ACKNOWLEDGE,
		.pkey = ROCE_DEFAULT_PKEY,
		.dqpn = 0x11,
		.psn = 5,
		.aeth = { .syndrome = ROCE_AETH_SYN_ACK(ROCE_AETH_CREDIT_INVALID),
			  .msn = 1 },
	};
	n = roce4(f, 14, &p, NULL, 0, 49153);
	pcap_record(&c, f, n, n);
	/* 4: DNS: UDP, not to 4791 */
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	f[14 + 22] = 0;
	f[14 + 23] = 53;
	pcap_record(&c, f, n, n);
	/* 5: an RDMA WRITE behind a VLAN tag */
	eth(f, 0x8100);
	f[14] = 0x00;
	f[15] = 0x64;
	f[16] = 0x08;
	f[17] = 0x00;
	p = (struct roce_pkt){
		.opcode = ROCE_RC_RDMA_WRITE_ONLY,
		.pkey = ROCE_DEFAULT_PKEY,
		.dqpn = 0x12,
		.psn = 6,
		.reth = { .va = 0x7f0000001000, .rkey = 0x1234, .dma_len = 8 },
	};
	n = roce4(f, 18, &p, "abcdefgh", 8, 49152);
	pcap_record(&c, f, n, n);
	/* 6: a SEND whose last byte changed on the way */
	eth(f, 0x0800);
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	f[n - 1] ^= 0x40;
	pcap_record(&c, f, n, n);
	/* 7: a reserved opcode, with a good ICRC */
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	f[14 + 28] = 0x15;
	ASSERT_OK(roce_icrc_set(f + 14, ROCE_L3_IPV4_LEN, f + 14 + 28,
				n - 14 - 28));
	pcap_record(&c, f, n, n);
	/* 8: captured with a short snap length */
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	pcap_record(&c, f, n - 6, n);
	/* 9: a fragment (MF set) */
	n = roce4(f, 14, &send_hi, "hi", 2, 49152);
	f[14 + 6] |= 0x20;
	pcap_record(&c, f, n, n);
	ASSERT_EQ(fclose(c.f), 0);
}

static const char pcap_golden[] =
	"2 192.168.7.1:49152 > 192.168.7.2:4791 RC SEND_ONLY dqpn 0x12 psn 5 ack_req pad 2 len 2 icrc ok\n"
	"3 192.168.7.1:49153 > 192.168.7.2:4791 RC ACKNOWLEDGE dqpn 0x11 psn 5 aeth ACK msn 1 icrc ok\n"
	"5 192.168.7.1:49152 > 192.168.7.2:4791 RC RDMA_WRITE_ONLY dqpn 0x12 psn 6 va 0x7f0000001000 rkey 0x1234 dma_len 8 len 8 icrc ok\n"
	"6 192.168.7.1:49152 > 192.168.7.2:4791 RC SEND_ONLY dqpn 0x12 psn 5 ack_req pad 2 len 2 icrc bad\n"
	"7 192.168.7.1:49152 > 192.168.7.2:4791 drop opcode icrc ok\n"
	"8 192.168.7.1:49152 > 192.168.7.2:4791 truncated: 14 of 20 bytes captured\n";

/* Big-endian pcapng: a cooked (SLL2) IPv6 UD SEND, a raw IPv4 NAK. */
static void write_pcapng(const char *path)
{
	struct cap c = cap_open(path, true);
	struct roce_pkt p = {
		.opcode = ROCE_UD_SEND_ONLY,
		.pkey = ROCE_DEFAULT_PKEY,
		.dqpn = 1,
		.psn = 0x123,
		.deth = { .qkey = ROCE_GSI_QKEY, .sqpn = 1 },
	};
	u8 f[1024], *l3 = f + 20, *pkt = l3 + ROCE_L3_IPV6_LEN;
	static const u8 stats[8];
	int n;

	ng_section(&c);
	ng_iface(&c, 276);	/* LINKTYPE_LINUX_SLL2 */
	ng_iface(&c, 101);	/* LINKTYPE_RAW */
	memset(f, 0, 20);
	f[0] = 0x86;
	f[1] = 0xdd;
	n = roce_pkt_build(&p, "0123456789abcdef", 16, pkt, 512);
	ASSERT_EQ(n, 40);
	ASSERT_OK(roce_l3_hdr_ipv6(l3, ip6_a, ip6_b, 50000, n));
	ASSERT_OK(roce_icrc_set(l3, ROCE_L3_IPV6_LEN, pkt, n));
	ng_packet(&c, 0, f, 20 + ROCE_L3_IPV6_LEN + n);
	ng_block(&c, 5, stats, sizeof(stats));	/* statistics: skipped */
	p = (struct roce_pkt){
		.opcode = ROCE_RC_ACKNOWLEDGE,
		.pkey = ROCE_DEFAULT_PKEY,
		.dqpn = 0x11,
		.psn = 9,
		.aeth = { .syndrome = ROCE_AETH_SYN_NAK(ROCE_NAK_PSN_SEQ_ERR),
			  .msn = 4 },
	};
	n = roce4(f, 0, &p, NULL, 0, 49154);
	ng_packet(&c, 1, f, n);
	ASSERT_EQ(fclose(c.f), 0);
}

static const char pcapng_golden[] =
	"1 [fe80::1]:50000 > [fe80::2]:4791 UD SEND_ONLY dqpn 0x1 psn 291 qkey 0x80010000 sqpn 0x1 len 16 icrc ok\n"
	"2 192.168.7.1:49154 > 192.168.7.2:4791 RC ACKNOWLEDGE dqpn 0x11 psn 9 aeth NAK PSN_SEQ_ERR msn 4 icrc ok\n";

/* Runs the tool: its exit status, its output (stdout and stderr) in @out. */
static int run_tool(char *out, size_t size, const char *a1, const char *a2)
{
	char *argv[4] = { (char *)fx_tool_path(), (char *)a1, (char *)a2 };

	if (access(argv[0], X_OK))
		harness_fail(__FILE__, __LINE__, "no tool at %s", argv[0]);
	return fx_run(argv, out, size);
}

static void expect_text(int line, const char *got, const char *want)
{
	if (strcmp(got, want))
		harness_fail(__FILE__, line, "output:\n%s\nexpected:\n%s", got,
			     want);
}

TEST(roce_decode_pcap_golden)
{
	char path[] = "/tmp/roce_decode_XXXXXX";
	char out[8192];
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	write_pcap(path);
	ASSERT_EQ(run_tool(out, sizeof(out), "roce-decode", path), 0);
	expect_text(__LINE__, out, pcap_golden);
	/* --check: the same lines, then the count, and exit 1 */
	{
		char *argv[] = { (char *)fx_tool_path(), "roce-decode",
				 "--check", path, NULL };
		char want[8192];

		ASSERT_EQ(fx_run(argv, out, sizeof(out)), 1);
		snprintf(want, sizeof(want),
			 "%sioverbs roce-decode: %s: 3 of 6 RoCEv2 packets "
			 "dropped, truncated or with a bad ICRC\n",
			 pcap_golden, path);
		expect_text(__LINE__, out, want);
	}
	unlink(path);
}

TEST(roce_decode_pcapng_golden)
{
	char path[] = "/tmp/roce_decode_XXXXXX";
	char *argv[] = { (char *)fx_tool_path(), "roce-decode", "-c", path,
			 NULL };
	char out[8192];
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	close(fd);
	write_pcapng(path);
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	expect_text(__LINE__, out, pcapng_golden);
	unlink(path);
}

TEST(roce_decode_errors)
{
	char path[] = "/tmp/roce_decode_XXXXXX";
	char out[8192], want[512];
	int fd = mkstemp(path);

	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(write(fd, "not a capture\n", 14), 14);
	close(fd);
	ASSERT_EQ(run_tool(out, sizeof(out), "roce-decode", path), 1);
	snprintf(want, sizeof(want),
		 "ioverbs roce-decode: %s: not a pcap or pcapng file\n", path);
	expect_text(__LINE__, out, want);

	/* a pcap cut inside a record: what was read, then the error */
	write_pcap(path);
	ASSERT_EQ(truncate(path, 24 + 16 + 42 + 16 + 30), 0);
	ASSERT_EQ(run_tool(out, sizeof(out), "roce-decode", path), 1);
	snprintf(want, sizeof(want),
		 "ioverbs roce-decode: %s: truncated pcap record\n", path);
	expect_text(__LINE__, out, want);
	unlink(path);

	ASSERT_EQ(run_tool(out, sizeof(out), "roce-decode",
			   "/nonexistent/x.pcap"), 1);
	expect_text(__LINE__, out,
		    "ioverbs roce-decode: /nonexistent/x.pcap: No such file "
		    "or directory\n");
	ASSERT_EQ(run_tool(out, sizeof(out), "roce-decode", NULL), 2);
	ASSERT_TRUE(!strncmp(out, "Usage: ioverbs roce-decode", 26));
}
