// SPDX-License-Identifier: MIT
/*
 * ioverbs roce-decode: one line per RoCEv2 packet of a capture, decoded by
 * the soft device's own wire codec (drivers/soft/roce_wire.c): the same
 * opcode table, the same parser and drop reasons, the same ICRC.
 *
 *	ioverbs roce-decode [--check] FILE|-
 *
 * FILE is a pcap (either byte order, micro- or nanosecond) or a pcapng
 * capture, as tcpdump and tshark write them, of Ethernet (with VLAN
 * tags), raw IP, or Linux cooked (SLL, SLL2) frames.  Frames that are not
 * UDP to port 4791 are skipped, their numbers kept, so that a line's
 * number is the frame's in tshark and Wireshark.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <compat.h>

#include "../drivers/soft/roce_wire.h"
#include "ioverbs.h"

#define RD_NAME "roce-decode"
/* The largest frame we read: a jumbo frame with room to spare. */
#define RD_MAX_FRAME 65536
/* The largest pcapng block we read (a frame and its options). */
#define RD_MAX_BLOCK (RD_MAX_FRAME + 4096)
#define RD_MAX_IFACES 64

/* Link types (tcpdump.org/linktypes.html). */
#define LINKTYPE_ETHERNET 1
#define LINKTYPE_RAW 101
#define LINKTYPE_LINUX_SLL 113
#define LINKTYPE_IPV4 228
#define LINKTYPE_IPV6 229
#define LINKTYPE_LINUX_SLL2 276

#define ETH_P_IPV4 0x0800
#define ETH_P_IPV6 0x86dd
#define ETH_P_8021Q 0x8100
#define ETH_P_8021AD 0x88a8

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs roce-decode [--check] FILE|-\n"
		"Print one line per RoCEv2 packet (UDP port 4791) of a pcap or\n"
		"pcapng capture: frame, addresses, the decoded IB transport\n"
		"headers and whether the ICRC is right.\n"
		"  -c, --check   exit 1 if a packet was dropped, cut short or has\n"
		"                a bad ICRC\n");
}

/* A capture being read, frame by frame. */
struct rd_file {
	FILE *f;
	const char *name;
	bool ng;		/* pcapng, else pcap */
	bool swap;		/* the file's byte order is not ours */
	u32 linktype;		/* pcap's; pcapng's per interface: */
	u32 iface_link[RD_MAX_IFACES];
	unsigned int ifaces;
	u8 *block;		/* RD_MAX_BLOCK bytes */
};

/* One frame: @data points into @rd->block. */
struct rd_frame {
	u32 linktype;
	const u8 *data;
	u32 caplen;
	u32 len;		/* on the wire */
};

static u32 rd_u32(const struct rd_file *rd, const u8 *p)
{
	u32 v;

	memcpy(&v, p, 4);
	return rd->swap ? __builtin_bswap32(v) : v;
}

static u16 rd_u16(const struct rd_file *rd, const u8 *p)
{
	u16 v;

	memcpy(&v, p, 2);
	return rd->swap ? __builtin_bswap16(v) : v;
}

static u16 be16(const u8 *p)
{
	return (u16)(p[0] << 8 | p[1]);
}

/* Reads exactly @len bytes: 1 done, 0 at a clean end of file, -1 else. */
static int rd_read(struct rd_file *rd, void *buf, size_t len, bool eof_ok)
{
	size_t n = fread(buf, 1, len, rd->f);

	if (n == len)
		return 1;
	if (n == 0 && eof_ok && feof(rd->f))
		return 0;
	return -1;
}

static int rd_fail(struct rd_file *rd, const char *what)
{
	fflush(stdout);		/* the lines before it come first */
	return ioverbs_err(RD_NAME, -1, "%s: %s", rd->name, what);
}

/*
 * A pcapng section header block whose type (4 bytes) is in @h: its length
 * and byte-order magic, then the rest of it, skipped.  A section has its
 * own byte order and interfaces.
 */
