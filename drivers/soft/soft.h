/* SPDX-License-Identifier: MIT */
/*
 * The soft device's private structures: the device and its ports, and one
 * struct per verbs object embedding the common struct of ib_verbs_ops.h.
 *
 * Lock order, where locks nest:
 *   soft_fabric_lock -> sdev->qp_lock
 *   (requester) sqp->sq.lock -> (responder) sqp->resp_lock ->
 *	(responder) rq.lock or srq->rq.lock -> mr->io_lock ->
 *	soft_atomic_lock -> a CQ's lock
 *   sqp->lock (attributes, counters) and sdev->mr_lock are leaves: nothing
 *   is taken under them.
 *   The direct path (direct.c): nic->lock -> soft_direct_mutex ->
 *	soft_fabric_lock -> sdev->qp_lock, soft_direct_mutex -> sqp->lock,
 *	a CQ's lock or pool->lock; sctx->keys_lock is a leaf.
 *	soft_direct_mutex is never held while a QP's resp_lock or sq.lock
 *	is taken; the engine takes it inside them (a UD datagram's first
 *	contact, soft_direct_ud_contact()).  The engine (engine.c) takes at
 *	most one
 *   mr->io_lock at a time.
 * Every queue has a fixed capacity chosen at creation (an SRQ's may grow
 * by MODIFY, under its lock) and free-running u32 head/tail counters.
 */
#ifndef _DRIVERS_SOFT_SOFT_H
#define _DRIVERS_SOFT_SOFT_H

#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>
#include <rdma/soft_ring.h>

/*
 * Values of the device and port attributes that the uapi header does not
 * name (they are libibverbs' and the IB specification's numbers).
 */
#define SOFT_ATOMIC_GLOB 2		/* IBV_ATOMIC_GLOB */
/*
 * device_cap_flags the soft device has: P_Key and Q_Key violations
 * counted per port, the system image GUID set, RC receivers that answer
 * RNR NAK, SRQs that grow by MODIFY, and PORT_ACTIVE events.
 */
#define SOFT_DEVICE_BAD_PKEY_CNTR (1u << 1)	/* IBV_DEVICE_BAD_PKEY_CNTR */
#define SOFT_DEVICE_BAD_QKEY_CNTR (1u << 2)	/* IBV_DEVICE_BAD_QKEY_CNTR */
#define SOFT_DEVICE_SYS_IMAGE_GUID (1u << 10)	/* IBV_DEVICE_SYS_IMAGE_GUID */
#define SOFT_DEVICE_RC_RNR_NAK_GEN (1u << 12)	/* IBV_DEVICE_RC_RNR_NAK_GEN */
#define SOFT_DEVICE_SRQ_RESIZE (1u << 13)	/* IBV_DEVICE_SRQ_RESIZE */
#define SOFT_DEVICE_PORT_ACTIVE_EVENT (1u << 15) /* IBV_DEVICE_PORT_ACTIVE_EVENT */
#define SOFT_LINK_LAYER_INFINIBAND 1	/* IBV_LINK_LAYER_INFINIBAND */
#define SOFT_LINK_LAYER_ETHERNET 2	/* IBV_LINK_LAYER_ETHERNET */
#define SOFT_PORT_CAP_IP_BASED_GIDS (1u << 26)	/* IBV_PORT_IP_BASED_GIDS */
#define SOFT_PHYS_STATE_DISABLED 3
#define SOFT_PHYS_STATE_LINK_UP 5
#define SOFT_WIDTH_1X 1
#define SOFT_SPEED_SDR 1

/* Hash buckets of the MR key table and the QPN table. */
#define SOFT_MR_HASH_BITS 10
#define SOFT_QP_HASH_BITS 8
/* QPNs are 24 bits; IB reserves 0 (SMI) and 1 (GSI). */
#define SOFT_QPN_MASK 0xffffffu
#define SOFT_QPN_FIRST 2

/* IB P_Keys: bit 15 is full membership, the low 15 bits the partition. */
#define SOFT_PKEY_FULL 0x8000
#define SOFT_PKEY_PART 0x7fff

/**
 * struct soft_port_stats - what SOFT_VENDOR_PORT_COUNTERS reads (struct
 *	soft_port_counters has the meanings); atomic, bumped by whichever
 *	thread delivers to the port
 */
struct soft_port_stats {
	atomic_long_t pkey_violations;
	atomic_long_t qkey_violations;
	atomic_long_t addr_errors;
	atomic_long_t seq_errors;
	atomic_long_t duplicates;
};

/**
 * struct soft_port - one port
 * @port_num: 1..num_ports
 * @lid: unique among the ports of the process
 * @gid: fe80::/64 + the port GUID, unique likewise
 * @down: 1 after SOFT_INJECT_PORT_DOWN, 0 after PORT_UP
 * @stats: packets it received and dropped
 * @roce: a RoCEv2 port's socket, thread and counters (roce.c); NULL for
 *	an IB port.  Fixed at creation.
 */
struct soft_port {
	u8 port_num;
	u16 lid;
	struct ib_uverbs_gid gid;
	atomic_t down;
	struct soft_port_stats stats;
	struct soft_roce *roce;
};

/**
 * struct soft_device - a soft RDMA device
 * @vdev: what the core sees (ib_device inside)
 * @attr: query_device's answer, fixed at creation
 * @num_ports: entries in @ports
 * @ports: the ports
 * @serial: process-wide device number (names, GUIDs)
 * @types: the types table (standard types + SOFT_TYPE_VENDOR)
 * @types_table: @types as the core wants it
 * @num_pd .. @num_ah: live objects, against the attr limits
 * @mr_lock: protects @mr_hash
 * @mr_hash: every live MR's lkey and rkey (struct soft_mr_key)
 * @qp_lock: protects @qp_hash
 * @qp_hash: live QPs by QPN (the fabric's view of this device)
 * @num_pkeys: entries in @pkeys (1..SOFT_MAX_PKEYS); fixed at creation
 * @pkeys: the P_Key table of every port; fixed at creation, so read
 *	without a lock
 * @test_hooks: SOFT_VENDOR_INJECT is served; fixed at creation
 * @fabric: in the fabric's device list (under soft_fabric_lock)
 * @wq: runs RNR retries when their timer expires (the device's own
 *	progress, not any poster's thread)
 */
