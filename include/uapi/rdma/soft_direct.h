/* SPDX-License-Identifier: MIT */
/*
 * The soft device's direct data path: two clients on one host move the
 * bytes of an RC or UC connection, or UD datagrams, between themselves,
 * without a device thread on the way, when the kernel already lets each
 * reach the other's memory (what process_vm_readv/writev and pidfd_getfd
 * require: same credentials, dumpable, no LSM in the way).  The device
 * (ioverbsd) keeps every control command, decides the path of each QP
 * when it connects, publishes the keys a peer checks before it touches
 * memory, and cleans up when a peer goes.  Everything here sits in memfds that clients
 * create (the device cannot create descriptors in a client): the device
 * maps them, and a peer maps them with pidfd_getfd() once the device told
 * it which descriptors of which process to take.
 *
 * Three pieces:
 *
 *  - The context's key table (struct soft_direct_keys, a memfd given
 *    with the doorbell: SOFT_ATTACH_KEYS).  Its presence is how a client
 *    says it speaks this protocol; a context without it is always
 *    relayed.  The device writes an entry for every MR of the context at
 *    MR_REG and kills it at DEREG; peers read it (mapped read-only) to
 *    check an rkey before an RDMA WRITE, READ or atomic.  After it, the
 *    atomic lock table and the wake line, which peers write.
 *
 *  - Each QP's direct page (struct soft_direct_ctrl, at
 *    soft_ring_qp_layout.dir of the QP's memfd) and, after it, its
 *    receive ring (SOFT_DIRECT_RING_BYTES): messages its peer writes.
 *
 *  - The path of each QP (soft_direct_ctrl.path), which the device
 *    chooses when the QP connects (MODIFY to RTR).
 *
 * Path.  A QP starts UNDECIDED.  Its MODIFY to RTR makes it RELAY unless
 * all of these hold, for it (X) and the QP its RTR names (Y, found on the
 * fabric by the AV and dest_qp_num):
 *   both RC or both UC, neither on an SRQ without a ring (an SRQ's
 *   ring: SOFT_ATTACH_SRQ, <rdma/soft_ring.h>), both with rings attached,
 *   both contexts with a key table, and the transport says each owner
 *   may reach the other's memory (the daemon: same uid, gid and
 *   permitted capabilities, both dumpable, no Yama restriction, no
 *   confinement; embedded: never).
 * Then, if Y's own RTR already named X (Y is PENDING on X), both become
 * DIRECT at once; otherwise X is PENDING until Y's RTR names X (both
 * DIRECT) or names another QP, or Y goes (X becomes RELAY).  The device
 * writes the peer block of both pages before it stores path DIRECT
 * (release).  A QP that goes to ERR while UNDECIDED or PENDING becomes
 * RELAY; MODIFY to RESET makes any QP start again (its peer, if
 * DIRECT, sees peer_gone).  UD QPs on an SRQ, QPs on an SRQ without a
 * ring, QPs of a context
 * without a key table or of a transport that never reaches another
 * process (embedded), and QPs whose rings come after they left INIT
 * are RELAY from the start (their attach, or RESET); the others start
 * UNDECIDED.  A UD QP has no peer: see "UD" below.
 *
 * Who serves the rings.  The device's NIC takes WQEs off a QP's SQ and
 * RQ rings only while its path is RELAY (or it is in ERR, when it
 * flushes).  While UNDECIDED or PENDING, posted WQEs wait in the rings.
 * Once DIRECT, the client serves them itself: it takes what waits in its
 * own rings (they stay the client's from then on: the device never reads
 * them again) and executes everything as described below.
 *
 * The direct protocol, for a DIRECT QP X whose peer is Y (in another
 * process, P):
 *  - X maps Y's QP memfd (peer_qp_fd of process peer_pid, whose inode is
 *    peer_qp_ino), Y's context's key table (peer_keys_fd, peer_keys_ino)
 *    and takes Y's context's kick eventfd (peer_kick_fd, peer_kick_ino),
 *    all with pidfd_getfd(); an inode that differs means the descriptor
 *    is not the one the device meant: X fails (moves to ERR).
 *  - A SEND (or SEND_WITH_IMM, or the notice of a WRITE_WITH_IMM) is a
 *    record (struct soft_direct_msg) X appends to Y's receive ring: up to
 *    SOFT_DIRECT_INLINE_MAX payload bytes inline after the header,
 *    otherwise a list of X's own memory ranges (struct soft_direct_iov)
 *    that Y reads with process_vm_readv() straight into its receive
 *    buffer.  X stores the record, then rx_prod (release), in Y's page.
 *    Y drains its ring when its client polls a CQ of Y or posts a
 *    receive (no system call on the way), or else its progress thread
 *    does, woken by X (below: a NIC acknowledges without its
 *    application, and programs count on it): it matches the record with
 *    its oldest receive, copies, makes the completion, and settles the
 *    record: status, then state TAKEN (release), then rx_cons.  X
 *    completes its WR when it finds the record TAKEN, with the status Y
 *    wrote.  Records are settled in order.
 *  - Progress thread (one per context that has a DIRECT QP): it sleeps
 *    without timeout on the word of its context's wake line (struct
 *    soft_direct_wake, after the lock table of the key table, which
 *    peers map read-write).  It reads word, drains the rings of its
 *    DIRECT QPs as a poll does and, unless it drained a ring its client
 *    does not drain itself (then it drains again), stores sleeping = 1
 *    and sleeps (FUTEX_WAIT on word, the value it read); woken, it
 *    stores sleeping = 0.  X, whose oldest unsettled record (not marked
 *    rnr) has waited SOFT_DIRECT_STALL_NS in X's own polls, loads
 *    sleeping at each poll from then on and, once it finds it set, adds
 *    1 to word and FUTEX_WAKEs it (a shared futex): once per record.
 *    X's client that arms its send CQ with such a record outstanding
 *    (it may sleep now, and poll no more) adds 1 to word at once,
 *    whatever sleeping says (then FUTEX_WAKEs it if set): the thread,
 *    which read word before it drained, either finds the record or
 *    does not sleep.  A record the thread finds no receive for (RNR)
 *    waits, marked rnr, for Y's next receive: nobody wakes for it.  Y's
 *    thread never runs while nobody waits: an idle client costs no CPU.
 *  - RNR (RC): Y finds no receive: it leaves the record POSTED, sets rnr
 *    and, the first time, rnr_since.  X, past rnr_since + Y's min_rnr_us
 *    times (rnr_retry + 1) (never with rnr_retry 7), cancels it: a
 *    compare-and-swap of state POSTED -> CANCELLED, which Y's take
 *    (POSTED -> TAKEN, also a compare-and-swap) loses or wins; the winner
 *    decides.  A cancelled WR completes with RNR_RETRY_EXC_ERR and X
 *    moves to ERR, cancelling the records behind it.  Y skips cancelled
 *    records.  UC: Y drops a record it has no receive for (TAKEN,
 *    status SUCCESS: a UC sender never learns).
 *  - Errors Y finds (a message longer than the receive: LOC_LEN_ERR at
 *    Y, REM_INV_REQ_ERR at X; a receive SGE Y's own keys refuse:
 *    LOC_PROT_ERR at Y, REM_OP_ERR at X) move Y to ERR (RC and UC); X
 *    moves to ERR on any error completion.  A client moves its own QP to
 *    ERR with a MODIFY command, so that the device's view stays right.
 *    Y in ERR settles what arrives with status RETRY_EXC_ERR (no
 *    answer).
 *  - RDMA WRITE, READ and atomics: X checks Y's QP allows it
 *    (peer_access, as it is when the WR executes; even a zero-length
 *    RDMA, which checks no key), looks the rkey up in Y's key table
 *    (soft_direct_key_slot(), a seqlock read), checks the range, the
 *    access and the PD (peer_pd), announces the copy in its own page
 *    (inflight_slot, inflight_seq, then a full barrier), reads the
 *    entry's seq again (changed: the key died: REM_ACCESS_ERR), does one
 *    process_vm_writev()/readv() to peer_pid and clears inflight_slot
 *    (release).  Deregistration (the device) kills the entry (seq odd,
 *    state DEAD, seq even again), then waits until no DIRECT peer of the
 *    context announces that slot with the old seq.  A one-sided WR runs
 *    only when every WR before it on X completed (RC order); an atomic
 *    holds the lock of soft_direct_lock_index() of the target address in
 *    Y's lock table around its read and write.  Remote access errors
 *    complete X's WR with REM_ACCESS_ERR and move X to ERR; Y never
 *    learns.
 *  - Events: a client that arms a CQ (REQ_NOTIFY, still a command, for
 *    the relayed completions) also stores armed_recv / armed_send in the
 *    pages of its DIRECT QPs whose receive / send CQ it is, then a full
 *    barrier, then polls once more.  A writer that made work for an
 *    armed side (X after a record: Y's armed_recv, unless it is
 *    SOFT_DIRECT_ARM_SOLICITED and the record is not solicited; Y after
 *    settling: X's armed_send) exchanges it with 0 and, if it was set,
 *    ORs SOFT_DIRECT_NOTIFY_RECV or _SEND into that page's notify and
 *    writes 1 to that context's kick eventfd.  A client that makes a
 *    completion for its own armed CQ does the same to its own page and
 *    eventfd.  The device, at the kick, exchanges notify with 0 and
 *    raises a completion event on the QP's CQ if that CQ is armed.  It
 *    also raises one on the armed CQs of a DIRECT QP it moves to ERR or
 *    whose peer goes, so that a client waiting for an event polls and
 *    finds its error completions.
 *  - SRQ: Y on an SRQ (which has a ring: its receives are in the
 *    client's memory) takes the receive for a record off the SRQ's
 *    ring as the device takes one for a relayed QP of the same SRQ:
 *    copy the entry at the ring's cons, compare-and-swap cons to cons +
 *    1 (struct soft_ring_srq_ctrl), only when a record needs it.  What
 *    Y took stays Y's: if the record turns out not to take it
 *    (cancelled, or the sender's memory failed), Y's next record does.
 *    An empty ring is Y's RNR (RC; UC drops), as above; a post to the
 *    SRQ drains the rings of its client's DIRECT QPs on it.  A take
 *    that leaves fewer than the ring's limit posted swaps limit to 0
 *    and, if that succeeded, ORs SOFT_DIRECT_NOTIFY_SRQ into Y's own
 *    notify and writes Y's kick eventfd: the device raises
 *    SRQ_LIMIT_REACHED (once per arming it made).  A ring whose indexes
' *    or entries make no sense moves Y to ERR (the sender's record:
 *    REM_OP_ERR); Y reports it with SOFT_DIRECT_NOTIFY_SRQ_ERR (then its
 *    kick), and the device, from then on or when it finds so itself,
 *    takes no receive off that ring again (its relayed QPs that need one
 *    fail) and raises SRQ_ERR, once.  An SRQ's receives are never
 *    flushed by a QP's ERR: they stay on the ring.
 *  - Waiting: a poller that finds nothing yields the CPU at once when
 *    its peer's page says it polls on the same CPU (cpu), else spins.
 *    A client adds 1 to active at each post and each poll that finds
 *    nothing.  A post hands the CPU over to the peer when the send
 *    queue was idle before it (an exchange, not a stream), the peer's
 *    page says the same CPU, the peer's active moved since this
 *    poster's last hand-off (it posts or polls, not asleep elsewhere),
 *    the peer was never seen waiting for completion events (armed_recv
 *    or armed_send set at a post of this poster, or taken by it) and
 *    is not in the poster's process (its thread may be the poster's):
 *    until the peer posts or polls in vain.  The poster stores handoff
 *    = SOFT_DIRECT_HANDING in its own page (under the QP's lock, before
 *    it wakes anyone), yields, and if handoff is still set after a few
 *    yields (the scheduler may give the CPU straight back, and a
 *    program that waits for its peer's WRITE by reading its own memory
 *    makes no verb call but its next post), compare-and-swaps it to
 *    SOFT_DIRECT_ASLEEP and sleeps on it (FUTEX_WAIT, that value) for a
 *    short bound.  A client that posts (once its WRs are executed) or
 *    polls and finds nothing exchanges its peer's handoff with 0 and,
 *    if it was SOFT_DIRECT_ASLEEP, FUTEX_WAKEs it.
 *  - Peer gone: when Y is destroyed, reset, or its process ends, the
 *    device sets peer_gone in X's page (then notifies X's armed CQs); X
 *    does what an IB QP does when its peer stops answering: (RC) once
 *    its transport timer (4.096 us << timeout), times retry_cnt + 1,
 *    ran out from then without an answer, it cancels its oldest record
 *    Y has not settled (compare-and-swap POSTED -> CANCELLED) or fails
 *    the next WR it posts, with RETRY_EXC_ERR, and moves to ERR; (UC)
 *    its sends are lost (SUCCESS); until then its receives stay posted
 *    (a peer that ended after its last message leaves X's last
 *    completions as they were).  Y drains its ring just before and
 *    just after its DESTROY, as a NIC answers what reaches it while its
 *    application tears down: a record its last drain takes completes.
 *
 * UD (struct soft_direct_ud, at SOFT_DIRECT_UD_OFF of the direct page).
 * A UD QP has no peer: any UD QP with its Q_Key may send to it, some
 * from processes that may reach it, some not.  So a UD QP's receive ring
 * has many producers, and its send queue both paths:
 *  - Path.  A UD QP (no SRQ, rings and key table attached, a transport
 *    that may reach another process) is UNDECIDED until its RTR, then
 *    DIRECT, with no peer block (peer_qpn 0).  From then on its client
 *    owns its receive queue (the RQ ring's WQEs are its own, as for RC)
 *    and every datagram for it arrives as a SOFT_DMSG_UD record in its
 *    receive ring; the device's NIC still serves its SQ ring: the sends
 *    its client does not make directly are relayed.
 *  - Producers: a direct sender's client, and the device for every
 *    datagram it relays to the QP.  One at a time, under the UD block's
 *    @lock (compare-and-swap 0 -> the producer's tgid, the device's
 *    SOFT_DIRECT_UD_LOCK_DEVICE): it reads rx_cons, writes the record
 *    (a PAD record first if it would not fit before the ring's end),
 *    stores its state POSTED, then rx_prod (release), then frees
 *    @lock (release).  A record that does not fit (a receiver that does
 *    not drain) or a lock held too long waits at most
 *    SOFT_DIRECT_UD_FULL_NS (the relay's wait for a receive its NIC has
 *    not taken yet), the producer waking the receiver's progress thread
 *    (the wake line of its key table) when the ring is full, then is
 *    dropped (@drop_full).  The device never waits in place: it tries
 *    again later, as it does for such a receive.  A lock held by a
 *    process that no longer exists is taken over (compare-and-swap of
 *    its tgid) by whoever finds it: a producer, the device, or the
 *    receiver at its drains; a sender killed mid-datagram leaves
 *    nothing stuck (rx_prod never covered its record).
 *  - The receiver, draining (its polls, its posts of a receive, its
 *    progress thread), takes records in order and never answers: it
 *    drops (and counts) a record whose P_Key does not match its own
 *    (soft_direct_pkey_match(), @drop_pkey) or whose Q_Key is not its
 *    own (@drop_qkey), and one that finds no receive posted
 *    (@drop_norecv: a receive posted later does not take it; it drains
 *    before it posts), as the relay drops them; otherwise the oldest
 *    receive takes it: the GRH (when the sender's AH was global, 40
 *    bytes built from the record, IBV_WC_GRH) in the first 40 bytes,
 *    the payload after them, src_qp, slid, sl from the record; a
 *    receive too short for 40 + len completes with LOC_LEN_ERR and the
 *    QP stays in RTS (UD).  In ERR it drops everything.
 *  - Senders.  The device hands a sender X the receiver Y at first
 *    contact: when it relays a datagram of X (a UD QP on the direct
 *    path) to Y (DIRECT) and X's owner may reach Y's (the same test as
 *    RC's), it writes a destination (struct soft_direct_ud_dest) into a
 *    free slot of X's UD block, after the datagram is in Y's ring.  X's
 *    client then maps Y's QP memfd, its context's key table (for the
 *    wake line) and kick eventfd as a peer of RC does, and sends
 *    there itself: a SEND or SEND_WITH_IMM of at most
 *    SOFT_DIRECT_UD_MTU bytes, from a QP in RTS, whose AH names Y's
 *    port (dgid, or dlid) and the destination's port as its own, when
 *    nothing it relayed is outstanding (so that its completions stay
 *    in order).  It computes the Q_Key as the relay does (a WR's
 *    remote_qkey with its high bit set means the QP's own Q_Key) and
 *    takes slid, pkey and sgid from the destination.  Its WR completes
 *    once the record is in Y's ring (or dropped), as a UD send
 *    completes once on the wire.  Everything else goes to its SQ ring.
 *    When Y leaves (RESET, DESTROY, its process's end) the device marks
 *    every destination naming it GONE (the sender unmaps it and relays,
 *    and the relay loses the datagram); when X resets or leaves, its
 *    slots are freed.  A sender whose slots are all taken relays.
 *  - Events: a producer notifies Y's armed_recv as RC's sender does
 *    (the device raises Y's receive CQ itself).
 *
 * Trust.  The device reads these pages (inflight, notify, counters) and
 * trusts none of it: a value out of range is ignored, a wait on an
 * in-flight copy is bounded.  A client checks every record it drains
 * (size, state, lengths, iov count) before it uses it: a peer that
 * writes garbage breaks the QPs connected to it, which move to ERR,
 * nothing else.  The key table keeps honest peers honest: a peer that
 * may ptrace its target can read and write that memory anyway.  Nothing
 * is given to a client the kernel would not give it: the device names
 * descriptors, the kernel decides with pidfd_getfd().
 */
