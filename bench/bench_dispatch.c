// SPDX-License-Identifier: MIT
/*
 * The cost of the embedded-mode dispatcher, against the same work done
 * without the framework, measured in the same run (docs/design.md,
 * "Quality gates").  Every figure is one line: "bench NAME: VALUE UNIT
 * (baseline BNAME: BVALUE UNIT, ratio R)"; lines starting with '#' are
 * remarks.
 *
 * read section
 *   dispatch_read_3attr  ib_uverbs_ioctl() of PARENT_READ on one live object:
 *                        IDR READ + PTR_IN 16 B + PTR_OUT 16 B.
 *     baseline direct_read_3attr: look the object up in a plain array
 *                        (bounds and NULL checked), copy 16 B in, compute,
 *                        copy 16 B out.  The copies go through the same
 *                        copy_from_user/copy_to_user as the core's: any
 *                        transport has to move the payload across the user
 *                        boundary, so that is the work, not the framework.
 *                        What the baseline does not pay is what the
 *                        framework adds: reading the header and the
 *                        attribute array, validating them, the locks.  It
 *                        also runs the test driver's knob check (see
 *                        direct_knob_enter()), as the driver's handler does.
 *   direct_read_3attr against direct_read_3attr_memcpy: what the two
 *                        uaccess copies cost the baseline itself.
 *   dispatch_read_overhead  dispatch_read_3attr - direct_read_3attr, against
 *                        the project's budget (a constant, not a measurement).
 *   kernel_ioctl_plus_dispatch / _direct  the same two, each preceded by a
 *                        real kernel entry (ioctl on /dev/null, ENOTTY), as
 *                        a kernel module or the daemon would have.
 *   prim_*               the primitives the dispatcher adds, each alone,
 *                        against an empty function call; the '# overhead'
 *                        line splits the overhead with them (an estimate).
 *                        For an exact count per phase, run the --loop mode
 *                        under valgrind --tool=callgrind.
 * create section
 *   create_destroy_pair  PARENT_CREATE (IDR NEW + PTR_IN u32, commit) then
 *                        PARENT_DESTROY.
 *     baseline direct_create_destroy: copy_from_user of the u32, kzalloc of
 *                        the driver object, a handle from a plain free list
 *                        into a plain array; then the lookup, kfree and the
 *                        handle back on the free list; the knob check in
 *                        both, as the driver's handlers.  kzalloc/kfree are
 *                        compat's counted ones, as the driver's handler uses.
 *   create_destroy_pair_cpu  the same in CPU time of the whole process,
 *                        which adds the RCU worker's deferred frees.
 * scale section
 *   dispatch_read_rand_N / _hot_N   PARENT_READ of random handles among N
 *                        live objects of one context (N = 1k .. 1M), and of
 *                        one fixed handle; baseline: the 1k figure.  The
 *                        direct_read_rand_N lines do the same on the plain
 *                        array, for the cache misses inherent in the data.
 *   create_fill_1M       PARENT_CREATE of the 1M objects (one pass, no
 *                        destroy), against direct_create into the array.
 *
 * Method: pinned to the CPU we start on (the RCU worker is started before,
 * so it is not pinned with us); every figure is the MINIMUM over REPS
 * repetitions of a short timed batch (CLOCK_MONOTONIC), after a warm-up.
 * Our machines are shared VMs: preemption and neighbours only ever add
 * time, so the minimum is the best estimate of the cost itself; -v prints
 * the median and maximum too.  Framework and baseline repetitions
 * alternate, so that drift hits both.  Timing is never asserted; only
 * correctness (return codes, results, the leak counter at exit) fails the
 * program.  A full run takes about 6 s.
 *
 *   bench_dispatch [-v] [read] [create] [scale]
 *                              the sections to run (default: all three)
 *   bench_dispatch --loop WHAT N   runs one loop untimed, for callgrind:
 *                              WHAT = read | direct | create | empty
 */
#include <fcntl.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <rdma/ib_verbs.h>

#include "../tests/test_driver.h"
#include "bench.h"

#define REPS 31
/* The project's goals for dispatch_read_3attr (not measurements). */
#define GOAL_OVERHEAD_NS 150.0
#define GOAL_RATIO 1.5
#define NOINLINE __attribute__((noinline))