struct soft_device {
	struct ib_verbs_device vdev;
	struct ib_uverbs_query_device_resp attr;
	u8 num_ports;
	struct soft_port *ports;
	u32 serial;
	const struct uverbs_type *types[SOFT_NUM_TYPES];
	struct uverbs_types types_table;

	atomic_t num_pd;
	atomic_t num_mr;
	atomic_t num_cq;
	atomic_t num_qp;
	atomic_t num_srq;
	atomic_t num_ah;

	spinlock_t mr_lock;
	struct list_head mr_hash[1 << SOFT_MR_HASH_BITS];

	spinlock_t qp_lock;
	struct list_head qp_hash[1 << SOFT_QP_HASH_BITS];
	u8 num_pkeys;
	u16 pkeys[SOFT_MAX_PKEYS];
	bool test_hooks;

	struct list_head fabric;
	struct workqueue_struct *wq;
};

static inline struct soft_device *to_soft_dev(struct ib_device *dev)
{
	return container_of(to_verbs_dev(dev), struct soft_device, vdev);
}

struct soft_nic;
struct soft_nic_owner;
struct soft_nic_pool;

/* The device's own record of a key table slot (never the shared page's). */
struct soft_dkey {
	u32 seq;
	u32 state;	/* enum soft_dkey_state */
};

/**
 * struct soft_ucontext - a context's driver data (ucontext->driver_priv)
 * @sdev: the device
 * @mm: the address space its MRs live in
 * @nic: its shared queues' NIC, once SOFT_VENDOR_ATTACH gave it a
 *	doorbell; set once (cmpxchg), read with acquire
 * @keys_lock: protects @mrs, the key table's entries, @dkeys and every
 *	MR's @dslot; the doorbell's attach holds it while it publishes
 *	@nic (a leaf: nothing is taken under it)
 * @mrs: the context's MRs (soft_mr.ctx_node)
 * @keys: the key table (SOFT_ATTACH_KEYS), mapped; NULL without one.
 *	Set once, with @keys_len .. @kick_ino, under @keys_lock before
 *	@nic is published: whoever sees @nic (acquire) sees them
 * @keys_len: its mapping's length
 * @keys_entries: its slots, the device's copy of the header's
 * @dkeys: the device's own record of each slot (seq, state)
 * @keys_fd, @keys_ino: the client's descriptor of it and its inode
 * @kick_fd, @kick_ino: the client's kick eventfd and its inode
 * @dqps: its QPs with a direct page (soft_qp.dnode); soft_direct_mutex
 */
struct soft_ucontext {
	struct soft_device *sdev;
	struct compat_mm *mm;
	struct soft_nic *nic;
	struct mutex keys_lock;
	struct list_head mrs;
	struct soft_direct_keys *keys;
	size_t keys_len;
	u32 keys_entries;
	struct soft_dkey *dkeys;
	s32 keys_fd;
	u64 keys_ino;
	s32 kick_fd;
	u64 kick_ino;
	struct list_head dqps;
};

/* Where a NIC is in the pool's schedule (ring.c); under the pool's lock. */
enum soft_nic_state {
	SOFT_NIC_ARMED,		/* idle; db->sleeping set: it waits for a kick */
	SOFT_NIC_WATCHED,	/* idle; spinning threads read its db->seq */
	SOFT_NIC_QUEUED,	/* on the pool's run queue */
	SOFT_NIC_RUNNING,	/* a pool thread serves it (one at most) */
	SOFT_NIC_MUTED,		/* its kicks found nothing: a turn at a deadline */
	SOFT_NIC_PARKED,	/* work, but its owner has its share of threads */
};

/**
 * struct soft_nic - the NIC of a context with shared queues: what the
 *	pool's threads (ring.c) serve in turns
 * @db: the doorbell page (mapped)
 * @pool: the pool it joined (it lives as long as its NICs)
 * @kick: our descriptor of the client's kick eventfd (in the pool's set)
 * @id: its cookie in the pool's kick set, unique in the process
 * @ref: the context holds one, a pool thread serving it another; the
 *	last put unmaps @db and frees
 * @lock: protects @qps and @nr_qps; held for a whole turn, so that a QP
 *	leaves the list only between two turns
 * @qps: QPs with shared rings (soft_qp.nic_node), in serving order
 * @nr_qps: entries in @qps
 * @state, @run_node, @hash_node, @seen, @kicked, @dead: the pool's, under
 *	its lock: where it is scheduled (@run_node on the run queue or the
 *	watch list), its entry in the pool's id hash, the db->seq its last
 *	turn started from, a kick of the driver's that came while RUNNING,
 *	left the pool
 * @ukicked, @by_kick, @idle_kicks, @mute_until, @mute_node: the pool's
 *	too: the client kicked while RUNNING; its next turn is a client
 *	kick's; kicked turns in a row that found nothing; the deadline of
 *	its turn while MUTED; on the pool's muted list while MUTED
 * @doomed: the pool's too: its turn blocked and the pool could not
 *	replace the thread; its QPs fail when the turn ends
 * @owner: the pool's too: the owner of its context's memory
 *	(compat_mm.owner), whose share of the pool's threads it uses;
 *	while PARKED, @run_node is on the owner's parked list
 */
struct soft_nic {
	struct soft_ring_doorbell *db;
	struct soft_nic_pool *pool;
	int kick;
	u64 id;
	struct kref ref;
	struct mutex lock;
	struct list_head qps;
	u32 nr_qps;
	enum soft_nic_state state;
	struct list_head run_node;
	struct list_head hash_node;
	u32 seen;
	bool kicked;
	bool dead;
	bool ukicked;
	bool by_kick;
	u8 idle_kicks;
	u64 mute_until;
	struct list_head mute_node;
	bool doomed;
	struct soft_nic_owner *owner;
};