static int rd_section(struct rd_file *rd, u8 *h)
{
	u32 magic, total;

	if (rd_read(rd, h + 4, 8, false) != 1)
		return rd_fail(rd, "truncated pcapng section header");
	memcpy(&magic, h + 8, 4);
	if (magic != 0x1a2b3c4d && magic != 0x4d3c2b1a)
		return rd_fail(rd, "bad pcapng byte-order magic");
	rd->swap = magic == 0x4d3c2b1a;
	rd->ifaces = 0;
	total = rd_u32(rd, h + 4);
	if (total < 28 || total % 4 || total > RD_MAX_BLOCK)
		return rd_fail(rd, "bad pcapng block length");
	if (rd_read(rd, rd->block, total - 12, false) != 1)
		return rd_fail(rd, "truncated pcapng section header");
	return 0;
}

/* The file header: which format, which byte order. */
static int rd_open(struct rd_file *rd)
{
	u8 h[24];
	u32 magic;

	if (rd_read(rd, h, 4, false) != 1)
		return rd_fail(rd, "not a pcap or pcapng file (too short)");
	memcpy(&magic, h, 4);
	if (magic == 0x0a0d0d0a) {
		/* pcapng: a section header block, its byte order inside */
		rd->ng = true;
		return rd_section(rd, h) ? -1 : 0;
	}
	if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
		rd->swap = false;
	} else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
		rd->swap = true;
	} else {
		return rd_fail(rd, "not a pcap or pcapng file");
	}
	if (rd_read(rd, h + 4, 20, false) != 1)
		return rd_fail(rd, "truncated pcap header");
	rd->linktype = rd_u32(rd, h + 20) & 0x0fffffff;
	return 0;
}

/* pcap: the next record. 1 a frame, 0 the end, -1 an error (said). */
static int rd_next_pcap(struct rd_file *rd, struct rd_frame *fr)
{
	u8 h[16];
	int ret = rd_read(rd, h, sizeof(h), true);

	if (ret <= 0)
		return ret ? rd_fail(rd, "truncated pcap record header") : 0;
	fr->caplen = rd_u32(rd, h + 8);
	fr->len = rd_u32(rd, h + 12);
	if (fr->caplen > RD_MAX_FRAME)
		return rd_fail(rd, "pcap record longer than 64 KiB");
	if (fr->caplen && rd_read(rd, rd->block, fr->caplen, false) != 1)
		return rd_fail(rd, "truncated pcap record");
	fr->data = rd->block;
	fr->linktype = rd->linktype;
	return 1;
}

/* pcapng: blocks until the next packet. 1, 0 or -1 as rd_next_pcap(). */
static int rd_next_ng(struct rd_file *rd, struct rd_frame *fr)
{
	for (;;) {
		u32 type, total, body;
		u8 h[12];
		int ret;

		ret = rd_read(rd, h, 8, true);
		if (ret <= 0)
			return ret ? rd_fail(rd, "truncated pcapng block") : 0;
		type = rd_u32(rd, h);
		if (type == 0x0a0d0d0a) {
			if (rd_section(rd, h))
				return -1;
			continue;
		}
		total = rd_u32(rd, h + 4);
		if (total < 12 || total % 4 || total > RD_MAX_BLOCK)
			return rd_fail(rd, "bad pcapng block length");
		body = total - 12;
		/* the body and the trailing length */
		if (rd_read(rd, rd->block, body + 4, false) != 1)
			return rd_fail(rd, "truncated pcapng block");
		switch (type) {
		case 1:	/* interface description */
			if (body < 8)
				return rd_fail(rd, "short pcapng interface block");
			if (rd->ifaces < RD_MAX_IFACES)
				rd->iface_link[rd->ifaces] =
					rd_u16(rd, rd->block);
			rd->ifaces++;
			break;
		case 6: { /* enhanced packet */
			u32 iface;

			if (body < 20)
				return rd_fail(rd, "short pcapng packet block");
			iface = rd_u32(rd, rd->block);
			fr->caplen = rd_u32(rd, rd->block + 12);
			fr->len = rd_u32(rd, rd->block + 16);
			if (iface >= rd->ifaces || iface >= RD_MAX_IFACES)
				return rd_fail(rd, "pcapng packet of an unknown interface");
			if (fr->caplen > body - 20)
				return rd_fail(rd, "pcapng packet longer than its block");
			fr->linktype = rd->iface_link[iface];
			fr->data = rd->block + 20;
			return 1;
		}
		case 3:	/* simple packet: interface 0 */
			if (body < 4 || !rd->ifaces)
				return rd_fail(rd, "bad pcapng simple packet block");
			fr->len = rd_u32(rd, rd->block);
			fr->caplen = fr->len < body - 4 ? fr->len : body - 4;
			fr->linktype = rd->iface_link[0];
			fr->data = rd->block + 4;
			return 1;
		default:
			break;	/* statistics, name resolution, ... */
		}
	}
}