static bool verbose;

static u64 cpu_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

/* A figure: the per-repetition samples, and its name. */
struct figure {
	const char *name;
	double s[REPS];
	unsigned int n;
	double value; /* the reported figure: the minimum */
	double median;
};

static double figure_done(struct figure *f)
{
	double t[REPS];

	memcpy(t, f->s, f->n * sizeof(double));
	qsort(t, f->n, sizeof(double), cmp_double);
	f->value = t[0];
	f->median = t[f->n / 2];
	if (verbose)
		printf("# %-28s min %8.1f  median %8.1f  max %8.1f  (%u reps)\n",
		       f->name, t[0], f->median, t[f->n - 1], f->n);
	return f->value;
}

static void report(const char *name, double v, const char *bname, double bv,
		   const char *unit)
{
	printf("bench %s: %.1f %s (baseline %s: %.1f %s, ratio %.2f)\n", name,
	       v, unit, bname, bv, unit, bv > 0 ? v / bv : 0.0);
}

static void report_fig(const struct figure *f, const struct figure *b,
		       const char *unit)
{
	report(f->name, f->value, b->name, b->value, unit);
}

/* Random handles: xorshift64, mapped to [0, n) by multiply-shift. */
static inline u32 rand_below(u64 *state, u32 n)
{
	u64 x = *state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	*state = x;
	return (u32)(((x >> 32) * (u64)n) >> 32);
}

/* ---- the framework's side ---- */

static long get_context(struct ib_uverbs_file *f)
{
	struct td_context_resp resp;
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, &resp, sizeof(resp));
	return td_cmd_exec(f, &c);
}

static struct ib_uverbs_file *open_ctx(struct ib_device *dev)
{
	struct ib_uverbs_file *f = ib_uverbs_open(dev, NULL, NULL);
	long ret;

	if (IS_ERR(f))
		die("ib_uverbs_open", PTR_ERR(f));
	ret = get_context(f);
	if (ret)
		die("GET_CONTEXT", ret);
	return f;
}

/* A PARENT_CREATE command; the core writes the new handle into attrs[0]. */
struct create_cmd {
	u32 value;
	struct td_cmd c; /* last: it ends in a flexible array */
};

static void create_cmd_init(struct create_cmd *cc, u32 value)
{
	cc->value = value;
	td_cmd_init(&cc->c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&cc->c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&cc->c, TD_PARENT_CREATE_VALUE, &cc->value,
		   sizeof(cc->value));
}

static u32 parent_create(struct ib_uverbs_file *f, struct create_cmd *cc)
{
	long ret = td_cmd_exec(f, &cc->c);

	if (ret)
		die("PARENT_CREATE", ret);
	return (u32)cc->c.attrs[0].ptr_idr;
}

/* A PARENT_READ command: IDR READ + PTR_IN 16 B + PTR_OUT 16 B. */
struct read_cmd {
	struct td_read_buf in, out;
	struct td_cmd c; /* last: it ends in a flexible array */
};

static void read_cmd_init(struct read_cmd *rc, u32 handle)
{
	rc->in.a = 1;
	rc->in.b = 2;
	td_cmd_init(&rc->c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&rc->c, TD_PARENT_READ_HANDLE, handle);
	td_cmd_ptr(&rc->c, TD_PARENT_READ_IN, &rc->in, sizeof(rc->in));
	td_cmd_ptr(&rc->c, TD_PARENT_READ_OUT, &rc->out, sizeof(rc->out));
}

static NOINLINE long loop_dispatch_read(struct ib_uverbs_file *f,
					struct read_cmd *rc, u64 iters)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters; i++)
		err |= ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL,
				       (unsigned long)&rc->c);
	return err;
}

static NOINLINE long loop_dispatch_read_rand(struct ib_uverbs_file *f,
					     struct read_cmd *rc, u64 iters,
					     u32 n, u64 *rng)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters; i++) {
		rc->c.attrs[0].ptr_idr = rand_below(rng, n);
		err |= ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL,
				       (unsigned long)&rc->c);
	}
	return err;
}

