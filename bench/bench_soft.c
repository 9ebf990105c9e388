// SPDX-License-Identifier: MIT
/*
 * The soft device's data path, measured end to end through real commands,
 * against memcpy of the same bytes measured in the same run
 * (docs/design.md, "Quality gates").  Every figure is one line: "bench
 * NAME: VALUE UNIT (baseline BNAME: BVALUE UNIT, ratio R)", ratio = VALUE
 * / BVALUE; lines starting with '#' are remarks.
 *
 * Set-up: embedded mode, one soft device, two files (two contexts) on it,
 * A and B.  Each opens its context, a PD, a 1 MiB MR (LOCAL_WRITE |
 * REMOTE_WRITE), a CQ and an RC QP, all by commands; each QP goes RESET ->
 * INIT -> RTR -> RTS by QP_MODIFY commands, pointing at the other (the
 * port's LID and the peer's QPN).  Every data-path operation is an
 * RDMA_VERBS_IOCTL command (QP_POST_SEND, QP_POST_RECV, CQ_POLL) built
 * once with the library's ioverbs_*_prep() and sent with
 * ioverbs_client_exec(), as a client would; each completion's status,
 * opcode and length is checked.
 *
 * rc_send_lat_SIZE   one-way latency of an RC SEND of SIZE bytes: HALF a
 *                    ping-pong round trip.  One half is: the sender's
 *                    POST_SEND (signaled; the peer has a receive posted),
 *                    the peer's CQ_POLL that finds the RECV (and its own
 *                    previous SEND completion), and the peer's POST_RECV
 *                    re-arming its receive: three commands.  The soft
 *                    device executes a WR inside POST_SEND, in the caller's
 *                    thread, so both sides run in one thread here: the
 *                    figure is the CPU work of a message, with no wake-up
 *                    or cross-CPU cache transfer in it.
 *   baseline memcpy_SIZE: one memcpy of SIZE bytes from A's buffer to B's
 *                    (the same buffers, so the same cache state).
 * rdma_write_bw_SIZE RDMA WRITE of SIZE bytes from A's MR into B's MR, in
 *                    batches of WRITE_BATCH POST_SENDs of one WR each,
 *                    only the last signaled, then one CQ_POLL that must
 *                    find it: bytes written / time, in MB/s (10^6 B/s).
 *   baseline memcpy_bw_SIZE: memcpy of SIZE bytes, A's buffer to B's,
 *                    repeated, in MB/s.
 * The '#' lines say where the time goes: what one command costs alone
 * (CQ_POLL of an empty CQ), and what the engine's way of copying costs
 * alone (4 KiB chunks bounced through the stack by the uaccess copies,
 * each under a mutex, as soft_sgl_copy() does).
 *
 * Method (as bench_dispatch): the RCU worker is started, then we pin to
 * the CPU we started on; every figure is the MINIMUM over REPS repetitions
 * of a timed batch (CLOCK_MONOTONIC) after a warm-up; soft and baseline
 * repetitions alternate.  Preemption on a shared VM only adds time, so the
 * minimum is the best estimate of the cost; -v prints the median and the
 * maximum too.  Timing is never asserted; only correctness (return codes,
 * completions, payload bytes, the leak counter at exit) fails the
 * program.  A run takes about 1 s.
 *
 * Known: the 1 MiB soft figures are bimodal from one process to the next
 * (one-way ~32 or ~39 us, WRITE ~33 or ~27 GB/s) while memcpy's are not:
 * 2 MiB of buffers overflow this machine's 1 MiB L2, and where the
 * buffers and the engine's stack bounce buffer land decides the misses.
 * Under setarch -R (no address randomization) it is always the fast mode.
 *
 *   bench_soft [-v]
 */
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <ioverbs/embedded.h>
#include <rdma/soft_device.h>
#include <rdma/ib_user_verbs.h>

#include "bench.h"

#define REPS 61
#define WRITE_BATCH 16
#define MAX_MSG (1u << 20)
#define NOINLINE __attribute__((noinline))

static const u32 sizes[] = { 2, 4096, 65536, MAX_MSG };
#define NSIZES ARRAY_SIZE(sizes)

static bool verbose;

