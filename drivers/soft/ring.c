// SPDX-License-Identifier: MIT
/*
 * Shared queues (<rdma/soft_ring.h>): the data path without a command per
 * operation.  SOFT_VENDOR_ATTACH maps a client's memfd; the context's
 * NIC then serves its QPs' rings as hardware would: it takes send and
 * receive WQEs from them into the QPs' own queues and runs the send
 * queues; completions of a CQ with a ring are written to it (engine.c).
 *
 * Nothing in a shared page is trusted.  A WQE is copied out of the page
 * before it is checked, an index that claims more entries than the ring
 * has is a corrupt ring, and either moves the QP to ERR with QP_FATAL;
 * the device reads and writes only the client's own pages and memory.
 *
 * The NICs of every context of every soft device in the process are
 * served by one pool of threads, no more than the CPUs (soft_nic_set_
 * threads()), so that no number of contexts buys more CPU than that:
 *  - A NIC with work sits on the pool's run queue; a thread takes the
 *    head and gives it one turn: at most SOFT_NIC_BATCH WQEs from each
 *    ring and SOFT_NIC_TURN_BYTES of data moved (a longer RDMA WRITE,
 *    READ or SEND resumes at its next turn), then the NIC goes to the
 *    tail if it has more.  Contexts with work are served round robin,
 *    and one with deep queues or huge transfers delays another by one
 *    turn at most per thread.
 *  - A thread that ran out of work spins for SOFT_NIC_SPIN_NS after its
 *    own last useful turn, reading the doorbells of the NICs that went
 *    idle meanwhile (the "watched" ones, whose clients ring without a
 *    system call); a turn that found nothing does not count.  Then it
 *    arms them (db->sleeping) and sleeps in the pool's kick set, which
 *    holds each context's kick eventfd: an armed client's doorbell
 *    writes it.  Idle contexts cost no CPU, a busy one no system call
 *    per WQE.  A turn that found nothing outside the spin arms the
 *    doorbell by looking at the rings again, not at seq: seq alone buys
 *    nothing.  A kick whose turn found nothing mutes the NIC (its kicks
 *    ignored, its doorbell not armed, a turn at a deadline) for 16 us,
 *    doubled for each such kick in a row up to 1 ms.
 *  - A NIC is served by one thread at a time; the thread holds a
 *    reference, so a context may leave (soft_nic_stop()) in the middle
 *    of a turn: its QPs are gone already and the turn ends without them.
 *  - A turn may block: the engine's copies go through the client's
 *    memory, which may lie on a FUSE file whose server holds its reads.
 *    The pool's watchdog finds a turn older than SOFT_NIC_STUCK_NS,
 *    counts its thread as lost to that context (nobody else serves the
 *    context meanwhile: it stays RUNNING) and starts a replacement, so
 *    the pool keeps its number of runnable threads.  At most
 *    SOFT_NIC_LOST_FACTOR times the pool's size are replaced; past that
 *    the stuck context is doomed: when its turn ends its QPs fail
 *    (QP_FATAL).  A lost thread that comes back exits if the pool has
 *    its size without it, else it rejoins.
 *  - Threads are shared per owner (compat_mm.owner of the context's
 *    memory: in the daemon, the user who opened the file), not per
 *    context: the turns of one owner's NICs, lost ones included, never
 *    number more than the pool's size.  An owner at its share gets no
 *    new turn: its NICs with work are PARKED on its own list, off the
 *    run queue, until one of its turns ends.  So whatever one owner's
 *    memory holds -- any number of contexts, each with a copy that
 *    blocks -- it loses at most the pool's size in threads, all
 *    replaced, and the other owners keep the pool's size of runnable
 *    threads; only its own traffic waits.  The replacements' total
 *    bound above is reached by SOFT_NIC_LOST_FACTOR owners at once.
 *
 * Lock order: soft_pool_mutex -> pool->lock;
 *	nic->lock -> what soft.h lists (sq.lock, resp_lock, ...) -> pool->lock.
 * No thread holds pool->lock while it takes any other lock.
 */
#include "soft.h"

#define SOFT_NIC_SPIN_NS (50 * 1000)
/* WQEs taken from one ring per turn, so that every QP gets its turn. */
#define SOFT_NIC_BATCH 64
/* Bytes a NIC's turn moves at most (plus one WR that cannot be split). */
#define SOFT_NIC_TURN_BYTES (1024 * 1024)
/* Buckets of the pool's NIC table (kick cookies to NICs). */
#define SOFT_NIC_HASH 64
/*
 * A client's kick whose turn found nothing mutes its NIC for this long,
 * doubled for each such kick in a row up to SOFT_NIC_MUTE_NS << 6 (1 ms):
 * its kicks are ignored, its doorbell is not armed (so an honest client
 * does not kick), and it gets a turn at the deadline.
 */
#define SOFT_NIC_MUTE_NS (16 * 1000)
#define SOFT_NIC_MUTE_MAX_SHIFT 6
/* A turn longer than this has lost its thread (a copy that blocks). */
#define SOFT_NIC_STUCK_NS (100ull * 1000 * 1000)
/*
 * How often the watchdog looks (and reaps threads that exited) while a
 * turn runs or a thread waits to be joined; otherwise it sleeps until a
 * turn starts, so that an idle pool wakes nobody.
 */
#define SOFT_NIC_WATCHDOG_US (50 * 1000)
/* Replacements for lost threads: at most this times the pool's size. */
#define SOFT_NIC_LOST_FACTOR 2

enum {
	ATT_FD = SOFT_ATTACH_FD & ~UVERBS_VENDOR_FLAG,
	ATT_QP = SOFT_ATTACH_QP & ~UVERBS_VENDOR_FLAG,
	ATT_CQ = SOFT_ATTACH_CQ & ~UVERBS_VENDOR_FLAG,
	ATT_KICK = SOFT_ATTACH_KICK & ~UVERBS_VENDOR_FLAG,
	ATT_KEYS = SOFT_ATTACH_KEYS & ~UVERBS_VENDOR_FLAG,
	ATT_SRQ = SOFT_ATTACH_SRQ & ~UVERBS_VENDOR_FLAG,
};

static struct soft_ring_ctrl *qp_ring(struct soft_qp *sqp, u64 off)
{
	return (struct soft_ring_ctrl *)(sqp->umap + off);
}

/*
 * The QP met a WQE or index it cannot accept: it fails, once; its rings
 * are not looked at again (DESTROY is all that is left to do).  Only the
 * NIC thread calls this, under nic->lock, so @ubroken needs no more.
 */
static void soft_ring_fatal(struct soft_qp *sqp, const char *why)
{
	if (sqp->ubroken)
		return;
	pr_warn("soft: QP %u: %s: QP_FATAL", sqp->ibqp.qp_num, why);
	sqp->ubroken = true;
	soft_qp_fatal(sqp);
}