static NOINLINE long loop_create_destroy(struct ib_uverbs_file *f,
					 struct create_cmd *cc,
					 struct td_cmd *dc, u64 iters)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters; i++) {
		err |= ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL,
				       (unsigned long)&cc->c);
		dc->attrs[0].ptr_idr = cc->c.attrs[0].ptr_idr;
		err |= ib_uverbs_ioctl(f, RDMA_VERBS_IOCTL, (unsigned long)dc);
	}
	return err;
}

/* ---- the baseline: the same driver work, no framework ---- */

/*
 * The test driver's handlers all start with td_knob_enter(): three atomic
 * read-modify-writes and two loads on its knobs.  That is the driver's
 * work, not the framework's, so the baseline does the same on knobs of its
 * own.  Keep in step with td_knob_enter() (tests/test_driver.c).
 */
static struct td_knobs direct_knobs;

static inline int direct_knob_enter(void)
{
	int err, held = 1;

	__atomic_add_fetch(&direct_knobs.handler_calls, 1, __ATOMIC_RELAXED);
	if (__atomic_compare_exchange_n(&direct_knobs.hold_next, &held, 2,
					false, __ATOMIC_SEQ_CST,
					__ATOMIC_SEQ_CST))
		while (__atomic_load_n(&direct_knobs.hold_next,
				       __ATOMIC_SEQ_CST))
			usleep(100);
	if (__atomic_load_n(&direct_knobs.sleep_us, __ATOMIC_RELAXED))
		usleep(__atomic_load_n(&direct_knobs.sleep_us,
				       __ATOMIC_RELAXED));
	err = __atomic_exchange_n(&direct_knobs.fail_next, 0, __ATOMIC_RELAXED);
	if (err)
		return err;
	return __atomic_load_n(&direct_knobs.fail_all, __ATOMIC_RELAXED);
}

/* The driver object: the test driver's td_obj, same layout and size. */
struct direct_obj {
	u32 value;
	u64 tag;
	struct direct_obj *parent;
};

/* A plain handle table: an array and a free list. */
struct direct_table {
	struct direct_obj **slots;
	u32 *free;
	u32 nfree;
	u32 next;
	u32 cap;
};

static void direct_table_init(struct direct_table *t, u32 cap)
{
	t->slots = kcalloc(cap, sizeof(*t->slots));
	t->free = kcalloc(cap, sizeof(*t->free));
	if (!t->slots || !t->free)
		die("direct table", -ENOMEM);
	t->nfree = 0;
	t->next = 0;
	t->cap = cap;
}

static void direct_table_free(struct direct_table *t)
{
	u32 i;

	for (i = 0; i < t->next; i++)
		kfree(t->slots[i]);
	kfree(t->slots);
	kfree(t->free);
}

static NOINLINE int direct_create(struct direct_table *t, const u32 *uvalue,
				  u32 *handle)
{
	struct direct_obj *obj;
	u32 value, h;

	if (copy_from_user(&value, uvalue, sizeof(value)))
		return -EFAULT;
	if (!t->nfree && t->next == t->cap)
		return -ENOSPC;
	obj = kzalloc(sizeof(*obj));
	if (!obj)
		return -ENOMEM;
	obj->value = value;
	h = t->nfree ? t->free[--t->nfree] : t->next++;
	t->slots[h] = obj;
	*handle = h;
	return direct_knob_enter();
}

static NOINLINE int direct_destroy(struct direct_table *t, u32 h)
{
	struct direct_obj *obj;

	if (h >= t->next || !(obj = t->slots[h]))
		return -ENOENT;
	if (direct_knob_enter())
		return -EIO;
	t->slots[h] = NULL;
	kfree(obj);
	t->free[t->nfree++] = h;
	return 0;
}

/* PARENT_READ's handler work: out.a = in.a + value, out.b = in.b ^ tag. */
static NOINLINE int direct_read(struct direct_table *t, u32 h,
				const struct td_read_buf *uin,
				struct td_read_buf *uout)
{
	struct td_read_buf in, out;
	struct direct_obj *obj;