/* A figure: the per-repetition samples, and its name. */
struct figure {
	char name[40];
	double s[REPS];
	unsigned int n;
	double min, median, max;
};

static void figure_done(struct figure *f)
{
	double t[REPS];

	memcpy(t, f->s, f->n * sizeof(double));
	qsort(t, f->n, sizeof(double), cmp_double);
	f->min = t[0];
	f->median = t[f->n / 2];
	f->max = t[f->n - 1];
}

/*
 * Prints one figure line; @higher_better picks the best sample (the
 * fastest repetition) for a bandwidth: the maximum.
 */
static void report(const struct figure *f, const struct figure *b,
		   const char *unit, const char *fmt, bool higher_better)
{
	double v = higher_better ? f->max : f->min;
	double bv = higher_better ? b->max : b->min;
	char line[256];

	if (verbose) {
		printf("# %-22s min %10.3f  median %10.3f  max %10.3f %s\n",
		       f->name, f->min, f->median, f->max, unit);
		printf("# %-22s min %10.3f  median %10.3f  max %10.3f %s\n",
		       b->name, b->min, b->median, b->max, unit);
	}
	snprintf(line, sizeof(line),
		 "bench %%s: %s %%s (baseline %%s: %s %%s, ratio %%.2f)\n", fmt,
		 fmt);
	printf(line, f->name, v, unit, b->name, bv, unit,
	       bv > 0 ? v / bv : 0.0);
}

static const char *size_name(u32 n)
{
	switch (n) {
	case 2:
		return "2B";
	case 4096:
		return "4KiB";
	case 65536:
		return "64KiB";
	case MAX_MSG:
		return "1MiB";
	}
	return "?";
}

/* ---- one side: a context and its objects, all by commands ---- */

struct side {
	struct ib_device *dev;
	struct ib_uverbs_file *f;
	struct ioverbs_client v; /* checked against dev's spec tables */
	u32 pd, mr, cq, qp, qpn, lkey, rkey;
	u16 lid;
	u8 *buf;
};

static void check(struct side *s, long ret, const char *what)
{
	if (ret) {
		fprintf(stderr, "bench_soft: %s: %ld (%s%s)\n", what, ret,
			ioverbs_client_error(&s->v), ib_uverbs_last_error());
		exit(1);
	}
}

static void side_open(struct side *s, struct ib_device *dev)
{
	struct ib_uverbs_qp_cap cap = { .max_send_wr = 64,
					.max_recv_wr = 64,
					.max_send_sge = 1,
					.max_recv_sge = 1 };

	memset(s, 0, sizeof(*s));
	s->dev = dev;
	s->buf = aligned_alloc(4096, MAX_MSG);
	if (!s->buf)
		die("aligned_alloc", -ENOMEM);
	memset(s->buf, 0, MAX_MSG);
	s->f = ib_uverbs_open(dev, NULL, NULL);
	if (IS_ERR(s->f))
		die("ib_uverbs_open", PTR_ERR(s->f));
	ioverbs_client_init_embedded(&s->v, s->f);
	ioverbs_client_spec_set(&s->v, dev->types, SOFT_DRIVER_ID);

	check(s, ioverbs_context_get(&s->v), "GET_CONTEXT");
	check(s, ioverbs_port_query_lid(&s->v, &s->lid), "QUERY_PORT");
	check(s, ioverbs_pd_alloc(&s->v, &s->pd), "PD_ALLOC");
	check(s,
	      ioverbs_mr_reg(&s->v, s->pd, s->buf, MAX_MSG,
			     IB_UVERBS_ACCESS_LOCAL_WRITE |
				     IB_UVERBS_ACCESS_REMOTE_WRITE,
			     &s->mr, &s->lkey, &s->rkey),
	      "MR_REG");
	check(s, ioverbs_cq_create(&s->v, 256, &s->cq, NULL), "CQ_CREATE");
	check(s,
	      ioverbs_qp_create(&s->v, IB_UVERBS_QPT_RC, s->pd, s->cq, &cap,
				&s->qp, &s->qpn, NULL),
	      "QP_CREATE");
}

