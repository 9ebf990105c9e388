// SPDX-License-Identifier: MIT
/*
 * The client side of the soft device's shared queues: see
 * <ioverbs/soft_ring.h> and, for the protocol, <rdma/soft_ring.h>.
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/soft_ring.h>
#include <rdma/soft_device.h>

#include "lib_priv.h"

/* Spins this long on an empty CQ before sleeping. */
#define SRING_SPIN_NS 20000

static u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000ull + (u64)ts.tv_nsec;
}

static int sring_attach(int fd, int kick, int keys, int qp, int cq,
			ioverbs_ioctl_fn fn, void *fctx);

/* SRQ rings (struct soft_ring_srq_ctrl) */

/* A WQE's words, copied with relaxed atomics: another taker may race. */
static void srq_copy(void *dst, const void *src, u32 stride)
{
	const u64 *s = src;
	u64 *d = dst;
	u32 i;

	for (i = 0; i < stride / 8; i++)
		d[i] = __atomic_load_n(&s[i], __ATOMIC_RELAXED);
}

static void srq_store(void *dst, const void *src, u32 stride)
{
	const u64 *s = src;
	u64 *d = dst;
	u32 i;

	for (i = 0; i < stride / 8; i++)
		__atomic_store_n(&d[i], s[i], __ATOMIC_RELAXED);
}

int ioverbs_sring_srq_attach(struct ioverbs_sring_srq *r, u32 srq_handle,
			     u32 entries, u32 max_wr, u32 max_sge,
			     ioverbs_ioctl_fn fn, void *fctx)
{
	struct ioverbs_cmd c;
	struct soft_attach a;
	void *map;
	int ret;

	memset(r, 0, sizeof(*r));
	r->fd = -1;
	if (!entries || (entries & (entries - 1)) || entries < max_wr)
		return -EINVAL;
	r->entries = entries;
	r->max_wr = max_wr;
	r->max_sge = max_sge;
	r->stride = soft_ring_srq_stride(max_sge);
	r->len = soft_ring_srq_size(entries, max_sge);
	r->wqe = calloc(1, r->stride);
	if (!r->wqe)
		return -ENOMEM;
	ret = ioverbs_shm_map("ioverbs-srq", r->len, &map, &r->fd);
	if (ret) {
		free(r->wqe);
		r->wqe = NULL;
		return ret;
	}
	r->ctrl = map;
	r->ctrl->entries = entries;
	a = (struct soft_attach){ .fd = r->fd };
	ioverbs_cmd_init(&c, NULL, SOFT_DRIVER_ID, SOFT_TYPE_VENDOR,
			 SOFT_VENDOR_ATTACH);
	ioverbs_cmd_in(&c, SOFT_ATTACH_FD, &a, sizeof(a));
	ioverbs_cmd_idr(&c, SOFT_ATTACH_SRQ, srq_handle);
	ret = (int)ioverbs_cmd_exec(&c, fn, fctx);
	if (ret)
		ioverbs_sring_srq_detach(r);
	return ret;
}

void ioverbs_sring_srq_detach(struct ioverbs_sring_srq *r)
{
	if (r->ctrl)
		munmap(r->ctrl, r->len);
	if (r->fd >= 0)
		close(r->fd);
	free(r->wqe);
	r->wqe = NULL;
	r->ctrl = NULL;
	r->fd = -1;
}

int ioverbs_sring_srq_post(struct ioverbs_sring_srq *r,
			   const struct ib_uverbs_recv_wr *wr,
			   const struct ib_uverbs_sge *sge)
{
	struct soft_ring_recv *e = r->wqe;
	u32 cons = __atomic_load_n(&r->ctrl->cons, __ATOMIC_ACQUIRE);

	if (r->prod - cons >= r->max_wr)
		return -ENOMEM;
	if (wr->num_sge > r->max_sge)
		return -EINVAL;
	memset(e, 0, r->stride);
	e->wr = *wr;
	e->wr.reserved = 0;
	memcpy(e->sge, sge, wr->num_sge * sizeof(*sge));
	srq_store((u8 *)(r->ctrl + 1) +
			  (size_t)(r->prod & (r->entries - 1)) * r->stride,
		  e, r->stride);
	__atomic_store_n(&r->ctrl->prod, ++r->prod, __ATOMIC_RELEASE);
	return 0;
}

u32 ioverbs_sring_srq_count(const struct ioverbs_sring_srq *r)
{
	u32 n = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE) -
		__atomic_load_n(&r->ctrl->cons, __ATOMIC_ACQUIRE);

	return n > r->entries ? 0 : n;
}

/* Tries before a take that keeps losing its race says "none". */
#define SRQ_TAKE_TRIES 64