	if (h >= t->next || !(obj = t->slots[h]))
		return -ENOENT;
	if (copy_from_user(&in, uin, sizeof(in)))
		return -EFAULT;
	out.a = in.a + obj->value;
	out.b = in.b ^ obj->tag;
	if (direct_knob_enter())
		return -EIO;
	if (copy_to_user(uout, &out, sizeof(out)))
		return -EFAULT;
	return 0;
}

static NOINLINE int direct_read_memcpy(struct direct_table *t, u32 h,
				       const struct td_read_buf *uin,
				       struct td_read_buf *uout)
{
	struct td_read_buf in, out;
	struct direct_obj *obj;

	if (h >= t->next || !(obj = t->slots[h]))
		return -ENOENT;
	memcpy(&in, uin, sizeof(in));
	__asm__ volatile("" : : "r"(&in) : "memory");
	out.a = in.a + obj->value;
	out.b = in.b ^ obj->tag;
	if (direct_knob_enter())
		return -EIO;
	memcpy(uout, &out, sizeof(out));
	__asm__ volatile("" : : "r"(uout) : "memory");
	return 0;
}

static NOINLINE long loop_direct_read(struct direct_table *t, u32 h,
				      struct read_cmd *rc, u64 iters,
				      bool use_memcpy)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters; i++)
		err |= use_memcpy ?
			       direct_read_memcpy(t, h, &rc->in, &rc->out) :
			       direct_read(t, h, &rc->in, &rc->out);
	return err;
}

static NOINLINE long loop_direct_read_rand(struct direct_table *t,
					   struct read_cmd *rc, u64 iters,
					   u32 n, u64 *rng)
{
	long err = 0;
	u64 i;

	for (i = 0; i < iters; i++)
		err |= direct_read(t, rand_below(rng, n), &rc->in, &rc->out);
	return err;
}

static NOINLINE long loop_direct_create_destroy(struct direct_table *t,
						const u32 *uvalue, u64 iters)
{
	long err = 0;
	u32 h = 0;
	u64 i;

	for (i = 0; i < iters; i++) {
		err |= direct_create(t, uvalue, &h);
		err |= direct_destroy(t, h);
	}
	return err;
}

/* ---- primitives the dispatcher is built from, for the breakdown ---- */

static NOINLINE void empty_call(void *p)
{
	__asm__ volatile("" : : "r"(p) : "memory");
}

enum prim {
	PRIM_EMPTY,
	PRIM_COPY_IN_16,   /* the header */
	PRIM_COPY_IN_48,   /* the attribute array of 3 */
	PRIM_COPY_OUT_16,  /* PTR_OUT */
	PRIM_RCU,	   /* rcu_read_lock + rcu_read_unlock */
	PRIM_CLOSE_SEM,	   /* down_read + up_read, as each command does */
	PRIM_USECNT,	   /* uobject READ lock + unlock (2 atomics) */
	PRIM_NULL_SYSCALL, /* ioctl(/dev/null, RDMA_VERBS_IOCTL): ENOTTY */
	PRIM_NUM,
};

static const char *const prim_names[PRIM_NUM] = {
	[PRIM_EMPTY] = "call_empty",
	[PRIM_COPY_IN_16] = "prim_copy_from_user_16",
	[PRIM_COPY_IN_48] = "prim_copy_from_user_48",
	[PRIM_COPY_OUT_16] = "prim_copy_to_user_16",
	[PRIM_RCU] = "prim_rcu_read_lock_unlock",
	[PRIM_CLOSE_SEM] = "prim_close_sem_read_up",
	[PRIM_USECNT] = "prim_usecnt_lock_unlock",
	[PRIM_NULL_SYSCALL] = "prim_kernel_ioctl_enotty",
};

static int devnull_fd = -1;