#ifndef _UAPI_RDMA_SOFT_DIRECT_H
#define _UAPI_RDMA_SOFT_DIRECT_H

#include <linux/types.h>
#include <rdma/ib_user_verbs.h>

/*
 * The opcode of a send WR's completion (enum ib_uverbs_wc_opcode), the
 * same on the relay and the direct path.
 */
static inline __u32 soft_send_wc_opcode(__u32 wr_opcode)
{
	switch (wr_opcode) {
	case IB_UVERBS_WR_RDMA_WRITE:
	case IB_UVERBS_WR_RDMA_WRITE_WITH_IMM:
		return IB_UVERBS_WC_RDMA_WRITE;
	case IB_UVERBS_WR_RDMA_READ:
		return IB_UVERBS_WC_RDMA_READ;
	case IB_UVERBS_WR_ATOMIC_CMP_AND_SWP:
		return IB_UVERBS_WC_COMP_SWAP;
	case IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD:
		return IB_UVERBS_WC_FETCH_ADD;
	default:
		return IB_UVERBS_WC_SEND;
	}
}

/* enum soft_direct_path: soft_direct_ctrl.path. */
enum soft_direct_path {
	SOFT_PATH_UNDECIDED = 0,
	SOFT_PATH_PENDING = 1,
	SOFT_PATH_RELAY = 2,
	SOFT_PATH_DIRECT = 3,
};

