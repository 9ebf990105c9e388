/* SPDX-License-Identifier: MIT */
/*
 * The RoCEv2 wire codec (IBTA vol. 1 ch. 9 and Annex A17): the IB transport
 * headers carried in a UDP datagram to port 4791, from the BTH to the
 * ICRC.  One table describes every opcode; the parser, the builder and the
 * human decoder all read it.
 *
 * Pure code: no allocation, no I/O, no locks, nothing but types and
 * snprintf from <compat.h>, so the same file builds in the daemon, the
 * tests, the fuzzers, the ioverbs tool and the kernel module.  Every
 * function is reentrant; the table is const.
 *
 * Packets from the network are untrusted: roce_pkt_parse() checks every
 * length against the buffer before reading and names the reason of every
 * rejection (enum roce_drop), which the transport counts.
 *
 * Wire layout of a packet (the UDP payload), every field big-endian except
 * the ICRC:
 *
 *   BTH [DETH] [RETH | AtomicETH] [AETH] [AtomicAckETH] [ImmDt | IETH]
 *   payload, pad (0-3 bytes, the BTH's PadCnt), ICRC (4 bytes)
 *
 * Which extension headers follow the BTH is a function of the opcode
 * alone (struct roce_opcode_info.hdrs).
 */
#ifndef _DRIVERS_SOFT_ROCE_WIRE_H
#define _DRIVERS_SOFT_ROCE_WIRE_H

#include <compat.h>

/* UDP destination port of RoCEv2 (IANA). */
#define ROCE_UDP_PORT 4791

/* Header sizes in bytes. */
#define ROCE_BTH_LEN 12
#define ROCE_RETH_LEN 16
#define ROCE_AETH_LEN 4
#define ROCE_ATMETH_LEN 28
#define ROCE_ATMACK_LEN 8
#define ROCE_DETH_LEN 8
#define ROCE_IMMDT_LEN 4
#define ROCE_IETH_LEN 4
#define ROCE_ICRC_LEN 4

/* The largest BTH + extension headers of any opcode (RC ATOMIC: 12 + 28). */
#define ROCE_MAX_HDR_LEN 40
/* The smallest packet: a BTH and the ICRC. */
#define ROCE_MIN_PKT_LEN (ROCE_BTH_LEN + ROCE_ICRC_LEN)

/* PSN and QPN are 24-bit fields. */
#define ROCE_PSN_MASK 0xffffffu
#define ROCE_QPN_MASK 0xffffffu

/* Default partition key (full member of the default partition). */
#define ROCE_DEFAULT_PKEY 0xffff
/* Q_Key of QP1; a DETH Q_Key with the high bit set is a controlled Q_Key. */
#define ROCE_GSI_QKEY 0x80010000u

/*
 * enum roce_opcode - the BTH opcode byte (IBTA names).  The top three bits
 * are the transport (RC 0x00, UC 0x20, RD 0x40, UD 0x60, CNP 0x80,
 * XRC 0xa0), the low five the operation.  Only RC, UC and UD are
 * implemented; every other value is rejected as ROCE_DROP_OPCODE.
 */
enum roce_opcode {
	ROCE_RC_SEND_FIRST = 0x00,
	ROCE_RC_SEND_MIDDLE = 0x01,
	ROCE_RC_SEND_LAST = 0x02,
	ROCE_RC_SEND_LAST_WITH_IMMEDIATE = 0x03,
	ROCE_RC_SEND_ONLY = 0x04,
	ROCE_RC_SEND_ONLY_WITH_IMMEDIATE = 0x05,
	ROCE_RC_RDMA_WRITE_FIRST = 0x06,
	ROCE_RC_RDMA_WRITE_MIDDLE = 0x07,
	ROCE_RC_RDMA_WRITE_LAST = 0x08,
	ROCE_RC_RDMA_WRITE_LAST_WITH_IMMEDIATE = 0x09,
	ROCE_RC_RDMA_WRITE_ONLY = 0x0a,
	ROCE_RC_RDMA_WRITE_ONLY_WITH_IMMEDIATE = 0x0b,
	ROCE_RC_RDMA_READ_REQUEST = 0x0c,
	ROCE_RC_RDMA_READ_RESPONSE_FIRST = 0x0d,
	ROCE_RC_RDMA_READ_RESPONSE_MIDDLE = 0x0e,
	ROCE_RC_RDMA_READ_RESPONSE_LAST = 0x0f,
	ROCE_RC_RDMA_READ_RESPONSE_ONLY = 0x10,
	ROCE_RC_ACKNOWLEDGE = 0x11,
	ROCE_RC_ATOMIC_ACKNOWLEDGE = 0x12,
	ROCE_RC_COMPARE_SWAP = 0x13,
	ROCE_RC_FETCH_ADD = 0x14,
	/* 0x15 is reserved for RC */
	ROCE_RC_SEND_LAST_WITH_INVALIDATE = 0x16,
	ROCE_RC_SEND_ONLY_WITH_INVALIDATE = 0x17,

