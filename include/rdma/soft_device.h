/* SPDX-License-Identifier: MIT */
/*
 * The software RDMA device ("soft device"): creation and destruction, its
 * driver id, and its vendor namespace (one vendor type with a QP counters
 * action).  Everything else a client reaches through the standard verbs.
 */
#ifndef _RDMA_SOFT_DEVICE_H
#define _RDMA_SOFT_DEVICE_H

#include <rdma/ib_verbs.h>
#include <rdma/ib_user_ioctl_verbs.h>

/* Commands to a soft device carry this driver_id. */
#define SOFT_DRIVER_ID 0x50f7

/* The soft device's vendor type follows the standard types. */
enum soft_types {
	SOFT_TYPE_VENDOR = UVERBS_TYPE_STD_MAX,
	SOFT_NUM_TYPES,
};

enum soft_vendor_actions {
	SOFT_VENDOR_QP_COUNTERS,
	SOFT_VENDOR_INJECT,
	SOFT_VENDOR_ATTACH,
	SOFT_VENDOR_PORT_COUNTERS,
	SOFT_VENDOR_ROCE_COUNTERS,
};

/* SOFT_VENDOR_QP_COUNTERS: vendor-only attributes. */
enum soft_qp_counters_attrs {
	SOFT_QP_COUNTERS_HANDLE = UVERBS_VENDOR_FLAG | 0, /* IDR READ QP */
	SOFT_QP_COUNTERS_RESP = UVERBS_VENDOR_FLAG | 1,	  /* PTR_OUT */
};

/*
 * SOFT_VENDOR_INJECT: error injection, for testing what applications do
 * when things fail.  WHAT is an &enum soft_inject.  A test hook: a device
 * created with soft_device_config.no_test_hooks (ioverbsd without
 * --test-hooks) refuses it with EPERM.
 */
enum soft_inject_attrs {
	SOFT_INJECT_WHAT = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN __u32 */
	SOFT_INJECT_QP = UVERBS_VENDOR_FLAG | 1,	/* IDR READ QP */
	SOFT_INJECT_PORT = UVERBS_VENDOR_FLAG | 2,	/* PTR_IN __u8 */
};

/*
 * SOFT_VENDOR_ATTACH: hands the device the memfd of a shared queue
 * (<rdma/soft_ring.h>): with SOFT_ATTACH_QP, the QP's send and receive
 * rings; with SOFT_ATTACH_CQ, the CQ's ring; with neither, the context's
 * doorbell page, which must come first (QPs: EINVAL before it), and
 * with it SOFT_ATTACH_KICK, the eventfd the client writes to wake the
 * device (EINVAL without it, or with a QP or CQ, or if it is not an
 * eventfd).  Each attaches once (EBUSY after); the object is taken
 * exclusively.  The memfd must be sealed with F_SEAL_SHRINK and at least
 * as large as soft_ring.h says (EINVAL); EBADF if the caller has no such
 * fd.  A CQ with a ring cannot be resized (EOPNOTSUPP).
 *
 * With the doorbell, SOFT_ATTACH_KEYS may hand the context's key table
 * (struct soft_direct_keys, <rdma/soft_direct.h>: its entries a power of
 * two within 64..SOFT_DIRECT_MAX_KEYS, the memfd sealed and at least
 * soft_direct_keys_size() long, else EINVAL): the client speaks the
 * direct protocol, and its RC and UC QPs may take the direct path.
 * EINVAL with a QP or CQ.
 *
 * With SOFT_ATTACH_SRQ, the SRQ's receive ring (struct
 * soft_ring_srq_ctrl: its entries a power of two from the SRQ's max_wr
 * to the device's max_srq_wr rounded up, the memfd sealed and at least
 * soft_ring_srq_size() long, else EINVAL), after the doorbell (EINVAL
 * before) and before any receive was posted to the SRQ (EBUSY after,
 * as for a second attach).  The SRQ's RC and UC QPs may then take the
 * direct path too.  EINVAL with a QP, CQ, kick or key table.
 */
enum soft_attach_attrs {
	SOFT_ATTACH_FD = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN struct soft_attach */
	SOFT_ATTACH_QP = UVERBS_VENDOR_FLAG | 1,	/* IDR WRITE QP */
	SOFT_ATTACH_CQ = UVERBS_VENDOR_FLAG | 2,	/* IDR WRITE CQ */
	SOFT_ATTACH_KICK = UVERBS_VENDOR_FLAG | 3,	/* PTR_IN struct soft_attach */
	SOFT_ATTACH_KEYS = UVERBS_VENDOR_FLAG | 4,	/* PTR_IN struct soft_attach */
	SOFT_ATTACH_SRQ = UVERBS_VENDOR_FLAG | 5,	/* IDR WRITE SRQ */
};