/* Takes receive WQEs off the QP's RQ ring: true if it took any. */
static bool soft_ring_pull_rq(struct soft_qp *sqp)
{
	const struct soft_ring_qp_layout *l = &sqp->ulayout;
	struct soft_ring_ctrl *c = qp_ring(sqp, l->rq);
	u8 *ents = (u8 *)(c + 1);
	struct soft_ring_recv *e;
	u32 prod, n, taken = 0, max_sge = sqp->rq.max_sge;
	int ret = 0;

	if (sqp->ibqp.srq) {
		/* Its SRQ's ring got receives: a waiting requester retries. */
		if (READ_ONCE(sqp->rnr_waiter) &&
		    soft_srq_ring_pending(to_soft_srq(sqp->ibqp.srq)))
			soft_rnr_kick(sqp);
		return false;
	}
	if (!sqp->rq.max_wr)
		return false;
	prod = smp_load_acquire(&c->prod);
	n = prod - sqp->urq_cons;
	if (!n)
		return false;
	if (n > l->rq_entries) {
		soft_ring_fatal(sqp, "RQ producer index beyond the ring");
		return true;
	}
	if (soft_qp_state(sqp) == IB_UVERBS_QPS_RESET)
		return false;
	e = kmalloc(l->rq_stride);
	if (!e)
		return true;	/* tried again on the next turn */
	spin_lock(&sqp->rq.lock);
	while (taken < n && taken < SOFT_NIC_BATCH) {
		/* Copied once, then checked: the page may change under us. */
		memcpy(e, ents + (size_t)((sqp->urq_cons + taken) &
					  (l->rq_entries - 1)) * l->rq_stride,
		       l->rq_stride);
		if (e->wr.reserved || e->wr.num_sge > max_sge) {
			ret = -EINVAL;
			break;
		}
		if (!soft_recv_queue_locked(&sqp->rq, &e->wr, 1, e->sge,
					    e->wr.num_sge, &ret))
			break;	/* full (ENOMEM): the rest waits */
		taken++;
	}
	/*
	 * Published before the queue's lock is dropped: a requester can
	 * consume (and complete) a receive queued here only then, so a
	 * client that polled its completion finds its ring slot free (it
	 * counts max_recv_wr outstanding receives, and the ring has no more
	 * slots than that).
	 */
	sqp->urq_cons += taken;
	smp_store_release(&c->cons, sqp->urq_cons);
	spin_unlock(&sqp->rq.lock);
	kfree(e);
	if (taken) {
		spin_lock(&sqp->lock);
		sqp->counters.recv_posted += taken;
		spin_unlock(&sqp->lock);
	}
	if (ret == -EINVAL) {
		soft_ring_fatal(sqp, "malformed receive WQE");
		return true;
	}
	if (soft_qp_state(sqp) == IB_UVERBS_QPS_ERR)
		soft_rq_flush(sqp);
	else if (taken)
		soft_rnr_kick(sqp);
	return taken != 0;
}

/*
 * Runs the send queue within @budget if it has new WRs, work left from
 * the last turn or a retry due: true if it has more for the next turn
 * (or @taken).
 */
static bool soft_ring_run_sq(struct soft_qp *sqp, u64 *budget, bool taken)
{
	bool retry = __atomic_exchange_n(&sqp->urnr_now, false,
					 __ATOMIC_ACQ_REL);

	if (!taken && !retry && !sqp->umore)
		return false;
	sqp->umore = soft_sq_process_budget(sqp, retry, budget);
	return taken || sqp->umore;
}

/*
 * Takes send WQEs off the QP's SQ ring and runs its send queue within
 * @budget: true if it took any or left work for the next turn.
 */
static bool soft_ring_pull_sq(struct soft_qp *sqp, u64 *budget)
{
	const struct soft_ring_qp_layout *l = &sqp->ulayout;
	struct soft_ring_ctrl *c = qp_ring(sqp, l->sq);
	u8 *ents = (u8 *)(c + 1);
	struct soft_queue *q = &sqp->sq;
	u8 *wqe;
	u32 prod, n, taken = 0;
	u8 state;
	int ret = 0;

	prod = smp_load_acquire(&c->prod);
	n = prod - sqp->usq_cons;
	if (!n)
		return soft_ring_run_sq(sqp, budget, false);
	if (n > l->sq_entries) {
		soft_ring_fatal(sqp, "SQ producer index beyond the ring");
		return true;
	}
	/* As POST_SEND: only RTS, SQD and ERR take WRs; the rest wait. */
	state = soft_qp_state(sqp);
	if (state != IB_UVERBS_QPS_RTS && state != IB_UVERBS_QPS_SQD &&
	    state != IB_UVERBS_QPS_ERR)
		return false;
	wqe = kmalloc(l->sq_stride);
	if (!wqe)
		return true;	/* tried again on the next turn */
	spin_lock(&q->lock);
	while (taken < n && taken < SOFT_NIC_BATCH &&
	       q->tail - q->head < q->max_wr) {
		struct soft_ring_send *e = (struct soft_ring_send *)wqe;
		bool inl;

		/* Copied once, then checked: the page may change under us. */
		memcpy(wqe, ents + (size_t)((sqp->usq_cons + taken) &
					    (l->sq_entries - 1)) *
					   l->sq_stride,
		       l->sq_stride);
		inl = e->wr.send_flags & IB_UVERBS_SEND_INLINE;
		if (e->wr.num_sge > soft_ring_send_slots(&sqp->ibqp.cap) ||
		    (e->wr.send_flags & ~(u32)(IB_UVERBS_SEND_FENCE |
					       IB_UVERBS_SEND_SIGNALED |
					       IB_UVERBS_SEND_SOLICITED |
					       IB_UVERBS_SEND_INLINE)) ||
		    (inl && e->wr.num_sge != 1)) {
			ret = -EINVAL;
			break;
		}
		ret = soft_send_wqe_fill(sqp, q, &e->wr, e->sge,
					 inl ? soft_ring_inline(e,
								&sqp->ibqp.cap)
					     : NULL);
		if (ret)
			break;
		taken++;
	}
	/* Before the lock is dropped, as soft_ring_pull_rq() does. */
	sqp->usq_cons += taken;
	smp_store_release(&c->cons, sqp->usq_cons);
	spin_unlock(&q->lock);
	kfree(wqe);
	if (taken) {
		spin_lock(&sqp->lock);
		sqp->counters.send_posted += taken;
		spin_unlock(&sqp->lock);
	}
	if (ret) {
		soft_ring_run_sq(sqp, budget, taken != 0);
		soft_ring_fatal(sqp, "malformed send WQE");
		return true;
	}
	return soft_ring_run_sq(sqp, budget, taken != 0);
}

/**
 * struct soft_nic_owner - the NICs of one owner in the pool
 * @node: in soft_nic_pool.owners
 * @key: compat_mm.owner of their contexts' memory
 * @nr_nics: its NICs in the pool (joined and not left)
 * @nr_busy: pool threads in a turn of one of its NICs, lost ones too;
 *	no more than the pool's size
 * @nr_lost: of those, the ones the watchdog found stuck
 * @parked: its NICs with work while @nr_busy is at the pool's size
 *	(soft_nic.run_node, state PARKED)
 *
 * Under pool->lock; freed when it has neither NICs nor turns.
 */
struct soft_nic_owner {
	struct list_head node;
	u64 key;
	unsigned int nr_nics;
	unsigned int nr_busy;
	unsigned int nr_lost;
	struct list_head parked;
};

