// SPDX-License-Identifier: MIT
/*
 * The direct path, the device's side (<rdma/soft_direct.h>): the
 * context's key table, the path each QP takes, the peer block of its
 * direct page, and the clean-up when a peer goes.  The clients move the
 * bytes; the device decides, publishes and cleans up.
 *
 * Key table.  Every MR of a context with a key table (SOFT_ATTACH_KEYS)
 * has an entry, written at MR_REG under the entry's seq (odd while it is
 * written) and killed at DEREG (state DEAD, seq moved on twice).  The
 * device keeps its own record of each slot (struct soft_dkey): what the
 * shared page says is never read back.  Slots are open addressed from
 * soft_direct_key_slot() on, a DEAD one reused; MR_REG fails with ENOMEM
 * when every slot is LIVE.  MRs registered before the table came are
 * entered when it comes.  DEREG then waits, at most SOFT_DEREG_WAIT_NS,
 * until no DIRECT peer of the context announces a copy through the dead
 * entry (inflight_slot, inflight_seq of the peer's page: read, never
 * trusted; a wait that times out is logged and DEREG goes on).
 *
 * Path.  A QP's path starts UNDECIDED, or RELAY when it can never be
 * direct: UD, on an SRQ without a ring (srq.c), a context without a key
 * table, a transport that
 * cannot reach another process (embedded), or rings attached after the
 * QP connected.  MODIFY to RTR decides (soft_direct_rtr()); ERR makes an
 * UNDECIDED or PENDING QP RELAY; RESET makes it start again.  The peer
 * block of both pages is written under their seq before path DIRECT is
 * stored (release); a MODIFY of a DIRECT QP's access flags writes them
 * into its peer's block again.  A QP that leaves (RESET, DESTROY, and so
 * its file's end) sets peer_gone in its DIRECT peer's page and makes the QPs
 * PENDING on it RELAY.  The NIC serves a QP's rings only while it is
 * RELAY (soft_direct_served()); it moves the notify bits of DIRECT QPs
 * to their CQs' completion events (soft_direct_notify()).
 *
 * PDs are named by soft_pd.id in both the key entries and peer_pd.
 *
 * soft_direct_mutex protects the path of every QP, the peer links
 * (@dpeer), the lists of QPs (a context's @dqps, @soft_direct_pending)
 * and the seq of every direct page.  A QP's @dir is also set and cleared
 * under its lock, so that its state can be mirrored without the mutex.
 */
#include "soft.h"

DEFINE_MUTEX(soft_direct_mutex);
/* QPs whose path is PENDING (soft_qp.pnode); soft_direct_mutex. */
static LIST_HEAD(soft_direct_pending);

/* How long DEREG waits for a peer's announced copy at most. */
#define SOFT_DEREG_WAIT_NS (1000ull * 1000 * 1000)

/* The IB specification's min_rnr_timer encoding, in microseconds. */
static const u32 soft_rnr_us[32] = {
	655360, 10, 20, 30, 40, 60, 80, 120, 160, 240, 320, 480, 640, 960,
	1280, 1920, 2560, 3840, 5120, 7680, 10240, 15360, 20480, 30720,
	40960, 61440, 81920, 122880, 163840, 245760, 327680, 491520,
};

u32 soft_rnr_timer_us(u8 code)
{
	return soft_rnr_us[code & 31];
}

void soft_direct_ctx_init(struct soft_ucontext *sctx)
{
	mutex_init(&sctx->keys_lock);
	INIT_LIST_HEAD(&sctx->mrs);
	INIT_LIST_HEAD(&sctx->dqps);
	sctx->keys_fd = -1;
	sctx->kick_fd = -1;
}

/* dealloc_ucontext: its MRs and QPs are gone, and its NIC. */
void soft_direct_ctx_cleanup(struct soft_ucontext *sctx)
{
	WARN_ON(!list_empty(&sctx->mrs));
	WARN_ON(!list_empty(&sctx->dqps));
	compat_unmap_shared(sctx->keys, sctx->keys_len);
	kfree(sctx->dkeys);
	sctx->keys = NULL;
	sctx->dkeys = NULL;
	mutex_destroy(&sctx->keys_lock);
}

/*
 * Writes slot @s of the table: @smr's entry, or a dead one (@smr NULL).
 * keys_lock held.
 */
static void soft_dkey_write(struct soft_ucontext *sctx, u32 s,
			    const struct soft_mr *smr)
{
	struct soft_direct_key *e = &sctx->keys->key[s];
	struct soft_dkey *d = &sctx->dkeys[s];

	WRITE_ONCE(e->seq, ++d->seq);
	smp_mb();
	if (smr) {
		WRITE_ONCE(e->rkey, smr->ibmr.rkey);
		WRITE_ONCE(e->access, smr->ibmr.access);
		WRITE_ONCE(e->pd, to_soft_pd(smr->ibmr.pd)->id);
		WRITE_ONCE(e->rsvd0, 0);
		WRITE_ONCE(e->iova, smr->ibmr.iova);
		WRITE_ONCE(e->addr, smr->ibmr.start);
		WRITE_ONCE(e->length, smr->ibmr.length);
		d->state = SOFT_DKEY_LIVE;
	} else {
		d->state = SOFT_DKEY_DEAD;
	}
	WRITE_ONCE(e->state, d->state);
	smp_mb();
	smp_store_release(&e->seq, ++d->seq);
}