static int rd_next(struct rd_file *rd, struct rd_frame *fr)
{
	return rd->ng ? rd_next_ng(rd, fr) : rd_next_pcap(rd, fr);
}

/* Where the IP header starts in a frame of @linktype; NULL if not IP. */
static const u8 *rd_l3(const struct rd_frame *fr, u32 *avail)
{
	const u8 *p = fr->data;
	u32 n = fr->caplen;
	u16 proto;
	int tags;

	switch (fr->linktype) {
	case LINKTYPE_RAW:
	case LINKTYPE_IPV4:
	case LINKTYPE_IPV6:
		*avail = n;
		return n ? p : NULL;
	case LINKTYPE_ETHERNET:
		if (n < 14)
			return NULL;
		proto = be16(p + 12);
		p += 14;
		n -= 14;
		for (tags = 0; tags < 2 && (proto == ETH_P_8021Q ||
					    proto == ETH_P_8021AD); tags++) {
			if (n < 4)
				return NULL;
			proto = be16(p + 2);
			p += 4;
			n -= 4;
		}
		break;
	case LINKTYPE_LINUX_SLL:
		if (n < 16)
			return NULL;
		proto = be16(p + 14);
		p += 16;
		n -= 16;
		break;
	case LINKTYPE_LINUX_SLL2:
		if (n < 20)
			return NULL;
		proto = be16(p);
		p += 20;
		n -= 20;
		break;
	default:
		return NULL;
	}
	if (proto != ETH_P_IPV4 && proto != ETH_P_IPV6)
		return NULL;
	*avail = n;
	return p;
}

struct rd_counts {
	unsigned long roce;		/* RoCEv2 packets */
	unsigned long bad;		/* dropped, bad ICRC, truncated */
};

/* Decode one frame: a line if it is UDP to port 4791. */
static void rd_frame(unsigned long no, const struct rd_frame *fr,
		     struct rd_counts *c)
{
	char src[INET6_ADDRSTRLEN + 2], dst[INET6_ADDRSTRLEN + 2];
	char line[ROCE_FORMAT_MAX];
	const u8 *ip, *udp, *pkt;
	u32 avail, iplen, hlen, ulen;
	size_t l3_len = 0;
	enum roce_drop reason, icrc;
	struct roce_pkt p;
	bool truncated;