/**
 * struct soft_nic_thread - one thread of the pool
 * @node: in soft_nic_pool.threads
 * @pool: its pool
 * @task: the thread
 * @nic: the NIC in its turn (it holds a reference), or NULL
 * @owner: that NIC's owner, whose @nr_busy counts the turn
 * @turn_start: when that turn began (ktime_get_ns())
 * @lost: the watchdog replaced it (its turn is too long)
 * @exited: it left its loop: the watchdog or the pool's end joins it
 *
 * Everything but @task (written before the thread looks) is under
 * pool->lock.
 */
struct soft_nic_thread {
	struct list_head node;
	struct soft_nic_pool *pool;
	struct task_struct *task;
	struct soft_nic *nic;
	struct soft_nic_owner *owner;
	u64 turn_start;
	bool lost;
	bool exited;
};

/**
 * struct soft_nic_pool - the NIC threads of the process
 * @lock: protects everything below (the kick set has its own)
 * @ks: every NIC's kick eventfd, and the pool's own wake-up
 * @threads: every soft_nic_thread started and not yet joined
 * @size: the runnable threads the pool keeps
 * @nr_threads: threads started that have not exited (lost ones too)
 * @nr_lost: threads the watchdog found stuck in a turn
 * @watchdog: the thread running soft_nic_watchdog_fn()
 * @wd_stop: set (atomically) to stop @watchdog
 * @wd_word: @watchdog's futex word, bumped (atomically, under @lock but
 *	for the stop) to wake it
 * @wd_asleep: @watchdog sleeps without a timeout: the next turn to
 *	start, or thread to exit, wakes it
 * @nr_turns: turns started, so that the watchdog sleeps for good only
 *	after a whole tick without one (a busy pool wakes nobody)
 * @runq: NICs with work, served from the head (soft_nic.run_node)
 * @runq_len: entries in @runq
 * @watch: idle NICs whose doorbells spinning threads read
 * @hash: every NIC of the pool by id (soft_nic.hash_node)
 * @owners: the owners of its NICs (soft_nic_owner.node)
 * @muted: MUTED NICs (soft_nic.mute_node)
 * @next_id: the last id given
 * @nr_spinning: threads looking for work without sleeping
 * @nr_sleeping: threads in compat_kickset_wait()
 * @nr_armed: NICs armed: while this is not 0, a busy thread reads the
 *	kick set after each turn
 * @stopping: the last NIC left: threads exit
 */
struct soft_nic_pool {
	struct mutex lock;
	struct compat_kickset *ks;
	struct list_head threads;
	unsigned int size;
	unsigned int nr_threads;
	unsigned int nr_lost;
	struct task_struct *watchdog;
	u32 wd_stop;
	u32 wd_word;
	bool wd_asleep;
	u64 nr_turns;
	struct list_head runq;
	unsigned int runq_len;
	struct list_head watch;
	struct list_head hash[SOFT_NIC_HASH];
	struct list_head owners;
	struct list_head muted;
	u64 next_id;
	unsigned int nr_spinning;
	unsigned int nr_sleeping;
	unsigned int nr_armed;
	bool stopping;
};

/*
 * The pool exists while a NIC does: soft_pool_mutex protects @soft_pool,
 * @soft_pool_users (NICs in it) and @soft_pool_size (0: the CPUs).
 */
static DEFINE_MUTEX(soft_pool_mutex);
static struct soft_nic_pool *soft_pool;
static unsigned int soft_pool_users;
static unsigned int soft_pool_size;

int soft_nic_set_threads(unsigned int n)
{
	if (n > SOFT_NIC_MAX_THREADS)
		return -EINVAL;
	mutex_lock(&soft_pool_mutex);
	soft_pool_size = n;
	mutex_unlock(&soft_pool_mutex);
	return 0;
}

static void soft_nic_release(struct kref *ref)
{
	struct soft_nic *nic = container_of(ref, struct soft_nic, ref);

	compat_unmap_shared(nic->db, SOFT_RING_DOORBELL_SIZE);
	mutex_destroy(&nic->lock);
	kfree(nic);
}

static void soft_nic_put(struct soft_nic *nic)
{
	kref_put(&nic->ref, soft_nic_release);
}

/* Has @o as many turns as the pool has threads? */
static bool soft_owner_full(struct soft_nic_pool *pool,
			    struct soft_nic_owner *o)
{
	return o->nr_busy >= pool->size;
}

/* @nic, with work, waits on its owner's list for one of its turns. */
static void soft_owner_park(struct soft_nic *nic)
{
	nic->state = SOFT_NIC_PARKED;
	list_add_tail(&nic->run_node, &nic->owner->parked);
}

/*
 * The NIC goes to the run queue's tail, or is PARKED if its owner has
 * its share of threads.  A sleeping thread wakes if the queue holds more
 * than the threads looking for work: the spinning ones and @lookers more
 * (1 when the caller is a pool thread that will look next, without
 * counting itself as spinning).
 */
static void soft_pool_queue(struct soft_nic_pool *pool, struct soft_nic *nic,
			    unsigned int lookers)
{
	if (nic->state == SOFT_NIC_ARMED) {
		WRITE_ONCE(nic->db->sleeping, 0);
		pool->nr_armed--;
	}
	if (nic->state == SOFT_NIC_WATCHED)
		list_del_init(&nic->run_node);
	if (nic->state == SOFT_NIC_MUTED)
		list_del_init(&nic->mute_node);
	if (nic->state == SOFT_NIC_PARKED)
		list_del_init(&nic->run_node);
	if (soft_owner_full(pool, nic->owner)) {
		soft_owner_park(nic);
		return;
	}
	nic->state = SOFT_NIC_QUEUED;
	list_add_tail(&nic->run_node, &pool->runq);
	pool->runq_len++;
	if (pool->nr_sleeping &&
	    pool->runq_len > pool->nr_spinning + lookers)
		compat_kickset_wake(pool->ks);
}

/* Wakes @nic: after a QP joined it, or for a retry of one of them. */
static void soft_nic_kick(struct soft_nic *nic)
{
	struct soft_nic_pool *pool = nic->pool;

	mutex_lock(&pool->lock);
	if (nic->dead || nic->state == SOFT_NIC_QUEUED ||
	    nic->state == SOFT_NIC_PARKED)
		;
	else if (nic->state == SOFT_NIC_RUNNING)
		nic->kicked = true;
	else
		soft_pool_queue(pool, nic, 0);
	mutex_unlock(&pool->lock);
}

void soft_ring_nic_kick(struct soft_nic *nic)
{
	soft_nic_kick(nic);
}

/*
 * @nic's turn came from its client's kick and found nothing: it is
 * MUTED, longer for each such kick in a row.  Called in place of
 * arming or watching it.
 */
static void soft_pool_mute(struct soft_nic_pool *pool, struct soft_nic *nic)
{
	if (nic->idle_kicks < SOFT_NIC_MUTE_MAX_SHIFT)
		nic->idle_kicks++;
	nic->mute_until = ktime_get_ns() +
			  ((u64)SOFT_NIC_MUTE_NS << nic->idle_kicks);
	WRITE_ONCE(nic->db->sleeping, 0);
	nic->state = SOFT_NIC_MUTED;
	list_add_tail(&nic->mute_node, &pool->muted);
}