/* Enters @smr in the table: 0, or -ENOMEM when it is full.  keys_lock. */
static int soft_dkey_add(struct soft_ucontext *sctx, struct soft_mr *smr)
{
	u32 n = sctx->keys_entries, first, i, s = 0;

	first = soft_direct_key_slot(smr->ibmr.rkey, n);
	for (i = 0; i < n; i++) {
		s = (first + i) & (n - 1);
		if (sctx->dkeys[s].state != SOFT_DKEY_LIVE)
			break;
	}
	if (i == n) {
		uverbs_set_error("MR_REG: the context's key table is full (%u entries)",
				 n);
		return -ENOMEM;
	}
	soft_dkey_write(sctx, s, smr);
	smr->dslot = s + 1;
	return 0;
}

/**
 * soft_direct_keys_attach() - map and check a context's key table memfd
 * @sctx: the context
 * @fd: the client's memfd (SOFT_ATTACH_KEYS)
 * @keys: set to the mapping
 * @len: set to its length
 * @entries: set to its slots, read once from its header
 * @ino: set to its inode
 *
 * Return: 0, -EINVAL (entries not a power of two within
 * 64..SOFT_DIRECT_MAX_KEYS, or not a sealed memfd that large), or what
 * compat_map_shared() returns; the reason is set.
 */
int soft_direct_keys_attach(struct soft_ucontext *sctx, int fd,
			    struct soft_direct_keys **keys, size_t *len,
			    u32 *entries, u64 *ino)
{
	struct soft_direct_keys *k;
	u32 n;

	(void)sctx;
	k = compat_map_shared(current_mm, fd, sizeof(*k));
	if (IS_ERR(k))
		goto err_map;
	/* Copied once: the client may change its page at any time. */
	n = READ_ONCE(k->entries);
	compat_unmap_shared(k, sizeof(*k));
	if (n < 64 || n > SOFT_DIRECT_MAX_KEYS || (n & (n - 1))) {
		uverbs_set_error("VENDOR_ATTACH: key table entries %u: not a power of two within 64..%u",
				 n, SOFT_DIRECT_MAX_KEYS);
		return -EINVAL;
	}
	*len = soft_direct_keys_size(n);
	k = compat_map_shared_ino(current_mm, fd, *len, ino);
	if (IS_ERR(k))
		goto err_map;
	*keys = k;
	*entries = n;
	return 0;

err_map:
	if (PTR_ERR(k) == -EINVAL)
		uverbs_set_error("VENDOR_ATTACH: key table fd %d is not a memfd sealed against shrinking and large enough",
				 fd);
	return (int)PTR_ERR(k);
}

/**
 * soft_direct_keys_publish() - the context's key table, from now on
 * @sctx: the context, without a doorbell yet; keys_lock held
 * @keys: from soft_direct_keys_attach(), the caller's until this succeeds
 * @len: its length
 * @entries: its slots
 * @fd: the client's descriptor of it
 * @ino: its inode
 *
 * Enters the MRs the context has already.
 * Return: 0, or -ENOMEM (no memory, or more MRs than slots).
 */
int soft_direct_keys_publish(struct soft_ucontext *sctx,
			     struct soft_direct_keys *keys, size_t len,
			     u32 entries, int fd, u64 ino)
{
	struct soft_dkey *dk = kcalloc(entries, sizeof(*dk));
	struct soft_mr *smr;
	int ret = 0;

	if (!dk)
		return -ENOMEM;
	sctx->keys = keys;
	sctx->keys_entries = entries;
	sctx->dkeys = dk;
	list_for_each_entry(smr, &sctx->mrs, ctx_node) {
		ret = soft_dkey_add(sctx, smr);
		if (ret)
			break;
	}
	if (ret) {
		list_for_each_entry(smr, &sctx->mrs, ctx_node)
			smr->dslot = 0;
		sctx->keys = NULL;
		sctx->dkeys = NULL;
		kfree(dk);
		return ret;
	}
	sctx->keys_len = len;
	sctx->keys_fd = fd;
	sctx->keys_ino = ino;
	return 0;
}

/**
 * soft_direct_mr_add() - MR_REG: the MR joins its context (and its table)
 * @smr: the MR, with its keys
 *
 * Return: 0, or -ENOMEM when the context's key table is full (reason set).
 */
int soft_direct_mr_add(struct soft_mr *smr)
{
	struct soft_ucontext *sctx = smr->sctx;
	int ret = 0;

	mutex_lock(&sctx->keys_lock);
	if (sctx->keys)
		ret = soft_dkey_add(sctx, smr);
	if (!ret)
		list_add_tail(&smr->ctx_node, &sctx->mrs);
	mutex_unlock(&sctx->keys_lock);
	return ret;
}

/* Does a DIRECT peer of @sctx announce a copy through @slot at @seq? */
static bool soft_direct_inflight(struct soft_ucontext *sctx, u32 slot,
				 u32 seq)
{
	struct soft_direct_ctrl *d;
	struct soft_qp *x;
	bool busy = false;

	mutex_lock(&soft_direct_mutex);
	list_for_each_entry(x, &sctx->dqps, dnode) {
		if (x->path != SOFT_PATH_DIRECT || !x->dpeer)
			continue;
		d = x->dpeer->dir;
		if (READ_ONCE(d->inflight_slot) == slot &&
		    READ_ONCE(d->inflight_seq) == seq) {
			busy = true;
			break;
		}
	}
	mutex_unlock(&soft_direct_mutex);
	return busy;
}

/**
 * soft_direct_mr_del() - DEREG: the MR leaves its context and its table
 * @smr: the MR
 *
 * Kills its entry, then waits (bounded) for the copies DIRECT peers
 * announced through it.
 */