int ioverbs_sring_srq_take(struct ioverbs_sring_srq *r,
			   struct soft_ring_recv *out, bool *limit)
{
	struct soft_ring_srq_ctrl *c = r->ctrl;
	u32 prod, cons, i, l;

	*limit = false;
	for (i = 0; i < SRQ_TAKE_TRIES; i++) {
		cons = __atomic_load_n(&c->cons, __ATOMIC_ACQUIRE);
		prod = __atomic_load_n(&c->prod, __ATOMIC_ACQUIRE);
		if (prod == cons)
			return 0;
		if (prod - cons > r->entries)
			return -EIO;
		/* Copied, then claimed: the copy is ours if the swap is. */
		srq_copy(out, (u8 *)(c + 1) +
			 (size_t)(cons & (r->entries - 1)) * r->stride,
			 r->stride);
		if (!__atomic_compare_exchange_n(&c->cons, &cons, cons + 1,
						 false, __ATOMIC_SEQ_CST,
						 __ATOMIC_SEQ_CST))
			continue;
		if (out->wr.reserved || out->wr.num_sge > r->max_sge)
			return -EIO;
		l = __atomic_load_n(&c->limit, __ATOMIC_SEQ_CST);
		if (l && prod - (cons + 1) < l) {
			/* What was posted since counts too. */
			prod = __atomic_load_n(&c->prod, __ATOMIC_ACQUIRE);
			if (prod - (cons + 1) < l)
				*limit = __atomic_compare_exchange_n(
					&c->limit, &l, 0, false,
					__ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST);
		}
		return 1;
	}
	return 0;
}

static int sring_attach(int fd, int kick, int keys, int qp, int cq,
			ioverbs_ioctl_fn fn, void *fctx)
{
	struct soft_attach a = { .fd = fd }, k = { .fd = kick },
			   t = { .fd = keys };
	struct ioverbs_cmd c;

	ioverbs_cmd_init(&c, NULL, SOFT_DRIVER_ID, SOFT_TYPE_VENDOR,
			 SOFT_VENDOR_ATTACH);
	ioverbs_cmd_in(&c, SOFT_ATTACH_FD, &a, sizeof(a));
	if (kick >= 0)
		ioverbs_cmd_in(&c, SOFT_ATTACH_KICK, &k, sizeof(k));
	if (keys >= 0)
		ioverbs_cmd_in(&c, SOFT_ATTACH_KEYS, &t, sizeof(t));
	if (qp >= 0)
		ioverbs_cmd_idr(&c, SOFT_ATTACH_QP, (u32)qp);
	if (cq >= 0)
		ioverbs_cmd_idr(&c, SOFT_ATTACH_CQ, (u32)cq);
	return (int)ioverbs_cmd_exec(&c, fn, fctx);
}

int ioverbs_sring_attach(int fd, int qp, int cq, ioverbs_ioctl_fn fn,
			 void *fctx)
{
	return sring_attach(fd, -1, -1, qp, cq, fn, fctx);
}

int ioverbs_sring_attach_doorbell(int fd, int kick, ioverbs_ioctl_fn fn,
				  void *fctx)
{
	return sring_attach(fd, kick, -1, -1, -1, fn, fctx);
}

int ioverbs_sring_attach_doorbell_keys(int fd, int kick, int keys,
				       ioverbs_ioctl_fn fn, void *fctx)
{
	return sring_attach(fd, kick, keys, -1, -1, fn, fctx);
}

/* The key table's memfd of @entries slots: its header written, sealed. */
static int sring_keys_create(struct ioverbs_sring_ctx *r, u32 entries)
{
	size_t len = soft_direct_keys_size(entries);
	struct soft_direct_keys *k;
	void *map;
	int ret;

	ret = ioverbs_shm_map("ioverbs-keys", len, &map, &r->keys_fd);
	if (ret)
		return ret;
	k = map;
	k->entries = entries;
	munmap(map, len);
	/* Ours to read: the device writes the entries, peers the locks. */
	map = mmap(NULL, len, PROT_READ, MAP_SHARED, r->keys_fd, 0);
	if (map == MAP_FAILED)
		return -errno;
	r->keys = map;
	r->keys_len = len;
	r->keys_entries = entries;
	return 0;
}

static int sring_ctx_attach(struct ioverbs_sring_ctx *r, u32 entries,
			    bool with_keys, ioverbs_ioctl_fn fn, void *fctx)
{
	void *map;
	int ret;

	r->db = NULL;
	r->fd = -1;
	r->kick = -1;
	r->keys = NULL;
	r->keys_len = 0;
	r->keys_fd = -1;
	r->keys_entries = 0;
	ret = ioverbs_shm_map("ioverbs-doorbell", SOFT_RING_DOORBELL_SIZE, &map,
			  &r->fd);
	if (ret)
		return ret;
	r->db = map;
	/* Non-blocking: a full counter must never stall a post. */
	r->kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (r->kick < 0) {
		ret = -errno;
		goto err_detach;
	}
	if (with_keys) {
		ret = sring_keys_create(r, entries);
		if (ret)
			goto err_detach;
	}
	ret = sring_attach(r->fd, r->kick, r->keys_fd, -1, -1, fn, fctx);
	if (ret)
		goto err_detach;
	return 0;

err_detach:
	ioverbs_sring_ctx_detach(r);
	return ret;
}