/*
 * Queues the MUTED NICs whose deadline passed: the time (ns) until the
 * next deadline, or -1 if none is left.
 */
static long soft_pool_unmute(struct soft_nic_pool *pool)
{
	u64 now = ktime_get_ns(), next = ~0ull;
	struct soft_nic *nic, *n;

	list_for_each_entry_safe(nic, n, &pool->muted, mute_node) {
		if (now < nic->mute_until)
			next = min_t(u64, next, nic->mute_until - now);
		else
			soft_pool_queue(pool, nic, 1);
	}
	return next == ~0ull ? -1 : (long)next;
}

/* The client of @id wrote its kick eventfd. */
static void soft_pool_kicked(struct soft_nic_pool *pool, u64 id)
{
	struct soft_nic *nic;

	list_for_each_entry(nic, &pool->hash[id % SOFT_NIC_HASH], hash_node) {
		if (nic->id != id)
			continue;
		if (nic->state == SOFT_NIC_RUNNING) {
			nic->ukicked = true;
		} else if (nic->state == SOFT_NIC_ARMED ||
			   nic->state == SOFT_NIC_WATCHED) {
			nic->by_kick = true;
			soft_pool_queue(pool, nic, 1);
		}
		/*
		 * QUEUED or PARKED: it gets its turn; MUTED: not before its
		 * deadline.
		 */
		return;
	}
	/* It left the pool after the kick: nothing to do. */
}

/* Queues the watched NICs whose clients rang: true if one did. */
static bool soft_pool_poll_watch(struct soft_nic_pool *pool,
				 unsigned int lookers)
{
	struct soft_nic *nic, *n;
	bool found = false;

	list_for_each_entry_safe(nic, n, &pool->watch, run_node) {
		if (READ_ONCE(nic->db->seq) != nic->seen) {
			soft_pool_queue(pool, nic, lookers);
			found = true;
		}
	}
	return found;
}

/*
 * Before a thread sleeps: every watched NIC is armed.  The client stores
 * a producer index, bumps seq and then reads sleeping; we store sleeping
 * and then read seq: one of the two sees the other.  True if a NIC had
 * work after all.
 */
static bool soft_pool_arm(struct soft_nic_pool *pool)
{
	struct soft_nic *nic, *n;
	bool found = false;

	list_for_each_entry_safe(nic, n, &pool->watch, run_node) {
		WRITE_ONCE(nic->db->sleeping, 1);
		smp_mb();
		if (READ_ONCE(nic->db->seq) != nic->seen) {
			soft_pool_queue(pool, nic, 1);
			found = true;
			continue;
		}
		list_del_init(&nic->run_node);
		nic->state = SOFT_NIC_ARMED;
		pool->nr_armed++;
	}
	return found;
}

/* What a NIC's turn found. */
enum soft_turn {
	SOFT_TURN_IDLE,		/* nothing to do */
	SOFT_TURN_ARMED,	/* nothing, and its doorbell is armed */
	SOFT_TURN_WORK,		/* it did work, or has more */
};

/* Each QP, in rotation, once.  nic->lock held. */
static bool soft_nic_pass(struct soft_nic *nic)
{
	u64 budget = SOFT_NIC_TURN_BYTES;
	struct soft_qp *sqp;
	bool work = false;
	u32 n;

	for (n = nic->nr_qps; n && budget; n--) {
		sqp = list_first_entry(&nic->qps, struct soft_qp, nic_node);
		/* Served: to the tail, so a spent budget resumes after it. */
		list_move_tail(&sqp->nic_node, &nic->qps);
		if (sqp->ubroken)
			continue;
		/* Rings of a QP not RELAY wait, or are its client's. */
		if (!soft_direct_served(sqp)) {
			work |= soft_direct_notify(sqp);
			/* UD: its client owns its RQ, the relay its SQ ring. */
			if (soft_direct_ud_sq_served(sqp))
				work |= soft_ring_pull_sq(sqp, &budget);
			continue;
		}
		/* Receives first: a send to ourselves may need them. */
		work |= soft_ring_pull_rq(sqp);
		/* A corrupt RQ ring failed the QP: its SQ ring is not read. */
		if (!sqp->ubroken)
			work |= soft_ring_pull_sq(sqp, &budget);
	}
	return work || n;
}

/*
 * One turn of a NIC: each QP gets up to SOFT_NIC_BATCH WQEs from each
 * ring and what is left of the turn's byte budget.  With @arm, a turn
 * that found nothing arms the doorbell and looks once more: the client
 * stores its producer index, bumps seq and then reads sleeping; we store
 * sleeping and then read the rings, so either we see the WQE or it
 * kicks.  What a client does to seq alone then costs nothing.
 */
static enum soft_turn soft_nic_turn(struct soft_nic *nic, bool arm)
{
	enum soft_turn ret = SOFT_TURN_WORK;

	mutex_lock(&nic->lock);
	if (soft_nic_pass(nic))
		goto out_unlock;
	ret = SOFT_TURN_IDLE;
	if (!arm)
		goto out_unlock;
	WRITE_ONCE(nic->db->sleeping, 1);
	smp_mb();
	ret = SOFT_TURN_ARMED;
	if (soft_nic_pass(nic)) {
		WRITE_ONCE(nic->db->sleeping, 0);
		ret = SOFT_TURN_WORK;
	}
out_unlock:
	mutex_unlock(&nic->lock);
	return ret;
}

/*
 * Queues the NICs whose clients kicked; if none did, first sleeps up to
 * @timeout_us (-1: until a kick or a wake-up).  pool->lock held (dropped
 * while it reads).
 */
static void soft_pool_read_kicks(struct soft_nic_pool *pool, long timeout_us)
{
	u64 cookies[16];
	int n, i;

	mutex_unlock(&pool->lock);
	n = compat_kickset_wait(pool->ks, cookies, (int)ARRAY_SIZE(cookies),
				timeout_us);
	mutex_lock(&pool->lock);
	for (i = 0; i < n; i++)
		soft_pool_kicked(pool, cookies[i]);
}

/*
 * The watchdog found @nic's turn blocked too long and could not replace
 * its thread: the turn has ended; every QP of the context fails, so
 * that a client whose memory blocks the pool's copies pays for it.
 */
static void soft_nic_doom(struct soft_nic *nic)
{
	struct soft_qp *sqp;

	mutex_lock(&nic->lock);
	list_for_each_entry(sqp, &nic->qps, nic_node)
		soft_ring_fatal(sqp, "its memory blocked a NIC thread");
	mutex_unlock(&nic->lock);
}

/*
 * Takes the first NIC of the run queue whose owner has a thread to
 * spare, and counts its turn; those before it are PARKED.  NULL if
 * there is none.
 */
static struct soft_nic *soft_pool_next(struct soft_nic_pool *pool,
				       struct soft_nic_thread *th)
{
	struct soft_nic *nic, *n;

	list_for_each_entry_safe(nic, n, &pool->runq, run_node) {
		list_del_init(&nic->run_node);
		pool->runq_len--;
		if (soft_owner_full(pool, nic->owner)) {
			soft_owner_park(nic);
			continue;
		}
		nic->owner->nr_busy++;
		th->owner = nic->owner;
		return nic;
	}
	return NULL;
}