void soft_direct_mr_del(struct soft_mr *smr)
{
	struct soft_ucontext *sctx = smr->sctx;
	u32 slot, seq = 0;
	u64 start;

	mutex_lock(&sctx->keys_lock);
	list_del_init(&smr->ctx_node);
	slot = smr->dslot;
	if (slot) {
		seq = sctx->dkeys[slot - 1].seq;
		soft_dkey_write(sctx, slot - 1, NULL);
		smr->dslot = 0;
	}
	mutex_unlock(&sctx->keys_lock);
	if (!slot)
		return;
	/* soft_direct_inflight() takes a mutex: a full barrier after the kill. */
	start = ktime_get_ns();
	while (soft_direct_inflight(sctx, slot, seq)) {
		if (ktime_get_ns() - start >= SOFT_DEREG_WAIT_NS) {
			pr_warn("soft: MR rkey 0x%x: a direct peer's copy did not end in %llu ms: deregistered anyway",
				smr->ibmr.rkey, SOFT_DEREG_WAIT_NS / 1000000);
			break;
		}
		usleep_range(100, 200);
	}
}

/* The device's writes to a direct page: under its seq.  The mutex held. */
static void soft_dir_begin(struct soft_qp *sqp)
{
	WRITE_ONCE(sqp->dir->seq, ++sqp->dseq);
	smp_mb();
}

static void soft_dir_end(struct soft_qp *sqp)
{
	smp_mb();
	smp_store_release(&sqp->dir->seq, ++sqp->dseq);
}

/* The device's part of the page, seq, path and state excepted. */
static void soft_dir_clear_peer(struct soft_direct_ctrl *d)
{
	memset((u8 *)d + offsetof(struct soft_direct_ctrl, peer_gone), 0,
	       offsetof(struct soft_direct_ctrl, rx_cons) -
		       offsetof(struct soft_direct_ctrl, peer_gone));
}

static void soft_direct_set_path(struct soft_qp *sqp, u32 path)
{
	soft_dir_begin(sqp);
	smp_store_release(&sqp->dir->path, path);
	soft_dir_end(sqp);
	smp_store_release(&sqp->path, path);
}

/* Writes @y into @x's peer block (under @x's seq, by the caller). */
static void soft_dir_write_peer(struct soft_qp *x, struct soft_qp *y)
{
	struct soft_direct_ctrl *d = x->dir;
	struct soft_ucontext *yc = y->dctx;
	struct soft_port *port;
	u32 access;
	u8 port_num, rnr;

	spin_lock(&y->lock);
	port_num = y->attr.port_num;
	rnr = y->attr.min_rnr_timer;
	access = y->attr.qp_access_flags;
	spin_unlock(&y->lock);
	port = soft_port_get(y->sdev, port_num);
	soft_dir_clear_peer(d);
	d->peer_qpn = y->ibqp.qp_num;
	d->peer_pid = compat_mm_tgid(yc->mm);
	d->peer_lid = port ? port->lid : 0;
	d->peer_port = port_num;
	d->peer_pd = to_soft_pd(y->ibqp.pd)->id;
	d->peer_qp_fd = y->dqp_fd;
	d->peer_min_rnr_us = soft_rnr_timer_us(rnr);
	d->peer_qp_ino = y->dqp_ino;
	d->peer_qp_size = y->ulayout.size;
	d->peer_dir = y->ulayout.dir;
	d->peer_keys_fd = yc->keys_fd;
	d->peer_keys_entries = yc->keys_entries;
	d->peer_keys_ino = yc->keys_ino;
	d->peer_kick_fd = yc->kick_fd;
	d->peer_kick_ino = yc->kick_ino;
	d->peer_access = access;
}

/* Kicks @sqp's NIC: its path changed.  The mutex held, @sqp attached. */
static void soft_direct_kick(struct soft_qp *sqp)
{
	struct soft_nic *nic = READ_ONCE(sqp->nic);

	if (nic)
		soft_ring_nic_kick(nic);
}

static void soft_direct_relay(struct soft_qp *sqp);
static void soft_direct_ud_rtr(struct soft_qp *x);
static void soft_direct_ud_leave(struct soft_qp *q);

/* The QPs PENDING on @x become RELAY: @x went another way or went. */
static void soft_direct_release_waiters(struct soft_qp *x)
{
	struct soft_qp *z;

again:
	list_for_each_entry(z, &soft_direct_pending, pnode) {
		if (z->dpeer == x) {
			soft_direct_relay(z);
			goto again;
		}
	}
}

/* @sqp, UNDECIDED or PENDING, becomes RELAY. */
static void soft_direct_relay(struct soft_qp *sqp)
{
	if (sqp->path == SOFT_PATH_PENDING)
		list_del_init(&sqp->pnode);
	sqp->dpeer = NULL;
	soft_direct_set_path(sqp, SOFT_PATH_RELAY);
	soft_direct_release_waiters(sqp);
	soft_direct_kick(sqp);
}

/* Raises the events of @sqp's armed CQs (a DIRECT QP's error or loss). */
static void soft_direct_raise(struct soft_qp *sqp)
{
	soft_cq_raise(sqp->ibqp.recv_cq);
	if (sqp->ibqp.send_cq != sqp->ibqp.recv_cq)
		soft_cq_raise(sqp->ibqp.send_cq);
}

/*
 * @x leaves its connection (RESET, DESTROY): its DIRECT peer learns it,
 * the QPs PENDING on it become RELAY.
 */