static NOINLINE long loop_prim(enum prim p, u64 iters)
{
	static struct rw_semaphore sem;
	static bool sem_ready;
	static atomic_t usecnt;
	u8 src[64] = { 1 }, dst[64];
	long err = 0;
	u64 i;
	int old;

	if (!sem_ready) {
		init_rwsem(&sem);
		sem_ready = true;
	}
	for (i = 0; i < iters; i++) {
		switch (p) {
		case PRIM_EMPTY:
			empty_call(dst);
			break;
		case PRIM_COPY_IN_16:
			err |= (long)copy_from_user(dst, src, 16);
			break;
		case PRIM_COPY_IN_48:
			err |= (long)copy_from_user(dst, src, 48);
			break;
		case PRIM_COPY_OUT_16:
			err |= (long)copy_to_user(dst, src, 16);
			break;
		case PRIM_RCU:
			rcu_read_lock();
			empty_call(dst);
			rcu_read_unlock();
			break;
		case PRIM_CLOSE_SEM:
			down_read(&sem);
			up_read(&sem);
			break;
		case PRIM_USECNT:
			/* The code of uobj_lock(READ) and uverbs_uobject_unlock(READ). */
			old = atomic_read(&usecnt);
			do {
				if (old < 0)
					break;
			} while (!atomic_try_cmpxchg(&usecnt, &old, old + 1));
			atomic_dec(&usecnt);
			empty_call(dst);
			break;
		case PRIM_NULL_SYSCALL:
			err |= ioctl(devnull_fd, RDMA_VERBS_IOCTL, dst) == 0;
			break;
		default:
			break;
		}
	}
	return err;
}

/*
 * Splits the overhead by the primitives the framework adds to the
 * baseline's work, each timed alone above: an estimate (in a command they
 * overlap with other work), not a measurement of the phase in place.
 * RCU and usecnt wrap an empty call, whose cost is taken off.  What is
 * left is the dispatcher's own code: header checks, finding the action,
 * parsing and validating the attributes, the bundle, the lookup, finalize,
 * the handler wrapper.
 */
static void print_breakdown(double overhead, const struct figure *prims)
{
	double empty = prims[PRIM_EMPTY].value;
	double hdr = prims[PRIM_COPY_IN_16].value;
	double attrs = prims[PRIM_COPY_IN_48].value;
	double sem = prims[PRIM_CLOSE_SEM].value;
	double rcu = prims[PRIM_RCU].value - empty;
	double usecnt = prims[PRIM_USECNT].value - empty;

	printf("# overhead %.1f ns ~ header copy %.1f + attribute copy %.1f + close_sem %.1f + RCU %.1f + usecnt %.1f + dispatcher code %.1f\n",
	       overhead, hdr, attrs, sem, rcu, usecnt,
	       overhead - hdr - attrs - sem - rcu - usecnt);
}

/* ---- the measurements ---- */