/* Frees @o if it has neither NICs nor turns.  pool->lock held. */
static void soft_owner_put(struct soft_nic_owner *o)
{
	if (o->nr_nics || o->nr_busy)
		return;
	WARN_ON(!list_empty(&o->parked));
	list_del_init(&o->node);
	kfree(o);
}

/*
 * @th's turn has ended: its owner has one thread less, which one of its
 * parked NICs may take.  pool->lock held.
 */
static void soft_owner_turn_end(struct soft_nic_pool *pool,
				struct soft_nic_thread *th)
{
	struct soft_nic_owner *o = th->owner;
	struct soft_nic *nic;

	th->owner = NULL;
	o->nr_busy--;
	if (th->lost)
		o->nr_lost--;
	if (!soft_owner_full(pool, o) && !list_empty(&o->parked)) {
		nic = list_first_entry(&o->parked, struct soft_nic, run_node);
		soft_pool_queue(pool, nic, 1);
	}
	soft_owner_put(o);
}

/*
 * A turn starts or a thread exits: the watchdog, if it sleeps without a
 * timeout, looks again.  pool->lock held; the wake-up is one system call
 * when the pool leaves idleness, none while it is busy.
 */
static void soft_pool_wake_watchdog(struct soft_nic_pool *pool)
{
	if (!pool->wd_asleep)
		return;
	pool->wd_asleep = false;
	__atomic_add_fetch(&pool->wd_word, 1, __ATOMIC_RELEASE);
	compat_futex_wake(&pool->wd_word, 1);
}

static int soft_nic_pool_fn(void *data)
{
	struct soft_nic_thread *th = data;
	struct soft_nic_pool *pool = th->pool;
	bool spinning = false, arm, by_kick;
	enum soft_turn turn;
	struct soft_nic *nic;
	u64 last_work = 0;
	long mute_ns;

	mutex_lock(&pool->lock);
	while (!pool->stopping) {
		if (!list_empty(&pool->muted))
			soft_pool_unmute(pool);
		nic = soft_pool_next(pool, th);
		if (nic) {
			if (spinning) {
				spinning = false;
				pool->nr_spinning--;
			}
			nic->state = SOFT_NIC_RUNNING;
			nic->kicked = false;
			nic->ukicked = false;
			by_kick = nic->by_kick;
			nic->by_kick = false;
			nic->seen = smp_load_acquire(&nic->db->seq);
			kref_get(&nic->ref);
			th->nic = nic;
			th->turn_start = ktime_get_ns();
			pool->nr_turns++;
			soft_pool_wake_watchdog(pool);
			mutex_unlock(&pool->lock);

			/* Past our spin: an idle NIC is not watched. */
			arm = ktime_get_ns() - last_work >= SOFT_NIC_SPIN_NS;
			turn = soft_nic_turn(nic, arm);

			mutex_lock(&pool->lock);
			th->nic = NULL;
			soft_owner_turn_end(pool, th);
			if (nic->doomed) {
				nic->doomed = false;
				mutex_unlock(&pool->lock);
				soft_nic_doom(nic);
				mutex_lock(&pool->lock);
			}
			if (turn == SOFT_TURN_WORK) {
				last_work = ktime_get_ns();
				nic->idle_kicks = 0;
			}
			/*
			 * Those that got work meanwhile go first: this one
			 * had its turn.  Armed clients kick the set, which
			 * a busy thread reads here, or nobody would.
			 */
			soft_pool_poll_watch(pool, 1);
			if (pool->nr_armed)
				soft_pool_read_kicks(pool, 0);
			if (nic->dead) {
				/* soft_nic_stop() unhooked it. */
			} else if (turn == SOFT_TURN_WORK || nic->kicked ||
				   nic->ukicked ||
				   (turn == SOFT_TURN_IDLE && !by_kick &&
				    READ_ONCE(nic->db->seq) != nic->seen)) {
				/*
				 * Work, or a kick during the turn (a WQE may
				 * have come after we looked): it runs again.
				 */
				nic->by_kick = nic->ukicked;
				if (turn == SOFT_TURN_ARMED)
					WRITE_ONCE(nic->db->sleeping, 0);
				soft_pool_queue(pool, nic, 1);
			} else if (by_kick) {
				/* Its client kicked for nothing. */
				soft_pool_mute(pool, nic);
			} else if (turn == SOFT_TURN_ARMED) {
				nic->state = SOFT_NIC_ARMED;
				pool->nr_armed++;
			} else {
				nic->state = SOFT_NIC_WATCHED;
				list_add_tail(&nic->run_node, &pool->watch);
			}
			soft_nic_put(nic);
			if (th->lost) {
				/* Back: one too many if it was replaced. */
				th->lost = false;
				pool->nr_lost--;
				if (pool->nr_threads - pool->nr_lost > pool->size)
					goto out_exit;
			}
			continue;
		}
		if (ktime_get_ns() - last_work < SOFT_NIC_SPIN_NS) {
			if (soft_pool_poll_watch(pool, spinning ? 0 : 1))
				continue;
			if (!spinning) {
				spinning = true;
				pool->nr_spinning++;
			}
			mutex_unlock(&pool->lock);
			cond_resched();
			mutex_lock(&pool->lock);
			continue;
		}
		if (spinning) {
			spinning = false;
			pool->nr_spinning--;
		}
		/*
		 * Watched NICs are armed unless a thread spins, which
		 * reads them: the last thread awake always arms them, and
		 * so does one that leaves the others in long turns.
		 */
		if (!pool->nr_spinning && soft_pool_arm(pool))
			continue;
		/* Up to the end of the first mute, if a kick waits for it. */
		mute_ns = soft_pool_unmute(pool);
		if (!list_empty(&pool->runq))
			continue;
		pool->nr_sleeping++;
		soft_pool_read_kicks(pool, mute_ns < 0 ? -1 :
					   mute_ns / 1000 + 1);
		pool->nr_sleeping--;
	}
	if (spinning)
		pool->nr_spinning--;
	goto out_unlock;

out_exit:
	/* What it queued (its own NIC) was for the thread it would be. */
	if (pool->runq_len > pool->nr_spinning && pool->nr_sleeping)
		compat_kickset_wake(pool->ks);
out_unlock:
	pool->nr_threads--;
	th->exited = true;
	soft_pool_wake_watchdog(pool);
	mutex_unlock(&pool->lock);
	return 0;
}

/* Starts a thread in the pool: 0 or -errno.  pool->lock held. */
static int soft_pool_spawn(struct soft_nic_pool *pool)
{
	struct soft_nic_thread *th = kzalloc(sizeof(*th));
	struct task_struct *t;

	if (!th)
		return -ENOMEM;
	th->pool = pool;
	/* It takes pool->lock first: it sees @task and its node set. */
	t = kthread_run(soft_nic_pool_fn, th, "soft-nic");
	if (IS_ERR(t)) {
		kfree(th);
		return (int)PTR_ERR(t);
	}
	th->task = t;
	list_add(&th->node, &pool->threads);
	pool->nr_threads++;
	return 0;
}