static void soft_direct_unpair(struct soft_qp *x)
{
	struct soft_qp *y = x->dpeer;

	if (x->path == SOFT_PATH_DIRECT && y) {
		y->dpeer = NULL;
		soft_dir_begin(y);
		WRITE_ONCE(y->dir->peer_gone, 1);
		soft_dir_end(y);
		soft_direct_raise(y);
	}
	if (x->path == SOFT_PATH_PENDING)
		list_del_init(&x->pnode);
	x->dpeer = NULL;
	soft_direct_release_waiters(x);
	soft_direct_ud_leave(x);
}

/* The path @x starts with (attach, RESET). */
static u32 soft_direct_initial(struct soft_qp *x, u8 state)
{
	struct soft_ucontext *sctx = x->dctx;

	if ((x->ibqp.qp_type != IB_UVERBS_QPT_RC &&
	     x->ibqp.qp_type != IB_UVERBS_QPT_UC &&
	     x->ibqp.qp_type != IB_UVERBS_QPT_UD) ||
	    (x->ibqp.srq && (x->ibqp.qp_type == IB_UVERBS_QPT_UD ||
			     !soft_srq_has_ring(x->ibqp.srq))) ||
	    !sctx->keys || !sctx->mm ||
	    !sctx->mm->ops->may_reach ||
	    /* A RoCEv2 port's QPs reach their peers over UDP only. */
	    soft_roce_qp(x))
		return SOFT_PATH_RELAY;
	if (state != IB_UVERBS_QPS_RESET && state != IB_UVERBS_QPS_INIT)
		return SOFT_PATH_RELAY;
	return SOFT_PATH_UNDECIDED;
}

/* May @x and @y, both attached, take the direct path together? */
static bool soft_direct_pair_ok(struct soft_qp *x, struct soft_qp *y)
{
	if (x == y || !y->dir || x->ibqp.qp_type != y->ibqp.qp_type ||
	    !y->dctx->keys ||
	    soft_direct_initial(y, IB_UVERBS_QPS_RESET) != SOFT_PATH_UNDECIDED)
		return false;
	return compat_mm_may_reach(x->dctx->mm, y->dctx->mm) &&
	       compat_mm_may_reach(y->dctx->mm, x->dctx->mm);
}

/* MODIFY to RTR of @x, UNDECIDED: its path.  The mutex held. */
static void soft_direct_rtr(struct soft_qp *x)
{
	struct ib_uverbs_ah_attr av;
	struct soft_qp *y;
	u32 dqpn;

	spin_lock(&x->lock);
	av = x->attr.ah_attr;
	dqpn = x->attr.dest_qp_num;
	spin_unlock(&x->lock);
	if (soft_direct_initial(x, IB_UVERBS_QPS_RESET) != SOFT_PATH_UNDECIDED) {
		soft_direct_set_path(x, SOFT_PATH_RELAY);
		goto out;
	}
	if (x->ibqp.qp_type == IB_UVERBS_QPT_UD) {
		soft_direct_ud_rtr(x);
		goto out;
	}
	y = av.is_global ? soft_fabric_qp_by_gid(&av.dgid, dqpn, NULL) :
			   soft_fabric_qp_by_lid(av.dlid, dqpn, NULL);
	if (!y || !soft_direct_pair_ok(x, y)) {
		soft_direct_set_path(x, SOFT_PATH_RELAY);
	} else if (y->path == SOFT_PATH_PENDING && y->dpeer == x) {
		list_del_init(&y->pnode);
		x->dpeer = y;
		soft_dir_begin(x);
		soft_dir_write_peer(x, y);
		smp_store_release(&x->dir->path, SOFT_PATH_DIRECT);
		soft_dir_end(x);
		smp_store_release(&x->path, SOFT_PATH_DIRECT);
		soft_dir_begin(y);
		soft_dir_write_peer(y, x);
		smp_store_release(&y->dir->path, SOFT_PATH_DIRECT);
		soft_dir_end(y);
		smp_store_release(&y->path, SOFT_PATH_DIRECT);
	} else if (y->path == SOFT_PATH_UNDECIDED) {
		x->dpeer = y;
		list_add_tail(&x->pnode, &soft_direct_pending);
		soft_direct_set_path(x, SOFT_PATH_PENDING);
	} else {
		soft_direct_set_path(x, SOFT_PATH_RELAY);
	}
	/* Its last reference may go here: freeing a QP takes no lock. */
	if (y)
		soft_qp_put(y);
out:
	/* Those that named @x wait no more, whatever @x chose. */
	soft_direct_release_waiters(x);
	if (x->path == SOFT_PATH_RELAY)
		soft_direct_kick(x);
}

/* @sqp goes to ERR.  The mutex held. */
static void soft_direct_err_locked(struct soft_qp *sqp)
{
	if (sqp->path == SOFT_PATH_UNDECIDED ||
	    sqp->path == SOFT_PATH_PENDING)
		soft_direct_relay(sqp);
	else if (sqp->path == SOFT_PATH_DIRECT)
		soft_direct_raise(sqp);
}

/**
 * soft_direct_modify() - a MODIFY changed the QP's state
 * @sqp: the QP
 * @state: its new state (its attributes applied already)
 */