/*
 * @id: how the direct path names the PD (soft_direct_key.pd and
 *	soft_direct_ctrl.peer_pd): a process-wide serial, never 0 and
 *	never reused, so a stale name matches no live PD
 */
struct soft_pd {
	struct ib_pd ibpd;
	u32 id;
};

static inline struct soft_pd *to_soft_pd(struct ib_pd *pd)
{
	return container_of(pd, struct soft_pd, ibpd);
}

/* One key of an MR in the device's key table. */
struct soft_mr_key {
	struct list_head node;
	u32 key;
	bool remote;
	struct soft_mr *mr;
};

/**
 * struct soft_mr - a memory region
 * @ibmr: the common part (keys, iova, start, length, access, pd)
 * @mm: the owner's address space (its context's)
 * @ref: the registration holds one; every successful soft_mr_lookup()
 *	one more, dropped by soft_mr_put().  Freed with the last.
 * @io_lock: held by the engine while it reads or writes the MR's memory;
 *	dereg_mr takes it to set @dead, so no access follows its return
 * @dead: deregistered; the engine treats it as a protection error
 * @lkey_node, @rkey_node: in sdev->mr_hash while registered
 * @sctx: its context
 * @ctx_node: in sctx->mrs (sctx->keys_lock)
 * @dslot: 1 + its slot in the context's key table, 0 none (keys_lock)
 */
struct soft_mr {
	struct ib_mr ibmr;
	struct compat_mm *mm;
	struct kref ref;
	struct mutex io_lock;
	bool dead;
	struct soft_mr_key lkey_node;
	struct soft_mr_key rkey_node;
	struct soft_ucontext *sctx;
	struct list_head ctx_node;
	u32 dslot;
};

static inline struct soft_mr *to_soft_mr(struct ib_mr *mr)
{
	return container_of(mr, struct soft_mr, ibmr);
}

/**
 * struct soft_charge - queue memory an object holds charged to its file
 * @uctx: the context charged; NULL for an object no file owns (nothing
 *	is charged then)
 * @type_id: the object's type, for the file's books
 * @bytes: charged now
 *
 * The object's queues are charged before they are allocated, so a
 * quota refuses before the memory is taken; a resize charges the new
 * queue before it exists and gives the old one back once it is freed.
 * Only the object's create, resize and destroy touch it (the core holds
 * the object exclusively then).
 */
struct soft_charge {
	struct ib_ucontext *uctx;
	u16 type_id;
	u64 bytes;
};

static inline void soft_charge_init(struct soft_charge *c,
				    struct ib_ucontext *uctx, u16 type_id)
{
	c->uctx = uctx;
	c->type_id = type_id;
	c->bytes = 0;
}

/* 0, or the file's refusal (its reason is set). */
static inline int soft_charge_add(struct soft_charge *c, u64 bytes)
{
	int ret = ib_uverbs_charge(c->uctx, IB_UVERBS_RES_QUEUE_MEM,
				   c->type_id, bytes);

	if (!ret)
		c->bytes += bytes;
	return ret;
}

static inline void soft_charge_sub(struct soft_charge *c, u64 bytes)
{
	if (WARN_ON(bytes > c->bytes))
		bytes = c->bytes;
	c->bytes -= bytes;
	ib_uverbs_uncharge(c->uctx, IB_UVERBS_RES_QUEUE_MEM, c->type_id,
			   bytes);
}

/**
 * struct soft_cq - a completion queue
 * @lock: protects the ring and the flags
 * @ring: ibcq.cqe completions; ibcq.cqe is a power of two
 * @head: next entry to poll (free running; index = head & (cqe - 1))
 * @tail: next entry to fill
 * @notify: 0, or the IB_CQ_NEXT_COMP/SOLICITED arming of REQ_NOTIFY
 * @overflow: a completion found the ring full (CQ_ERR)
 * @uring: the client's shared ring once attached (then completions go
 *	there, @tail is the device's own producer index, @head unused)
 * @uents: its entries
 * @umap_len: the mapping's length
 * @charge: @ring's bytes, charged to the file
 */
struct soft_cq {
	struct ib_cq ibcq;
	spinlock_t lock;
	struct ib_uverbs_wc *ring;
	u32 head;
	u32 tail;
	u8 notify;
	bool overflow;
	struct soft_ring_ctrl *uring;
	struct ib_uverbs_wc *uents;
	size_t umap_len;
	struct soft_charge charge;
};

static inline struct soft_cq *to_soft_cq(struct ib_cq *cq)
{
	return container_of(cq, struct soft_cq, ibcq);
}

/**
 * struct soft_recv_wqe - one receive WR as queued
 * @sge: @num_sge entries; the queue's stride leaves room for max_sge
 */
struct soft_recv_wqe {
	u64 wr_id;
	u32 num_sge;
	u32 reserved;
	struct ib_uverbs_sge sge[];
};

/**
 * struct soft_send_wqe - one send WR as queued
 * @wr: the WR (for UD, wr.ud.ah still names the AH handle)
 * @ah: UD: the AH's address vector, resolved at post time
 * @rnr_tries: RNR NAKs this WR has met (RC); UC, UD: its waits for a
 *	receive posted but not yet taken (SOFT_RING_RECV_TRIES)
 * @retry_tries: times it found no answer (RC)
 * @rnr_until: after an RNR NAK, when it may be retried (ktime ns)
 * @psn: its first PSN, once @psn_set: given when it first goes out,
 *	kept by its retries (the responder tells a retry from new data)
 * @done: SEND, RDMA WRITE and READ: bytes already moved by earlier steps
 *	(a NIC turn moves a bounded number; the WR resumes where it stopped)
 * @resp_head, @resp_wr_id: a SEND in steps: the responder's RQ index and
 *	wr_id of the receive it fills
 * @inline_len: bytes of inline payload in @data (SEND_INLINE), else 0
 * @data: wr.num_sge SGEs, or the inline payload; the queue's stride
 *	leaves room for max(max_sge SGEs, max_inline_data bytes)
 */