struct soft_attach {
	__s32 fd;
	__u32 reserved;
};

/*
 * SOFT_VENDOR_PORT_COUNTERS: a port's receive counters (struct
 * soft_port_counters), readable by any user of the device.
 */
enum soft_port_counters_attrs {
	SOFT_PORT_COUNTERS_PORT = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN __u8 */
	SOFT_PORT_COUNTERS_RESP = UVERBS_VENDOR_FLAG | 1,	/* PTR_OUT */
};

/**
 * struct soft_port_counters - SOFT_VENDOR_PORT_COUNTERS's response
 *
 * Packets the port received and dropped, or did not deliver as new data,
 * as an IB channel adapter does.  RC requesters see a drop as no answer
 * (RETRY_EXC_ERR once retry_cnt retries found none); UC and UD senders
 * see nothing.
 * @pkey_violations: the sender's P_Key does not match the receiving
 *	QP's (IB PortInfo:P_KeyViolations)
 * @qkey_violations: a UD datagram with the wrong Q_Key
 *	(PortInfo:Q_KeyViolations)
 * @addr_errors: an RC or UC packet not from the remote QP and port the
 *	receiving QP was connected to (RTR's dest_qp_num and DLID or DGID),
 *	or arriving on another port than the QP's
 * @seq_errors: an RC request whose PSN is ahead of the expected one
 *	(out of sequence: NAKed, not executed)
 * @duplicates: an RC request whose PSN is behind the expected one: a
 *	SEND or WRITE is acknowledged without being delivered again, a
 *	READ is answered again, an atomic is dropped
 * @reserved: zero
 */
struct soft_port_counters {
	__aligned_u64 pkey_violations;
	__aligned_u64 qkey_violations;
	__aligned_u64 addr_errors;
	__aligned_u64 seq_errors;
	__aligned_u64 duplicates;
	__aligned_u64 reserved[3];
};

/*
 * SOFT_VENDOR_ROCE_COUNTERS: a RoCEv2 port's binding and traffic
 * (struct soft_roce_counters), readable by any user of the device;
 * EINVAL for a port that does not exist.  An IB port answers with
 * @roce 0 and every count 0.
 */
enum soft_roce_counters_attrs {
	SOFT_ROCE_COUNTERS_PORT = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN __u8 */
	SOFT_ROCE_COUNTERS_RESP = UVERBS_VENDOR_FLAG | 1,	/* PTR_OUT */
};

/*
 * Why a RoCEv2 port dropped a packet it received: the codec's reasons
 * (malformed packets, drivers/soft/roce_wire.h's enum roce_drop, in its
 * order), then the transport's.  SOFT_ROCE_DROP_NAMES names them.
 */
enum soft_roce_drop {
	SOFT_ROCE_DROP_SHORT = 1,	/* shorter than a BTH and an ICRC */
	SOFT_ROCE_DROP_TVER,		/* BTH version not 0 */
	SOFT_ROCE_DROP_OPCODE,		/* an opcode we do not take */
	SOFT_ROCE_DROP_HDR_SHORT,	/* too short for its headers */
	SOFT_ROCE_DROP_PAD,		/* pad count inconsistent */
	SOFT_ROCE_DROP_PAYLOAD,		/* payload where none goes */
	SOFT_ROCE_DROP_AETH,		/* reserved AETH syndrome */
	SOFT_ROCE_DROP_ICRC,		/* ICRC mismatch */
	SOFT_ROCE_DROP_NO_QP,		/* no such QP on the port */
	SOFT_ROCE_DROP_QP_TYPE,		/* opcode of another transport */
	SOFT_ROCE_DROP_QP_STATE,	/* QP not in a state to take it */
	SOFT_ROCE_DROP_ADDR,		/* not from the QP's connected peer */
	SOFT_ROCE_DROP_PKEY,		/* P_Key mismatch */
	SOFT_ROCE_DROP_QKEY,		/* UD Q_Key mismatch */
	SOFT_ROCE_DROP_PSN,		/* out of sequence (NAKed once) */
	SOFT_ROCE_DROP_DUPLICATE,	/* behind the expected PSN */
	SOFT_ROCE_DROP_NO_RECV,		/* UC, UD: no receive posted */
	SOFT_ROCE_DROP_LENGTH,		/* payload not what its place needs */
	SOFT_ROCE_DROP_UNEXPECTED,	/* an answer nobody waits for */
	SOFT_ROCE_DROP_NR,
};