void soft_direct_modify(struct soft_qp *sqp, u8 state)
{
	mutex_lock(&soft_direct_mutex);
	if (!sqp->dir)
		goto out_unlock;
	switch (state) {
	case IB_UVERBS_QPS_RTR:
		if (sqp->path == SOFT_PATH_UNDECIDED)
			soft_direct_rtr(sqp);
		break;
	case IB_UVERBS_QPS_RESET:
		soft_direct_unpair(sqp);
		soft_dir_begin(sqp);
		soft_dir_clear_peer(sqp->dir);
		soft_dir_end(sqp);
		soft_direct_set_path(sqp, soft_direct_initial(sqp, state));
		break;
	case IB_UVERBS_QPS_ERR:
		soft_direct_err_locked(sqp);
		break;
	}
out_unlock:
	mutex_unlock(&soft_direct_mutex);
}

/**
 * soft_direct_access() - a MODIFY changed the QP's access flags
 * @sqp: the QP (its attributes applied already)
 *
 * Its DIRECT peer checks them before each RDMA WRITE, READ and atomic it
 * does, as the relay's responder checks them when it executes one: the
 * peer block's peer_access follows each change.
 */
void soft_direct_access(struct soft_qp *sqp)
{
	struct soft_qp *x;
	u32 access;

	mutex_lock(&soft_direct_mutex);
	x = sqp->dpeer;
	if (sqp->dir && sqp->path == SOFT_PATH_DIRECT && x && x->dir) {
		/* Read under the mutex: the last MODIFY's flags win. */
		spin_lock(&sqp->lock);
		access = sqp->attr.qp_access_flags;
		spin_unlock(&sqp->lock);
		soft_dir_begin(x);
		WRITE_ONCE(x->dir->peer_access, access);
		soft_dir_end(x);
	}
	mutex_unlock(&soft_direct_mutex);
}

/**
 * soft_direct_err() - the device moved the QP to ERR (a fatal error)
 * @sqp: the QP
 */
void soft_direct_err(struct soft_qp *sqp)
{
	mutex_lock(&soft_direct_mutex);
	if (sqp->dir)
		soft_direct_err_locked(sqp);
	mutex_unlock(&soft_direct_mutex);
}

/**
 * soft_direct_qp_attach() - the QP's rings were attached: its direct page
 * @sqp: the QP, on its NIC already (@umap, @ulayout, @dqp_fd, @dqp_ino
 *	set)
 * @sctx: its context
 */
void soft_direct_qp_attach(struct soft_qp *sqp, struct soft_ucontext *sctx)
{
	struct soft_direct_ctrl *d =
		(struct soft_direct_ctrl *)(sqp->umap + sqp->ulayout.dir);
	u8 state;

	mutex_lock(&soft_direct_mutex);
	sqp->dctx = sctx;
	sqp->dpeer = NULL;
	sqp->dseq = 0;
	INIT_LIST_HEAD(&sqp->pnode);
	INIT_LIST_HEAD(&sqp->ud_grants);
	INIT_LIST_HEAD(&sqp->ud_senders);
	sqp->ud_slots = 0;
	memset(sqp->ud_dseq, 0, sizeof(sqp->ud_dseq));
	memset((u8 *)d + SOFT_DIRECT_UD_OFF, 0, sizeof(struct soft_direct_ud));
	list_add_tail(&sqp->dnode, &sctx->dqps);
	spin_lock(&sqp->lock);
	sqp->dir = d;
	state = sqp->attr.qp_state;
	soft_direct_state(sqp, state);
	spin_unlock(&sqp->lock);
	soft_dir_begin(sqp);
	soft_dir_clear_peer(d);
	soft_dir_end(sqp);
	soft_direct_set_path(sqp, soft_direct_initial(sqp, state));
	mutex_unlock(&soft_direct_mutex);
}

/**
 * soft_direct_qp_detach() - the QP leaves (DESTROY), before its page is
 *	unmapped
 * @sqp: the QP, off its NIC already
 */
void soft_direct_qp_detach(struct soft_qp *sqp)
{
	mutex_lock(&soft_direct_mutex);
	if (!sqp->dir)
		goto out_unlock;
	soft_direct_unpair(sqp);
	list_del_init(&sqp->dnode);
	spin_lock(&sqp->lock);
	sqp->dir = NULL;
	spin_unlock(&sqp->lock);
out_unlock:
	mutex_unlock(&soft_direct_mutex);
}

bool soft_direct_served(struct soft_qp *sqp)
{
	/* Acquire: a path stored with release comes with its page. */
	u32 path = smp_load_acquire(&sqp->path);

	if (path == SOFT_PATH_RELAY)
		return true;
	if (path == SOFT_PATH_DIRECT ||
	    soft_qp_state(sqp) != IB_UVERBS_QPS_ERR)
		return false;
	/* In ERR, never DIRECT: it flushes through the relay. */
	mutex_lock(&soft_direct_mutex);
	if (sqp->dir && (sqp->path == SOFT_PATH_UNDECIDED ||
			 sqp->path == SOFT_PATH_PENDING))
		soft_direct_relay(sqp);
	path = sqp->path;
	mutex_unlock(&soft_direct_mutex);
	return path == SOFT_PATH_RELAY;
}

static void soft_direct_ud_info(struct soft_qp *sqp,
				struct soft_direct_qp_info *qi);