struct soft_send_wqe {
	struct ib_uverbs_send_wr wr;
	struct ib_uverbs_ah_attr ah;
	u32 inline_len;
	u32 rnr_tries;
	u32 retry_tries;
	u32 psn;
	u32 psn_set;
	u32 resp_head;
	u64 rnr_until;
	u64 done;
	u64 resp_wr_id;
	u8 data[];
};

/**
 * struct soft_queue - a work queue of fixed capacity
 * @lock: protects the entries, @head, @tail and @flush
 * @buf: @max_wr entries of @stride bytes (NULL when @max_wr is 0)
 * @stride: bytes per entry
 * @max_wr: capacity (a power of two, or 0)
 * @max_sge: SGEs an entry holds
 * @head: next entry to process (free running)
 * @tail: next entry to post
 * @flush: the QP went to ERR: complete everything with WR_FLUSH_ERR
 */
struct soft_queue {
	spinlock_t lock;
	u8 *buf;
	u32 stride;
	u32 max_wr;
	u32 max_sge;
	u32 head;
	u32 tail;
	bool flush;
};

static inline void *soft_queue_entry(struct soft_queue *q, u32 idx)
{
	return q->buf + (size_t)(idx & (q->max_wr - 1)) * q->stride;
}

int soft_queue_init(struct soft_queue *q, u32 max_wr, u32 stride, u32 max_sge);
void soft_queue_cleanup(struct soft_queue *q);

/* READs and atomics a QP may have in flight, each way (max_qp_rd_atom). */
#define SOFT_MAX_QP_RD_ATOM 128

/*
 * Atomic answers a RoCE responder keeps for duplicates (per QP): as many
 * as max_dest_rd_atomic, so the device's max_qp_rd_atom at most.  A
 * requester has no more atomics outstanding than that, and may retry
 * any of them.
 */
#define SOFT_ROCE_ATOMIC_CACHE SOFT_MAX_QP_RD_ATOM

/* One atomic's answer, for a duplicate of its request. */
struct soft_roce_atomic_ans {
	u32 psn;
	bool valid;
	u64 orig;
};

/**
 * struct soft_roce_qp - a QP's RoCEv2 transport state (roce.c)
 *
 * Requester, under sq.lock: WQEs from sq.head to @sent went out (the
 * one at @sent has sent @tx_pkt of its packets), those from sq.head on
 * wait for their answers.
 * @sent: sq index of the next WQE to send (sq.head <= @sent <= sq.tail)
 * @tx_pkt: packets of the WQE at @sent already sent (for a READ: the
 *	response packet its request starts at)
 * @head_acked: packets of the WQE at sq.head acknowledged (for a READ:
 *	its response packets received)
 * @rd_out: READ and atomic WQEs sent and not completed
 * @deadline: when the transport timer expires (ktime ns), 0 not running
 * @rnr_until: an RNR NAK holds the send queue until then, 0 not
 * @retries: timer expiries without progress (against retry_cnt)
 * @rnr_retries: RNR NAKs of the head WQE (against rnr_retry)
 * @noack: packets sent since the last one that asked for an ACK
 * @implied: an answer for later than the awaited one came first (the
 *	answers between were lost: IB's implied NAK), and the send queue
 *	went back to its head; no other such rewind until the head
 *	progresses or the timer fires (the rest of the old answers are
 *	still arriving)
 * @txbuf: the packet being built and its payload (2 * SOFT_ROCE_BUF
 *	bytes, roce.c), allocated at the first send
 *
 * Responder, under resp_lock:
 * @msn: messages completed (the AETH's MSN)
 * @nak_sent: a sequence NAK went out; no other until the PSN it named
 * @cur: the message in progress: 0 none, ROCE_OP_SEND or ROCE_OP_WRITE
 * @cur_off: bytes of it received
 * @cur_va, @cur_rkey, @cur_len: a WRITE's RETH
 * @cur_recv: a SEND's receive WQE, taken at its first packet (NULL
 *	until a SEND needed one; its queue's stride bytes)
 * @cur_recv_len: bytes of its SGEs
 * @uc_drop: UC: the message in progress lost a packet; skip to the next
 *	FIRST or ONLY
 * @recv_held: UC: @cur_recv was taken by a message that was lost; the
 *	next SEND fills it instead of taking another
 * @atomics: the last atomic answers, by PSN (a duplicate gets its answer
 *	again, never a second execution); @atomic_next the slot to fill
 * @rd_work: sends the next burst of the READ in progress (sdev->wq)
 * @rd_buf: its packet and payload (2 * SOFT_ROCE_BUF), at its first turn
 * @rd_va, @rd_rkey, @rd_len: the READ in progress (its RETH)
 * @rd_off: bytes of it sent; @rd_mtu: its responses' payload
 * @rd_psn: PSN of its next response; @rd_left: responses left (0: none)
 */
struct soft_roce_qp {
	u32 sent;
	u32 tx_pkt;
	u32 head_acked;
	u32 rd_out;
	u64 deadline;
	u64 rnr_until;
	u32 retries;
	u32 rnr_retries;
	u32 noack;
	bool implied;
	u8 *txbuf;

	u32 msn;
	bool nak_sent;
	u8 cur;
	bool uc_drop;
	bool recv_held;
	u64 cur_off;
	u64 cur_va;
	u32 cur_rkey;
	u32 cur_len;
	struct soft_recv_wqe *cur_recv;
	u64 cur_recv_len;
	struct soft_roce_atomic_ans *atomics;
	u32 atomic_next;
	struct delayed_work rd_work;
	u8 *rd_buf;
	u64 rd_va;
	u32 rd_rkey;
	u32 rd_len;
	u64 rd_off;
	u32 rd_mtu;
	u32 rd_psn;
	u32 rd_left;
};