/* soft_direct_ctrl.armed_recv, .armed_send. */
#define SOFT_DIRECT_ARM_NEXT 1
#define SOFT_DIRECT_ARM_SOLICITED 2

/* soft_direct_ctrl.handoff: its client yields, or sleeps (futex). */
#define SOFT_DIRECT_HANDING 1
#define SOFT_DIRECT_ASLEEP 2

/* soft_direct_ctrl.notify bits. */
#define SOFT_DIRECT_NOTIFY_RECV 1u
#define SOFT_DIRECT_NOTIFY_SEND 2u
/* The QP's take left its SRQ below the limit (it swapped it to 0). */
#define SOFT_DIRECT_NOTIFY_SRQ 4u
/* The QP found its SRQ's ring corrupt. */
#define SOFT_DIRECT_NOTIFY_SRQ_ERR 8u

/* The receive ring that follows a QP's direct page. */
#define SOFT_DIRECT_PAGE 4096
#define SOFT_DIRECT_RING_BYTES (64 * 1024)
/* A SEND of at most this many bytes travels inline in the ring. */
#define SOFT_DIRECT_INLINE_MAX 4096
/* At most this many memory ranges describe a message that is not inline. */
#define SOFT_DIRECT_MAX_IOV 32

/**
 * struct soft_direct_ctrl - a QP's direct page (4096 bytes)
 *
 * Written by the device, under @seq (odd while it writes; readers retry):
 * @seq: bumped before and after the device changes @path or the peer
 *	block
 * @path: enum soft_direct_path (stored last, release)
 * @state: the device's idea of the QP's state (IB_UVERBS_QPS_*), stored
 *	at every change it makes (MODIFY, an error completion of the relay,
 *	a fatal error)
 * @peer_gone: the peer QP was destroyed or reset, or its process ended
 * @peer_qpn, @peer_pid: the peer QP and its process (a tgid)
 * @peer_lid, @peer_port: the peer's port (for a completion's slid)
 * @peer_pd: the peer QP's PD, as key entries name it
 * @peer_qp_fd, @peer_qp_ino: the peer's QP memfd in peer_pid
 * @peer_qp_size: its size; @peer_dir: where its direct page is in it
 * @peer_keys_fd, @peer_keys_ino, @peer_keys_entries: the key table of the
 *	peer's context and its entries
 * @peer_kick_fd, @peer_kick_ino: the kick eventfd of the peer's context
 * @peer_min_rnr_us: the peer's min_rnr_timer, in microseconds (IB's
 *	encoding decoded; 655360 for 0)
 * @peer_access: the peer QP's qp_access_flags (IB_UVERBS_ACCESS_REMOTE_*:
 *	an RDMA WRITE, READ or atomic the peer QP does not allow fails with
 *	REM_ACCESS_ERR, as the relay fails it), stored again (under @seq)
 *	at each MODIFY of the peer's access flags: a client reads it
 *	before each such WR it executes, not once at connect
 *
 * Written by the QP's own client:
 * @rx_cons: bytes of the receive ring it consumed (free running)
 * @armed_recv, @armed_send: its receive / send CQ is armed
 *	(SOFT_DIRECT_ARM_*), exchanged with 0 by whoever notifies it
 * @cpu: the CPU its client last polled on, -1 unknown
 * @handoff: SOFT_DIRECT_HANDING / _ASLEEP while its client hands the CPU
 *	to its peer (see "Waiting"), exchanged with 0 by the peer
 * @active: bumped at each post and each poll that found nothing
 * @inflight_slot: 1 + the slot of the peer's key table it copies
 *	through, 0 none; @inflight_seq: that entry's seq when checked
 * @tx_msgs, @tx_bytes, @rx_msgs, @rx_bytes: messages and payload bytes
 *	it sent and received directly (for ioverbs stat; not trusted)
 * @handoffs, @handoffs_woken: hand-offs it slept on, and those its
 *	peer ended (the others timed out); for tests, not trusted
 *
 * Written by the peer (and the client itself for @notify):
 * @rx_prod: bytes of the receive ring the peer produced (free running)
 * @notify: SOFT_DIRECT_NOTIFY_* bits for the device (atomic OR; the
 *	device exchanges it with 0)
 */