int soft_direct_for_each_qp(struct ib_ucontext *uctx,
			    int (*fn)(const struct soft_direct_qp_info *qi,
				      void *arg),
			    void *arg)
{
	struct soft_ucontext *sctx = uctx->driver_priv;
	struct soft_direct_qp_info qi;
	struct soft_direct_ctrl *d;
	struct soft_qp *sqp;
	int ret = 0;

	if (uctx->device->driver_id != SOFT_DRIVER_ID || !sctx)
		return -ENODEV;
	mutex_lock(&soft_direct_mutex);
	list_for_each_entry(sqp, &sctx->dqps, dnode) {
		d = sqp->dir;
		qi = (struct soft_direct_qp_info){
			.qpn = sqp->ibqp.qp_num,
			.path = sqp->path,
			.peer_qpn = sqp->dpeer ? sqp->dpeer->ibqp.qp_num : 0,
			.peer_gone = sqp->path == SOFT_PATH_DIRECT &&
				     !sqp->dpeer &&
				     sqp->ibqp.qp_type != IB_UVERBS_QPT_UD,
			.tx_msgs = READ_ONCE(d->tx_msgs),
			.tx_bytes = READ_ONCE(d->tx_bytes),
			.rx_msgs = READ_ONCE(d->rx_msgs),
			.rx_bytes = READ_ONCE(d->rx_bytes),
		};
		soft_direct_ud_info(sqp, &qi);
		ret = fn(&qi, arg);
		if (ret)
			break;
	}
	mutex_unlock(&soft_direct_mutex);
	return ret;
}

bool soft_direct_notify(struct soft_qp *sqp)
{
	u32 bits;

	if (smp_load_acquire(&sqp->path) != SOFT_PATH_DIRECT)
		return false;
	bits = __atomic_exchange_n(&sqp->dir->notify, 0, __ATOMIC_ACQ_REL) &
	       (SOFT_DIRECT_NOTIFY_RECV | SOFT_DIRECT_NOTIFY_SEND |
		SOFT_DIRECT_NOTIFY_SRQ | SOFT_DIRECT_NOTIFY_SRQ_ERR);
	if ((bits & SOFT_DIRECT_NOTIFY_SRQ) && sqp->ibqp.srq)
		soft_srq_limit_report(to_soft_srq(sqp->ibqp.srq));
	if ((bits & SOFT_DIRECT_NOTIFY_SRQ_ERR) && sqp->ibqp.srq)
		soft_srq_broken_report(to_soft_srq(sqp->ibqp.srq));
	if (bits & SOFT_DIRECT_NOTIFY_RECV)
		soft_cq_raise(sqp->ibqp.recv_cq);
	if (bits & SOFT_DIRECT_NOTIFY_SEND)
		soft_cq_raise(sqp->ibqp.send_cq);
	return bits != 0;
}

/*
 * UD (<rdma/soft_direct.h>, "UD").  A UD QP is DIRECT from its RTR, with
 * no peer: its client owns its receive queue and drains every datagram
 * from its receive ring, where direct senders and the device (for what
 * it relays) append them under the UD block's lock; the NIC still serves
 * its SQ ring.  A sender meets a receiver at first contact: the device,
 * relaying a datagram of a UD QP on the direct path to a DIRECT one,
 * records the pair (struct soft_ud_grant) and, when the sender's owner
 * may reach the receiver's, publishes the receiver in a destination slot
 * of the sender's page.  A pair is recorded once (refused ones too, not
 * published, so that the test is not made at every datagram); it goes
 * when either QP resets or leaves: the sender's slot is freed, or marked
 * GONE when the receiver went.  soft_direct_mutex protects the grants,
 * the slots (@ud_slots, @ud_dseq) and the destinations' contents.
 */

/**
 * struct soft_ud_grant - a UD sender that met a receiver
 * @xnode: in @x's ud_grants; @ynode: in @y's ud_senders
 * @x, @y: the sender and the receiver (no references: both leave their
 *	grants at their RESET or detach, under the mutex)
 * @slot: the destination slot of @x's page, -1 when not published
 */
struct soft_ud_grant {
	struct list_head xnode;
	struct list_head ynode;
	struct soft_qp *x, *y;
	int slot;
};

static struct soft_direct_ud *soft_ud_block(struct soft_direct_ctrl *d)
{
	return (struct soft_direct_ud *)((u8 *)d + SOFT_DIRECT_UD_OFF);
}

/* A UD QP's attributes in its block: @pkey, @qkey. */
void soft_direct_ud_attrs(struct soft_qp *sqp)
{
	u16 index;
	u32 qkey;

	if (sqp->ibqp.qp_type != IB_UVERBS_QPT_UD)
		return;
	spin_lock(&sqp->lock);
	index = sqp->attr.pkey_index;
	qkey = sqp->attr.qkey;
	spin_unlock(&sqp->lock);
	index = soft_pkey_at(sqp->sdev, index);
	spin_lock(&sqp->lock);
	if (sqp->dir) {
		WRITE_ONCE(soft_ud_block(sqp->dir)->pkey, index);
		WRITE_ONCE(soft_ud_block(sqp->dir)->qkey, qkey);
	}
	spin_unlock(&sqp->lock);
}

/* RTR of a UD QP that may go direct: DIRECT, no peer.  The mutex held. */
static void soft_direct_ud_rtr(struct soft_qp *x)
{
	soft_direct_ud_attrs(x);
	soft_direct_set_path(x, SOFT_PATH_DIRECT);
	/* Its NIC serves its SQ ring still. */
	soft_direct_kick(x);
}

/* A UD QP's part of its stat line (the mutex held). */
static void soft_direct_ud_info(struct soft_qp *sqp,
				struct soft_direct_qp_info *qi)
{
	struct soft_direct_ud *u = soft_ud_block(sqp->dir);
	u32 s;