/**
 * struct soft_qp - a queue pair
 * @ibqp: the common part; ibqp.attr is the core's copy, merged after
 *	modify_qp returns; the data path reads @attr instead
 * @lock: protects @attr, @counters, @req_psn and @resp_psn
 * @attr: the attributes modify_qp applied (state, dest QPN, AV, PSNs,
 *	access, qkey, retry counts)
 * @counters: SOFT_VENDOR_QP_COUNTERS
 * @req_psn: the PSN the send queue's next request gets (starts at the
 *	sq_psn of MODIFY)
 * @resp_psn: the PSN the responder expects next (RC; starts at the
 *	rq_psn of MODIFY)
 * @sq: send queue (struct soft_send_wqe)
 * @rq: receive queue (struct soft_recv_wqe); capacity 0 with an SRQ
 * @resp_lock: held while a peer's request executes on this QP as the
 *	responder (its receive queue, its CQs, its memory); also protects
 *	@dead.  destroy_qp takes it and sq.lock, so the engine never touches
 *	a destroyed QP's queues or CQs.
 * @dead: destroy_qp began
 * @rnr_waiter: an RC requester met an RNR here and waits for a receive
 * @rnr_work: retries the head of the send queue once its RNR timer
 *	expires (on sdev->wq)
 * @ref: the QP itself holds one; every fabric lookup one more, dropped
 *	by soft_qp_put().  Freed with the last.
 * @hash: in sdev->qp_hash while registered in the fabric
 * @sdev: its device
 * @nic: the context's NIC once the QP's rings are attached
 * @nic_node: in nic->qps
 * @umap, @umap_len: the client's memfd, mapped (@umap set and cleared
 *	under resp_lock too: a peer's request looks at the RQ ring)
 * @ulayout: where its rings are in it
 * @usq_cons, @urq_cons: the device's consumer indexes of the two rings
 *	(the copies in the shared page are for the client to read)
 * @ubroken: a ring was corrupt: the QP failed and the NIC skips it
 * @charge: the bytes of @sq and @rq, charged to the file; its uctx is
 *	also the file its completions are counted against
 * @umore: its send queue stopped at the end of the NIC's turn with work
 *	left (nic->lock)
 * @urnr_now: its RNR timer expired or its responder got a receive: the
 *	NIC retries the head at once (atomic)
 * @dir: its direct page in @umap (struct soft_direct_ctrl) while its
 *	rings are attached; set and cleared under @lock and
 *	soft_direct_mutex, so either one makes it safe to store to
 * @path: enum soft_direct_path, the device's copy (the page's is the
 *	client's to read); written under soft_direct_mutex with release,
 *	read by the NIC with acquire (then @dir is valid)
 * @dpeer: PENDING: the QP its RTR named; DIRECT: its peer (NULL once
 *	the peer went); soft_direct_mutex.  No reference: a QP leaves
 *	every @dpeer at its detach, under the mutex
 * @dctx: its context, while attached
 * @dnode: in dctx->dqps; @pnode: in the list of PENDING QPs
 * @dseq: the seq of @dir as the device wrote it last
 * @dqp_fd, @dqp_ino: the client's descriptor of the QP memfd, its inode
 * @ud_grants: UD: the receivers it met (struct soft_ud_grant.xnode);
 *	@ud_senders: the senders that met it (.ynode); @ud_slots: the
 *	destination slots of its page in use; @ud_dseq: their seq as the
 *	device wrote it last; all soft_direct_mutex
 * @roce: its RoCEv2 state, on a RoCEv2 port (struct soft_roce_qp)
 */
struct soft_qp {
	struct ib_qp ibqp;
	spinlock_t lock;
	struct ib_uverbs_qp_attr attr;
	struct soft_qp_counters counters;
	u32 req_psn;
	u32 resp_psn;
	struct soft_queue sq;
	struct soft_queue rq;
	struct mutex resp_lock;
	bool dead;
	bool rnr_waiter;
	struct delayed_work rnr_work;
	struct kref ref;
	struct list_head hash;
	struct soft_device *sdev;
	struct soft_nic *nic;
	struct list_head nic_node;
	u8 *umap;
	size_t umap_len;
	struct soft_ring_qp_layout ulayout;
	u32 usq_cons;
	u32 urq_cons;
	bool ubroken;
	struct soft_charge charge;
	bool umore;
	bool urnr_now;
	struct soft_direct_ctrl *dir;
	u32 path;
	struct soft_qp *dpeer;
	struct soft_ucontext *dctx;
	struct list_head dnode;
	struct list_head pnode;
	u32 dseq;
	s32 dqp_fd;
	u64 dqp_ino;
	struct list_head ud_grants;
	struct list_head ud_senders;
	u32 ud_slots;
	u32 ud_dseq[SOFT_DIRECT_UD_DESTS];
	struct soft_roce_qp roce;
};

/* Mirrors @state into the QP's direct page; sqp->lock held. */
static inline void soft_direct_state(struct soft_qp *sqp, u8 state)
{
	if (sqp->dir)
		WRITE_ONCE(sqp->dir->state, state);
}

static inline struct soft_qp *to_soft_qp(struct ib_qp *qp)
{
	return container_of(qp, struct soft_qp, ibqp);
}