int ioverbs_sring_ctx_attach(struct ioverbs_sring_ctx *r, ioverbs_ioctl_fn fn,
			     void *fctx)
{
	return sring_ctx_attach(r, 0, false, fn, fctx);
}

int ioverbs_sring_ctx_attach_keys(struct ioverbs_sring_ctx *r, u32 entries,
				  ioverbs_ioctl_fn fn, void *fctx)
{
	return sring_ctx_attach(r, entries, true, fn, fctx);
}

void ioverbs_sring_ctx_detach(struct ioverbs_sring_ctx *r)
{
	if (r->db)
		munmap(r->db, SOFT_RING_DOORBELL_SIZE);
	if (r->fd >= 0)
		close(r->fd);
	if (r->kick >= 0)
		close(r->kick);
	if (r->keys)
		munmap(r->keys, r->keys_len);
	if (r->keys_fd >= 0)
		close(r->keys_fd);
	r->db = NULL;
	r->fd = -1;
	r->kick = -1;
	r->keys = NULL;
	r->keys_fd = -1;
	r->keys_len = 0;
	r->keys_entries = 0;
}

int ioverbs_sring_cq_attach(struct ioverbs_sring_cq *r, u32 cq_handle,
			    u32 cqe, ioverbs_ioctl_fn fn, void *fctx)
{
	void *map;
	int ret;

	memset(r, 0, sizeof(*r));
	r->len = soft_ring_cq_size(cqe);
	ret = ioverbs_shm_map("ioverbs-cq", r->len, &map, &r->fd);
	if (ret)
		return ret;
	r->ctrl = map;
	r->ents = (struct ib_uverbs_wc *)(r->ctrl + 1);
	r->entries = soft_ring_entries(cqe);
	ret = ioverbs_sring_attach(r->fd, -1, (int)cq_handle, fn, fctx);
	if (ret) {
		ioverbs_sring_cq_detach(r);
		return ret;
	}
	/* Completions the CQ held before were moved to the ring. */
	r->cons = __atomic_load_n(&r->ctrl->cons, __ATOMIC_ACQUIRE);
	return 0;
}

void ioverbs_sring_cq_detach(struct ioverbs_sring_cq *r)
{
	if (r->ctrl)
		munmap(r->ctrl, r->len);
	if (r->fd >= 0)
		close(r->fd);
	r->ctrl = NULL;
	r->fd = -1;
}

int ioverbs_sring_qp_attach(struct ioverbs_sring_qp *r,
			    struct ioverbs_sring_ctx *ctx, u32 qp_handle,
			    const struct ib_uverbs_qp_cap *cap,
			    ioverbs_ioctl_fn fn, void *fctx)
{
	void *map;
	int ret;

	memset(r, 0, sizeof(*r));
	r->ctx = ctx;
	r->cap = *cap;
	soft_ring_qp_layout(cap, &r->layout);
	ret = ioverbs_shm_map("ioverbs-qp", r->layout.size, &map, &r->fd);
	if (ret)
		return ret;
	r->map = map;
	r->sq = (struct soft_ring_ctrl *)(r->map + r->layout.sq);
	r->rq = (struct soft_ring_ctrl *)(r->map + r->layout.rq);
	r->dir = (struct soft_direct_ctrl *)(r->map + r->layout.dir);
	r->dring = r->map + r->layout.dir + SOFT_DIRECT_PAGE;
	ret = ioverbs_sring_attach(r->fd, (int)qp_handle, -1, fn, fctx);
	if (ret)
		ioverbs_sring_qp_detach(r);
	return ret;
}

void ioverbs_sring_qp_detach(struct ioverbs_sring_qp *r)
{
	if (r->map)
		munmap(r->map, r->layout.size);
	if (r->fd >= 0)
		close(r->fd);
	r->map = NULL;
	r->fd = -1;
}

void ioverbs_sring_ring(struct ioverbs_sring_ctx *ctx)
{
	u64 one = 1;

	__atomic_fetch_add(&ctx->db->seq, 1, __ATOMIC_SEQ_CST);
	/* EAGAIN (a counter at its maximum) has woken the device already. */
	if (__atomic_load_n(&ctx->db->sleeping, __ATOMIC_SEQ_CST) &&
	    write(ctx->kick, &one, sizeof(one)) < 0)
		return;
}