#define SOFT_ROCE_DROP_NAMES                                               \
	{ "", "short", "tver", "opcode", "hdr_short", "pad", "payload",    \
	  "aeth", "icrc", "no_qp", "qp_type", "qp_state", "addr", "pkey",  \
	  "qkey", "psn", "duplicate", "no_recv", "length", "unexpected" }

/* Room for the reasons in struct soft_roce_counters. */
#define SOFT_ROCE_DROP_MAX 32

/**
 * struct soft_roce_counters - SOFT_VENDOR_ROCE_COUNTERS's response
 * @roce: 1 if the port is a RoCEv2 port (bound to @addr), else 0
 * @addr: its address (IPv4 as ::ffff:a.b.c.d); its GID is the same
 * @netdev: the interface that has @addr, NUL-terminated ("" unknown)
 * @rx_packets, @tx_packets: packets received (before any check) and sent
 * @retransmits: requests sent again (timeout, sequence NAK, RNR)
 * @timeouts: transport timer expiries with requests unanswered
 * @naks_sent, @naks_rcvd: NAKs (sequence, access, invalid, op error)
 * @rnr_naks_sent, @rnr_naks_rcvd: RNR NAKs
 * @drops: received packets dropped, by enum soft_roce_drop
 * @test_lost, @test_reordered: packets the test hook dropped, or held
 *	back and sent after the next one (struct soft_roce_config)
 */
struct soft_roce_counters {
	__aligned_u64 roce;
	__u8 addr[16];
	char netdev[16];
	__aligned_u64 rx_packets;
	__aligned_u64 tx_packets;
	__aligned_u64 retransmits;
	__aligned_u64 timeouts;
	__aligned_u64 naks_sent;
	__aligned_u64 naks_rcvd;
	__aligned_u64 rnr_naks_sent;
	__aligned_u64 rnr_naks_rcvd;
	__aligned_u64 drops[SOFT_ROCE_DROP_MAX];
	__aligned_u64 test_lost;
	__aligned_u64 test_reordered;
};

/*
 * The soft device's vendor attribute on a standard action: CQ_CREATE
 * with SOFT_CQ_CREATE_RING creates the CQ with its completions in the
 * caller's ring at once (the memfd as for SOFT_VENDOR_ATTACH, sized by
 * soft_ring_cq_size() of the cqe the CQ gets: cqe rounded up to a power
 * of two).  A ring that cannot be attached fails the CREATE.
 */
enum soft_cq_create_attrs {
	SOFT_CQ_CREATE_RING = UVERBS_VENDOR_FLAG | 0,	/* PTR_IN struct soft_attach */
};

/**
 * enum soft_inject - what SOFT_VENDOR_INJECT does
 * @SOFT_INJECT_QP_FATAL: the QP (SOFT_INJECT_QP) fails as after a
 *	catastrophic error: it moves to ERR, its WRs flush, and QP_FATAL is
 *	queued (plus QP_LAST_WQE_REACHED if it receives from an SRQ)
 * @SOFT_INJECT_PORT_DOWN: the port (SOFT_INJECT_PORT) goes down:
 *	QUERY_PORT says DOWN, every file of the device gets PORT_ERR, RC
 *	requests through it complete with RETRY_EXC_ERR and UC/UD ones are
 *	lost.  EALREADY if it is down.
 * @SOFT_INJECT_PORT_UP: the port comes back: PORT_ACTIVE to every file.
 *	EALREADY if it is up.
 */
enum soft_inject {
	SOFT_INJECT_QP_FATAL,
	SOFT_INJECT_PORT_DOWN,
	SOFT_INJECT_PORT_UP,
};

/**
 * struct soft_qp_counters - SOFT_VENDOR_QP_COUNTERS's response
 * @send_posted: send WRs posted
 * @recv_posted: receive WRs posted (to the QP's own receive queue)
 * @send_completed: send WRs completed, successfully or not
 * @recv_completed: receives completed, successfully or not
 * @bytes_sent: payload bytes sent
 * @bytes_received: payload bytes received
 * @errors: completions with an error status other than flush
 * @flushed: WRs completed with WR_FLUSH_ERR
 */
struct soft_qp_counters {
	__aligned_u64 send_posted;
	__aligned_u64 recv_posted;
	__aligned_u64 send_completed;
	__aligned_u64 recv_completed;
	__aligned_u64 bytes_sent;
	__aligned_u64 bytes_received;
	__aligned_u64 errors;
	__aligned_u64 flushed;
};