	if (sqp->ibqp.qp_type != IB_UVERBS_QPT_UD)
		return;
	qi->ud = true;
	for (s = 0; s < SOFT_DIRECT_UD_DESTS; s++)
		qi->ud_dests += !!(sqp->ud_slots & (1u << s));
	qi->ud_relayed = READ_ONCE(u->relayed);
	qi->ud_drops = READ_ONCE(u->drop_qkey) + READ_ONCE(u->drop_pkey) +
		       READ_ONCE(u->drop_norecv) + READ_ONCE(u->drop_full);
}

bool soft_direct_ud_sq_served(struct soft_qp *sqp)
{
	return smp_load_acquire(&sqp->path) == SOFT_PATH_DIRECT &&
	       sqp->ibqp.qp_type == IB_UVERBS_QPT_UD;
}

/* Slot @s of @x's page: @y's destination, or empty in @state. */
static void soft_ud_dest_write(struct soft_qp *x, u32 s, struct soft_qp *y,
			       u32 state)
{
	struct soft_direct_ud_dest *e = &soft_ud_block(x->dir)->dest[s];
	struct soft_ucontext *yc;
	struct soft_port *yp, *xp;
	u8 yport, xport;
	u16 xpkey;

	WRITE_ONCE(e->seq, ++x->ud_dseq[s]);
	smp_mb();
	memset((u8 *)e + offsetof(struct soft_direct_ud_dest, qpn), 0,
	       sizeof(*e) - offsetof(struct soft_direct_ud_dest, qpn));
	if (y) {
		yc = y->dctx;
		spin_lock(&y->lock);
		yport = y->attr.port_num;
		spin_unlock(&y->lock);
		spin_lock(&x->lock);
		xport = x->attr.port_num;
		xpkey = x->attr.pkey_index;
		spin_unlock(&x->lock);
		yp = soft_port_get(y->sdev, yport);
		xp = soft_port_get(x->sdev, xport);
		e->qpn = y->ibqp.qp_num;
		if (yp) {
			e->lid = yp->lid;
			memcpy(e->gid, yp->gid.raw, sizeof(e->gid));
		}
		e->src_port = xport;
		e->pid = compat_mm_tgid(yc->mm);
		e->qp_fd = y->dqp_fd;
		e->qp_ino = y->dqp_ino;
		e->qp_size = y->ulayout.size;
		e->dir = y->ulayout.dir;
		e->keys_fd = yc->keys_fd;
		e->keys_ino = yc->keys_ino;
		e->keys_entries = yc->keys_entries;
		e->kick_fd = yc->kick_fd;
		e->kick_ino = yc->kick_ino;
		if (xp) {
			e->src_lid = xp->lid;
			memcpy(e->src_gid, xp->gid.raw, sizeof(e->src_gid));
		}
		e->src_pkey = soft_pkey_at(x->sdev, xpkey);
		state = SOFT_UD_DEST_LIVE;
	}
	WRITE_ONCE(e->state, state);
	smp_mb();
	smp_store_release(&e->seq, ++x->ud_dseq[s]);
}

/**
 * soft_direct_ud_contact() - the device relayed a datagram of @x to @y
 * @x: the sender (a UD QP)
 * @y: the receiver, DIRECT: the datagram is in its ring
 *
 * Records the pair the first time and publishes @y to @x when both may
 * take the direct path.  Called by the engine (resp_lock of @y, sq.lock
 * of @x held: the mutex nests inside them).
 */
void soft_direct_ud_contact(struct soft_qp *x, struct soft_qp *y)
{
	struct soft_ud_grant *g;
	u32 s;

	/* A relayed sender (another user's, say) costs no lock. */
	if (x->ibqp.qp_type != IB_UVERBS_QPT_UD ||
	    smp_load_acquire(&x->path) != SOFT_PATH_DIRECT)
		return;
	mutex_lock(&soft_direct_mutex);
	if (x == y || !x->dir || !y->dir || x->path != SOFT_PATH_DIRECT ||
	    y->path != SOFT_PATH_DIRECT ||
	    x->ibqp.qp_type != IB_UVERBS_QPT_UD ||
	    y->ibqp.qp_type != IB_UVERBS_QPT_UD)
		goto out_unlock;
	list_for_each_entry(g, &x->ud_grants, xnode)
		if (g->y == y)
			goto out_unlock;
	g = kzalloc(sizeof(*g));
	if (!g)
		goto out_unlock;
	g->x = x;
	g->y = y;
	g->slot = -1;
	if (compat_mm_may_reach(x->dctx->mm, y->dctx->mm)) {
		for (s = 0; s < SOFT_DIRECT_UD_DESTS; s++)
			if (!(x->ud_slots & (1u << s)))
				break;
		if (s < SOFT_DIRECT_UD_DESTS) {
			x->ud_slots |= 1u << s;
			g->slot = (int)s;
			soft_ud_dest_write(x, s, y, SOFT_UD_DEST_LIVE);
		}
	}
	list_add_tail(&g->xnode, &x->ud_grants);
	list_add_tail(&g->ynode, &y->ud_senders);
out_unlock:
	mutex_unlock(&soft_direct_mutex);
}

/*
 * @q resets or leaves: its own destinations are freed, and those naming
 * it in its senders' pages are GONE.  The mutex held, @q attached.
 */