	ip = rd_l3(fr, &avail);
	if (!ip)
		return;
	if ((ip[0] >> 4) == 4) {
		if (avail < 20)
			return;
		hlen = (ip[0] & 0x0f) * 4u;
		iplen = be16(ip + 2);
		if (hlen < 20 || iplen < hlen || ip[9] != 17)
			return;
		if (be16(ip + 6) & 0x3fff)
			return;		/* a fragment: no UDP header here */
		if (avail < hlen + 8)
			return;
		udp = ip + hlen;
		if (hlen == 20)
			l3_len = ROCE_L3_IPV4_LEN;
		inet_ntop(AF_INET, ip + 12, src, sizeof(src));
		inet_ntop(AF_INET, ip + 16, dst, sizeof(dst));
		iplen -= hlen;
	} else if ((ip[0] >> 4) == 6) {
		char a[INET6_ADDRSTRLEN];

		if (avail < 48 || ip[6] != 17)
			return;		/* extension headers: not ours */
		udp = ip + 40;
		l3_len = ROCE_L3_IPV6_LEN;
		iplen = be16(ip + 4);
		inet_ntop(AF_INET6, ip + 8, a, sizeof(a));
		snprintf(src, sizeof(src), "[%s]", a);
		inet_ntop(AF_INET6, ip + 24, a, sizeof(a));
		snprintf(dst, sizeof(dst), "[%s]", a);
	} else {
		return;
	}
	if (be16(udp + 2) != ROCE_UDP_PORT)
		return;
	c->roce++;
	printf("%lu %s:%u > %s:%u ", no, src, be16(udp), dst, be16(udp + 2));
	ulen = be16(udp + 4);
	if (ulen < 8 || ulen > iplen) {
		printf("bad UDP length %u\n", ulen);
		c->bad++;
		return;
	}
	pkt = udp + 8;
	ulen -= 8;
	truncated = (size_t)(pkt - fr->data) + ulen > fr->caplen;
	if (truncated) {
		printf("truncated: %u of %u bytes captured\n",
		       (unsigned int)(fr->caplen - (pkt - fr->data)), ulen);
		c->bad++;
		return;
	}
	reason = roce_pkt_parse(&p, pkt, ulen);
	if (reason == ROCE_DROP_NONE) {
		roce_pkt_format(line, sizeof(line), &p);
		printf("%s", line);
	} else {
		printf("drop %s", roce_drop_name(reason));
		c->bad++;
	}
	if (!l3_len || ulen < ROCE_MIN_PKT_LEN) {
		printf(" icrc n/a\n");
		return;
	}
	icrc = roce_icrc_check(ip, l3_len, pkt, ulen);
	printf(" icrc %s\n", icrc == ROCE_DROP_NONE ? "ok" : "bad");
	if (icrc != ROCE_DROP_NONE && reason == ROCE_DROP_NONE)
		c->bad++;
}

int ioverbs_roce_decode_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "check", no_argument, NULL, 'c' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	struct rd_file rd = { 0 };
	struct rd_counts c = { 0 };
	unsigned long no = 0;
	bool check = false;
	int ret, opt, code = IOVERBS_EXIT_OK;

	while ((opt = getopt_long(argc, argv, "ch", opts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			check = true;
			break;
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind != argc - 1) {
		usage(stderr);
		return IOVERBS_EXIT_USAGE;
	}
	rd.name = argv[optind];
	if (!strcmp(rd.name, "-")) {
		rd.f = stdin;
	} else {
		rd.f = fopen(rd.name, "rb");
		if (!rd.f)
			return ioverbs_err(RD_NAME, IOVERBS_EXIT_FAILED,
					   "%s: %s", rd.name, strerror(errno));
	}
	rd.block = malloc(RD_MAX_BLOCK);
	if (!rd.block) {
		code = ioverbs_err(RD_NAME, IOVERBS_EXIT_FAILED, "%s",
				   strerror(ENOMEM));
		goto out_close;
	}
	if (rd_open(&rd)) {
		code = IOVERBS_EXIT_FAILED;
		goto out_free;
	}
	for (;;) {
		struct rd_frame fr = { 0 };

		ret = rd_next(&rd, &fr);
		if (ret <= 0)
			break;
		rd_frame(++no, &fr, &c);
	}
	fflush(stdout);		/* the lines before the verdict */
	if (ret < 0)
		code = IOVERBS_EXIT_FAILED;
	else if (check && c.bad)
		code = ioverbs_err(RD_NAME, IOVERBS_EXIT_FAILED,
				   "%s: %lu of %lu RoCEv2 packets dropped, "
				   "truncated or with a bad ICRC",
				   rd.name, c.bad, c.roce);
out_free:
	free(rd.block);
out_close:
	if (rd.f != stdin)
		fclose(rd.f);
	return code;
}