/* Times one batch of @iters runs of @expr into @fig; dies if it failed. */
static void bench_read(struct ib_device *dev)
{
	struct ib_uverbs_file *f = open_ctx(dev);
	struct figure fw = { .name = "dispatch_read_3attr" },
		      base = { .name = "direct_read_3attr" },
		      base_mc = { .name = "direct_read_3attr_memcpy" },
		      prims[PRIM_NUM],
		      kfw = { .name = "kernel_ioctl_plus_dispatch" },
		      kbase = { .name = "kernel_ioctl_plus_direct" };
	const u64 iters = 50000, piters = 200000, kiters = 20000;
	struct direct_table t;
	struct create_cmd cc;
	struct read_cmd rc;
	unsigned int r, p;
	u32 h, dh;
	u64 i;

	create_cmd_init(&cc, 40);
	h = parent_create(f, &cc);
	read_cmd_init(&rc, h);
	direct_table_init(&t, 1);
	if (direct_create(&t, &cc.value, &dh))
		die("direct_create", -1);
	t.slots[dh]->tag = 0;

	/* Correctness first: the handler's result, both ways. */
	if (loop_dispatch_read(f, &rc, 1) || rc.out.a != 41 || rc.out.b != 2)
		die("PARENT_READ result", -1);
	memset(&rc.out, 0, sizeof(rc.out));
	if (loop_direct_read(&t, dh, &rc, 1, false) || rc.out.a != 41 ||
	    rc.out.b != 2)
		die("direct_read result", -1);

	devnull_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
	for (p = 0; p < PRIM_NUM; p++) {
		prims[p] = (struct figure){ .name = prim_names[p] };
		loop_prim(p, piters / 10);
	}

	/* Warm-up. */
	loop_dispatch_read(f, &rc, iters);
	loop_direct_read(&t, dh, &rc, iters, false);

	for (r = 0; r < REPS; r++) {
		MEASURE(&fw, iters, loop_dispatch_read(f, &rc, iters));
		MEASURE(&base, iters,
			loop_direct_read(&t, dh, &rc, iters, false));
		MEASURE(&base_mc, iters,
			loop_direct_read(&t, dh, &rc, iters, true));
		for (p = 0; p < PRIM_NUM; p++) {
			/* A syscall costs ~50 times more: fewer of them. */
			u64 n = p == PRIM_NULL_SYSCALL ? kiters : piters;

			MEASURE(&prims[p], n, loop_prim(p, n));
		}
		/* The same two through a real kernel entry each. */
		{
			u64 t0 = now_ns();
			long e = 0;

			for (i = 0; i < kiters; i++) {
				e |= ioctl(devnull_fd, RDMA_VERBS_IOCTL,
					   &rc.c) == 0;
				e |= loop_dispatch_read(f, &rc, 1);
			}
			kfw.s[kfw.n++] = (double)(now_ns() - t0) / kiters;
			t0 = now_ns();
			for (i = 0; i < kiters; i++) {
				e |= ioctl(devnull_fd, RDMA_VERBS_IOCTL,
					   &rc.c) == 0;
				e |= loop_direct_read(&t, dh, &rc, 1, false);
			}
			kbase.s[kbase.n++] = (double)(now_ns() - t0) / kiters;
			if (e)
				die("kernel_ioctl loops", e);
		}
	}
	figure_done(&fw);
	figure_done(&base);
	figure_done(&base_mc);
	figure_done(&kfw);
	figure_done(&kbase);
	for (p = 0; p < PRIM_NUM; p++)
		figure_done(&prims[p]);

	report_fig(&fw, &base, "ns/cmd");
	/* What the uaccess functions cost the baseline itself. */
	report_fig(&base, &base_mc, "ns/cmd");
	/*
	 * The overhead is the difference of the two figures above, both
	 * measured here; it is compared with the project's budget, which is
	 * a fixed number, not a measurement.
	 */
	report("dispatch_read_overhead", fw.value - base.value,
	       "goal_max_overhead", GOAL_OVERHEAD_NS, "ns/cmd");
	/* Both with a real kernel entry (ioctl on /dev/null: ENOTTY) before
	 * them, as a kernel or daemon transport would have. */
	report_fig(&kfw, &kbase, "ns/cmd");
	printf("# goals: overhead <= %.0f ns: %s (%.1f ns); ratio <= %.1f: %s in-process (%.2f), %s with a kernel entry on both sides (%.2f)\n",
	       GOAL_OVERHEAD_NS,
	       fw.value - base.value <= GOAL_OVERHEAD_NS ? "met" : "NOT met",
	       fw.value - base.value, GOAL_RATIO,
	       fw.value <= GOAL_RATIO * base.value ? "met" : "not met",
	       fw.value / base.value,
	       kfw.value <= GOAL_RATIO * kbase.value ? "met" : "not met",
	       kfw.value / kbase.value);
	for (p = 1; p < PRIM_NUM; p++)
		report_fig(&prims[p], &prims[PRIM_EMPTY], "ns/op");
	print_breakdown(fw.value - base.value, prims);

	close(devnull_fd);
	direct_table_free(&t);
	ib_uverbs_release(f);
}