	ROCE_UC_SEND_FIRST = 0x20,
	ROCE_UC_SEND_MIDDLE = 0x21,
	ROCE_UC_SEND_LAST = 0x22,
	ROCE_UC_SEND_LAST_WITH_IMMEDIATE = 0x23,
	ROCE_UC_SEND_ONLY = 0x24,
	ROCE_UC_SEND_ONLY_WITH_IMMEDIATE = 0x25,
	ROCE_UC_RDMA_WRITE_FIRST = 0x26,
	ROCE_UC_RDMA_WRITE_MIDDLE = 0x27,
	ROCE_UC_RDMA_WRITE_LAST = 0x28,
	ROCE_UC_RDMA_WRITE_LAST_WITH_IMMEDIATE = 0x29,
	ROCE_UC_RDMA_WRITE_ONLY = 0x2a,
	ROCE_UC_RDMA_WRITE_ONLY_WITH_IMMEDIATE = 0x2b,

	ROCE_UD_SEND_ONLY = 0x64,
	ROCE_UD_SEND_ONLY_WITH_IMMEDIATE = 0x65,
};

/* enum roce_qp_type - the transport an opcode belongs to. */
enum roce_qp_type {
	ROCE_QPT_RC = 1,
	ROCE_QPT_UC,
	ROCE_QPT_UD,
};

/*
 * ROCE_HDR_* - the extension headers after the BTH, as bits of
 * struct roce_opcode_info.hdrs and struct roce_pkt.hdrs.  The bit order is
 * the order on the wire.
 */
#define ROCE_HDR_DETH (1u << 0)
#define ROCE_HDR_RETH (1u << 1)
#define ROCE_HDR_ATMETH (1u << 2)
#define ROCE_HDR_AETH (1u << 3)
#define ROCE_HDR_ATMACK (1u << 4)
#define ROCE_HDR_IMMDT (1u << 5)
#define ROCE_HDR_IETH (1u << 6)

/*
 * enum roce_seg - where a packet sits in its message.  ONLY is a message
 * of one packet.  A FIRST or MIDDLE packet carries exactly one path MTU
 * of payload (checked by the transport, which knows the MTU).
 */
enum roce_seg {
	ROCE_SEG_FIRST = 1,
	ROCE_SEG_MIDDLE,
	ROCE_SEG_LAST,
	ROCE_SEG_ONLY,
};

/*
 * enum roce_op_kind - what a packet does, for the transport's dispatch.
 * The request kinds are sent by a requester to a responder, the others
 * by a responder to a requester.
 */
enum roce_op_kind {
	ROCE_OP_SEND = 1,	/* request: SEND*, with payload */
	ROCE_OP_WRITE,		/* request: RDMA WRITE*, with payload */
	ROCE_OP_READ,		/* request: RDMA READ, no payload */
	ROCE_OP_ATOMIC,		/* request: COMPARE_SWAP, FETCH_ADD */
	ROCE_OP_READ_RESP,	/* response: RDMA READ response*, AETH on
				 * FIRST/LAST/ONLY, payload */
	ROCE_OP_ACK,		/* ack: ACKNOWLEDGE (ACK, RNR NAK, NAK) */
	ROCE_OP_ATOMIC_ACK,	/* ack: ATOMIC ACKNOWLEDGE */
};