/**
 * struct soft_srq - a shared receive queue
 * @rq: the receive WRs (struct soft_recv_wqe); its lock also protects
 *	ibsrq.max_wr, ibsrq.srq_limit, @limit_armed, @ubroken and the
 *	device's takes from @uring (responders take one at a time, under
 *	it; the client takes concurrently, lock-free)
 * @limit_armed: fire SRQ_LIMIT_REACHED once fewer than srq_limit remain
 * @charge: @rq's bytes, charged to the file
 * @uring: the client's receive ring (SOFT_ATTACH_SRQ), NULL without
 *	one: set once (release), under rq.lock, unmapped at destroy.  With
 *	it, @rq holds at most the one receive a responder took and could
 *	not use (its requester's memory failed): the next relayed message
 *	takes it
 * @umap_len, @uentries, @ustride: its mapping's length, its slots (read
 *	once at attach), a WQE's stride
 * @ubuf: where a taken WQE is copied before it is checked (rq.lock)
 * @ubroken: the ring was corrupt: SRQ_ERR was raised, it is never read
 *	again, and the relayed QPs that need a receive fail
 */
struct soft_srq {
	struct ib_srq ibsrq;
	struct soft_queue rq;
	bool limit_armed;
	struct soft_charge charge;
	struct soft_ring_srq_ctrl *uring;
	size_t umap_len;
	u32 uentries, ustride;
	struct soft_ring_recv *ubuf;
	bool ubroken;
};

static inline struct soft_srq *to_soft_srq(struct ib_srq *srq)
{
	return container_of(srq, struct soft_srq, ibsrq);
}

struct soft_ah {
	struct ib_ah ibah;
};

static inline struct soft_ah *to_soft_ah(struct ib_ah *ah)
{
	return container_of(ah, struct soft_ah, ibah);
}

/* Power-of-two round up; 0 stays 0. */
static inline u32 soft_roundup_pow2(u32 n)
{
	if (n <= 1)
		return n;
	if (n > (1u << 31))
		return 0;
	return 1u << (32 - __builtin_clz(n - 1));
}

/*
 * Counts one more object against @max: true if it fits, false (and
 * nothing counted) if @max are live.
 */
static inline bool soft_count_get(atomic_t *count, u32 max)
{
	if ((u32)atomic_add_return(1, count) > max) {
		atomic_dec(count);
		return false;
	}
	return true;
}

/* device.c */
bool soft_port_is_up(struct soft_device *sdev, u8 port);
struct soft_port *soft_port_get(struct soft_device *sdev, u8 port);
/* The P_Key at @index of the table; 0 (matches nothing) beyond it. */
u16 soft_pkey_at(const struct soft_device *sdev, u16 index);
int soft_query_pkey(struct ib_device *dev, u8 port, u32 index, u16 *pkey);
int soft_alloc_ucontext(struct ib_ucontext *uctx,
			struct uverbs_attr_array *vendor);
void soft_dealloc_ucontext(struct ib_ucontext *uctx);
int soft_query_device(struct ib_device *dev,
		      struct ib_uverbs_query_device_resp *resp);
int soft_query_port(struct ib_device *dev, u8 port,
		    struct ib_uverbs_query_port_resp *resp);
int soft_query_gid(struct ib_device *dev, u8 port, u32 index,
		   struct ib_uverbs_gid *gid);

/* pd.c */
struct ib_pd *soft_pd_alloc(struct ib_ucontext *uctx,
			    struct uverbs_attr_array *vendor);
int soft_pd_dealloc(struct ib_pd *pd);

/* mr.c */
void soft_mr_table_init(struct soft_device *sdev);
struct ib_mr *soft_mr_reg(struct ib_pd *pd,
			  const struct ib_uverbs_mr_reg_cmd *cmd,
			  struct uverbs_attr_array *vendor);
int soft_mr_dereg(struct ib_mr *mr);
struct soft_mr *__must_check soft_mr_lookup(struct soft_device *sdev,
					    struct ib_pd *pd, u32 key,
					    bool remote, u64 addr, u64 len,
					    u32 access_needed, int *status);
void soft_mr_put(struct soft_mr *mr);

/* The owner's address of @addr (in the MR's iova space, checked). */
static inline u64 soft_mr_addr(const struct soft_mr *mr, u64 addr)
{
	return mr->ibmr.start + (addr - mr->ibmr.iova);
}

/* cq.c */
struct ib_cq *soft_cq_create(struct ib_ucontext *uctx,
			     const struct ib_uverbs_cq_create_cmd *cmd,
			     struct uverbs_attr_array *vendor);
int soft_cq_resize(struct ib_cq *cq, u32 cqe);
int soft_cq_destroy(struct ib_cq *cq);

/* qp.c */
struct ib_qp *soft_qp_create(struct ib_pd *pd,
			     const struct ib_uverbs_qp_create_cmd *cmd,
			     struct uverbs_attr_array *vendor);
int soft_qp_modify(struct ib_qp *qp, const struct ib_uverbs_qp_attr *attr);
/* The QP's state under its lock (an error completion moves it to ERR). */
u8 soft_qp_state(struct soft_qp *sqp);
u8 soft_qp_query_state(struct ib_qp *qp);
int soft_qp_destroy(struct ib_qp *qp);
void soft_qp_put(struct soft_qp *sqp);
void soft_qp_counters_read(struct soft_qp *sqp, struct soft_qp_counters *out);
void soft_qp_fatal(struct soft_qp *sqp);
/* Queues an async event about @sqp (a no-op for a QP with no file). */
void soft_qp_event(struct soft_qp *sqp, u32 event_type);

/* SGLs up to this many segments live on the stack. */
#define SOFT_SGL_SMALL 8

/* One piece of a message: an MR's range, or kernel memory (@mr NULL). */
struct soft_seg {
	struct soft_mr *mr;
	u64 uaddr;
	u64 len;
};

/* A scatter/gather list of checked segments, each MR referenced. */
struct soft_sgl {
	struct soft_seg *seg;
	u32 num;
	u64 len;
	struct soft_seg small[SOFT_SGL_SMALL];
};

enum soft_copy_fault {
	SOFT_COPY_OK,
	SOFT_COPY_SRC,	/* reading the source failed */
	SOFT_COPY_DST,	/* writing the destination failed */
};