static void bench_create_destroy(struct ib_device *dev)
{
	struct ib_uverbs_file *f = open_ctx(dev);
	struct figure fw = { .name = "create_destroy_pair" },
		      base = { .name = "direct_create_destroy" },
		      fwc = { .name = "create_destroy_pair_cpu" },
		      basec = { .name = "direct_create_destroy_cpu" };
	const u64 iters = 20000;
	struct direct_table t;
	struct create_cmd cc;
	struct td_cmd dc;
	unsigned int r;
	u64 c0;

	create_cmd_init(&cc, 7);
	td_cmd_init(&dc, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&dc, TD_PARENT_DESTROY_HANDLE, 0);
	direct_table_init(&t, 16);

	loop_create_destroy(f, &cc, &dc, iters);
	loop_direct_create_destroy(&t, &cc.value, iters);
	for (r = 0; r < REPS; r++) {
		/* Wall time on this thread, and CPU time of the process: the
		 * latter includes the RCU worker freeing the uobjects. */
		c0 = cpu_ns();
		MEASURE(&fw, iters, loop_create_destroy(f, &cc, &dc, iters));
		rcu_barrier();
		fwc.s[fwc.n++] = (double)(cpu_ns() - c0) / iters;
		c0 = cpu_ns();
		MEASURE(&base, iters,
			loop_direct_create_destroy(&t, &cc.value, iters));
		basec.s[basec.n++] = (double)(cpu_ns() - c0) / iters;
	}
	figure_done(&fw);
	figure_done(&base);
	figure_done(&fwc);
	figure_done(&basec);
	report_fig(&fw, &base, "ns/pair");
	report_fig(&fwc, &basec, "ns/pair");

	direct_table_free(&t);
	ib_uverbs_release(f);
}

static const char *size_name(u32 n)
{
	switch (n) {
	case 1000:
		return "1k";
	case 10000:
		return "10k";
	case 100000:
		return "100k";
	case 1000000:
		return "1M";
	}
	return "?";
}

static void bench_scaling(struct ib_device *dev)
{
	static const u32 sizes[] = { 1000, 10000, 100000, 1000000 };
	struct figure fr[ARRAY_SIZE(sizes)], fh[ARRAY_SIZE(sizes)],
		dr[ARRAY_SIZE(sizes)];
	char names[3][ARRAY_SIZE(sizes)][40];
	struct ib_uverbs_file *f = open_ctx(dev);
	const u64 iters = 30000;
	struct direct_table t;
	struct create_cmd cc;
	struct read_cmd rc;
	u64 rng = 0x9e3779b97f4a7c15ull, t0, t1, fill_fw = 0, fill_direct = 0;
	u32 have = 0, h, dh;
	unsigned int s, r;

	create_cmd_init(&cc, 3);
	read_cmd_init(&rc, 0);
	direct_table_init(&t, sizes[ARRAY_SIZE(sizes) - 1]);

	for (s = 0; s < ARRAY_SIZE(sizes); s++) {
		u32 n = sizes[s];

		/* A fresh context hands out 0, 1, 2, ... */
		t0 = now_ns();
		for (h = have; h < n; h++)
			if (parent_create(f, &cc) != h)
				die("unexpected handle", h);
		t1 = now_ns();
		fill_fw += t1 - t0;
		for (h = have; h < n; h++)
			if (direct_create(&t, &cc.value, &dh) || dh != h)
				die("direct_create", dh);
		fill_direct += now_ns() - t1;
		have = n;

		snprintf(names[0][s], sizeof(names[0][s]),
			 "dispatch_read_rand_%s", size_name(n));
		snprintf(names[1][s], sizeof(names[1][s]),
			 "dispatch_read_hot_%s", size_name(n));
		snprintf(names[2][s], sizeof(names[2][s]),
			 "direct_read_rand_%s", size_name(n));
		fr[s] = (struct figure){ .name = names[0][s] };
		fh[s] = (struct figure){ .name = names[1][s] };
		dr[s] = (struct figure){ .name = names[2][s] };

		loop_dispatch_read_rand(f, &rc, iters, n, &rng);
		loop_direct_read_rand(&t, &rc, iters, n, &rng);
		for (r = 0; r < REPS; r++) {
			MEASURE(&fr[s], iters,
				loop_dispatch_read_rand(f, &rc, iters, n,
							&rng));
			rc.c.attrs[0].ptr_idr = n / 2;
			MEASURE(&fh[s], iters,
				loop_dispatch_read(f, &rc, iters));
			MEASURE(&dr[s], iters,
				loop_direct_read_rand(&t, &rc, iters, n, &rng));
		}
		figure_done(&fr[s]);
		figure_done(&fh[s]);
		figure_done(&dr[s]);
	}
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		report_fig(&fr[s], &fr[0], "ns/cmd");
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		report_fig(&fh[s], &fh[0], "ns/cmd");
	for (s = 0; s < ARRAY_SIZE(sizes); s++)
		report_fig(&dr[s], &dr[0], "ns/cmd");
	/* One pass each (not a minimum): creating the 1M objects. */
	report("create_fill_1M", (double)fill_fw / have,
	       "direct_create_fill_1M", (double)fill_direct / have, "ns/obj");

	t0 = now_ns();
	ib_uverbs_release(f);
	t1 = now_ns();
	printf("# 1M objects: created in %.2f s, the file closed in %.2f s\n",
	       (double)fill_fw / 1e9, (double)(t1 - t0) / 1e9);
	direct_table_free(&t);
}