/*
 * ROCE_OPF_* - struct roce_opcode_info.flags.  Every opcode is exactly one
 * of REQUEST and RESPONSE.
 */
#define ROCE_OPF_PAYLOAD (1u << 0)	/* carries payload (may be empty
					 * only on LAST and ONLY) */
#define ROCE_OPF_REQUEST (1u << 1)	/* requester -> responder */
#define ROCE_OPF_RESPONSE (1u << 2)	/* responder -> requester: READ
					 * responses, ACKs, atomic ACKs */
#define ROCE_OPF_ACK (1u << 3)		/* carries an AETH: acknowledges
					 * PSNs up to its own */
#define ROCE_OPF_IMM (1u << 4)		/* with immediate data (ImmDt) */
#define ROCE_OPF_INV (1u << 5)		/* with invalidate (IETH) */

/**
 * struct roce_opcode_info - one row of the opcode table
 * @name: the IBTA name without the transport ("SEND_ONLY"); NULL marks a
 *	reserved or unimplemented opcode (every other field is then zero)
 * @qp_type: enum roce_qp_type
 * @kind: enum roce_op_kind
 * @seg: enum roce_seg
 * @flags: ROCE_OPF_*
 * @hdrs: ROCE_HDR_* that follow the BTH
 * @hdr_len: bytes of the BTH and those extension headers; the payload
 *	starts at this offset
 */
struct roce_opcode_info {
	const char *name;
	u8 qp_type;
	u8 kind;
	u8 seg;
	u8 flags;
	u8 hdrs;
	u8 hdr_len;
};

/*
 * roce_opcodes - the opcode table, indexed by the BTH opcode byte.  A row
 * with a NULL name is an opcode we reject.
 */
extern const struct roce_opcode_info roce_opcodes[256];

/**
 * roce_opcode_info() - the table row of an opcode
 * @opcode: the BTH opcode byte
 *
 * Return: the row, or NULL if @opcode is reserved or not implemented
 * (RD, CNP, XRC).
 */
const struct roce_opcode_info *roce_opcode_info(u8 opcode);

/**
 * roce_qp_type_name() - "RC", "UC" or "UD"
 * @qp_type: enum roce_qp_type
 *
 * Return: the name, or "?" for a value outside the enum.
 */
const char *roce_qp_type_name(u8 qp_type);

/*
 * ROCE_BTH_* - flag bits of the BTH, as struct roce_pkt.bth_flags (host
 * order, not their wire positions).
 */
#define ROCE_BTH_SE (1u << 0)		/* solicited event */
#define ROCE_BTH_MIGREQ (1u << 1)	/* MigReq: path migration state */
#define ROCE_BTH_ACKREQ (1u << 2)	/* AckReq: ask for an ACK */
#define ROCE_BTH_FECN (1u << 3)		/* forward ECN: no ICRC */
#define ROCE_BTH_BECN (1u << 4)		/* backward ECN, idem */

/*
 * The AETH syndrome (IBTA 9.7.5.1): bit 7 is reserved (0), bits 6:5 the
 * type, bits 4:0 a value whose meaning depends on the type: the credit
 * count of an ACK (ROCE_AETH_CREDIT_INVALID when the responder does no
 * end-to-end flow control), the RNR timer code of an RNR NAK, the NAK
 * code of a NAK.  Type 2 (0x40) is reserved.
 */
#define ROCE_AETH_TYPE_MASK 0xe0
#define ROCE_AETH_VALUE_MASK 0x1f
#define ROCE_AETH_ACK 0x00
#define ROCE_AETH_RNR_NAK 0x20
#define ROCE_AETH_NAK 0x60
#define ROCE_AETH_CREDIT_INVALID 0x1f

/* enum roce_nak_code - the value of a NAK syndrome (type ROCE_AETH_NAK). */
enum roce_nak_code {
	ROCE_NAK_PSN_SEQ_ERR = 0,	/* PSN sequence error */
	ROCE_NAK_INVALID_REQ = 1,	/* invalid request */
	ROCE_NAK_REM_ACCESS_ERR = 2,	/* remote access error */
	ROCE_NAK_REM_OP_ERR = 3,	/* remote operational error */
	ROCE_NAK_INVALID_RD_REQ = 4,	/* invalid RD request */
	/* 5..31 reserved: a parser rejects them (ROCE_DROP_AETH) */
};