struct soft_direct_ctrl {
	/* device: cache lines 0-1 */
	__u32 seq;
	__u32 path;
	__u32 state;
	__u32 peer_gone;
	__u32 peer_qpn;
	__s32 peer_pid;
	__u16 peer_lid;
	__u8 peer_port;
	__u8 rsvd0;
	__u32 peer_pd;
	__s32 peer_qp_fd;
	__u32 peer_min_rnr_us;
	__aligned_u64 peer_qp_ino;
	__aligned_u64 peer_qp_size;
	__aligned_u64 peer_dir;
	__s32 peer_keys_fd;
	__u32 peer_keys_entries;
	__aligned_u64 peer_keys_ino;
	__s32 peer_kick_fd;
	__u32 peer_access;
	__aligned_u64 peer_kick_ino;
	__u32 rsvd2[10];
	/* the QP's client: cache lines 2-3 */
	__u32 rx_cons;
	__u32 armed_recv;
	__u32 armed_send;
	__s32 cpu;
	__u32 inflight_slot;
	__u32 inflight_seq;
	__u32 handoff;
	__u32 active;
	__aligned_u64 tx_msgs;
	__aligned_u64 tx_bytes;
	__aligned_u64 rx_msgs;
	__aligned_u64 rx_bytes;
	__u32 handoffs;
	__u32 handoffs_woken;
	__u32 rsvd4[14];
	/* the peer: cache line 4 */
	__u32 rx_prod;
	__u32 notify;
	__u32 rsvd5[14];
};