/*
 * Default limits (query_device reports them; a request beyond one fails
 * with EINVAL, an object beyond a count with ENOMEM).
 */
#define SOFT_DEFAULT_MAX_QP 4096
#define SOFT_DEFAULT_MAX_QP_WR 16384
#define SOFT_DEFAULT_MAX_SGE 32
#define SOFT_DEFAULT_MAX_CQ 16384
#define SOFT_DEFAULT_MAX_CQE 65536
#define SOFT_DEFAULT_MAX_MR 65536
#define SOFT_DEFAULT_MAX_PD 4096
#define SOFT_DEFAULT_MAX_INLINE 256
#define SOFT_DEFAULT_MAX_SRQ 1024
#define SOFT_DEFAULT_MAX_SRQ_WR 16384
#define SOFT_DEFAULT_MAX_AH 65536
#define SOFT_MAX_PORTS 8
/* P_Key table: at most this many entries; without a table, one 0xffff. */
#define SOFT_MAX_PKEYS 16
#define SOFT_DEFAULT_PKEY 0xffff

/**
 * struct soft_roce_config - a port bound to an IP address (RoCEv2)
 * @addr: the address (IPv4 as ::ffff:a.b.c.d; all zero: not bound).  The
 *	port opens one UDP socket on @addr port 4791 and its GID table is
 *	this one address, GID type RoCE v2; its link layer is Ethernet, it
 *	has no LID, and its AHs and RC/UC paths need a GRH.  QPs on it
 *	reach other hosts (and each other) over UDP, never the fabric.
 * @netdev: the interface that has @addr, for sysfs ("" unknown)
 * @mtu: the largest IB MTU (IB_UVERBS_MTU_*) the interface carries in
 *	one frame; 0 for IB_UVERBS_MTU_1024
 * @test_loss_ppm, @test_reorder_ppm: a test hook (the daemon's
 *	--roce-faults, with --test-hooks only): of a million packets the
 *	port sends, this many are dropped, and this many held back and
 *	sent after the next one (for hosts whose kernel has no netem)
 */
struct soft_roce_config {
	u8 addr[16];
	char netdev[16];
	u8 mtu;
	u32 test_loss_ppm;
	u32 test_reorder_ppm;
};

/**
 * struct soft_device_config - what soft_device_create() builds
 * @name: the registered name; NULL or "" for "softN" (N a process-wide
 *	serial)
 * @num_ports: 1..SOFT_MAX_PORTS; 0 for 1
 * @max_qp, @max_qp_wr, @max_sge, @max_cq, @max_cqe, @max_mr, @max_pd,
 * @max_inline_data, @max_srq, @max_srq_wr, @max_ah: limits; 0 for the
 *	SOFT_DEFAULT_* value
 * @std_types: the standard types the device's table is built from (the
 *	soft vendor type is added at SOFT_TYPE_VENDOR); NULL for
 *	uverbs_std_types.  Tests of the driver alone pass their own.
 * @num_pkeys: entries of @pkeys, 0..SOFT_MAX_PKEYS; 0 for a table of one
 *	entry, SOFT_DEFAULT_PKEY
 * @pkeys: every port's P_Key table; a QP's pkey_index chooses its P_Key.
 *	Two QPs communicate only if their P_Keys have the same low 15 bits
 *	(not 0) and one of them has bit 15 (full membership) set.
 * @no_test_hooks: SOFT_VENDOR_INJECT fails with EPERM.  A device that
 *	serves several users (the daemon's, unless --test-hooks) sets it:
 *	one user could otherwise take a port down for everyone.
 * @roce: per port (index port - 1): bind the port to an address, which
 *	makes it a RoCEv2 port (see struct soft_roce_config); all zero: an
 *	IB port, and no socket is opened
 */
struct soft_device_config {
	const char *name;
	u8 num_ports;
	u32 max_qp;
	u32 max_qp_wr;
	u32 max_sge;
	u32 max_cq;
	u32 max_cqe;
	u32 max_mr;
	u32 max_pd;
	u32 max_inline_data;
	u32 max_srq;
	u32 max_srq_wr;
	u32 max_ah;
	const struct uverbs_types *std_types;
	u8 num_pkeys;
	u16 pkeys[SOFT_MAX_PKEYS];
	bool no_test_hooks;
	struct soft_roce_config roce[SOFT_MAX_PORTS];
};