/* Syndromes, built from their parts. */
#define ROCE_AETH_SYN_ACK(credits) \
	((u8)(ROCE_AETH_ACK | ((credits) & ROCE_AETH_VALUE_MASK)))
#define ROCE_AETH_SYN_RNR(timer) \
	((u8)(ROCE_AETH_RNR_NAK | ((timer) & ROCE_AETH_VALUE_MASK)))
#define ROCE_AETH_SYN_NAK(code) \
	((u8)(ROCE_AETH_NAK | ((code) & ROCE_AETH_VALUE_MASK)))

/**
 * roce_rnr_timer_usec() - the delay an RNR NAK's 5-bit timer code asks for
 * @timer: the code (IBTA table 45: 0 is 655.36 ms, 1 is 0.01 ms, ...,
 *	31 is 491.52 ms); only the low five bits are used
 *
 * Return: the delay in microseconds, rounded to the microsecond.
 */
u32 roce_rnr_timer_usec(u8 timer);

/**
 * struct roce_reth - RDMA extended transport header (RDMA WRITE FIRST/ONLY,
 * RDMA READ request)
 * @va: remote virtual address
 * @rkey: R_Key of the remote memory region
 * @dma_len: length of the whole RDMA operation in bytes
 */
struct roce_reth {
	u64 va;
	u32 rkey;
	u32 dma_len;
};

/**
 * struct roce_atmeth - atomic extended transport header (COMPARE_SWAP,
 * FETCH_ADD)
 * @va: remote virtual address (8-byte aligned, checked by the responder)
 * @rkey: R_Key of the remote memory region
 * @swap_add: the swap value of COMPARE_SWAP, the addend of FETCH_ADD
 * @compare: the compare value of COMPARE_SWAP (zero for FETCH_ADD)
 */
struct roce_atmeth {
	u64 va;
	u32 rkey;
	u64 swap_add;
	u64 compare;
};

/**
 * struct roce_aeth - ACK extended transport header
 * @syndrome: ACK, RNR NAK or NAK, see ROCE_AETH_*
 * @msn: message sequence number (24 bits)
 */
struct roce_aeth {
	u8 syndrome;
	u32 msn;
};

/**
 * struct roce_deth - datagram extended transport header (UD)
 * @qkey: Q_Key
 * @sqpn: source QP number (24 bits)
 */
struct roce_deth {
	u32 qkey;
	u32 sqpn;
};

/**
 * struct roce_pkt - one packet, parsed (host order)
 * @opcode: BTH opcode, a row of roce_opcodes with a name
 * @bth_flags: ROCE_BTH_*
 * @pad: PadCnt, the pad bytes between the payload and the ICRC (0-3)
 * @pkey: P_Key
 * @dqpn: destination QP number (24 bits)
 * @psn: packet sequence number (24 bits)
 * @hdrs: ROCE_HDR_* present (always roce_opcodes[@opcode].hdrs)
 * @deth: valid if @hdrs has ROCE_HDR_DETH
 * @reth: valid if @hdrs has ROCE_HDR_RETH
 * @atmeth: valid if @hdrs has ROCE_HDR_ATMETH
 * @aeth: valid if @hdrs has ROCE_HDR_AETH
 * @atomic_orig: AtomicAckETH, the original remote data; valid if @hdrs has
 *	ROCE_HDR_ATMACK
 * @imm: ImmDt as a host-order number: the 4 wire bytes read big-endian
 *	(a verbs imm_data, which is big-endian, is cpu_to_be32(@imm));
 *	valid if @hdrs has ROCE_HDR_IMMDT
 * @inv_rkey: IETH, the R_Key to invalidate; valid if @hdrs has
 *	ROCE_HDR_IETH
 * @payload: points into the parsed buffer (NULL when @payload_len is 0);
 *	the builder ignores it and takes the payload as an argument
 * @payload_len: payload bytes, without pad and ICRC
 * @icrc: the ICRC as received (roce_pkt_parse() does not verify it: that
 *	needs the IP and UDP headers, see roce_icrc_check())
 *
 * Fields of headers that are absent are zero after roce_pkt_parse().
 */