/* RESET -> INIT -> RTR -> RTS, pointing at @peer; RNR is an error. */
static void qp_connect(struct side *s, const struct side *peer)
{
	const struct ioverbs_qp_peer p = {
		.qp_type = IB_UVERBS_QPT_RC,
		.dlid = peer->lid,
		.dest_qpn = peer->qpn,
		.access = IB_UVERBS_ACCESS_REMOTE_WRITE,
		.rnr_retry = 0,
		.rd_atomic = 1,
	};

	check(s, ioverbs_qp_connect(&s->v, s->qp, &p),
	      "QP_MODIFY RESET->INIT->RTR->RTS");
}

/* Closing the file destroys what is left of its objects (the core does). */
static void side_close(struct side *s)
{
	ib_uverbs_release(s->f);
	free(s->buf);
}

/* ---- the data-path commands, built once ---- */

struct post_send {
	struct ib_uverbs_send_wr wr;
	struct ib_uverbs_sge sge;
	u32 bad;
	struct ioverbs_cmd c;
};

struct post_recv {
	struct ib_uverbs_recv_wr wr;
	struct ib_uverbs_sge sge;
	u32 bad;
	struct ioverbs_cmd c;
};

struct poll {
	struct ib_uverbs_wc wc[4];
	u32 count;
	struct ioverbs_cmd c;
};

/* @s sends (or writes into @peer) @len bytes from the start of its MR. */
static void post_send_init(struct post_send *p, struct side *s,
			   const struct side *peer, u32 opcode, u32 len,
			   bool signaled)
{
	memset(p, 0, offsetof(struct post_send, c));
	p->wr.wr_id = opcode;
	p->wr.num_sge = 1;
	p->wr.opcode = opcode;
	p->wr.send_flags = signaled ? IB_UVERBS_SEND_SIGNALED : 0;
	if (opcode == IB_UVERBS_WR_RDMA_WRITE) {
		p->wr.wr.rdma.remote_addr = (uintptr_t)peer->buf;
		p->wr.wr.rdma.rkey = peer->rkey;
	}
	p->sge.addr = (uintptr_t)s->buf;
	p->sge.length = len;
	p->sge.lkey = s->lkey;
	ioverbs_qp_post_send_prep(&s->v, &p->c, s->qp, &p->wr, 1, &p->sge, 1,
				  &p->bad);
}

/* A receive of up to MAX_MSG bytes into the start of @s's MR. */
static void post_recv_init(struct post_recv *p, struct side *s)
{
	memset(p, 0, offsetof(struct post_recv, c));
	p->wr.wr_id = 1000;
	p->wr.num_sge = 1;
	p->sge.addr = (uintptr_t)s->buf;
	p->sge.length = MAX_MSG;
	p->sge.lkey = s->lkey;
	ioverbs_qp_post_recv_prep(&s->v, &p->c, s->qp, &p->wr, 1, &p->sge, 1,
				  &p->bad);
}

static void poll_init(struct poll *p, struct side *s)
{
	ioverbs_cq_poll_prep(&s->v, &p->c, s->cq, p->wc, ARRAY_SIZE(p->wc),
			     &p->count);
}

static inline long exec(struct ioverbs_cmd *c, struct side *s)
{
	return ioverbs_client_exec(&s->v, c);
}

/*
 * Polls @s's CQ: every completion must be a success, and exactly one of
 * them a RECV of @len bytes (@len ~0u: none may be a RECV; at least one
 * completion, the last, an RDMA WRITE).
 */
static NOINLINE long poll_check(struct poll *p, struct side *s, u32 len)
{
	unsigned int i, recvs = 0;
	long ret = exec(&p->c, s);

	if (ret)
		return ret;
	if (!p->count)
		return -EAGAIN;
	for (i = 0; i < p->count; i++) {
		if (p->wc[i].status != IB_UVERBS_WC_SUCCESS)
			return -EIO;
		if (p->wc[i].opcode == IB_UVERBS_WC_RECV) {
			if (p->wc[i].byte_len != len)
				return -EMSGSIZE;
			recvs++;
		}
	}
	if (len != ~0u)
		return recvs == 1 ? 0 : -EPROTO;
	if (recvs || p->wc[p->count - 1].opcode != IB_UVERBS_WC_RDMA_WRITE)
		return -EPROTO;
	return 0;
}