/*
 * @th's turn has lasted SOFT_NIC_STUCK_NS: its context keeps it (still
 * RUNNING, nobody else serves it), and a new thread takes its place in
 * the pool, within SOFT_NIC_LOST_FACTOR times the pool's size; past
 * that, its context is doomed.  pool->lock held.
 */
static void soft_pool_lost(struct soft_nic_pool *pool,
			   struct soft_nic_thread *th)
{
	th->lost = true;
	pool->nr_lost++;
	th->owner->nr_lost++;
	if (pool->nr_threads < pool->size * (1 + SOFT_NIC_LOST_FACTOR) &&
	    !soft_pool_spawn(pool)) {
		pr_warn("soft: a NIC turn blocked for %llu ms: its thread is replaced (owner %llu: %u of %u threads stuck)",
			SOFT_NIC_STUCK_NS / 1000000,
			(unsigned long long)th->owner->key,
			th->owner->nr_lost, pool->size);
		return;
	}
	th->nic->doomed = true;
	pr_warn("soft: a NIC turn blocked for %llu ms and no thread can replace it: the context's QPs fail when it ends (owner %llu)",
		SOFT_NIC_STUCK_NS / 1000000,
		(unsigned long long)th->owner->key);
}

/*
 * Every SOFT_NIC_WATCHDOG_US while turns run: replaces the threads whose
 * turn blocked and joins those that exited.  After a tick that saw no
 * turn start and none running (and nobody to join) it sleeps until
 * soft_pool_wake_watchdog(): a turn that starts then is looked at within
 * SOFT_NIC_WATCHDOG_US, long before SOFT_NIC_STUCK_NS.
 */
static int soft_nic_watchdog_fn(void *data)
{
	struct soft_nic_pool *pool = data;
	struct soft_nic_thread *th, *n;
	u64 now, turns = 0;
	bool busy = true;
	LIST_HEAD(done);
	u32 word = 0;

	while (!__atomic_load_n(&pool->wd_stop, __ATOMIC_ACQUIRE)) {
		/* A wake-up since @word was read returns at once. */
		compat_futex_wait(&pool->wd_word, word,
				  busy ? SOFT_NIC_WATCHDOG_US : 0);
		mutex_lock(&pool->lock);
		now = ktime_get_ns();
		busy = pool->nr_turns != turns;
		turns = pool->nr_turns;
		list_for_each_entry_safe(th, n, &pool->threads, node) {
			if (th->exited)
				list_move_tail(&th->node, &done);
			else if (th->nic && !th->lost && !pool->stopping &&
				 now - th->turn_start >= SOFT_NIC_STUCK_NS)
				soft_pool_lost(pool, th);
			if (th->nic && !th->lost)
				busy = true;
		}
		/* Asleep for good only when nothing is left to look at. */
		pool->wd_asleep = !busy;
		word = __atomic_load_n(&pool->wd_word, __ATOMIC_ACQUIRE);
		mutex_unlock(&pool->lock);
		/* They have left their loop: joining them takes no time. */
		list_for_each_entry_safe(th, n, &done, node) {
			list_del_init(&th->node);
			kthread_stop(th->task);
			kfree(th);
		}
	}
	return 0;
}

/*
 * soft_pool_mutex held; threads started, or nothing left behind.  No
 * thread is in a turn that blocks: the last NIC's QPs were destroyed,
 * which waited for its turn (nic->lock).
 */
static void soft_pool_destroy(struct soft_nic_pool *pool)
{
	struct soft_nic_thread *th, *n;

	mutex_lock(&pool->lock);
	pool->stopping = true;
	mutex_unlock(&pool->lock);
	if (pool->watchdog) {
		__atomic_store_n(&pool->wd_stop, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&pool->wd_word, 1, __ATOMIC_RELEASE);
		compat_futex_wake(&pool->wd_word, 1);
		kthread_stop(pool->watchdog);
	}
	compat_kickset_wake_all(pool->ks);
	/* Only the watchdog changed the list. */
	list_for_each_entry_safe(th, n, &pool->threads, node) {
		list_del_init(&th->node);
		kthread_stop(th->task);
		kfree(th);
	}
	/* A turn that was ending has given its owner back. */
	WARN_ON(!list_empty(&pool->owners));
	compat_kickset_destroy(pool->ks);
	mutex_destroy(&pool->lock);
	kfree(pool);
}

/* soft_pool_mutex held. */
static struct soft_nic_pool *soft_pool_create(void)
{
	unsigned int i, n = soft_pool_size ? soft_pool_size :
					     num_online_cpus();
	struct soft_nic_pool *pool;
	struct task_struct *t;

	n = min_t(unsigned int, n, SOFT_NIC_MAX_THREADS);
	pool = kzalloc(sizeof(*pool));
	if (!pool)
		return ERR_PTR(-ENOMEM);
	mutex_init(&pool->lock);
	INIT_LIST_HEAD(&pool->runq);
	INIT_LIST_HEAD(&pool->watch);
	INIT_LIST_HEAD(&pool->muted);
	INIT_LIST_HEAD(&pool->owners);
	for (i = 0; i < SOFT_NIC_HASH; i++)
		INIT_LIST_HEAD(&pool->hash[i]);
	INIT_LIST_HEAD(&pool->threads);
	pool->ks = compat_kickset_create();
	if (!pool->ks)
		goto err_free;
	mutex_lock(&pool->lock);
	for (i = 0; i < n; i++)
		if (soft_pool_spawn(pool))
			break;
	pool->size = pool->nr_threads;
	mutex_unlock(&pool->lock);
	if (!pool->size)
		goto err_ks;
	if (pool->size != n)
		pr_warn("soft: %u NIC threads of %u", pool->size, n);
	/* Without it the pool works, but a blocked copy keeps its thread. */
	t = kthread_run(soft_nic_watchdog_fn, pool, "soft-watchdog");
	if (IS_ERR(t))
		pr_warn("soft: no NIC watchdog: %ld", PTR_ERR(t));
	else
		pool->watchdog = t;
	return pool;

err_ks:
	compat_kickset_destroy(pool->ks);
err_free:
	mutex_destroy(&pool->lock);
	kfree(pool);
	return ERR_PTR(-ENOMEM);
}

/*
 * The NIC leaves the pool at once and our reference goes; a thread in
 * its turn keeps it (its own reference) until the turn ends.  The last
 * NIC out stops the pool's threads.
 */
static void soft_pool_leave(struct soft_nic *nic)
{
	struct soft_nic_pool *pool;

	mutex_lock(&soft_pool_mutex);
	pool = nic->pool;
	mutex_lock(&pool->lock);
	nic->dead = true;
	list_del_init(&nic->hash_node);
	if (nic->state == SOFT_NIC_QUEUED)
		pool->runq_len--;
	if (nic->state == SOFT_NIC_ARMED)
		pool->nr_armed--;
	if (nic->state != SOFT_NIC_RUNNING)
		list_del_init(&nic->run_node);
	list_del_init(&nic->mute_node);
	/* A turn of it in progress keeps the owner (nr_busy). */
	nic->owner->nr_nics--;
	soft_owner_put(nic->owner);
	mutex_unlock(&pool->lock);
	compat_kick_del(pool->ks, nic->kick);
	soft_nic_put(nic);
	if (!--soft_pool_users) {
		soft_pool = NULL;
		soft_pool_destroy(pool);
	}
	mutex_unlock(&soft_pool_mutex);
}