struct roce_pkt {
	u8 opcode;
	u8 bth_flags;
	u8 pad;
	u16 pkey;
	u32 dqpn;
	u32 psn;
	u32 hdrs;
	struct roce_deth deth;
	struct roce_reth reth;
	struct roce_atmeth atmeth;
	struct roce_aeth aeth;
	u64 atomic_orig;
	u32 imm;
	u32 inv_rkey;
	const u8 *payload;
	u32 payload_len;
	u32 icrc;
};

/**
 * enum roce_drop - why a received packet was dropped; the transport counts
 * drops by this reason (roce_drop_name() names them for `ioverbs stat`).
 * @ROCE_DROP_NONE: not dropped
 * @ROCE_DROP_SHORT: shorter than a BTH and an ICRC
 * @ROCE_DROP_TVER: BTH transport header version is not 0
 * @ROCE_DROP_OPCODE: reserved or unimplemented opcode (RD, CNP, XRC, ...)
 * @ROCE_DROP_HDR_SHORT: too short for the opcode's extension headers and
 *	the ICRC
 * @ROCE_DROP_PAD: PadCnt inconsistent with the packet: headers, payload and
 *	pad are not a multiple of 4 bytes, pad on a FIRST or MIDDLE packet,
 *	or pad longer than the payload
 * @ROCE_DROP_PAYLOAD: payload on an opcode that carries none, or an empty
 *	FIRST or MIDDLE packet
 * @ROCE_DROP_AETH: reserved AETH syndrome (bit 7 set, type 2, or a NAK
 *	code above ROCE_NAK_INVALID_RD_REQ)
 * @ROCE_DROP_ICRC: ICRC mismatch (from roce_icrc_check(), not the parser)
 * @ROCE_DROP_NR: number of reasons
 *
 * The transport adds its own reasons (unknown QP, bad P_Key or Q_Key,
 * PSN out of window, ...) after these, starting at ROCE_DROP_NR.
 */
enum roce_drop {
	ROCE_DROP_NONE = 0,
	ROCE_DROP_SHORT,
	ROCE_DROP_TVER,
	ROCE_DROP_OPCODE,
	ROCE_DROP_HDR_SHORT,
	ROCE_DROP_PAD,
	ROCE_DROP_PAYLOAD,
	ROCE_DROP_AETH,
	ROCE_DROP_ICRC,
	ROCE_DROP_NR,
};

/**
 * roce_drop_name() - a short stable name of a drop reason ("short",
 * "tver", "opcode", ...), for counters and logs
 * @reason: enum roce_drop
 *
 * Return: the name, or "?" outside the enum.
 */
const char *roce_drop_name(unsigned int reason);

/**
 * roce_pkt_parse() - parse a UDP payload (BTH through ICRC)
 * @pkt: filled on success; on failure its contents are unspecified
 * @buf: the UDP payload
 * @len: its length in bytes
 *
 * Checks, in this order: length for a BTH and ICRC, TVer, the opcode, the
 * length for the extension headers, the AETH syndrome, pad and payload
 * length.  Reads nothing outside @buf[0..@len).  Reserved fields and the
 * pad bytes' values are ignored (IBTA: receivers do not check them).
 * The ICRC is not verified: see roce_icrc_check().
 *
 * Return: ROCE_DROP_NONE (0) when @pkt is valid, otherwise the reason
 * (never negative; this is a classification for the drop counters, not an
 * errno).
 */
enum roce_drop roce_pkt_parse(struct roce_pkt *pkt, const void *buf,
			      size_t len);

/**
 * roce_pkt_len() - the length of the packet roce_pkt_build() would write
 * @opcode: BTH opcode
 * @payload_len: payload bytes
 *
 * Return: headers + payload + pad + ICRC in bytes, or 0 if @opcode is not
 * in the table.
 */
size_t roce_pkt_len(u8 opcode, u32 payload_len);