/* The ping-pong: both directions' commands for one size. */
struct pingpong {
	struct side *a, *b;
	/* Pointers: a command ends in a flexible array (struct ib_uverbs_ioctl_hdr). */
	struct post_send *send_a, *send_b;
	struct post_recv *recv_a, *recv_b;
	struct poll *poll_a, *poll_b;
	u32 len;
};

/* @iters round trips; A and B each have a receive posted on entry. */
static NOINLINE long loop_pingpong(struct pingpong *pp, u64 iters)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters && !err; i++) {
		/* A -> B, B takes it and re-arms. */
		err |= exec(&pp->send_a->c, pp->a);
		err |= poll_check(pp->poll_b, pp->b, pp->len);
		err |= exec(&pp->recv_b->c, pp->b);
		/* B -> A, A takes it and re-arms. */
		err |= exec(&pp->send_b->c, pp->b);
		err |= poll_check(pp->poll_a, pp->a, pp->len);
		err |= exec(&pp->recv_a->c, pp->a);
	}
	return err;
}

/* RDMA WRITE bandwidth: @batches batches of WRITE_BATCH posts. */
struct writes {
	struct side *a;
	struct post_send *unsig, *sig;
	struct poll *poll;
};

static NOINLINE long loop_writes(struct writes *w, u64 batches)
{
	long err = 0;
	u64 i;
	int k;

	for (i = 0; i < batches && !err; i++) {
		for (k = 0; k < WRITE_BATCH - 1; k++)
			err |= exec(&w->unsig->c, w->a);
		err |= exec(&w->sig->c, w->a);
		err |= poll_check(w->poll, w->a, ~0u);
	}
	return err;
}

static NOINLINE long loop_memcpy(u8 *dst, const u8 *src, u32 len, u64 iters)
{
	u64 i;

	for (i = 0; i < iters; i++) {
		memcpy(dst, src, len);
		__asm__ volatile("" : : "r"(dst), "r"(src) : "memory");
	}
	return 0;
}

/* The engine's copy, alone: 4 KiB chunks via the stack, under a mutex. */
static NOINLINE long loop_bounce(u8 *dst, const u8 *src, u32 len, u64 iters)
{
	static DEFINE_MUTEX(src_lock);
	static DEFINE_MUTEX(dst_lock);
	u8 chunk[4096];
	long err = 0;
	u64 i;
	u32 off, n;

	for (i = 0; i < iters; i++) {
		for (off = 0; off < len; off += n) {
			n = min_t(u32, len - off, sizeof(chunk));
			mutex_lock(&src_lock);
			err |= (long)copy_from_user(chunk, src + off, n);
			mutex_unlock(&src_lock);
			mutex_lock(&dst_lock);
			err |= (long)copy_to_user(dst + off, chunk, n);
			mutex_unlock(&dst_lock);
		}
	}
	return err;
}

/* Times one batch of @iters runs of @expr into @fig (ns per iteration). */
/* Iterations so that a batch moves about @bytes, within [lo, hi]. */
static u64 iters_for(u32 len, u64 bytes, u64 lo, u64 hi)
{
	u64 n = bytes / len;

	return n < lo ? lo : n > hi ? hi : n;
}

static void fill(u8 *p, u32 len, u32 seed)
{
	u32 i;

	for (i = 0; i < len; i++)
		p[i] = (u8)(i * 131 + seed + (i >> 8));
}

/* The bytes arrived: a payload check outside the timed loops. */
static void check_payload(const struct side *dst, const struct side *src,
			  u32 len, const char *what)
{
	if (memcmp(dst->buf, src->buf, len))
		die(what, -EIO);
}