/* dealloc_ucontext: every QP is gone; the NIC goes too. */
void soft_nic_stop(struct soft_ucontext *sctx)
{
	struct soft_nic *nic = sctx->nic;

	if (!nic)
		return;
	WARN_ON(!list_empty(&nic->qps));
	soft_pool_leave(nic);
	sctx->nic = NULL;
}

/*
 * @nic's owner: the pool's entry for @key, or @spare (allocated by the
 * caller) as a new one, which is then used up (NULL).  pool->lock held.
 */
static struct soft_nic_owner *soft_owner_get(struct soft_nic_pool *pool,
					     u64 key,
					     struct soft_nic_owner **spare)
{
	struct soft_nic_owner *o;

	list_for_each_entry(o, &pool->owners, node)
		if (o->key == key)
			goto found;
	o = *spare;
	*spare = NULL;
	o->key = key;
	INIT_LIST_HEAD(&o->parked);
	list_add_tail(&o->node, &pool->owners);
found:
	o->nr_nics++;
	return o;
}

/*
 * Joins @nic, of @owner's memory, to the pool (started if it is the
 * first): 0 or -errno.
 */
static int soft_pool_join(struct soft_nic *nic, int kick_fd, u64 owner)
{
	struct soft_nic_owner *spare = kzalloc(sizeof(*spare));
	struct soft_nic_pool *pool;
	int ret;

	if (!spare)
		return -ENOMEM;
	mutex_lock(&soft_pool_mutex);
	pool = soft_pool;
	if (!pool) {
		pool = soft_pool_create();
		if (IS_ERR(pool)) {
			ret = (int)PTR_ERR(pool);
			goto out_unlock;
		}
	}
	mutex_lock(&pool->lock);
	nic->id = ++pool->next_id;
	mutex_unlock(&pool->lock);
	/* A kick before the NIC is in the table finds nothing: harmless. */
	ret = compat_kick_add(pool->ks, current_mm, kick_fd, nic->id);
	if (ret < 0) {
		if (!soft_pool_users) {
			soft_pool = NULL;
			soft_pool_destroy(pool);
		}
		goto out_unlock;
	}
	nic->kick = ret;
	nic->pool = pool;
	ret = 0;
	if (!soft_pool_users++)
		soft_pool = pool;
	mutex_lock(&pool->lock);
	nic->owner = soft_owner_get(pool, owner, &spare);
	/* Armed: it has no QP yet; the client's first doorbell kicks. */
	nic->state = SOFT_NIC_ARMED;
	pool->nr_armed++;
	WRITE_ONCE(nic->db->sleeping, 1);
	list_add_tail(&nic->hash_node, &pool->hash[nic->id % SOFT_NIC_HASH]);
	mutex_unlock(&pool->lock);
out_unlock:
	mutex_unlock(&soft_pool_mutex);
	kfree(spare);
	return ret;
}

static int soft_attach_ctx(struct soft_ucontext *sctx, int fd, int kick_fd,
			   int keys_fd)
{
	struct soft_direct_keys *keys = NULL;
	size_t keys_len = 0;
	u32 entries = 0;
	u64 keys_ino = 0;
	struct soft_nic *nic;
	int ret;

	if (smp_load_acquire(&sctx->nic)) {
		uverbs_set_error("VENDOR_ATTACH: the context's doorbell is attached already");
		return -EBUSY;
	}
	if (keys_fd >= 0) {
		ret = soft_direct_keys_attach(sctx, keys_fd, &keys, &keys_len,
					      &entries, &keys_ino);
		if (ret)
			return ret;
	}
	nic = kzalloc(sizeof(*nic));
	if (!nic) {
		ret = -ENOMEM;
		goto err_keys;
	}
	mutex_init(&nic->lock);
	INIT_LIST_HEAD(&nic->qps);
	INIT_LIST_HEAD(&nic->run_node);
	INIT_LIST_HEAD(&nic->hash_node);
	INIT_LIST_HEAD(&nic->mute_node);
	kref_init(&nic->ref);
	nic->kick = -1;
	nic->db = compat_map_shared(current_mm, fd, SOFT_RING_DOORBELL_SIZE);
	if (IS_ERR(nic->db)) {
		ret = (int)PTR_ERR(nic->db);
		nic->db = NULL;
		goto err_put;
	}
	ret = soft_pool_join(nic, kick_fd, sctx->mm ? sctx->mm->owner : 0);
	if (ret) {
		if (ret == -EINVAL)
			uverbs_set_error("VENDOR_ATTACH: kick fd %d is not an eventfd",
					 kick_fd);
		goto err_put;
	}
	/*
	 * Published whole, the key table first: a QP attach may use it
	 * from now on.  Every doorbell attach comes here under keys_lock.
	 */
	mutex_lock(&sctx->keys_lock);
	if (sctx->nic) {
		mutex_unlock(&sctx->keys_lock);
		soft_pool_leave(nic);
		uverbs_set_error("VENDOR_ATTACH: the context's doorbell is attached already");
		ret = -EBUSY;
		goto err_keys;
	}
	if (keys) {
		ret = soft_direct_keys_publish(sctx, keys, keys_len, entries,
					       keys_fd, keys_ino);
		if (ret) {
			mutex_unlock(&sctx->keys_lock);
			soft_pool_leave(nic);
			if (!uverbs_error_is_set())
				uverbs_set_error("VENDOR_ATTACH: out of memory for the key table");
			goto err_keys;
		}
	}
	sctx->kick_fd = kick_fd;
	sctx->kick_ino = compat_file_ino(nic->kick);
	smp_store_release(&sctx->nic, nic);
	mutex_unlock(&sctx->keys_lock);
	return 0;

err_put:
	soft_nic_put(nic);
err_keys:
	compat_unmap_shared(keys, keys_len);
	return ret;
}

int soft_attach_cq(struct soft_cq *scq, int fd)
{
	struct ib_cq *cq = &scq->ibcq;
	size_t len = soft_ring_cq_size(cq->cqe);
	struct soft_ring_ctrl *c;
	u32 n;

	if (READ_ONCE(scq->uring)) {
		uverbs_set_error("VENDOR_ATTACH: the CQ has its ring already");
		return -EBUSY;
	}
	c = compat_map_shared(current_mm, fd, len);
	if (IS_ERR(c))
		return (int)PTR_ERR(c);
	spin_lock(&scq->lock);
	/* What the CQ holds moves to the ring, oldest first. */
	for (n = 0; scq->head != scq->tail; n++)
		((struct ib_uverbs_wc *)(c + 1))[n] =
			scq->ring[scq->head++ & (cq->cqe - 1)];
	scq->head = 0;
	scq->tail = n;
	WRITE_ONCE(c->cons, 0);
	scq->uents = (struct ib_uverbs_wc *)(c + 1);
	scq->umap_len = len;
	smp_store_release(&c->prod, n);
	smp_store_release(&scq->uring, c);
	spin_unlock(&scq->lock);
	return 0;
}