/* enum soft_dmsg_state: soft_direct_msg.state. */
enum soft_dmsg_state {
	SOFT_DMSG_FREE = 0,
	SOFT_DMSG_POSTED = 1,
	SOFT_DMSG_TAKEN = 2,
	SOFT_DMSG_CANCELLED = 3,
};

/* enum soft_dmsg_op: soft_direct_msg.op. */
enum soft_dmsg_op {
	SOFT_DMSG_PAD = 0,	  /* skip to the ring's end */
	SOFT_DMSG_SEND = 1,	  /* consumes a receive, carries the payload */
	SOFT_DMSG_WRITE_IMM = 2,  /* consumes a receive; the data is written */
	SOFT_DMSG_UD = 3,	  /* a datagram: soft_direct_ud_info, payload */
};

/* soft_direct_msg.flags. */
#define SOFT_DMSG_INLINE 1u	/* the payload follows the header */
#define SOFT_DMSG_IMM 2u	/* @imm is valid */
#define SOFT_DMSG_SOLICITED 4u

/**
 * struct soft_direct_msg - a record of a receive ring (64 bytes, then
 *	its payload or ranges; records start 64-byte aligned)
 * @state: enum soft_dmsg_state; POSTED as the sender stores it, then
 *	compare-and-swapped by the receiver (TAKEN) or the sender
 *	(CANCELLED)
 * @size: bytes of the record, header included, a multiple of 64; a
 *	record never wraps (a PAD record fills the ring's end)
 * @op: enum soft_dmsg_op
 * @flags: SOFT_DMSG_*
 * @num_iov: ranges (struct soft_direct_iov) after the header when not
 *	inline, 1..SOFT_DIRECT_MAX_IOV (0 for an empty message)
 * @len: payload bytes (for WRITE_IMM: the bytes written, the
 *	completion's byte_len)
 * @imm: the immediate data, as the WR carried it
 * @status: the receiver's verdict for the sender's completion (an
 *	IB_UVERBS_WC_* status), valid once @state is TAKEN
 * @rnr: set by the receiver when it had no receive for it (RC)
 * @rnr_since: CLOCK_MONOTONIC nanoseconds of the first such attempt
 * @msn: the sender's message number, from 0 on the QP's connection
 */