static void bench_send_lat(struct side *a, struct side *b)
{
	struct figure lat[NSIZES], base[NSIZES], bounce[NSIZES];
	struct figure empty = { .name = "cq_poll_empty" };
	struct post_send send_a, send_b;
	struct post_recv recv_a, recv_b;
	struct poll poll_a, poll_b, probe;
	struct pingpong pp = {
		.a = a,
		.b = b,
		.send_a = &send_a,
		.send_b = &send_b,
		.recv_a = &recv_a,
		.recv_b = &recv_b,
		.poll_a = &poll_a,
		.poll_b = &poll_b,
	};
	unsigned int s, r;

	post_recv_init(&recv_a, a);
	post_recv_init(&recv_b, b);
	poll_init(&poll_a, a);
	poll_init(&poll_b, b);
	poll_init(&probe, a);
	if (exec(&recv_a.c, a) || exec(&recv_b.c, b))
		die("POST_RECV", -1);

	for (s = 0; s < NSIZES; s++) {
		u32 len = sizes[s];
		u64 it = iters_for(len, 4u << 20, 16, 1000);
		u64 mit = iters_for(len, 16u << 20, 16, 100000);

		lat[s] = (struct figure){ 0 };
		base[s] = (struct figure){ 0 };
		bounce[s] = (struct figure){ 0 };
		snprintf(lat[s].name, sizeof(lat[s].name), "rc_send_lat_%s",
			 size_name(len));
		snprintf(base[s].name, sizeof(base[s].name), "memcpy_%s",
			 size_name(len));
		snprintf(bounce[s].name, sizeof(bounce[s].name),
			 "bounce_copy_%s", size_name(len));
		pp.len = len;
		post_send_init(&send_a, a, b, IB_UVERBS_WR_SEND, len, true);
		post_send_init(&send_b, b, a, IB_UVERBS_WR_SEND, len, true);

		/* Correctness: A's pattern lands in B, B's in A. */
		fill(a->buf, len, s);
		fill(b->buf, len, s + 1);
		if (exec(&send_a.c, a) || poll_check(&poll_b, b, len) ||
		    exec(&recv_b.c, b))
			die("RC SEND A -> B", -1);
		check_payload(b, a, len, "RC SEND payload");
		fill(b->buf, len, s + 2);
		if (exec(&send_b.c, b) || poll_check(&poll_a, a, len) ||
		    exec(&recv_a.c, a))
			die("RC SEND B -> A", -1);
		check_payload(a, b, len, "RC SEND payload");

		/* Warm-up, then alternate. */
		if (loop_pingpong(&pp, it))
			die(lat[s].name, -1);
		loop_memcpy(b->buf, a->buf, len, mit);
		for (r = 0; r < REPS; r++) {
			MEASURE(&lat[s], 2 * it, loop_pingpong(&pp, it));
			MEASURE(&base[s], mit,
				loop_memcpy(b->buf, a->buf, len, mit));
			MEASURE(&bounce[s], mit / 4 + 1,
				loop_bounce(b->buf, a->buf, len, mit / 4 + 1));
		}
		figure_done(&lat[s]);
		figure_done(&base[s]);
		figure_done(&bounce[s]);
	}
	/* The cost of one command alone: CQ_POLL finding nothing. */
	for (r = 0; r < REPS; r++) {
		u64 t0 = now_ns();
		long e = 0;
		int i;

		for (i = 0; i < 10000; i++)
			e |= exec(&probe.c, a) || probe.count;
		if (e)
			die(empty.name, e);
		empty.s[empty.n++] = (double)(now_ns() - t0) / 10000;
	}
	figure_done(&empty);

	for (s = 0; s < NSIZES; s++) {
		/* ns -> us */
		unsigned int k;

		for (k = 0; k < REPS; k++) {
			lat[s].s[k] /= 1000;
			base[s].s[k] /= 1000;
		}
		figure_done(&lat[s]);
		figure_done(&base[s]);
		report(&lat[s], &base[s], "us", "%.3f", false);
	}
	printf("# one-way = POST_SEND + CQ_POLL + POST_RECV; one CQ_POLL of an empty CQ alone: %.0f ns\n",
	       empty.min);
	for (s = 0; s < NSIZES; s++)
		printf("# %-5s one-way %8.3f us = (estimate) engine-style bounce copy %8.3f us (memcpy %8.3f) + the rest %8.3f us\n",
		       size_name(sizes[s]), lat[s].min, bounce[s].min / 1000,
		       base[s].min, lat[s].min - bounce[s].min / 1000);
}