/**
 * roce_pkt_build() - write a packet from its fields and payload
 * @pkt: the header fields; @pkt->pad, @pkt->hdrs, @pkt->payload,
 *	@pkt->payload_len and @pkt->icrc are ignored (the pad and the
 *	headers follow from @opcode and @len)
 * @payload: @len bytes; or NULL to leave the payload's bytes for the
 *	caller to write (at @buf + roce_opcodes[opcode].hdr_len, e.g.
 *	straight from a memory region) before roce_icrc_set()
 * @len: payload length
 * @buf: where to write
 * @size: bytes available at @buf
 *
 * Writes the BTH (TVer 0, reserved bits 0, PadCnt = -@len & 3), the
 * extension headers of @pkt->opcode, the payload, zeroed pad bytes, and a
 * zero ICRC, which roce_icrc_set() fills once the IP and UDP headers are
 * known.  Fields of headers the opcode lacks are ignored.
 *
 * Return: the packet's length (roce_pkt_len()), or -EINVAL if the opcode
 * is not in the table, @pkt->dqpn or @pkt->psn or a 24-bit header field
 * does not fit, the AETH syndrome is reserved, or @len is non-zero for an
 * opcode without payload (or, for a FIRST or MIDDLE one, zero or not a
 * multiple of 4: those carry a whole path MTU, without pad); -ENOSPC if
 * @size is too small.  Nothing is written on failure.
 */
int roce_pkt_build(const struct roce_pkt *pkt, const void *payload,
		   u32 len, void *buf, size_t size);

/*
 * The ICRC (Annex A17.3.3): CRC-32 (the Ethernet polynomial, as zlib's
 * crc32()) over 8 bytes of 0xff standing for the LRH of native IB, the
 * IP header, the UDP header and the whole IB packet up to the ICRC, with
 * the fields that routers may change masked to all ones:
 *   IPv4: type of service (DSCP, ECN), TTL, header checksum;
 *   IPv6: traffic class, flow label, hop limit;
 *   UDP: checksum;
 *   BTH: byte 4 (FECN, BECN and the 6 reserved bits).
 * The IPv4 identification and flags (DF) are covered: a sender must send
 * what the receiver will see (Linux rdma_rxe sends IP ID 0 with DF set).
 * The CRC is appended least significant byte first.
 *
 * The IP and UDP headers are passed as @l3 (the IP header immediately
 * followed by the UDP header: 28 bytes for IPv4 without options, 48 for
 * IPv6); a sender on a UDP socket writes them with roce_l3_hdr_ipv4() or
 * roce_l3_hdr_ipv6().
 */

/* Bytes of an IP header (without options) and UDP header. */
#define ROCE_L3_IPV4_LEN 28
#define ROCE_L3_IPV6_LEN 48

/**
 * roce_icrc_compute() - compute the ICRC of a packet
 * @l3: IP header (IPv4 without options, or IPv6) followed by UDP header
 * @l3_len: ROCE_L3_IPV4_LEN or ROCE_L3_IPV6_LEN, matching the IP version
 *	in @l3
 * @pkt: the IB packet (BTH through ICRC)
 * @len: its length, at least ROCE_MIN_PKT_LEN; the last 4 bytes (the ICRC
 *	itself) are not read
 * @icrc: the ICRC as a number (its wire bytes read little-endian)
 *
 * Return: 0, or -EINVAL if @l3_len does not match the version in @l3
 * (or IPv4 carries options) or @len is too short.
 */
int roce_icrc_compute(const void *l3, size_t l3_len, const void *pkt,
		      size_t len, u32 *icrc);

/**
 * roce_icrc_set() - compute the ICRC and write it into the packet's last
 * four bytes
 * @l3: as roce_icrc_compute()
 * @l3_len: as roce_icrc_compute()
 * @pkt: the packet, e.g. from roce_pkt_build()
 * @len: its length
 *
 * Return: 0 or -EINVAL, as roce_icrc_compute().
 */
int roce_icrc_set(const void *l3, size_t l3_len, void *pkt, size_t len);