static void soft_direct_ud_leave(struct soft_qp *q)
{
	struct soft_ud_grant *g, *n;

	list_for_each_entry_safe(g, n, &q->ud_grants, xnode) {
		if (g->slot >= 0) {
			soft_ud_dest_write(q, (u32)g->slot, NULL,
					   SOFT_UD_DEST_FREE);
			q->ud_slots &= ~(1u << g->slot);
		}
		list_del_init(&g->xnode);
		list_del_init(&g->ynode);
		kfree(g);
	}
	list_for_each_entry_safe(g, n, &q->ud_senders, ynode) {
		if (g->slot >= 0) {
			soft_ud_dest_write(g->x, (u32)g->slot, NULL,
					   SOFT_UD_DEST_GONE);
			g->x->ud_slots &= ~(1u << g->slot);
		}
		list_del_init(&g->xnode);
		list_del_init(&g->ynode);
		kfree(g);
	}
}

/* Wakes @y's context's progress thread (its ring is full). */
static void soft_direct_ud_wake(struct soft_qp *y)
{
	struct soft_ucontext *yc = y->dctx;
	struct soft_direct_wake *w;

	if (!yc || !yc->keys)
		return;
	w = soft_direct_wake_line(yc->keys, yc->keys_entries);
	__atomic_fetch_add(&w->word, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&w->sleeping, __ATOMIC_SEQ_CST))
		compat_futex_wake(&w->word, 1);
}

/**
 * soft_direct_ud_put() - the device appends a datagram it relays to a
 *	DIRECT UD QP's receive ring
 * @y: the receiver (its resp_lock held: its rings stay mapped)
 * @info: the datagram's addresses, as the relay admitted them
 * @flags: SOFT_DMSG_IMM, SOFT_DMSG_SOLICITED
 * @imm: the immediate data
 * @buf: the payload (@len bytes, at most SOFT_DIRECT_UD_MTU)
 * @len: its length
 * @last: the last try: a ring without room (or whose lock a live
 *	producer holds) drops the datagram
 *
 * Never waits and never trusts the ring: the lock is tried once (taken
 * over from a process that no longer exists), the indexes are checked
 * and every write stays in the ring.  A full ring wakes the receiver's
 * progress thread.
 * Return: 0 when appended, -EAGAIN to try again later (not @last), or
 * -ENOSPC when dropped (counted in drop_full).
 */
int soft_direct_ud_put(struct soft_qp *y,
		       const struct soft_direct_ud_info *info, u8 flags,
		       u32 imm, const u8 *buf, u32 len, bool last)
{
	const u32 hdr = sizeof(struct soft_direct_msg) +
			sizeof(struct soft_direct_ud_info);
	const u32 ring_len = SOFT_DIRECT_RING_BYTES;
	struct soft_direct_ctrl *d;
	struct soft_direct_ud *u;
	struct soft_direct_msg *m;
	u32 prod, cons, off, need, pad, exp, a;
	u8 *ring;

	if (!y->umap || len > SOFT_DIRECT_UD_MTU)
		return -ENOSPC;
	d = (struct soft_direct_ctrl *)(y->umap + y->ulayout.dir);
	u = soft_ud_block(d);
	ring = y->umap + y->ulayout.dir + SOFT_DIRECT_PAGE;
	need = (hdr + len + 63) & ~63u;
	exp = 0;
	if (!__atomic_compare_exchange_n(&u->lock, &exp,
					 SOFT_DIRECT_UD_LOCK_DEVICE, false,
					 __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
		/* A producer killed with the lock: its record never counted. */
		if (exp == SOFT_DIRECT_UD_LOCK_DEVICE || exp > 0x7fffffffu ||
		    !compat_pid_gone((pid_t)exp) ||
		    !__atomic_compare_exchange_n(&u->lock, &exp,
						 SOFT_DIRECT_UD_LOCK_DEVICE,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			goto busy;
	}
	prod = READ_ONCE(d->rx_prod);
	cons = smp_load_acquire(&d->rx_cons);
	off = prod & (ring_len - 1);
	pad = off + need > ring_len ? ring_len - off : 0;
	/* A scribbled index: the datagram is lost, nothing is written. */
	if (prod % 64 || prod - cons > ring_len) {
		smp_store_release(&u->lock, 0);
		goto drop;
	}
	if (prod - cons + pad + need > ring_len) {
		smp_store_release(&u->lock, 0);
		soft_direct_ud_wake(y);
		goto busy;
	}
	if (pad) {
		m = (struct soft_direct_msg *)(ring + off);
		memset(m, 0, sizeof(*m));
		m->size = pad;
		m->op = SOFT_DMSG_PAD;
		WRITE_ONCE(m->state, SOFT_DMSG_POSTED);
		off = 0;
	}
	m = (struct soft_direct_msg *)(ring + off);
	soft_direct_ud_head(m, need, flags, len, imm, info);
	if (len)
		memcpy((u8 *)(m + 1) + sizeof(*info), buf, len);
	WRITE_ONCE(m->state, SOFT_DMSG_POSTED);
	smp_store_release(&d->rx_prod, prod + pad + need);
	smp_store_release(&u->lock, 0);
	WRITE_ONCE(u->relayed, READ_ONCE(u->relayed) + 1);
	/* Its armed receive CQ learns it, as from a direct sender. */
	a = READ_ONCE(d->armed_recv);
	if (a && (a != SOFT_DIRECT_ARM_SOLICITED ||
		  (flags & SOFT_DMSG_SOLICITED)) &&
	    __atomic_exchange_n(&d->armed_recv, 0, __ATOMIC_SEQ_CST))
		soft_cq_raise(y->ibqp.recv_cq);
	return 0;

busy:
	if (!last)
		return -EAGAIN;
drop:
	__atomic_fetch_add(&u->drop_full, 1, __ATOMIC_RELAXED);
	return -ENOSPC;
}