static void bench_write_bw(struct side *a, struct side *b)
{
	struct figure bw[NSIZES], base[NSIZES];
	struct post_send unsig, sig;
	struct poll poll;
	struct writes w = {
		.a = a, .unsig = &unsig, .sig = &sig, .poll = &poll
	};
	unsigned int s, r, k;

	poll_init(&poll, a);
	for (s = 0; s < NSIZES; s++) {
		u32 len = sizes[s];
		u64 batches = iters_for(len, 4u << 20, 16 * WRITE_BATCH, 2048) /
			      WRITE_BATCH;
		u64 mit = iters_for(len, 16u << 20, 16, 100000);

		bw[s] = (struct figure){ 0 };
		base[s] = (struct figure){ 0 };
		snprintf(bw[s].name, sizeof(bw[s].name), "rdma_write_bw_%s",
			 size_name(len));
		snprintf(base[s].name, sizeof(base[s].name), "memcpy_bw_%s",
			 size_name(len));
		post_send_init(&unsig, a, b, IB_UVERBS_WR_RDMA_WRITE, len,
			       false);
		post_send_init(&sig, a, b, IB_UVERBS_WR_RDMA_WRITE, len, true);

		fill(a->buf, len, s + 7);
		if (exec(&sig.c, a) || poll_check(&poll, a, ~0u))
			die("RDMA WRITE", -1);
		check_payload(b, a, len, "RDMA WRITE payload");

		if (loop_writes(&w, batches))
			die(bw[s].name, -1);
		loop_memcpy(b->buf, a->buf, len, mit);
		for (r = 0; r < REPS; r++) {
			MEASURE(&bw[s], batches * WRITE_BATCH,
				loop_writes(&w, batches));
			MEASURE(&base[s], mit,
				loop_memcpy(b->buf, a->buf, len, mit));
		}
		/* ns per message -> MB/s */
		for (k = 0; k < REPS; k++) {
			bw[s].s[k] = len / bw[s].s[k] * 1e3;
			base[s].s[k] = len / base[s].s[k] * 1e3;
		}
		figure_done(&bw[s]);
		figure_done(&base[s]);
		report(&bw[s], &base[s], "MB/s", "%.1f", true);
	}
	for (s = 0; s < NSIZES; s++)
		printf("# %-5s RDMA WRITE %8.3f us per message (a POST_SEND; one CQ_POLL per %d)\n",
		       size_name(sizes[s]), sizes[s] / bw[s].max, WRITE_BATCH);
}

/*
 * Starts the RCU worker before pinning, so that it is not pinned to our
 * CPU: a PD allocated and freed by commands.
 */
static void start_rcu_worker(struct side *s)
{
	u32 pd;

	check(s, ioverbs_pd_alloc(&s->v, &pd), "PD_ALLOC");
	check(s, ioverbs_pd_dealloc(&s->v, pd), "PD_DEALLOC");
	rcu_barrier();
}

int main(int argc, char **argv)
{
	struct ib_device *dev;
	struct side a, b;
	u64 t0 = now_ns();
	long live;
	int ret, i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else
			die("usage: bench_soft [-v]", -EINVAL);
	}
	ret = ioverbs_init();
	if (ret)
		die("ioverbs_init", ret);
	/* A broken invariant makes every figure meaningless: stop. */
	compat_warn_abort = true;
	dev = soft_device_create(NULL);
	if (IS_ERR(dev))
		die("soft_device_create", PTR_ERR(dev));

	side_open(&a, dev);
	side_open(&b, dev);
	qp_connect(&a, &b);
	qp_connect(&b, &a);
	start_rcu_worker(&a);
	{
		char method[96];

		snprintf(method, sizeof(method),
			 "latencies are the minimum, bandwidths the maximum (the fastest repetition) of %d",
			 REPS);
		pin_to_current_cpu(method);
	}

	bench_send_lat(&a, &b);
	bench_write_bw(&a, &b);

	side_close(&a);
	side_close(&b);
	soft_device_destroy(dev);
	rcu_barrier();
	live = compat_live_objects();
	printf("# %.1f s; leak check: compat_live_objects() == %ld after rcu_barrier(): %s\n",
	       (double)(now_ns() - t0) / 1e9, live, live ? "LEAK" : "ok");
	return live ? 1 : 0;
}