/* One loop, untimed, for callgrind: instructions per command. */
static int run_loop(struct ib_device *dev, const char *what, u64 n)
{
	struct ib_uverbs_file *f = open_ctx(dev);
	struct direct_table t;
	struct create_cmd cc;
	struct read_cmd rc;
	struct td_cmd dc;
	long err = 0;
	u32 dh;

	create_cmd_init(&cc, 40);
	read_cmd_init(&rc, parent_create(f, &cc));
	td_cmd_init(&dc, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&dc, TD_PARENT_DESTROY_HANDLE, 0);
	direct_table_init(&t, 16);
	if (direct_create(&t, &cc.value, &dh))
		die("direct_create", -1);
	if (!strcmp(what, "read"))
		err = loop_dispatch_read(f, &rc, n);
	else if (!strcmp(what, "direct"))
		err = loop_direct_read(&t, dh, &rc, n, false);
	else if (!strcmp(what, "create"))
		err = loop_create_destroy(f, &cc, &dc, n);
	else if (!strcmp(what, "empty"))
		err = loop_prim(PRIM_EMPTY, n);
	else
		die("unknown loop", -EINVAL);
	if (err)
		die(what, err);
	direct_table_free(&t);
	ib_uverbs_release(f);
	return 0;
}

/* Starts the RCU worker before pinning, so that it is not pinned to our
 * CPU: create and destroy one object. */
static void start_rcu_worker(struct ib_device *dev)
{
	struct ib_uverbs_file *f = open_ctx(dev);
	struct create_cmd cc;
	struct td_cmd dc;

	create_cmd_init(&cc, 1);
	td_cmd_init(&dc, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&dc, TD_PARENT_DESTROY_HANDLE, parent_create(f, &cc));
	if (td_cmd_exec(f, &dc))
		die("PARENT_DESTROY", -1);
	ib_uverbs_release(f);
	rcu_barrier();
}

int main(int argc, char **argv)
{
	unsigned int sections = 0;
	struct ib_device *dev;
	long live;
	int ret, i;

	ret = compat_init();
	if (ret)
		die("compat_init", ret);
	/* A broken invariant makes every figure meaningless: stop. */
	compat_warn_abort = true;
	dev = td_device_create();
	if (!dev)
		die("td_device_create", -ENOMEM);

	if (argc == 4 && !strcmp(argv[1], "--loop")) {
		ret = run_loop(dev, argv[2], strtoull(argv[3], NULL, 0));
		goto out;
	}
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-v"))
			verbose = true;
		else if (!strcmp(argv[i], "read"))
			sections |= 1;
		else if (!strcmp(argv[i], "create"))
			sections |= 2;
		else if (!strcmp(argv[i], "scale"))
			sections |= 4;
		else
			die("usage: bench_dispatch [-v] [read] [create] [scale]",
			    -EINVAL);
	}
	if (!sections)
		sections = 7;

	start_rcu_worker(dev);
	{
		char method[64];

		snprintf(method, sizeof(method),
			 "figures are the minimum of %d repetitions", REPS);
		pin_to_current_cpu(method);
	}
	if (sections & 1)
		bench_read(dev);
	if (sections & 2)
		bench_create_destroy(dev);
	if (sections & 4)
		bench_scaling(dev);
out:
	td_device_destroy(dev);
	rcu_barrier();
	live = compat_live_objects();
	printf("# leak check: compat_live_objects() == %ld after rcu_barrier(): %s\n",
	       live, live ? "LEAK" : "ok");
	return live || ret ? 1 : 0;
}