struct soft_direct_msg {
	__u32 state;
	__u32 size;
	__u8 op;
	__u8 flags;
	__u16 num_iov;
	__u32 len;
	__u32 imm;
	__u32 status;
	__u32 rnr;
	__u32 rsvd0;
	__aligned_u64 rnr_since;
	__aligned_u64 msn;
	__u32 rsvd1[4];
};

/* A range of the sender's memory, read by the receiver. */
struct soft_direct_iov {
	__aligned_u64 addr;
	__aligned_u64 len;
};

/* soft_direct_key.state. */
enum soft_dkey_state {
	SOFT_DKEY_FREE = 0,	/* never used: a lookup stops here */
	SOFT_DKEY_LIVE = 1,
	SOFT_DKEY_DEAD = 2,	/* was used: a lookup goes on */
};

/**
 * struct soft_direct_key - an MR in its context's key table (64 bytes)
 * @seq: even while stable, odd while the device writes the entry
 * @state: enum soft_dkey_state
 * @rkey: the MR's rkey
 * @access: its IB_UVERBS_ACCESS_* flags
 * @pd: its PD, as soft_direct_ctrl.peer_pd names PDs
 * @iova: the address the rkey's users name (MR_REG's hca_va)
 * @addr: where @iova is in the owner's address space
 * @length: bytes
 */