int ioverbs_sring_post_send(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_send_wr *wr,
			    const struct ib_uverbs_sge *sge)
{
	const struct soft_ring_qp_layout *l = &r->layout;
	struct soft_ring_send *e;
	u32 cons = __atomic_load_n(&r->sq->cons, __ATOMIC_ACQUIRE);
	u32 i, len = 0;

	if (r->sq_prod - cons >= l->sq_entries)
		return -ENOMEM;
	e = (struct soft_ring_send *)((u8 *)(r->sq + 1) +
				      (size_t)(r->sq_prod &
					       (l->sq_entries - 1)) *
					      l->sq_stride);
	e->wr = *wr;
	if (wr->send_flags & IB_UVERBS_SEND_INLINE) {
		u8 *p = soft_ring_inline(e, &r->cap);

		for (i = 0; i < wr->num_sge; i++) {
			if (sge[i].length > r->cap.max_inline_data - len)
				return -EINVAL;
			memcpy(p + len, (const void *)(uintptr_t)sge[i].addr,
			       sge[i].length);
			len += sge[i].length;
		}
		e->wr.num_sge = 1;
		memset(&e->sge[0], 0, sizeof(e->sge[0]));
		e->sge[0].length = len;
	} else {
		if (wr->num_sge > soft_ring_send_slots(&r->cap))
			return -EINVAL;
		memcpy(e->sge, sge, wr->num_sge * sizeof(*sge));
	}
	__atomic_store_n(&r->sq->prod, ++r->sq_prod, __ATOMIC_RELEASE);
	ioverbs_sring_ring(r->ctx);
	return 0;
}

int ioverbs_sring_post_recv(struct ioverbs_sring_qp *r,
			    const struct ib_uverbs_recv_wr *wr,
			    const struct ib_uverbs_sge *sge)
{
	const struct soft_ring_qp_layout *l = &r->layout;
	struct soft_ring_recv *e;
	u32 cons = __atomic_load_n(&r->rq->cons, __ATOMIC_ACQUIRE);

	if (r->rq_prod - cons >= l->rq_entries)
		return -ENOMEM;
	if (wr->num_sge > r->cap.max_recv_sge)
		return -EINVAL;
	e = (struct soft_ring_recv *)((u8 *)(r->rq + 1) +
				      (size_t)(r->rq_prod &
					       (l->rq_entries - 1)) *
					      l->rq_stride);
	e->wr = *wr;
	memcpy(e->sge, sge, wr->num_sge * sizeof(*sge));
	__atomic_store_n(&r->rq->prod, ++r->rq_prod, __ATOMIC_RELEASE);
	ioverbs_sring_ring(r->ctx);
	return 0;
}

u32 ioverbs_sring_poll(struct ioverbs_sring_cq *r, struct ib_uverbs_wc *wc,
		       u32 num)
{
	u32 prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
	u32 n = 0;

	while (n < num && r->cons != prod)
		wc[n++] = r->ents[r->cons++ & (r->entries - 1)];
	if (n)
		__atomic_store_n(&r->ctrl->cons, r->cons, __ATOMIC_RELEASE);
	return n;
}

int ioverbs_sring_wait(struct ioverbs_sring_cq *r, unsigned long timeout_us)
{
	u64 start = now_ns(), left;
	struct timespec ts;
	u32 prod;

	for (;;) {
		prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_ACQUIRE);
		if (prod != r->cons)
			return 0;
		if (timeout_us && now_ns() - start >= (u64)timeout_us * 1000)
			return -ETIMEDOUT;
		if (now_ns() - start < SRING_SPIN_NS) {
			sched_yield();
			continue;
		}
		__atomic_store_n(&r->ctrl->wait, 1, __ATOMIC_SEQ_CST);
		prod = __atomic_load_n(&r->ctrl->prod, __ATOMIC_SEQ_CST);
		if (prod == r->cons) {
			left = timeout_us ? (u64)timeout_us * 1000 -
						    (now_ns() - start) :
					    200000000ull;
			if (timeout_us && (s64)left <= 0)
				left = 1;
			ts.tv_sec = (time_t)(left / 1000000000ull);
			ts.tv_nsec = (long)(left % 1000000000ull);
			syscall(SYS_futex, &r->ctrl->prod, FUTEX_WAIT, prod,
				&ts, NULL, 0);
		}
		__atomic_store_n(&r->ctrl->wait, 0, __ATOMIC_RELAXED);
	}
}

bool ioverbs_sring_cq_overflowed(const struct ioverbs_sring_cq *r)
{
	return __atomic_load_n(&r->ctrl->overflow, __ATOMIC_ACQUIRE) != 0;
}