/**
 * roce_icrc_check() - verify a received packet's ICRC
 * @l3: as roce_icrc_compute()
 * @l3_len: as roce_icrc_compute()
 * @pkt: the received packet
 * @len: its length
 *
 * Return: ROCE_DROP_NONE if the ICRC matches, ROCE_DROP_ICRC if it does
 * not, ROCE_DROP_SHORT if @len is below ROCE_MIN_PKT_LEN or @l3 is not an
 * IP and UDP header of the length given.
 */
enum roce_drop roce_icrc_check(const void *l3, size_t l3_len,
			       const void *pkt, size_t len);

/**
 * roce_crc32() - CRC-32 of the ICRC (reflected 0x04c11db7), incremental
 * @crc: 0 to start, then the previous return value
 * @buf: bytes
 * @len: their count
 *
 * Return: the CRC of everything so far, as zlib's crc32().
 */
u32 roce_crc32(u32 crc, const void *buf, size_t len);

/**
 * roce_l3_hdr_ipv4() - write the IPv4 and UDP headers of a RoCEv2 packet
 * @l3: ROCE_L3_IPV4_LEN bytes
 * @saddr: source address, network order as in struct in_addr
 * @daddr: destination address, network order
 * @sport: UDP source port (host order; RoCEv2 uses it for ECMP entropy)
 * @ip_id: IPv4 identification (rdma_rxe, and a sender with
 *	IP_PMTUDISC_DO, sends 0)
 * @pkt_len: the IB packet's length (the UDP payload)
 *
 * Writes version 4, IHL 5, TOS 0, total length, @ip_id, DF, TTL 64,
 * protocol UDP, the header checksum, then the UDP header to port
 * ROCE_UDP_PORT with checksum 0.  The ICRC masks what a router may change,
 * so these headers also serve to verify a packet received on a socket
 * that saw the same addresses, ports and IP ID.
 *
 * Return: 0, or -EINVAL if @pkt_len does not fit in an IPv4 packet.
 */
int roce_l3_hdr_ipv4(u8 *l3, const u8 saddr[4], const u8 daddr[4],
		     u16 sport, u16 ip_id, size_t pkt_len);

/**
 * roce_l3_hdr_ipv6() - write the IPv6 and UDP headers of a RoCEv2 packet
 * @l3: ROCE_L3_IPV6_LEN bytes
 * @saddr: source address (16 bytes, network order)
 * @daddr: destination address
 * @sport: UDP source port (host order)
 * @pkt_len: the IB packet's length (the UDP payload)
 *
 * Writes version 6, traffic class 0, flow label 0, payload length, next
 * header UDP, hop limit 64, the addresses, then the UDP header to port
 * ROCE_UDP_PORT with checksum 0 (the caller fills it if it sends the
 * bytes on a raw socket: IPv6 forbids a zero UDP checksum; the ICRC masks
 * it either way).
 *
 * Return: 0, or -EINVAL if @pkt_len does not fit.
 */
int roce_l3_hdr_ipv6(u8 *l3, const u8 saddr[16], const u8 daddr[16],
		     u16 sport, size_t pkt_len);

/* Longest line roce_pkt_format() writes, with its NUL. */
#define ROCE_FORMAT_MAX 256

/**
 * roce_pkt_format() - one line of human decode of a parsed packet
 * @buf: where to write (NUL-terminated, truncated to @size)
 * @size: bytes at @buf; ROCE_FORMAT_MAX is always enough
 * @pkt: a packet roce_pkt_parse() accepted
 *
 * The line is the QP type and opcode name from the table, then the BTH,
 * then each extension header present, then the payload length, e.g.
 *   "RC SEND_ONLY dqpn 0x12 psn 5 ack_req len 2"
 *   "RC ACKNOWLEDGE dqpn 0x11 psn 7 aeth NAK PSN_SEQ_ERR msn 3"
 *   "UD SEND_ONLY dqpn 0x1 psn 0 qkey 0x80010000 sqpn 0x5 len 256"
 * Fields equal to their common value (P_Key 0xffff, no flags, pad 0) are
 * left out.  The format is stable: tests compare it golden.
 *
 * Return: the length of the whole line (without NUL), as snprintf().
 */
int roce_pkt_format(char *buf, size_t size, const struct roce_pkt *pkt);

#endif /* _DRIVERS_SOFT_ROCE_WIRE_H */