struct soft_direct_key {
	__u32 seq;
	__u32 state;
	__u32 rkey;
	__u32 access;
	__u32 pd;
	__u32 rsvd0;
	__aligned_u64 iova;
	__aligned_u64 addr;
	__aligned_u64 length;
	__aligned_u64 rsvd1[3];
};

/* UD: the block of the direct page (struct soft_direct_ud). */
#define SOFT_DIRECT_UD_OFF 2048
/* Destinations a UD QP's block holds. */
#define SOFT_DIRECT_UD_DESTS 12
/* The longest UD payload (the soft device's MTU). */
#define SOFT_DIRECT_UD_MTU 4096
/* The GRH area at the start of a UD receive. */
#define SOFT_DIRECT_GRH_LEN 40
/* soft_direct_ud.lock held by the device (never a tgid). */
#define SOFT_DIRECT_UD_LOCK_DEVICE 0xffffffffu
/* How long a producer waits for room in a full ring, then drops. */
#define SOFT_DIRECT_UD_FULL_NS 10000000ull
/* A WR's remote_qkey with this bit set: the sending QP's own Q_Key. */
#define SOFT_DIRECT_QKEY_USE_QP 0x80000000u

/* enum soft_ud_dest_state: soft_direct_ud_dest.state. */
enum soft_ud_dest_state {
	SOFT_UD_DEST_FREE = 0,
	SOFT_UD_DEST_LIVE = 1,
	SOFT_UD_DEST_GONE = 2,	/* the receiver left: unmap, relay */
};

/**
 * struct soft_direct_ud_dest - a receiver a UD QP may send to directly
 *	(128 bytes), written by the device under @seq (odd while it
 *	writes; readers retry)
 * @state: enum soft_ud_dest_state
 * @qpn: the receiver; @lid, @gid: its port's LID and GID (an AH names
 *	the receiver by @gid when global, else by @lid)
 * @src_port: the sender's port the destination was found through (an
 *	AH naming another port relays)
 * @pid, @qp_fd, @qp_ino, @qp_size, @dir: the receiver's process, its QP
 *	memfd there and where its direct page is in it
 * @keys_fd, @keys_ino, @keys_entries: its context's key table (whose
 *	wake line wakes its progress thread)
 * @kick_fd, @kick_ino: its context's kick eventfd
 * @src_lid, @src_pkey, @src_gid: what the sender puts in its records:
 *	its port's LID, its P_Key and its port's GID
 */
struct soft_direct_ud_dest {
	__u32 seq;
	__u32 state;
	__u32 qpn;
	__u16 lid;
	__u8 src_port;
	__u8 rsvd0;
	__u8 gid[16];
	__s32 pid;
	__s32 qp_fd;
	__aligned_u64 qp_ino;
	__aligned_u64 qp_size;
	__aligned_u64 dir;
	__s32 keys_fd;
	__s32 kick_fd;
	__aligned_u64 keys_ino;
	__aligned_u64 kick_ino;
	__u32 keys_entries;
	__u16 src_lid;
	__u16 src_pkey;
	__u8 src_gid[16];
	__u32 rsvd1[4];
};

/**
 * struct soft_direct_ud - a UD QP's block of its direct page
 * @lock: its receive ring's producer lock (0, a tgid, or
 *	SOFT_DIRECT_UD_LOCK_DEVICE)
 * @pkey, @qkey: the QP's P_Key and Q_Key (the device, at each MODIFY)
 * @drop_qkey, @drop_pkey, @drop_norecv: datagrams its client dropped
 *	(written by it; for ioverbs stat, not trusted)
 * @drop_full: datagrams dropped for want of room or of the lock (added
 *	to by the producers, atomically)
 * @relayed: records the device wrote (the device)
 * @dest: where it may send directly (the device)
 */
struct soft_direct_ud {
	__u32 lock;
	__u32 pkey;
	__u32 qkey;
	__u32 rsvd0[13];
	__aligned_u64 drop_qkey;
	__aligned_u64 drop_pkey;
	__aligned_u64 drop_norecv;
	__aligned_u64 drop_full;
	__aligned_u64 relayed;
	__aligned_u64 rsvd1[3];
	struct soft_direct_ud_dest dest[SOFT_DIRECT_UD_DESTS];
};