/**
 * soft_device_create() - a new soft device, registered
 * @cfg: its configuration; NULL for every default
 *
 * Its ports are ACTIVE, with a LID and a GID unique in the process; its
 * QPs are reachable through the fabric by (LID or GID, QPN), and accept
 * what an IB channel adapter's would: RC and UC only from the QP and port
 * they were connected to, UD only with their Q_Key, any only with a
 * matching P_Key.  QPNs are random 24-bit numbers (never 0 or 1).
 * Return: the device or an ERR_PTR: -EINVAL for a bad @cfg or types table,
 * -EEXIST for a name in use, -ENOMEM.
 */
struct ib_device *soft_device_create(const struct soft_device_config *cfg);

/**
 * soft_device_types() - the types table of a soft device
 *
 * The table soft_device_create() gives a device on the standard types
 * (its own CQ_CREATE vendor chain and the SOFT_TYPE_VENDOR type
 * included), without a device: for tools that decode the commands of
 * SOFT_DRIVER_ID.  Return: the table, or NULL if it cannot be built.
 */
const struct uverbs_types *soft_device_types(void);

/* The most NIC threads soft_nic_set_threads() takes. */
#define SOFT_NIC_MAX_THREADS 256

/**
 * soft_nic_set_threads() - size the NIC thread pool
 * @n: threads; 0 (the default) for the number of online CPUs
 *
 * Every soft device of the process shares one pool of NIC threads, which
 * serve the shared queues of every context in turn.  The pool starts
 * with the first doorbell attached and ends with the last one; a new
 * size applies from its next start.
 * Return: 0, or -EINVAL for @n above SOFT_NIC_MAX_THREADS.
 */
int soft_nic_set_threads(unsigned int n);

/**
 * struct soft_direct_qp_info - one QP with rings, for control tools
 * @qpn: its QP number
 * @path: its path (enum soft_direct_path, <rdma/soft_direct.h>)
 * @peer_qpn: PENDING: the QP it waits for; DIRECT: its peer (0 once
 *	gone)
 * @peer_gone: DIRECT: its peer went
 * @tx_msgs, @tx_bytes, @rx_msgs, @rx_bytes: what its client says it
 *	moved directly (its direct page's counters: reported, not checked)
 * @ud: a UD QP; @ud_dests: the receivers it sends to directly (the
 *	device's count); @ud_relayed: datagrams the device put in its ring;
 *	@ud_drops: datagrams for it dropped on the direct path (Q_Key,
 *	P_Key, no receive, no room: its page's counters, not checked)
 */
struct soft_direct_qp_info {
	u32 qpn;
	u32 path;
	u32 peer_qpn;
	bool peer_gone;
	u64 tx_msgs;
	u64 tx_bytes;
	u64 rx_msgs;
	u64 rx_bytes;
	bool ud;
	u32 ud_dests;
	u64 ud_relayed;
	u64 ud_drops;
};

/**
 * soft_direct_for_each_qp() - the direct path of each QP of a context
 * @uctx: a context of a soft device (ib_uverbs_file_context_call())
 * @fn: called for each of its QPs with rings attached, under the
 *	device's direct path lock (it must take no lock of the device's)
 * @arg: passed to @fn
 *
 * Return: 0, what @fn returned first if not 0 (which stops the walk), or
 * -ENODEV for a context of another device.
 */
int soft_direct_for_each_qp(struct ib_ucontext *uctx,
			    int (*fn)(const struct soft_direct_qp_info *qi,
				      void *arg),
			    void *arg);

/**
 * soft_device_roce_counters() - a port's RoCEv2 binding and counters
 * @dev: a soft device
 * @port: its port number, from 1
 * @out: filled (out->roce 0 for an IB port)
 *
 * What SOFT_VENDOR_ROCE_COUNTERS answers, for the daemon's own tools.
 * Return: 0, or -EINVAL for a port the device does not have.
 */
int soft_device_roce_counters(struct ib_device *dev, u8 port,
			      struct soft_roce_counters *out);

/**
 * soft_device_destroy() - unregister (if still registered) and free
 * @dev: a device from soft_device_create()
 *
 * Unregistering destroys every object of every open file on the device;
 * once this returns no fabric lookup finds its QPs.
 */
void soft_device_destroy(struct ib_device *dev);

/**
 * soft_type_name() - the name of one of a soft device's object types
 * @type: an object type id: a standard one or SOFT_TYPE_VENDOR
 *
 * For tools and logs that name types without a device at hand.
 * Return: the name its spec table gives it ("PD", "VENDOR"), or NULL for
 * an id the soft device has no type for.
 */
const char *soft_type_name(unsigned int type);

#endif /* _RDMA_SOFT_DEVICE_H */