/* engine.c, for the RoCEv2 transport (roce.c) too */
void soft_sgl_init(struct soft_sgl *sgl);
void soft_sgl_put(struct soft_sgl *sgl);
void soft_sgl_add_kernel(struct soft_sgl *sgl, void *buf, u64 len);
int soft_sgl_get(struct soft_sgl *sgl, struct soft_device *sdev,
		 struct ib_pd *pd, const struct ib_uverbs_sge *sge, u32 num,
		 u32 access);
int soft_sgl_get_remote(struct soft_sgl *sgl, struct soft_qp *peer, u32 rkey,
			u64 addr, u64 len, u32 access);
enum soft_copy_fault soft_sgl_copy(struct soft_sgl *dst, u64 dst_off,
				   struct soft_sgl *src, u64 src_off, u64 len);
void soft_qp_attr_read(struct soft_qp *sqp, struct ib_uverbs_qp_attr *a);
void soft_count_wc(struct soft_qp *sqp, bool send, int status, u32 wc_opcode,
		   u64 bytes);
void soft_cq_add(struct ib_cq *cq, const struct ib_uverbs_wc *wc,
		 bool solicited);
struct soft_queue *soft_qp_rq(struct soft_qp *sqp);
void soft_rq_set_err_locked(struct soft_qp *sqp);
bool soft_pkey_match(u16 a, u16 b);
u32 soft_timeout_us(u8 timeout);
/*
 * CMP_AND_SWP (@cmp_swap) or FETCH_AND_ADD on the 8 bytes at @uaddr of
 * @mr, atomic among the device's atomics: 0 and *@orig, or -EFAULT.
 */
int soft_atomic_rmw(struct soft_mr *mr, u64 uaddr, bool cmp_swap,
		    u64 compare_add, u64 swap, u64 *orig);

/* engine.c */
int soft_post_send(struct ib_qp *qp, const struct ib_uverbs_send_wr *wr,
		   u32 num_wr, const struct ib_uverbs_sge *sge, u32 num_sge,
		   u32 *bad_wr);
int soft_post_recv(struct ib_qp *qp, const struct ib_uverbs_recv_wr *wr,
		   u32 num_wr, const struct ib_uverbs_sge *sge, u32 num_sge,
		   u32 *bad_wr);
int soft_post_srq_recv(struct ib_srq *srq, const struct ib_uverbs_recv_wr *wr,
		       u32 num_wr, const struct ib_uverbs_sge *sge,
		       u32 num_sge, u32 *bad_wr);
int soft_poll_cq(struct ib_cq *cq, u32 num, struct ib_uverbs_wc *wc);
int soft_req_notify_cq(struct ib_cq *cq, bool solicited_only);
void soft_qp_flush(struct soft_qp *sqp);
void soft_sq_process(struct soft_qp *sqp, bool retry_now);
bool soft_sq_process_budget(struct soft_qp *sqp, bool retry_now, u64 *budget);
int soft_send_wqe_fill(struct soft_qp *sqp, struct soft_queue *q,
		       const struct ib_uverbs_send_wr *wr,
		       const struct ib_uverbs_sge *sge, const u8 *inline_buf);
u32 soft_recv_queue(struct soft_queue *q, const struct ib_uverbs_recv_wr *wr,
		    u32 num_wr, const struct ib_uverbs_sge *sge, u32 num_sge,
		    int *ret);
u32 soft_recv_queue_locked(struct soft_queue *q,
			   const struct ib_uverbs_recv_wr *wr, u32 num_wr,
			   const struct ib_uverbs_sge *sge, u32 num_sge,
			   int *ret);
void soft_rnr_kick(struct soft_qp *sqp);
void soft_rq_flush(struct soft_qp *sqp);

/* ring.c */
int soft_attach_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
		  struct uverbs_attr_array *common,
		  struct uverbs_attr_array *vendor, const void *priv);
void soft_nic_stop(struct soft_ucontext *sctx);
void soft_ring_qp_detach(struct soft_qp *sqp);
void soft_ring_cq_detach(struct soft_cq *scq);
int soft_attach_cq(struct soft_cq *scq, int fd);
/*
 * The QP's NIC gets a turn (and with @retry_now retries the send queue's
 * head at once): false if the QP has no rings.
 */
bool soft_ring_qp_kick(struct soft_qp *sqp, bool retry_now);
/* The same with @sqp's resp_lock held (a responder's). */
bool soft_ring_qp_kick_locked(struct soft_qp *sqp, bool retry_now);
/* A turn for @nic (alive: the caller knows how). */
void soft_ring_nic_kick(struct soft_nic *nic);
/*
 * Has @sqp's client posted receives on its RQ ring that its NIC has not
 * taken yet?  A peer's request asks, under @sqp's resp_lock.
 */
bool soft_ring_rq_pending(struct soft_qp *sqp);
void soft_rnr_work(struct delayed_work *dw);
void soft_roce_rd_work(struct delayed_work *dw);
/* Moves @sqp to ERR; true if it was not there yet. */
bool soft_qp_set_err(struct soft_qp *sqp);

/* direct.c */
extern struct mutex soft_direct_mutex;
void soft_direct_ctx_init(struct soft_ucontext *sctx);
void soft_direct_ctx_cleanup(struct soft_ucontext *sctx);
int soft_direct_keys_attach(struct soft_ucontext *sctx, int fd,
			    struct soft_direct_keys **keys, size_t *len,
			    u32 *entries, u64 *ino);
int soft_direct_keys_publish(struct soft_ucontext *sctx,
			     struct soft_direct_keys *keys, size_t len,
			     u32 entries, int fd, u64 ino);