/**
 * struct soft_direct_ud_info - what follows a SOFT_DMSG_UD record's
 *	header (64 bytes), then the payload (@len of the header)
 * @src_qpn, @slid, @sl: the sender, for the completion
 * @qkey: the Q_Key the sender used (the relay: the one it checked)
 * @pkey: the sender's P_Key
 * @global: the AH was global: the GRH fields are valid
 * @hop_limit, @traffic_class, @flow_label, @sgid, @dgid: the GRH's
 */
struct soft_direct_ud_info {
	__u32 src_qpn;
	__u32 qkey;
	__u16 slid;
	__u16 pkey;
	__u8 sl;
	__u8 global;
	__u8 hop_limit;
	__u8 traffic_class;
	__u32 flow_label;
	__u8 sgid[16];
	__u8 dgid[16];
	__u32 rsvd[3];
};

/* Two P_Keys let their QPs talk (IB 10.9.3): one partition, one full. */
static inline int soft_direct_pkey_match(__u16 a, __u16 b)
{
	return (a & 0x7fff) && (a & 0x7fff) == (b & 0x7fff) &&
	       ((a | b) & 0x8000);
}

/*
 * How long a sender waits for its oldest record to be settled, counted
 * in its own polls, before it wakes the receiver's progress thread.
 */
#define SOFT_DIRECT_STALL_NS 50000

/* Locks of the atomic lock table: one 64-byte line each. */
#define SOFT_DIRECT_LOCKS 256

/**
 * struct soft_direct_lock - one lock of the atomic lock table
 * @owner: the tgid of the process holding it, 0 when free (taken with a
 *	compare-and-swap; a holder that no longer exists may be replaced)
 */
struct soft_direct_lock {
	__u32 owner;
	__u32 rsvd[15];
};

/**
 * struct soft_direct_wake - a context's wake line (64 bytes), after the
 *	lock table: how a peer wakes the context's progress thread (the
 *	device never reads it)
 * @sleeping: 1 while the thread is about to sleep or sleeps (written by
 *	the context's client)
 * @word: the futex word the thread sleeps on (peers add 1, then
 *	FUTEX_WAKE)
 */
struct soft_direct_wake {
	__u32 sleeping;
	__u32 word;
	__u32 rsvd[14];
};

/**
 * struct soft_direct_keys - a context's key table memfd
 * @entries: slots in @key (a power of two, 64..SOFT_DIRECT_MAX_KEYS),
 *	written by the client before it attaches the memfd; the device
 *	keeps its own copy and peers read soft_direct_ctrl.peer_keys_entries
 *	(never this field, which its owner may change)
 *
 * @key[], the lock table (soft_direct_locks()), then the wake line
 * (soft_direct_wake_line()): the size soft_direct_keys_size() gives
 * (which the wake line did not change: it fits the last page's slack
 * for every valid @entries).  An rkey's probe
 * sequence starts at soft_direct_key_slot() and goes on linearly past
 * LIVE entries of other keys and DEAD ones, up to a FREE one.  The
 * device fails MR_REG with ENOMEM when no slot is left.
 */
struct soft_direct_keys {
	__u32 entries;
	__u32 rsvd[15];
	struct soft_direct_key key[];
};

#define SOFT_DIRECT_MAX_KEYS (1u << 20)

static inline __u32 soft_direct_key_slot(__u32 rkey, __u32 entries)
{
	return (rkey * 0x9e3779b1u) & (entries - 1);
}

static inline __u64 soft_direct_keys_size(__u32 entries)
{
	__u64 n = sizeof(struct soft_direct_keys) +
		  (__u64)entries * sizeof(struct soft_direct_key) +
		  SOFT_DIRECT_LOCKS * sizeof(struct soft_direct_lock) +
		  sizeof(struct soft_direct_wake);

	return (n + 4095) & ~4095ull;
}

/* The lock table of a key table of @entries slots (never the page's own). */
static inline struct soft_direct_lock *
soft_direct_locks(struct soft_direct_keys *k, __u32 entries)
{
	return (struct soft_direct_lock *)&k->key[entries];
}

/* The wake line of a key table of @entries slots. */
static inline struct soft_direct_wake *
soft_direct_wake_line(struct soft_direct_keys *k, __u32 entries)
{
	return (struct soft_direct_wake *)&soft_direct_locks(k, entries)
		[SOFT_DIRECT_LOCKS];
}

/*
 * The lock of the atomic lock table an atomic takes: @addr is the 8-byte
 * target in the owner's address space (soft_direct_key.addr based), so
 * that MRs over the same memory share it.
 */
static inline __u32 soft_direct_lock_index(__u64 addr)
{
	return (__u32)((addr >> 3) * 0x9e3779b97f4a7c15ull >> 56) &
	       (SOFT_DIRECT_LOCKS - 1);
}

#endif /* _UAPI_RDMA_SOFT_DIRECT_H */