/* destroy_cq: a completion being added has finished (its lock). */
void soft_ring_cq_detach(struct soft_cq *scq)
{
	if (scq->uring)
		compat_unmap_shared(scq->uring, scq->umap_len);
	scq->uring = NULL;
}

static int soft_attach_qp(struct soft_ucontext *sctx, struct soft_qp *sqp,
			  int fd)
{
	struct soft_nic *nic = smp_load_acquire(&sctx->nic);
	u8 *map;

	if (!nic) {
		uverbs_set_error("VENDOR_ATTACH: attach the context's doorbell first");
		return -EINVAL;
	}
	if (sqp->umap) {
		uverbs_set_error("VENDOR_ATTACH: the QP has its rings already");
		return -EBUSY;
	}
	soft_ring_qp_layout(&sqp->ibqp.cap, &sqp->ulayout);
	map = compat_map_shared_ino(current_mm, fd, sqp->ulayout.size,
				    &sqp->dqp_ino);
	if (IS_ERR(map))
		return (int)PTR_ERR(map);
	sqp->dqp_fd = fd;
	/* resp_lock: a peer's request reads @umap (soft_ring_rq_pending()). */
	mutex_lock(&sqp->resp_lock);
	sqp->umap = map;
	sqp->umap_len = sqp->ulayout.size;
	mutex_unlock(&sqp->resp_lock);
	sqp->usq_cons = 0;
	sqp->urq_cons = 0;
	sqp->ubroken = false;
	sqp->umore = false;
	sqp->urnr_now = false;
	mutex_lock(&nic->lock);
	WRITE_ONCE(sqp->nic, nic);
	list_add_tail(&sqp->nic_node, &nic->qps);
	nic->nr_qps++;
	mutex_unlock(&nic->lock);
	/* Its path (until then UNDECIDED: the NIC leaves its rings alone). */
	soft_direct_qp_attach(sqp, sctx);
	soft_nic_kick(nic);
	return 0;
}

/*
 * destroy_qp, first: after it the NIC no longer looks at the QP (a turn
 * holds nic->lock throughout).
 */
void soft_ring_qp_detach(struct soft_qp *sqp)
{
	struct soft_nic *nic = sqp->nic;
	u8 *map;

	if (!nic)
		return;
	mutex_lock(&nic->lock);
	list_del_init(&sqp->nic_node);
	nic->nr_qps--;
	WRITE_ONCE(sqp->nic, NULL);
	mutex_unlock(&nic->lock);
	soft_direct_qp_detach(sqp);
	mutex_lock(&sqp->resp_lock);
	map = sqp->umap;
	sqp->umap = NULL;
	mutex_unlock(&sqp->resp_lock);
	compat_unmap_shared(map, sqp->umap_len);
}

bool soft_ring_rq_pending(struct soft_qp *sqp)
{
	struct soft_ring_ctrl *c;

	if (!sqp->umap || sqp->ibqp.srq || !sqp->rq.max_wr)
		return false;
	/* The NIC takes nothing off the rings of a QP that is not RELAY. */
	if (smp_load_acquire(&sqp->path) != SOFT_PATH_RELAY)
		return false;
	c = qp_ring(sqp, sqp->ulayout.rq);
	return smp_load_acquire(&c->prod) != smp_load_acquire(&c->cons);
}

bool soft_ring_qp_kick_locked(struct soft_qp *sqp, bool retry_now)
{
	struct soft_nic *nic;

	/*
	 * destroy_qp detaches the QP, then sets @dead under resp_lock, and
	 * the context (with its NIC) goes only after its QPs: a NIC seen
	 * here before @dead lives until the caller unlocks.
	 */
	nic = READ_ONCE(sqp->nic);
	if (!nic || sqp->dead)
		return false;
	if (retry_now)
		__atomic_store_n(&sqp->urnr_now, true, __ATOMIC_RELEASE);
	soft_nic_kick(nic);
	return true;
}

bool soft_ring_qp_kick(struct soft_qp *sqp, bool retry_now)
{
	bool queued;

	mutex_lock(&sqp->resp_lock);
	queued = soft_ring_qp_kick_locked(sqp, retry_now);
	mutex_unlock(&sqp->resp_lock);
	return queued;
}

int soft_attach_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
		  struct uverbs_attr_array *common,
		  struct uverbs_attr_array *vendor, const void *priv)
{
	const struct soft_attach *a = uverbs_attr_in(vendor, ATT_FD);
	const struct soft_attach *k = uverbs_attr_in(vendor, ATT_KICK);
	const struct soft_attach *keys = uverbs_attr_in(vendor, ATT_KEYS);
	struct ib_uobject *qp = uverbs_attr_obj(vendor, ATT_QP);
	struct ib_uobject *cq = uverbs_attr_obj(vendor, ATT_CQ);
	struct ib_uobject *srq = uverbs_attr_obj(vendor, ATT_SRQ);
	struct soft_ucontext *sctx = uctx->driver_priv;
	int ret;

	if (a->reserved || (k && k->reserved) || (keys && keys->reserved)) {
		uverbs_set_error("VENDOR_ATTACH: reserved is not zero");
		return -EINVAL;
	}
	if (!!qp + !!cq + !!srq > 1) {
		uverbs_set_error("VENDOR_ATTACH: a QP, a CQ or an SRQ, one of them");
		return -EINVAL;
	}
	if ((k || keys) && srq) {
		uverbs_set_error("VENDOR_ATTACH: a kick fd or key table is for the context's doorbell only");
		return -EINVAL;
	}
	if (k && (qp || cq)) {
		uverbs_set_error("VENDOR_ATTACH: a kick fd is for the context's doorbell only");
		return -EINVAL;
	}
	if (keys && (qp || cq)) {
		uverbs_set_error("VENDOR_ATTACH: a key table is for the context's doorbell only");
		return -EINVAL;
	}
	if (keys && keys->fd < 0) {
		uverbs_set_error("VENDOR_ATTACH: key table fd %d: the caller has no such fd",
				 keys->fd);
		return -EBADF;
	}
	if (!k && !qp && !cq && !srq) {
		uverbs_set_error("VENDOR_ATTACH: the doorbell needs its kick eventfd (SOFT_ATTACH_KICK)");
		return -EINVAL;
	}
	if (qp)
		ret = soft_attach_qp(sctx, to_soft_qp(qp->object), a->fd);
	else if (cq)
		ret = soft_attach_cq(to_soft_cq(cq->object), a->fd);
	else if (srq)
		ret = soft_attach_srq(sctx, to_soft_srq(srq->object), a->fd);
	else
		ret = soft_attach_ctx(sctx, a->fd, k->fd, keys ? keys->fd : -1);
	if (ret == -EINVAL && !uverbs_error_is_set())
		uverbs_set_error("VENDOR_ATTACH: fd %d is not a memfd sealed against shrinking and large enough",
				 a->fd);
	else if (ret && !uverbs_error_is_set())
		uverbs_set_error("VENDOR_ATTACH: fd %d: %s", a->fd,
				 ret == -EBADF ? "the caller has no such fd" :
				 ret == -ENOMEM ? "out of memory" :
						  "cannot map it");
	return ret;
}