int soft_direct_mr_add(struct soft_mr *smr);
void soft_direct_mr_del(struct soft_mr *smr);
void soft_direct_qp_attach(struct soft_qp *sqp, struct soft_ucontext *sctx);
void soft_direct_qp_detach(struct soft_qp *sqp);
void soft_direct_modify(struct soft_qp *sqp, u8 state);
void soft_direct_access(struct soft_qp *sqp);
void soft_direct_err(struct soft_qp *sqp);
/* May the NIC take WQEs off the QP's rings?  nic->lock held. */
bool soft_direct_served(struct soft_qp *sqp);
/* A DIRECT QP's notify bits: true if it had any.  nic->lock held. */
bool soft_direct_notify(struct soft_qp *sqp);
/* UD on the direct path (direct.c, "UD"). */
bool soft_direct_ud_sq_served(struct soft_qp *sqp);
void soft_direct_ud_attrs(struct soft_qp *sqp);
int soft_direct_ud_put(struct soft_qp *y,
		       const struct soft_direct_ud_info *info, u8 flags,
		       u32 imm, const u8 *buf, u32 len, bool last);
void soft_direct_ud_contact(struct soft_qp *x, struct soft_qp *y);
/* The IB min_rnr_timer encoding in microseconds. */
u32 soft_rnr_timer_us(u8 code);
/* Raises the completion event of @cq if it is armed, adding nothing. */
void soft_cq_raise(struct ib_cq *cq);

/* srq.c */
struct ib_srq *soft_srq_create(struct ib_pd *pd,
			       const struct ib_uverbs_srq_create_cmd *cmd,
			       struct uverbs_attr_array *vendor);
int soft_srq_modify(struct ib_srq *srq,
		    const struct ib_uverbs_srq_modify_cmd *cmd);
int soft_srq_destroy(struct ib_srq *srq);
int soft_attach_srq(struct soft_ucontext *sctx, struct soft_srq *ssrq,
		    int fd);
/*
 * A responder on an SRQ with a ring whose queue is empty takes the
 * ring's next receive into it (@q: soft_qp_rq(@peer), its lock held).
 * Return: false when the ring is corrupt (*@srq_err: SRQ_ERR is due,
 * soft_resp_srq_broken() once unlocked).  (engine.c)
 */
bool soft_resp_take(struct soft_qp *peer, struct soft_queue *q,
		    bool *srq_err);
/*
 * The responder's SRQ ring is corrupt: the responder fails, and SRQ_ERR
 * is raised if @srq_err.  resp_lock held, the queue's lock not.
 * Return: the status its RC requester gets (REM_OP_ERR), SUCCESS for
 * UC and UD (the message is dropped).  (engine.c)
 */
int soft_resp_srq_broken(struct soft_qp *peer, bool srq_err);
/* Has the SRQ a ring (the direct path's QPs may use it)? */
bool soft_srq_has_ring(struct ib_srq *srq);
/*
 * Under @ssrq->rq.lock, @ssrq->rq empty: takes the ring's next receive
 * into rq.  1 taken, 0 none, -EIO the ring is corrupt (*@first: found
 * so now; raise SRQ_ERR with soft_srq_event() once unlocked).
 */
int soft_srq_take(struct soft_srq *ssrq, bool *first);
/* Under rq.lock, after a receive was consumed: is SRQ_LIMIT_REACHED due? */
bool soft_srq_limit_due(struct soft_srq *ssrq);
/* A client reported its take left the SRQ under its limit. */
void soft_srq_limit_report(struct soft_srq *ssrq);
/* A client reported the SRQ's ring corrupt. */
void soft_srq_broken_report(struct soft_srq *ssrq);
/* Receives wait in the SRQ's ring (not locked: a hint). */
bool soft_srq_ring_pending(struct soft_srq *ssrq);
void soft_srq_event(struct soft_srq *ssrq, u32 event);

/* ah.c */
struct ib_ah *soft_ah_create(struct ib_pd *pd,
			     const struct ib_uverbs_ah_attr *attr,
			     struct uverbs_attr_array *vendor);
int soft_ah_destroy(struct ib_ah *ah);

/* fabric.c */
void soft_fabric_device_add(struct soft_device *sdev);
void soft_fabric_device_del(struct soft_device *sdev);
void soft_fabric_qp_table_init(struct soft_device *sdev);
int __must_check soft_fabric_qp_add(struct soft_device *sdev,
				    struct soft_qp *sqp);
void soft_fabric_qp_del(struct soft_device *sdev, struct soft_qp *sqp);
struct soft_qp *__must_check soft_fabric_qp_by_lid(u16 lid, u32 qpn,
						   u8 *port_num);
struct soft_qp *__must_check
soft_fabric_qp_by_gid(const struct ib_uverbs_gid *gid, u32 qpn, u8 *port_num);
u16 soft_fabric_lid_alloc(void);

/* roce.c */
int soft_roce_port_init(struct soft_device *sdev, struct soft_port *port,
			const struct soft_roce_config *cfg);
void soft_roce_port_stop(struct soft_port *port);
void soft_roce_port_free(struct soft_port *port);
/* Is @port_num of @sdev a RoCEv2 port? */
bool soft_port_is_roce(struct soft_device *sdev, u8 port_num);
/* Does @sqp send over RoCEv2 (its port is a RoCEv2 port)? */
bool soft_roce_qp(struct soft_qp *sqp);
/* soft_sq_process_budget() for a RoCEv2 QP. */
bool soft_roce_sq_process(struct soft_qp *sqp, bool retry_now);
/* MODIFY moved @sqp to @state: its transport state follows. */
void soft_roce_qp_modify(struct soft_qp *sqp, u8 state);
void soft_roce_linger_add(struct soft_qp *sqp);
void soft_roce_qp_free(struct soft_qp *sqp);
u8 soft_roce_port_mtu(struct soft_port *port);
void soft_roce_port_input(struct soft_port *port, const u8 *buf, u32 len,
			  const struct compat_udp_meta *m);
void soft_roce_counters(struct soft_port *port,
			struct soft_roce_counters *out);

/* fabric.c, for roce.c: QP @qpn of @sdev, referenced, or NULL. */
struct soft_qp *__must_check soft_fabric_qp_on(struct soft_device *sdev,
					       u32 qpn);

#endif /* _DRIVERS_SOFT_SOFT_H */
