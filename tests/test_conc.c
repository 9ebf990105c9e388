// SPDX-License-Identifier: MIT
/*
 * Concurrency tests (docs/design.md, "Concurrency and removal"; rules 12,
 * 14, 18, 19, 20): threads racing commands on shared handles, creates and
 * destroys in storms, close and device removal under load, GET_CONTEXT
 * races, per-file handle isolation, FD objects.  They run under ASan+UBSan
 * (`make check-asan`) and TSan (`make check-tsan` runs tests/test_conc*.c).
 *
 * Every loop is bounded in iterations and in time, every thread is
 * joined, every file released and every device destroyed, so that the
 * harness's leak check applies.  Threads share state with the test only
 * through __atomic operations, so a TSan report points at the core.
 *
 * Checks are on what the caller can observe: the errno of every command
 * against the set the contract allows at that moment, values written
 * through a handle read back through the same handle, and the test
 * driver's destroy counter against the number of objects created (each
 * driver object is destroyed exactly once, by DESTROY, close or removal).
 */
#include <dirent.h>
#include <pthread.h>
#include <sched.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "test_driver.h"

/* TSan runs 5-15x slower: fewer iterations, the same time bounds. */
#if defined(__SANITIZE_THREAD__)
#define CC_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define CC_TSAN 1
#endif
#endif
#ifdef CC_TSAN
#define CC_SCALE(n) ((n) / 4 ? (n) / 4 : 1)
#else
#define CC_SCALE(n) (n)
#endif

#define CC_LOAD(x) __atomic_load_n(&(x), __ATOMIC_ACQUIRE)
#define CC_STORE(x, v) __atomic_store_n(&(x), (v), __ATOMIC_RELEASE)
#define CC_ADD(x, v) __atomic_add_fetch(&(x), (v), __ATOMIC_ACQ_REL)
#define CC_KNOB(field) __atomic_load_n(&td_knobs.field, __ATOMIC_SEQ_CST)
#define CC_KNOB_SET(field, v) \
	__atomic_store_n(&td_knobs.field, (v), __ATOMIC_SEQ_CST)

/* A value no handle-derived value (handle << 12 | n) can take. */
#define CC_FRESH 0xffffffffu
#define CC_NO_HANDLE 0xffffffffu

/* ---- small helpers ---------------------------------------------------- */

static u64 cc_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/* True while the loop may go on: checks the clock every 32 iterations. */
static bool cc_in_time(unsigned long i, u64 deadline)
{
	return (i & 31) || cc_now_ms() < deadline;
}

static u32 cc_rand(u32 *s)
{
	u32 x = *s;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	return *s = x;
}

static void cc_sleep_us(unsigned int us)
{
	struct timespec ts = { us / 1000000, (long)(us % 1000000) * 1000 };

	nanosleep(&ts, NULL);
}

static void cc_thread_start(pthread_t *t, void *(*fn)(void *), void *arg)
{
	ASSERT_OK(-pthread_create(t, NULL, fn, arg));
}

static void cc_thread_join(pthread_t t)
{
	ASSERT_OK(-pthread_join(t, NULL));
}

/* Starts @n threads on fn(args + i * size), then joins them all. */
static void cc_run_threads(unsigned int n, void *(*fn)(void *), void *args,
			   size_t size)
{
	pthread_t t[16];
	unsigned int i;

	ASSERT_TRUE(n <= 16);
	for (i = 0; i < n; i++)
		cc_thread_start(&t[i], fn, (char *)args + i * size);
	for (i = 0; i < n; i++)
		cc_thread_join(t[i]);
}

/* Stores max(*p, v). */
static void cc_atomic_max(u32 *p, u32 v)
{
	u32 old = CC_LOAD(*p);

	while (old < v &&
	       !__atomic_compare_exchange_n(p, &old, v, false, __ATOMIC_ACQ_REL,
					    __ATOMIC_ACQUIRE))
		;
}

/* Results, counted per operation. */
enum { RS_OK, RS_EBUSY, RS_ENOENT, RS_EIO, RS_EINVAL, RS_EBADF, RS_NUM };
#define A_OK (1u << RS_OK)
#define A_EBUSY (1u << RS_EBUSY)
#define A_ENOENT (1u << RS_ENOENT)
#define A_EIO (1u << RS_EIO)
#define A_EINVAL (1u << RS_EINVAL)
#define A_EBADF (1u << RS_EBADF)

static int cc_res(long r)
{
	switch (r) {
	case 0: return RS_OK;
	case -EBUSY: return RS_EBUSY;
	case -ENOENT: return RS_ENOENT;
	case -EIO: return RS_EIO;
	case -EINVAL: return RS_EINVAL;
	case -EBADF: return RS_EBADF;
	}
	return -1;
}

static const char *const cc_res_names[RS_NUM] = {
	"0", "EBUSY", "ENOENT", "EIO", "EINVAL", "EBADF",
};

/* Fails the test unless @r is one of the @allowed results. */
static void cc_check(const char *file, int line, const char *what, long r,
		     unsigned int allowed)
{
	int i = cc_res(r);

	if (i < 0 || !(allowed & (1u << i)))
		harness_fail(file, line, "%s returned %s (%ld): not allowed here",
			     what, errno_name(r), r);
}
#define CC_CHECK(what, r, allowed) \
	cc_check(__FILE__, __LINE__, what, r, allowed)

enum { OP_CREATE, OP_READ, OP_WRITE, OP_DESTROY, OP_NUM };
static const char *const cc_op_names[OP_NUM] = {
	"create", "read", "write", "destroy",
};

struct cc_tally {
	long n[OP_NUM][RS_NUM];
};

static void cc_count(struct cc_tally *t, int op, long r)
{
	int i = cc_res(r);

	if (i >= 0)
		t->n[op][i]++;
}

static void cc_tally_add(struct cc_tally *sum, const struct cc_tally *t)
{
	int op, r;

	for (op = 0; op < OP_NUM; op++)
		for (r = 0; r < RS_NUM; r++)
			sum->n[op][r] += t->n[op][r];
}

static void cc_tally_print(const char *name, const struct cc_tally *t)
{
	int op, r;

	printf("# %s:", name);
	for (op = 0; op < OP_NUM; op++) {
		long total = 0;

		for (r = 0; r < RS_NUM; r++)
			total += t->n[op][r];
		if (!total)
			continue;
		printf(" %s", cc_op_names[op]);
		for (r = 0; r < RS_NUM; r++)
			if (t->n[op][r])
				printf(" %s=%ld", cc_res_names[r], t->n[op][r]);
		printf(";");
	}
	printf("\n");
}

/* Commands the committed helpers do not offer. */

static long cc_child_create(struct ib_uverbs_file *f, u32 parent, u32 value,
			    u32 *handle)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, parent);
	td_cmd_ptr(&c, TD_CHILD_CREATE_VALUE, &value, sizeof(value));
	ret = td_cmd_exec(f, &c);
	if (!ret && handle)
		*handle = td_cmd_handle(&c, TD_CHILD_CREATE_HANDLE);
	return ret;
}

/* *sum = the child's value + its parent's value. */
static long cc_child_read(struct ib_uverbs_file *f, u32 handle, u32 *sum)
{
	struct td_cmd c;
	u32 tmp;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_READ);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, handle);
	td_cmd_ptr(&c, TD_CHILD_READ_OUT, sum ? sum : &tmp, sizeof(tmp));
	return td_cmd_exec(f, &c);
}

static long cc_child_write(struct ib_uverbs_file *f, u32 handle, u32 value)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&c, TD_CHILD_WRITE_HANDLE, handle);
	td_cmd_ptr(&c, TD_CHILD_WRITE_VALUE, &value, sizeof(value));
	return td_cmd_exec(f, &c);
}

static long cc_channel_read(struct ib_uverbs_file *f, u32 fd, u32 *serial)
{
	struct td_cmd c;
	u32 tmp;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_READ);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	td_cmd_ptr(&c, TD_CHANNEL_READ_OUT, serial ? serial : &tmp,
		   sizeof(tmp));
	return td_cmd_exec(f, &c);
}

static long cc_channel_destroy(struct ib_uverbs_file *f, u32 fd)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_DESTROY);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	return td_cmd_exec(f, &c);
}

/* A parent's value, through PARENT_READ (out.a = 1 + value, out.b = tag). */
static long cc_parent_value(struct ib_uverbs_file *f, u32 handle, u32 *value)
{
	struct td_read_buf out;
	long ret = td_parent_read(f, handle, &out);

	if (!ret) {
		ASSERT_EQ(out.b, 2);
		*value = (u32)(out.a - 1);
	}
	return ret;
}

static struct ib_device *cc_device_create(void)
{
	struct ib_device *dev;

	td_knobs_reset();
	dev = td_device_create();
	ASSERT_TRUE(dev);
	return dev;
}

/* ---- 1. READ / WRITE / DESTROY on the same few handles ---------------- */

#define RWD_THREADS 4
#define RWD_SLOTS 3
#define RWD_ITERS CC_SCALE(40000)
#define RWD_MS 1500
#define RWD_MAX_HANDLE 4096

struct rwd {
	struct ib_uverbs_file *f;
	u64 deadline;
	u32 slots[RWD_SLOTS];		/* the handles being hammered */
	u32 max_handle;
	u32 creates[RWD_MAX_HANDLE];	/* successful creates per handle */
	u32 destroys[RWD_MAX_HANDLE];	/* successful destroys per handle */
};

struct rwd_thread {
	struct rwd *s;
	u32 seed;
	struct cc_tally t;
};

static u32 rwd_create(struct rwd *s)
{
	u32 h;

	ASSERT_OK(td_parent_create(s->f, CC_FRESH, &h));
	ASSERT_TRUE(h < RWD_MAX_HANDLE);
	CC_ADD(s->creates[h], 1);
	cc_atomic_max(&s->max_handle, h);
	return h;
}

static void *rwd_thread(void *arg)
{
	struct rwd_thread *me = arg;
	struct rwd *s = me->s;
	unsigned long i;
	u32 slot, h, nh, v;
	long r;

	for (i = 0; i < RWD_ITERS && cc_in_time(i, s->deadline); i++) {
		slot = cc_rand(&me->seed) % RWD_SLOTS;
		h = CC_LOAD(s->slots[slot]);
		switch (cc_rand(&me->seed) % 8) {
		case 0: case 1: case 2: case 3:
			r = cc_parent_value(s->f, h, &v);
			CC_CHECK("READ", r, A_OK | A_EBUSY | A_ENOENT);
			cc_count(&me->t, OP_READ, r);
			/* Whatever object @h names was written through @h. */
			if (!r && v != CC_FRESH && v >> 12 != h)
				harness_fail(__FILE__, __LINE__,
					     "handle %u reads 0x%x, written through handle %u",
					     h, v, v >> 12);
			break;
		case 4: case 5:
			r = td_parent_write(s->f, h, h << 12 | (u32)(i & 0xfff));
			CC_CHECK("WRITE", r, A_OK | A_EBUSY | A_ENOENT);
			cc_count(&me->t, OP_WRITE, r);
			break;
		default:
			r = td_parent_destroy(s->f, h);
			CC_CHECK("DESTROY", r, A_OK | A_EBUSY | A_ENOENT);
			cc_count(&me->t, OP_DESTROY, r);
			if (!r)
				CC_ADD(s->destroys[h], 1);
			/* Gone (by us or by another): put a new one in,
			 * unless another thread has already. */
			if (r == -EBUSY || CC_LOAD(s->slots[slot]) != h)
				break;
			nh = rwd_create(s);
			cc_count(&me->t, OP_CREATE, 0);
			if (__atomic_compare_exchange_n(&s->slots[slot], &h, nh,
							false, __ATOMIC_ACQ_REL,
							__ATOMIC_ACQUIRE))
				break;
			/* Lost that race: drop ours.  A stale command may
			 * hold it (its handle is a reused one) or even have
			 * destroyed it; then the sweep sees to it. */
			r = td_parent_destroy(s->f, nh);
			CC_CHECK("DESTROY", r, A_OK | A_EBUSY | A_ENOENT);
			cc_count(&me->t, OP_DESTROY, r);
			if (!r)
				CC_ADD(s->destroys[nh], 1);
		}
	}
	return NULL;
}

TEST_TIMEOUT(conc_read_write_destroy_race, 30)
{
	static struct rwd s;
	struct rwd_thread th[RWD_THREADS] = { 0 };
	struct cc_tally sum = { 0 };
	struct ib_device *dev = cc_device_create();
	long created = 0, destroyed = 0;
	unsigned int i;
	u32 h;
	long r;

	memset(&s, 0, sizeof(s));
	s.f = td_open_ctx_ok(dev);
	for (i = 0; i < RWD_SLOTS; i++)
		s.slots[i] = rwd_create(&s);
	s.deadline = cc_now_ms() + RWD_MS;
	for (i = 0; i < RWD_THREADS; i++) {
		th[i].s = &s;
		th[i].seed = 0x9e3779b9u * (i + 1);
	}
	cc_run_threads(RWD_THREADS, rwd_thread, th, sizeof(th[0]));
	for (i = 0; i < RWD_THREADS; i++)
		cc_tally_add(&sum, &th[i].t);
	cc_tally_print("conc_read_write_destroy_race", &sum);

	ASSERT_TRUE(sum.n[OP_READ][RS_OK] > 0);
	ASSERT_TRUE(sum.n[OP_WRITE][RS_OK] > 0);
	ASSERT_TRUE(sum.n[OP_DESTROY][RS_OK] > 0);
	/* Every successful DESTROY made exactly one object go. */
	ASSERT_EQ(CC_KNOB(destroy_calls), sum.n[OP_DESTROY][RS_OK]);

	/* Sweep: whatever is still live goes now, exactly once. */
	for (h = 0; h <= s.max_handle; h++) {
		r = td_parent_destroy(s.f, h);
		CC_CHECK("sweep DESTROY", r, A_OK | A_ENOENT);
		if (!r)
			s.destroys[h]++;
		td_parent_destroy_err(-ENOENT, s.f, h);
	}
	for (h = 0; h <= s.max_handle; h++) {
		if (s.creates[h] != s.destroys[h])
			harness_fail(__FILE__, __LINE__,
				     "handle %u: created %u times, destroyed %u times",
				     h, s.creates[h], s.destroys[h]);
		created += s.creates[h];
		destroyed += s.destroys[h];
	}
	ASSERT_EQ(created, destroyed);
	ASSERT_EQ(CC_KNOB(destroy_calls), created);
	ib_uverbs_release(s.f);
	ASSERT_EQ(CC_KNOB(destroy_calls), created);
	td_device_destroy(dev);
}

/* ---- 2. shared READs never conflict ------------------------------------ */

#define SR_THREADS 8

struct sr_thread {
	struct ib_uverbs_file *f;
	u32 parent;
	u32 value;
	unsigned int iters;
	bool children;
	u64 deadline;
	long reads;
	long children_made;
};

static void *sr_thread(void *arg)
{
	struct sr_thread *me = arg;
	unsigned long i;
	u32 v, c;

	for (i = 0; i < me->iters && cc_in_time(i, me->deadline); i++) {
		/* No writer exists: EBUSY would mean READs exclude each other. */
		ASSERT_OK(cc_parent_value(me->f, me->parent, &v));
		ASSERT_EQ(v, me->value);
		me->reads++;
		/* CHILD_CREATE holds the parent READ too (its parent attr). */
		if (me->children && !(i & 3)) {
			ASSERT_OK(cc_child_create(me->f, me->parent, 7, &c));
			ASSERT_OK(cc_child_read(me->f, c, &v));
			ASSERT_EQ(v, me->value + 7);
			ASSERT_OK(td_child_destroy(me->f, c));
			me->children_made++;
		}
	}
	return NULL;
}

/* Returns how many children the round made (and destroyed). */
static long sr_round(struct ib_uverbs_file *f, u32 p, unsigned int iters,
		     bool children, unsigned int sleep_us)
{
	struct sr_thread th[SR_THREADS];
	long reads = 0, kids = 0;
	unsigned int i;

	CC_KNOB_SET(sleep_us, sleep_us);
	for (i = 0; i < SR_THREADS; i++) {
		th[i] = (struct sr_thread){ .f = f, .parent = p, .value = 77,
					    .iters = iters, .children = children,
					    .deadline = cc_now_ms() + 3000 };
	}
	cc_run_threads(SR_THREADS, sr_thread, th, sizeof(th[0]));
	CC_KNOB_SET(sleep_us, 0);
	for (i = 0; i < SR_THREADS; i++) {
		reads += th[i].reads;
		kids += th[i].children_made;
	}
	printf("# conc_shared_reads: sleep %uus: %ld reads, %ld children\n",
	       sleep_us, reads, kids);
	ASSERT_TRUE(reads >= SR_THREADS);
	return kids;
}

TEST_TIMEOUT(conc_shared_reads, 30)
{
	struct ib_device *dev = cc_device_create();
	struct ib_uverbs_file *f = td_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 77);
	long kids = 0;

	kids += sr_round(f, p, CC_SCALE(4000), false, 0);
	kids += sr_round(f, p, CC_SCALE(2000), true, 0);
	/* Handlers that sleep: every READ overlaps others. */
	kids += sr_round(f, p, 40, false, 300);
	kids += sr_round(f, p, 20, true, 300);
	td_parent_destroy_ok(f, p);
	ASSERT_EQ(CC_KNOB(destroy_calls), 1 + kids);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}

/* ---- 3. create/destroy storm, handles reused correctly ----------------- */

#define ST_THREADS 4
#define ST_PARENTS 3
#define ST_CHILDREN 3
#define ST_ROUNDS CC_SCALE(800)
#define ST_MS 2000
#define ST_MAX_HANDLE 4096

struct storm {
	struct ib_uverbs_file *f;
	u64 deadline;
	u32 owner[ST_MAX_HANDLE];	/* thread id + 1 of the live object */
	u32 max_handle;
	long creates;
};

struct storm_thread {
	struct storm *s;
	u32 id;
	long rounds;
};

static void storm_claim(struct storm *s, u32 h, u32 id)
{
	u32 zero = 0;

	ASSERT_TRUE(h < ST_MAX_HANDLE);
	cc_atomic_max(&s->max_handle, h);
	CC_ADD(s->creates, 1);
	/* A handle names one live object: nobody else may hold it now. */
	if (!__atomic_compare_exchange_n(&s->owner[h], &zero, id + 1, false,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		harness_fail(__FILE__, __LINE__,
			     "handle %u given to thread %u, still held by thread %u",
			     h, id, zero - 1);
}

/* Before DESTROY: once it succeeds the handle may be handed out at once. */
static void storm_unclaim(struct storm *s, u32 h, u32 id)
{
	ASSERT_EQ(CC_LOAD(s->owner[h]), id + 1);
	CC_STORE(s->owner[h], 0);
}

static void *storm_thread(void *arg)
{
	struct storm_thread *me = arg;
	struct storm *s = me->s;
	struct ib_uverbs_file *f = s->f;
	u32 ph[ST_PARENTS], pv[ST_PARENTS];
	u32 ch[ST_PARENTS][ST_CHILDREN], cv[ST_PARENTS][ST_CHILDREN];
	unsigned long round;
	unsigned int p, c;
	u32 v;

	for (round = 0; round < ST_ROUNDS && cc_in_time(round, s->deadline);
	     round++) {
		for (p = 0; p < ST_PARENTS; p++) {
			pv[p] = me->id << 24 | (u32)(round & 0xfff) << 8 | p;
			ASSERT_OK(td_parent_create(f, pv[p], &ph[p]));
			storm_claim(s, ph[p], me->id);
		}
		for (p = 0; p < ST_PARENTS; p++) {
			for (c = 0; c < ST_CHILDREN; c++) {
				cv[p][c] = 0x10000u * (c + 1) + me->id;
				ASSERT_OK(cc_child_create(f, ph[p], cv[p][c],
							  &ch[p][c]));
				storm_claim(s, ch[p][c], me->id);
			}
		}
		/* Values read back through each handle are ours. */
		for (p = 0; p < ST_PARENTS; p++) {
			ASSERT_OK(cc_parent_value(f, ph[p], &v));
			ASSERT_EQ(v, pv[p]);
			for (c = 0; c < ST_CHILDREN; c++) {
				ASSERT_OK(cc_child_read(f, ch[p][c], &v));
				ASSERT_EQ(v, pv[p] + cv[p][c]);
			}
			/* Rule 18: it has children. */
			td_parent_destroy_err(-EBUSY, f, ph[p]);
		}
		for (p = 0; p < ST_PARENTS; p++) {
			for (c = 0; c < ST_CHILDREN; c++) {
				storm_unclaim(s, ch[p][c], me->id);
				ASSERT_OK(td_child_destroy(f, ch[p][c]));
			}
			storm_unclaim(s, ph[p], me->id);
			ASSERT_OK(td_parent_destroy(f, ph[p]));
		}
		me->rounds++;
	}
	return NULL;
}

TEST_TIMEOUT(conc_create_destroy_storm, 30)
{
	static struct storm s;
	struct storm_thread th[ST_THREADS];
	struct ib_device *dev = cc_device_create();
	long rounds = 0;
	unsigned int i;
	u32 h;

	memset(&s, 0, sizeof(s));
	s.f = td_open_ctx_ok(dev);
	s.deadline = cc_now_ms() + ST_MS;
	for (i = 0; i < ST_THREADS; i++)
		th[i] = (struct storm_thread){ .s = &s, .id = i };
	cc_run_threads(ST_THREADS, storm_thread, th, sizeof(th[0]));
	for (i = 0; i < ST_THREADS; i++)
		rounds += th[i].rounds;
	printf("# conc_create_destroy_storm: %ld rounds, %ld objects, handles up to %u\n",
	       rounds, s.creates, s.max_handle);
	ASSERT_TRUE(rounds >= ST_THREADS);
	/* Handles were reused: far fewer than objects created. */
	ASSERT_TRUE(s.max_handle < (u32)s.creates);

	/* Everything is gone. */
	for (h = 0; h <= s.max_handle; h++) {
		ASSERT_EQ(s.owner[h], 0);
		td_parent_read_err(-ENOENT, s.f, h);
		ASSERT_ERRNO(-ENOENT, cc_child_read(s.f, h, NULL));
	}
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	ib_uverbs_release(s.f);
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	td_device_destroy(dev);
}

/* ---- 4. close racing commands ------------------------------------------ */

#define CR_THREADS 4
#define CR_HANDLES 24
#define CR_AFTER_EIO 200

struct cr {
	struct ib_uverbs_file *f;
	u64 deadline;
	int release_started;
	long creates;
	long ops;
};

struct cr_thread {
	struct cr *s;
	u32 seed;
	bool seen_eio;
	long in_flight_ok;	/* began before the close, succeeded after */
	struct cc_tally t;
};

static void *cr_thread(void *arg)
{
	struct cr_thread *me = arg;
	struct cr *s = me->s;
	unsigned long i, after = 0;
	int op, before;
	long r;
	u32 h;

	for (i = 0; cc_in_time(i, s->deadline); i++) {
		h = cc_rand(&me->seed) % CR_HANDLES;
		before = CC_LOAD(s->release_started);
		switch (cc_rand(&me->seed) % 8) {
		case 0: case 1:
			op = OP_CREATE;
			r = td_parent_create(s->f, CC_FRESH, NULL);
			if (!r)
				CC_ADD(s->creates, 1);
			break;
		case 2: case 3: case 4:
			op = OP_READ;
			r = td_parent_read(s->f, h, NULL);
			break;
		case 5:
			op = OP_WRITE;
			r = td_parent_write(s->f, h, h << 12);
			break;
		default:
			op = OP_DESTROY;
			r = td_parent_destroy(s->f, h);
		}
		cc_count(&me->t, op, r);
		CC_ADD(s->ops, 1);
		/* Rules 5 and 19: once closing, every command is EIO. */
		if (me->seen_eio && r != -EIO)
			harness_fail(__FILE__, __LINE__,
				     "%s returned %s after an EIO", cc_op_names[op],
				     errno_name(r));
		CC_CHECK(cc_op_names[op], r, A_OK | A_EBUSY | A_ENOENT | A_EIO);
		if (r == -EIO)
			me->seen_eio = true;
		if (!before && !r && CC_LOAD(s->release_started))
			me->in_flight_ok++;
		if (me->seen_eio && ++after >= CR_AFTER_EIO)
			break;
	}
	/* The reference main took for us. */
	ib_uverbs_file_put(s->f);
	return NULL;
}

static void cr_round(unsigned int sleep_us, bool want_in_flight)
{
	struct cr s = { 0 };
	struct cr_thread th[CR_THREADS] = { 0 };
	struct cc_tally sum = { 0 };
	struct ib_device *dev = cc_device_create();
	pthread_t t[CR_THREADS];
	static unsigned int round;
	long in_flight = 0;
	unsigned int i;
	int calls;
	u64 until;

	round++;
	s.f = td_open_ctx_ok(dev);
	for (i = 0; i < 8; i++)
		td_parent_create_ok(s.f, i);
	s.creates = 8;
	s.deadline = cc_now_ms() + 10000;
	CC_KNOB_SET(sleep_us, sleep_us);
	for (i = 0; i < CR_THREADS; i++) {
		th[i].s = &s;
		th[i].seed = 0x51ed27u * (i + 1) + round * 7919u;
		ib_uverbs_file_get(s.f);
		cc_thread_start(&t[i], cr_thread, &th[i]);
	}
	/* Let the workers get going, then close with commands in flight. */
	until = cc_now_ms() + 3000;
	while (CC_LOAD(s.ops) < (sleep_us ? 40 : 2000) && cc_now_ms() < until)
		cc_sleep_us(100);
	if (want_in_flight) {
		/* A handler has just started its sleep. */
		calls = CC_KNOB(handler_calls);
		while (CC_KNOB(handler_calls) == calls && cc_now_ms() < until)
			cc_sleep_us(50);
	}
	CC_STORE(s.release_started, 1);
	ib_uverbs_release(s.f);
	/* The close waited for every handler; none starts after it. */
	calls = CC_KNOB(handler_calls);
	for (i = 0; i < CR_THREADS; i++)
		cc_thread_join(t[i]);
	CC_KNOB_SET(sleep_us, 0);
	ASSERT_EQ(CC_KNOB(handler_calls), calls);

	for (i = 0; i < CR_THREADS; i++) {
		cc_tally_add(&sum, &th[i].t);
		in_flight += th[i].in_flight_ok;
		ASSERT_TRUE(th[i].seen_eio);
	}
	cc_tally_print("conc_close_races_commands", &sum);
	printf("# conc_close_races_commands: sleep %uus: %ld completed in flight\n",
	       sleep_us, in_flight);
	if (want_in_flight)
		ASSERT_TRUE(in_flight > 0);
	/* Every object went once: by DESTROY or by the close. */
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	td_device_destroy(dev);
}

TEST_TIMEOUT(conc_close_races_commands, 30)
{
	cr_round(0, false);
	cr_round(0, false);
	cr_round(0, false);
	cr_round(200, false);
	cr_round(200, false);
	/* Long handlers: close waits for the commands inside them. */
	cr_round(20000, true);
}

/* ---- 5. device removal under load --------------------------------------- */

#define RM_FILES 3
#define RM_PER_FILE 2
#define RM_THREADS (RM_FILES * RM_PER_FILE)
#define RM_SHARED 4
#define RM_OWN 32
#define RM_AFTER 200

struct rm {
	struct ib_device *dev;
	struct ib_uverbs_file *f[RM_FILES];
	u32 shared[RM_FILES][RM_SHARED];	/* parents every thread uses */
	int removal_started;
	int removal_done;
	long creates;
	long ops;
	u64 deadline;
};

/* An object a thread created and no DESTROY of it has succeeded yet. */
struct rm_obj {
	u32 h;
	bool child;
	u32 parent;	/* a child's parent if it is our own, else CC_NO_HANDLE */
	int children;	/* a parent's live children */
};

struct rm_thread {
	struct rm *s;
	unsigned int file;
	u32 seed;
	struct rm_obj objs[RM_OWN];
	unsigned int n;
	bool seen_eio;
	long in_flight_ok;	/* began before the removal, succeeded after */
	struct cc_tally t;
	long window[RS_NUM];	/* DESTROY results once the removal began */
};

static long rm_destroy(struct ib_uverbs_file *f, const struct rm_obj *o)
{
	return o->child ? td_child_destroy(f, o->h) : td_parent_destroy(f, o->h);
}

static struct rm_obj *rm_find(struct rm_thread *me, u32 h)
{
	unsigned int i;

	for (i = 0; i < me->n; i++)
		if (me->objs[i].h == h && !me->objs[i].child)
			return &me->objs[i];
	return NULL;
}

/* The object's DESTROY succeeded: forget it. */
static void rm_forget(struct rm_thread *me, struct rm_obj *o)
{
	struct rm_obj *p;

	if (o->child && o->parent != CC_NO_HANDLE) {
		p = rm_find(me, o->parent);
		/* A zombie parent may have gone first (after removal). */
		if (p)
			p->children--;
	}
	*o = me->objs[--me->n];
}

/*
 * One command of the mix.  Only this thread touches its own objects;
 * everyone reads, writes and hangs children on the shared parents.
 * Returns the result; *op says what it was, *exact_destroy what a DESTROY
 * must return if the removal has not begun by the time it returns.
 */
static long rm_one(struct rm_thread *me, struct ib_uverbs_file *f, int *op,
		   unsigned int *exact_destroy)
{
	struct rm *s = me->s;
	u32 sh = s->shared[me->file][cc_rand(&me->seed) % RM_SHARED];
	struct rm_obj *o = me->n ? &me->objs[cc_rand(&me->seed) % me->n] : NULL;
	u32 h;
	long r;

	switch (cc_rand(&me->seed) % 8) {
	case 0:
		*op = OP_READ;
		return td_parent_read(f, sh, NULL);
	case 1:
		*op = OP_WRITE;
		return td_parent_write(f, sh, 5);
	case 2:
		*op = OP_READ;
		/* No CHILD_READ: it reads the parent unlocked (the test
		 * driver's business), which would race with WRITE of a
		 * shared parent. */
		return td_parent_read(f, !o || o->child ? sh : o->h, NULL);
	case 3:
		*op = OP_WRITE;
		if (!o || !o->child)
			return td_parent_write(f, sh, 6);
		return cc_child_write(f, o->h, 6);
	case 4:
		*op = me->n == RM_OWN ? OP_READ : OP_CREATE;
		if (me->n == RM_OWN)
			return td_parent_read(f, sh, NULL);
		r = td_parent_create(f, 1, &h);
		if (!r) {
			me->objs[me->n++] = (struct rm_obj){ h, false,
							     CC_NO_HANDLE, 0 };
			CC_ADD(s->creates, 1);
		}
		return r;
	case 5:
		*op = me->n == RM_OWN ? OP_READ : OP_CREATE;
		if (me->n == RM_OWN)
			return td_parent_read(f, sh, NULL);
		if (o && o->child)
			o = NULL;
		r = cc_child_create(f, o ? o->h : sh, 2, &h);
		if (!r) {
			me->objs[me->n++] = (struct rm_obj){
				h, true, o ? o->h : CC_NO_HANDLE, 0 };
			if (o)
				o->children++;
			CC_ADD(s->creates, 1);
		}
		return r;
	default:
		*op = o ? OP_DESTROY : OP_READ;
		if (!o)
			return td_parent_read(f, sh, NULL);
		/* Rule 18 before the removal. */
		*exact_destroy = o->children ? A_EBUSY : A_OK;
		r = rm_destroy(f, o);
		if (!r)
			rm_forget(me, o);
		return r;
	}
}

static void *rm_thread(void *arg)
{
	struct rm_thread *me = arg;
	struct rm *s = me->s;
	struct ib_uverbs_file *f = s->f[me->file];
	unsigned long i, after = 0;
	unsigned int k, exact;
	bool began, before;
	int op;
	long r;

	for (i = 0; cc_in_time(i, s->deadline); i++) {
		exact = 0;
		began = !CC_LOAD(s->removal_started);
		r = rm_one(me, f, &op, &exact);
		/* Read after the command: it ran wholly before the removal. */
		before = !CC_LOAD(s->removal_started);
		if (began && !before && !r && op != OP_DESTROY)
			me->in_flight_ok++;
		cc_count(&me->t, op, r);
		CC_ADD(s->ops, 1);
		if (op == OP_DESTROY && before) {
			CC_CHECK("DESTROY before the removal", r, exact);
		} else if (op == OP_DESTROY) {
			/* During the removal: 0 for a zombie, EBUSY before
			 * the file is cleaned (children), EIO racing its
			 * cleanup, ENOENT for a live object before it is
			 * cleaned (conc_removal_destroy_window holds those
			 * two to rule 20).  Whatever it was, an object whose
			 * DESTROY failed is still there for the sweep below. */
			CC_CHECK("DESTROY during the removal", r,
				 A_OK | A_EBUSY | A_ENOENT | A_EIO);
			me->window[cc_res(r)]++;
		} else if (before) {
			CC_CHECK(cc_op_names[op], r, A_OK | A_EBUSY);
		} else {
			/* Commands in flight finish; new ones get EIO. */
			if (me->seen_eio && r != -EIO)
				harness_fail(__FILE__, __LINE__,
					     "%s returned %s after an EIO: the device is gone",
					     cc_op_names[op], errno_name(r));
			CC_CHECK(cc_op_names[op], r, A_OK | A_EBUSY | A_EIO);
			if (r == -EIO)
				me->seen_eio = true;
		}
		if (me->seen_eio && CC_LOAD(s->removal_done) &&
		    ++after >= RM_AFTER)
			break;
	}
	ASSERT_TRUE(me->seen_eio);
	while (!CC_LOAD(s->removal_done))
		cc_sleep_us(100);

	/* Rule 20: once removed, only DESTROY works, and on every object
	 * exactly once, whatever depended on it: parents first. */
	for (k = 0; k < 20; k++) {
		ASSERT_ERRNO(-EIO, td_parent_create(f, 0, NULL));
		ASSERT_ERRNO(-EIO, td_parent_read(f, s->shared[me->file][0], NULL));
		ASSERT_ERRNO(-EIO, td_parent_write(f, s->shared[me->file][0], 1));
	}
	for (k = 0; k < me->n; k++)
		if (!me->objs[k].child)
			ASSERT_OK(rm_destroy(f, &me->objs[k]));
	for (k = 0; k < me->n; k++)
		if (me->objs[k].child)
			ASSERT_OK(rm_destroy(f, &me->objs[k]));
	for (k = 0; k < me->n; k++)
		ASSERT_ERRNO(-ENOENT, rm_destroy(f, &me->objs[k]));
	return NULL;
}

static void rm_round(unsigned int sleep_us, bool want_in_flight)
{
	static struct rm s;
	static struct rm_thread th[RM_THREADS];
	static unsigned int round;
	struct cc_tally sum = { 0 };
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_file *f;
	long window[RS_NUM] = { 0 }, in_flight = 0;
	pthread_t t[RM_THREADS];
	int calls;
	unsigned int i, j;
	u64 until;

	round++;
	memset(&s, 0, sizeof(s));
	memset(th, 0, sizeof(th));
	s.dev = cc_device_create();
	for (i = 0; i < RM_FILES; i++) {
		s.f[i] = td_open_ctx_ok(s.dev);
		for (j = 0; j < RM_SHARED; j++)
			s.shared[i][j] = td_parent_create_ok(s.f[i], 100 + j);
	}
	s.creates = RM_FILES * RM_SHARED;
	s.deadline = cc_now_ms() + 10000;
	CC_KNOB_SET(sleep_us, sleep_us);
	for (i = 0; i < RM_THREADS; i++) {
		th[i].s = &s;
		th[i].file = i % RM_FILES;
		th[i].seed = 0x2545f491u * (i + 1) + round * 7919u;
		cc_thread_start(&t[i], rm_thread, &th[i]);
	}
	until = cc_now_ms() + 3000;
	while (CC_LOAD(s.ops) < (sleep_us ? 60 : 3000) && cc_now_ms() < until)
		cc_sleep_us(100);
	if (want_in_flight) {
		/* A handler has just started its sleep. */
		calls = CC_KNOB(handler_calls);
		while (CC_KNOB(handler_calls) == calls && cc_now_ms() < until)
			cc_sleep_us(50);
	}
	CC_STORE(s.removal_started, 1);
	td_device_remove(s.dev);
	/* Removal waited for every handler; none starts after it (DESTROY
	 * of a zombie runs no handler). */
	calls = CC_KNOB(handler_calls);
	CC_STORE(s.removal_done, 1);
	for (i = 0; i < RM_THREADS; i++)
		cc_thread_join(t[i]);
	CC_KNOB_SET(sleep_us, 0);
	ASSERT_EQ(CC_KNOB(handler_calls), calls);

	for (i = 0; i < RM_THREADS; i++) {
		cc_tally_add(&sum, &th[i].t);
		in_flight += th[i].in_flight_ok;
		for (j = 0; j < RS_NUM; j++)
			window[j] += th[i].window[j];
	}
	cc_tally_print("conc_device_removal_under_load", &sum);
	printf("# conc_device_removal_under_load: sleep %uus: DESTROY during removal: 0=%ld EBUSY=%ld ENOENT=%ld EIO=%ld\n",
	       sleep_us, window[RS_OK], window[RS_EBUSY], window[RS_ENOENT],
	       window[RS_EIO]);
	printf("# conc_device_removal_under_load: %ld completed in flight\n",
	       in_flight);
	ASSERT_TRUE(sum.n[OP_CREATE][RS_OK] > 0);
	ASSERT_TRUE(sum.n[OP_DESTROY][RS_OK] > 0);
	/* Commands in flight finish (rule 20). */
	if (want_in_flight)
		ASSERT_TRUE(in_flight > 0);

	/* No new file on a removed device. */
	f = ib_uverbs_open(s.dev, NULL, NULL);
	ASSERT_TRUE(IS_ERR(f));
	ASSERT_EQ(PTR_ERR(f), -ENODEV);

	for (i = 0; i < RM_FILES; i++) {
		/* One DEVICE_FATAL per open file. */
		ASSERT_OK(ib_uverbs_read_async_event(s.f[i], &ev));
		ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
		ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(s.f[i], &ev));
		ASSERT_ERRNO(-EIO, td_get_context(s.f[i]));
		for (j = 0; j < RM_SHARED; j++) {
			td_parent_destroy_ok(s.f[i], s.shared[i][j]);
			td_parent_destroy_err(-ENOENT, s.f[i], s.shared[i][j]);
		}
	}
	/* The removal destroyed every driver object DESTROY had not. */
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	for (i = 0; i < RM_FILES; i++)
		ib_uverbs_release(s.f[i]);
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	td_device_destroy(s.dev);
}

TEST_TIMEOUT(conc_device_removal_under_load, 30)
{
	rm_round(0, false);
	rm_round(0, false);
	/* Handlers that sleep: removal waits for the commands inside them. */
	rm_round(300, false);
	rm_round(20000, true);
}

/* ---- 6. GET_CONTEXT races ----------------------------------------------- */

#define GC_THREADS 4
#define GC_ROUNDS CC_SCALE(400)

struct gc {
	pthread_barrier_t start, done;
	struct ib_uverbs_file *f;	/* NULL: stop */
	long ret[GC_THREADS];
};

struct gc_thread {
	struct gc *s;
	unsigned int id;
};

static void *gc_thread(void *arg)
{
	struct gc_thread *me = arg;
	struct gc *s = me->s;

	for (;;) {
		pthread_barrier_wait(&s->start);
		if (!s->f)
			break;
		s->ret[me->id] = td_get_context(s->f);
		pthread_barrier_wait(&s->done);
	}
	return NULL;
}

TEST_TIMEOUT(conc_get_context_race, 30)
{
	static struct gc s;
	struct gc_thread th[GC_THREADS];
	struct ib_device *dev = cc_device_create();
	pthread_t t[GC_THREADS];
	u64 deadline = cc_now_ms() + 3000;
	unsigned int i, round, ok;

	ASSERT_OK(-pthread_barrier_init(&s.start, NULL, GC_THREADS + 1));
	ASSERT_OK(-pthread_barrier_init(&s.done, NULL, GC_THREADS + 1));
	for (i = 0; i < GC_THREADS; i++) {
		th[i] = (struct gc_thread){ &s, i };
		cc_thread_start(&t[i], gc_thread, &th[i]);
	}
	for (round = 0; round < GC_ROUNDS && cc_in_time(round, deadline);
	     round++) {
		s.f = td_open_ok(dev);
		pthread_barrier_wait(&s.start);
		pthread_barrier_wait(&s.done);
		for (i = 0, ok = 0; i < GC_THREADS; i++) {
			CC_CHECK("GET_CONTEXT", s.ret[i], A_OK | A_EINVAL);
			ok += !s.ret[i];
		}
		ASSERT_EQ(ok, 1);
		/* The winner's context is the file's. */
		td_parent_create_ok(s.f, round);
		ib_uverbs_release(s.f);
	}
	s.f = NULL;
	pthread_barrier_wait(&s.start);
	for (i = 0; i < GC_THREADS; i++)
		cc_thread_join(t[i]);
	pthread_barrier_destroy(&s.start);
	pthread_barrier_destroy(&s.done);
	printf("# conc_get_context_race: %u rounds\n", round);
	ASSERT_EQ(CC_KNOB(destroy_calls), round);
	td_device_destroy(dev);
}

/* ---- 7. handles are per file -------------------------------------------- */

/*
 * File A keeps parents at handles 1000..1063, file B at 2000..2063 (the
 * handles below were freed again); churn in either file stays below 1000,
 * so A's kept handles are never live in B and B's never in A.
 */
#define ISO_KEEP 64
#define ISO_THREADS 4
#define ISO_ITERS CC_SCALE(20000)
#define ISO_MS 1500

struct iso_file {
	struct ib_uverbs_file *f;
	u32 tag;
	u32 base;	/* first kept handle */
};

struct iso_thread {
	struct iso_file *me, *other;
	u32 id;
	u32 seed;
	u64 deadline;
	long foreign_enoent, own_ok;
};

static u32 iso_kept_value(const struct iso_file *x, u32 h)
{
	return x->tag << 28 | 0x800000u | h;
}

static void iso_setup(struct iso_file *x, u32 tag, u32 base)
{
	u32 h, v;

	x->tag = tag;
	x->base = base;
	for (h = 0; h < base + ISO_KEEP; h++) {
		ASSERT_OK(td_parent_create(x->f, iso_kept_value(x, h), &v));
		ASSERT_EQ(v, h);
	}
	/* Highest first, so that new objects get the lowest handles. */
	for (h = base; h-- > 0;)
		td_parent_destroy_ok(x->f, h);
}

static void *iso_thread(void *arg)
{
	struct iso_thread *t = arg;
	struct ib_uverbs_file *f = t->me->f;
	unsigned long i;
	u32 h, v, mine, value;
	long r;

	for (i = 0; i < ISO_ITERS && cc_in_time(i, t->deadline); i++) {
		/* Churn in our own file, values tagged with it. */
		value = t->me->tag << 28 | t->id << 20 | (u32)(i & 0xfffff);
		ASSERT_OK(td_parent_create(f, value, &mine));
		if (mine >= 1000)
			harness_fail(__FILE__, __LINE__,
				     "new handle %u: expected a freed low handle",
				     mine);
		ASSERT_OK(cc_parent_value(f, mine, &v));
		ASSERT_EQ(v, value);

		/* The other file's kept handles do not exist here. */
		h = t->other->base + cc_rand(&t->seed) % ISO_KEEP;
		switch (i % 3) {
		case 0:
			td_parent_read_err(-ENOENT, f, h);
			break;
		case 1:
			td_parent_write_err(-ENOENT, f, h);
			break;
		default:
			td_parent_destroy_err(-ENOENT, f, h);
		}
		t->foreign_enoent++;

		/* Our own kept ones do, with our values. */
		h = t->me->base + cc_rand(&t->seed) % ISO_KEEP;
		ASSERT_OK(cc_parent_value(f, h, &v));
		ASSERT_EQ(v, iso_kept_value(t->me, h));

		/* Any low handle here holds one of this file's objects. */
		h = cc_rand(&t->seed) % 8;
		r = cc_parent_value(f, h, &v);
		CC_CHECK("READ", r, A_OK | A_ENOENT | A_EBUSY);
		if (!r) {
			if (v >> 28 != t->me->tag)
				harness_fail(__FILE__, __LINE__,
					     "handle %u of file %u reads 0x%x, a value of file %u",
					     h, t->me->tag, v, v >> 28);
			t->own_ok++;
		}

		/* Others only read our churn: the DESTROY may meet a READ. */
		while ((r = td_parent_destroy(f, mine)) == -EBUSY)
			sched_yield();
		ASSERT_OK(r);
	}
	return NULL;
}

TEST_TIMEOUT(conc_two_files_isolated, 30)
{
	struct ib_device *dev = cc_device_create();
	struct iso_file a, b;
	struct iso_thread th[ISO_THREADS];
	long foreign = 0;
	unsigned int i;
	u32 h, v;

	a.f = td_open_ctx_ok(dev);
	b.f = td_open_ctx_ok(dev);
	iso_setup(&a, 1, 1000);
	iso_setup(&b, 2, 2000);
	for (i = 0; i < ISO_THREADS; i++) {
		th[i] = (struct iso_thread){
			.me = i & 1 ? &b : &a, .other = i & 1 ? &a : &b,
			.id = i, .seed = 0xabcdefu * (i + 1),
			.deadline = cc_now_ms() + ISO_MS,
		};
	}
	cc_run_threads(ISO_THREADS, iso_thread, th, sizeof(th[0]));
	for (i = 0; i < ISO_THREADS; i++)
		foreign += th[i].foreign_enoent;
	printf("# conc_two_files_isolated: %ld foreign handles refused\n",
	       foreign);
	ASSERT_TRUE(foreign >= ISO_THREADS);

	for (h = 0; h < ISO_KEEP; h++) {
		ASSERT_OK(cc_parent_value(a.f, a.base + h, &v));
		ASSERT_EQ(v, iso_kept_value(&a, a.base + h));
		ASSERT_OK(cc_parent_value(b.f, b.base + h, &v));
		ASSERT_EQ(v, iso_kept_value(&b, b.base + h));
	}
	ib_uverbs_release(a.f);
	/* B is untouched by A's close. */
	for (h = 0; h < ISO_KEEP; h++)
		td_parent_destroy_ok(b.f, b.base + h);
	ib_uverbs_release(b.f);
	td_device_destroy(dev);
}

/* ---- 8. more races -------------------------------------------------------- */

/*
 * Removal racing the close of the same files, with a command thread on
 * each file: whichever of close and removal comes first destroys the
 * objects, the other finds nothing left; every object goes exactly once.
 */
#define RR_FILES 3
#define RR_ROUNDS CC_SCALE(60)
#define RR_MS 4000

struct rr {
	struct ib_device *dev;
	struct ib_uverbs_file *f[RR_FILES];
	long creates;
};

struct rr_thread {
	struct rr *s;
	unsigned int file;
	u32 seed;
	unsigned int delay_us;
	struct cc_tally t;
};

static void *rr_worker(void *arg)
{
	struct rr_thread *me = arg;
	struct ib_uverbs_file *f = me->s->f[me->file];
	unsigned int i, after = 0;
	bool seen_eio = false;
	int op;
	long r;
	u32 h;

	for (i = 0; i < 2000 && after < 20; i++) {
		h = cc_rand(&me->seed) % 16;
		switch (cc_rand(&me->seed) % 4) {
		case 0:
			op = OP_CREATE;
			r = td_parent_create(f, 3, NULL);
			if (!r)
				CC_ADD(me->s->creates, 1);
			break;
		case 1:
			op = OP_READ;
			r = td_parent_read(f, h, NULL);
			break;
		case 2:
			op = OP_WRITE;
			r = td_parent_write(f, h, 4);
			break;
		default:
			op = OP_DESTROY;
			r = td_parent_destroy(f, h);
		}
		cc_count(&me->t, op, r);
		/* Random handles may name the children: EINVAL. */
		CC_CHECK(cc_op_names[op], r,
			 A_OK | A_EBUSY | A_ENOENT | A_EIO | A_EINVAL);
		if (seen_eio && op != OP_DESTROY && r != -EIO)
			harness_fail(__FILE__, __LINE__, "%s returned %s after an EIO",
				     cc_op_names[op], errno_name(r));
		if (r == -EIO && op != OP_DESTROY)
			seen_eio = true;
		if (seen_eio)
			after++;
	}
	ib_uverbs_file_put(f);
	return NULL;
}

static void *rr_closer(void *arg)
{
	struct rr_thread *me = arg;

	cc_sleep_us(me->delay_us);
	ib_uverbs_release(me->s->f[me->file]);
	return NULL;
}

TEST_TIMEOUT(conc_removal_races_release, 30)
{
	struct rr s;
	struct rr_thread work[RR_FILES], close[RR_FILES];
	pthread_t tw[RR_FILES], tc[RR_FILES];
	struct cc_tally sum = { 0 };
	u64 deadline = cc_now_ms() + RR_MS;
	u32 seed = 12345, p;
	unsigned int round, i;

	for (round = 0; round < RR_ROUNDS && cc_now_ms() < deadline; round++) {
		memset(&s, 0, sizeof(s));
		s.dev = cc_device_create();
		for (i = 0; i < RR_FILES; i++) {
			s.f[i] = td_open_ctx_ok(s.dev);
			p = td_parent_create_ok(s.f[i], 1);
			td_parent_create_ok(s.f[i], 2);
			td_child_create_ok(s.f[i], p);
			td_child_create_ok(s.f[i], p);
			td_channel_create_ok(s.f[i]);
			s.creates += 5;
		}
		for (i = 0; i < RR_FILES; i++) {
			work[i] = (struct rr_thread){ .s = &s, .file = i,
						      .seed = cc_rand(&seed) };
			close[i] = (struct rr_thread){
				.s = &s, .file = i,
				.delay_us = cc_rand(&seed) % 2000 };
			ib_uverbs_file_get(s.f[i]);
			cc_thread_start(&tw[i], rr_worker, &work[i]);
			cc_thread_start(&tc[i], rr_closer, &close[i]);
		}
		cc_sleep_us(cc_rand(&seed) % 2000);
		td_device_remove(s.dev);
		for (i = 0; i < RR_FILES; i++) {
			cc_thread_join(tc[i]);
			cc_thread_join(tw[i]);
			cc_tally_add(&sum, &work[i].t);
		}
		ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
		td_device_destroy(s.dev);
	}
	printf("# conc_removal_races_release: %u rounds\n", round);
	cc_tally_print("conc_removal_races_release", &sum);
}

/*
 * Files opened, used and closed in a loop while the device goes: an open
 * either works or says ENODEV (and then keeps saying it); a file opened
 * before the removal gets EIO for its commands once the device is gone.
 */
#define OC_THREADS 3
#define OC_MS 3000

struct oc {
	struct ib_device *dev;
	int removal_done;
	long opens, creates;
	u64 deadline;
};

struct oc_thread {
	struct oc *s;
	long enodev;
};

static void *oc_thread(void *arg)
{
	struct oc_thread *me = arg;
	struct oc *s = me->s;
	struct ib_uverbs_file *f;
	unsigned long i;
	long r;
	u32 h;

	for (i = 0; cc_in_time(i, s->deadline); i++) {
		f = ib_uverbs_open(s->dev, NULL, NULL);
		if (IS_ERR(f)) {
			ASSERT_EQ(PTR_ERR(f), -ENODEV);
			if (++me->enodev >= 20 && CC_LOAD(s->removal_done))
				break;
			continue;
		}
		if (me->enodev)
			harness_fail(__FILE__, __LINE__,
				     "open worked after an ENODEV");
		CC_ADD(s->opens, 1);
		r = td_get_context(f);
		CC_CHECK("GET_CONTEXT", r, A_OK | A_EIO);
		if (!r) {
			r = td_parent_create(f, 1, &h);
			CC_CHECK("create", r, A_OK | A_EIO);
			if (!r) {
				CC_ADD(s->creates, 1);
				r = cc_child_create(f, h, 1, NULL);
				CC_CHECK("child create", r, A_OK | A_EIO);
				if (!r)
					CC_ADD(s->creates, 1);
			}
		}
		ib_uverbs_release(f);
	}
	return NULL;
}

TEST_TIMEOUT(conc_open_close_during_removal, 30)
{
	struct oc s = { 0 };
	struct oc_thread th[OC_THREADS];
	pthread_t t[OC_THREADS];
	unsigned int i;
	u64 until;

	s.dev = cc_device_create();
	s.deadline = cc_now_ms() + OC_MS;
	for (i = 0; i < OC_THREADS; i++) {
		th[i] = (struct oc_thread){ .s = &s };
		cc_thread_start(&t[i], oc_thread, &th[i]);
	}
	until = cc_now_ms() + 1000;
	while (CC_LOAD(s.opens) < 200 && cc_now_ms() < until)
		cc_sleep_us(100);
	td_device_remove(s.dev);
	CC_STORE(s.removal_done, 1);
	for (i = 0; i < OC_THREADS; i++) {
		cc_thread_join(t[i]);
		ASSERT_TRUE(th[i].enodev > 0);
	}
	printf("# conc_open_close_during_removal: %ld files opened\n", s.opens);
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	td_device_destroy(s.dev);
}

/*
 * Rule 20 holds for a DESTROY issued while the removal is under way, not
 * only once it is over: "new commands get EIO, except DESTROY which
 * succeeds".  File A has many objects, so that the removal spends a while
 * cleaning it; file B's objects are destroyed by a thread that starts as
 * soon as B's commands see the device gone (EIO), i.e. while A, then B,
 * is being cleaned.  Each of B's objects is live, so each DESTROY must
 * succeed, and exactly once.
 */
#define DW_A_OBJECTS 20000
#define DW_B_OBJECTS 300

struct dw {
	struct ib_uverbs_file *b;
	u32 h[DW_B_OBJECTS];
	long first[DW_B_OBJECTS];	/* the DESTROY issued during removal */
	int started;
};

static void *dw_thread(void *arg)
{
	struct dw *s = arg;
	unsigned int i;

	CC_STORE(s->started, 1);
	/* Until the device is gone for this file. */
	while (!td_parent_read(s->b, s->h[0], NULL))
		;
	for (i = 0; i < DW_B_OBJECTS; i++)
		s->first[i] = td_parent_destroy(s->b, s->h[i]);
	return NULL;
}

TEST_TIMEOUT(conc_removal_destroy_window, 30)
{
	static struct dw s;
	struct ib_device *dev = cc_device_create();
	struct ib_uverbs_file *a;
	long n[RS_NUM] = { 0 }, again[RS_NUM] = { 0 };
	pthread_t t;
	unsigned int i;
	long r;

	memset(&s, 0, sizeof(s));
	a = td_open_ctx_ok(dev);
	s.b = td_open_ctx_ok(dev);
	for (i = 0; i < DW_A_OBJECTS; i++)
		td_parent_create_ok(a, i);
	for (i = 0; i < DW_B_OBJECTS; i++)
		s.h[i] = td_parent_create_ok(s.b, i);
	cc_thread_start(&t, dw_thread, &s);
	while (!CC_LOAD(s.started))
		cc_sleep_us(10);
	td_device_remove(dev);
	cc_thread_join(t);

	for (i = 0; i < DW_B_OBJECTS; i++) {
		CC_CHECK("DESTROY during removal", s.first[i],
			 A_OK | A_ENOENT | A_EIO | A_EBUSY);
		n[cc_res(s.first[i])]++;
		/* Now that the removal is over. */
		r = td_parent_destroy(s.b, s.h[i]);
		CC_CHECK("DESTROY after removal", r, A_OK | A_ENOENT);
		again[cc_res(r)]++;
	}
	printf("# conc_removal_destroy_window: during removal 0=%ld ENOENT=%ld EIO=%ld EBUSY=%ld; after 0=%ld ENOENT=%ld\n",
	       n[RS_OK], n[RS_ENOENT], n[RS_EIO], n[RS_EBUSY], again[RS_OK],
	       again[RS_ENOENT]);
	ib_uverbs_release(a);
	ib_uverbs_release(s.b);
	td_device_destroy(dev);
	ASSERT_EQ(CC_KNOB(destroy_calls), DW_A_OBJECTS + DW_B_OBJECTS);
	/* Each object's first DESTROY succeeded... */
	if (n[RS_OK] != DW_B_OBJECTS)
		harness_fail(__FILE__, __LINE__,
			     "rule 20: %ld of %d DESTROYs of live objects issued during the removal failed (ENOENT %ld, EIO %ld, EBUSY %ld); %ld of them succeeded when repeated later",
			     DW_B_OBJECTS - n[RS_OK], DW_B_OBJECTS, n[RS_ENOENT],
			     n[RS_EIO], n[RS_EBUSY], again[RS_OK]);
	/* ...and so the handle was gone after. */
	ASSERT_EQ(again[RS_ENOENT], DW_B_OBJECTS);
}

/*
 * Rule 18 under concurrency: one thread hangs children on the current
 * parent and reads them (a CHILD_READ reads the parent's driver object),
 * another keeps trying to DESTROY that parent and, when it succeeds,
 * publishes a new one.  A parent never goes while a child holds it: no
 * use after free (ASan, TSan), and every child reads the parent's value.
 */
#define PC_MS 1500
#define PC_ITERS CC_SCALE(40000)
#define PC_KEEP 3
#define PC_VALUE 1000

struct pc {
	struct ib_uverbs_file *f;
	u32 parent;
	u64 deadline;
	int stop;
	long parents_made, children_made, parent_destroyed;
	struct cc_tally t;
};

static void *pc_children(void *arg)
{
	struct pc *s = arg;
	u32 kids[PC_KEEP], p, c, sum, seed = 7;
	unsigned int n = 0, k;
	unsigned long i;
	long r;

	for (i = 0; i < PC_ITERS && cc_in_time(i, s->deadline); i++) {
		p = CC_LOAD(s->parent);
		if (n < PC_KEEP) {
			r = cc_child_create(s->f, p, (u32)i, &c);
			cc_count(&s->t, OP_CREATE, r);
			/* ENOENT: the parent went.  EINVAL: its handle went
			 * to a child meanwhile.  EBUSY: a DESTROY holds it. */
			CC_CHECK("child create", r,
				 A_OK | A_ENOENT | A_EINVAL | A_EBUSY);
			if (!r) {
				kids[n++] = c;
				CC_ADD(s->children_made, 1);
				ASSERT_OK(cc_child_read(s->f, c, &sum));
				ASSERT_EQ(sum, (u32)i + PC_VALUE);
			}
		}
		/* Our children's parents are all still there. */
		for (k = 0; k < n; k++) {
			ASSERT_OK(cc_child_read(s->f, kids[k], &sum));
			ASSERT_TRUE(sum >= PC_VALUE);
		}
		/* Now and then let go of all of them. */
		if (n == PC_KEEP || !(cc_rand(&seed) % 4)) {
			while (n)
				ASSERT_OK(td_child_destroy(s->f, kids[--n]));
		}
	}
	while (n)
		ASSERT_OK(td_child_destroy(s->f, kids[--n]));
	CC_STORE(s->stop, 1);
	return NULL;
}

static void *pc_destroyer(void *arg)
{
	struct pc *s = arg;
	u32 p, np;
	long r;

	while (!CC_LOAD(s->stop)) {
		p = CC_LOAD(s->parent);
		r = td_parent_destroy(s->f, p);
		cc_count(&s->t, OP_DESTROY, r);
		CC_CHECK("parent DESTROY", r, A_OK | A_EBUSY);
		if (r)
			continue;
		CC_ADD(s->parent_destroyed, 1);
		ASSERT_OK(td_parent_create(s->f, PC_VALUE, &np));
		CC_ADD(s->parents_made, 1);
		CC_STORE(s->parent, np);
	}
	return NULL;
}

TEST_TIMEOUT(conc_parent_destroy_vs_child_create, 30)
{
	static struct pc s;
	struct ib_device *dev = cc_device_create();
	pthread_t a, b;

	memset(&s, 0, sizeof(s));
	s.f = td_open_ctx_ok(dev);
	s.parent = td_parent_create_ok(s.f, PC_VALUE);
	s.parents_made = 1;
	s.deadline = cc_now_ms() + PC_MS;
	cc_thread_start(&a, pc_children, &s);
	cc_thread_start(&b, pc_destroyer, &s);
	cc_thread_join(a);
	cc_thread_join(b);
	cc_tally_print("conc_parent_destroy_vs_child_create", &s.t);
	ASSERT_TRUE(s.children_made > 0);
	ASSERT_TRUE(s.parent_destroyed > 0);
	td_parent_destroy_ok(s.f, s.parent);
	ASSERT_EQ(CC_KNOB(destroy_calls), s.parents_made + s.children_made);
	ib_uverbs_release(s.f);
	td_device_destroy(dev);
}

/*
 * FD objects (completion channels): threads create, read and destroy
 * their own; a descriptor names one live channel of the file at a time,
 * and none is left open after the storm or the close.
 */
#define CH_THREADS 4
#define CH_ITERS CC_SCALE(3000)
#define CH_MS 1500
#define CH_MAX_FD 4096

struct ch {
	struct ib_uverbs_file *f;
	u32 owner[CH_MAX_FD];
	u32 max_fd;
	long creates;
	u64 deadline;
};

struct ch_thread {
	struct ch *s;
	u32 id;
};

static void *ch_thread(void *arg)
{
	struct ch_thread *me = arg;
	struct ch *s = me->s;
	int fds[4];
	unsigned int k;
	unsigned long i;
	u32 zero, serial;

	for (i = 0; i < CH_ITERS && cc_in_time(i, s->deadline); i++) {
		for (k = 0; k < 4; k++) {
			ASSERT_OK(td_channel_create(s->f, &fds[k]));
			ASSERT_TRUE(fds[k] >= 0 && fds[k] < CH_MAX_FD);
			CC_ADD(s->creates, 1);
			cc_atomic_max(&s->max_fd, (u32)fds[k]);
			zero = 0;
			if (!__atomic_compare_exchange_n(&s->owner[fds[k]], &zero,
							 me->id + 1, false,
							 __ATOMIC_ACQ_REL,
							 __ATOMIC_ACQUIRE))
				harness_fail(__FILE__, __LINE__,
					     "fd %d given to thread %u, still held by thread %u",
					     fds[k], me->id, zero - 1);
			ASSERT_OK(cc_channel_read(s->f, (u32)fds[k], &serial));
			ASSERT_TRUE(serial > 0);
		}
		for (k = 0; k < 4; k++) {
			CC_STORE(s->owner[fds[k]], 0);
			ASSERT_OK(cc_channel_destroy(s->f, (u32)fds[k]));
		}
	}
	return NULL;
}

static int cc_count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *e;
	int n = 0;

	ASSERT_TRUE(d);
	while ((e = readdir(d)))
		n++;
	closedir(d);
	return n;
}

TEST_TIMEOUT(conc_channel_storm, 30)
{
	static struct ch s;
	struct ch_thread th[CH_THREADS];
	struct ib_device *dev = cc_device_create();
	int fds_before = cc_count_fds();
	unsigned int i;
	u32 fd;

	memset(&s, 0, sizeof(s));
	s.f = td_open_ctx_ok(dev);
	s.deadline = cc_now_ms() + CH_MS;
	for (i = 0; i < CH_THREADS; i++)
		th[i] = (struct ch_thread){ &s, i };
	cc_run_threads(CH_THREADS, ch_thread, th, sizeof(th[0]));
	printf("# conc_channel_storm: %ld channels, fds up to %u\n", s.creates,
	       s.max_fd);
	for (fd = 0; fd <= s.max_fd; fd++)
		ASSERT_ERRNO(-EBADF, cc_channel_read(s.f, fd, NULL));
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates);
	ASSERT_EQ(cc_count_fds(), fds_before);
	/* Some left for the close. */
	for (i = 0; i < 8; i++)
		td_channel_create_ok(s.f);
	ib_uverbs_release(s.f);
	ASSERT_EQ(CC_KNOB(destroy_calls), s.creates + 8);
	ASSERT_EQ(cc_count_fds(), fds_before);
	td_device_destroy(dev);
}

/*
 * GET_CONTEXT racing the close of the same fresh file: it works (and the
 * close destroys the context) or gets EIO; nothing leaks either way.
 * Both sides start together; the close waits a moment that moves later
 * after each EIO and earlier after each context, so that both orders keep
 * happening whatever the speed of the machine (or of TSan).
 */
#define GCC_ROUNDS CC_SCALE(400)

struct gcc {
	pthread_barrier_t go;
	struct ib_uverbs_file *f;
	unsigned int delay_us;
	long ret[2];
};

static void *gcc_thread(void *arg)
{
	struct gcc *s = arg;

	pthread_barrier_wait(&s->go);
	cc_sleep_us(s->delay_us);
	s->ret[0] = td_get_context(s->f);
	s->ret[1] = td_parent_create(s->f, 1, NULL);
	ib_uverbs_file_put(s->f);
	return NULL;
}

TEST_TIMEOUT(conc_get_context_races_close, 30)
{
	static struct gcc s;
	struct ib_device *dev = cc_device_create();
	u64 deadline = cc_now_ms() + 3000;
	long ok = 0, eio = 0, creates = 0;
	u32 seed = 99;
	unsigned int round, bias = 0;
	pthread_t t;

	ASSERT_OK(-pthread_barrier_init(&s.go, NULL, 2));
	for (round = 0; round < GCC_ROUNDS && cc_in_time(round, deadline);
	     round++) {
		s.f = td_open_ok(dev);
		s.delay_us = cc_rand(&seed) % 20;
		ib_uverbs_file_get(s.f);
		cc_thread_start(&t, gcc_thread, &s);
		pthread_barrier_wait(&s.go);
		cc_sleep_us(bias + cc_rand(&seed) % 20);
		ib_uverbs_release(s.f);
		cc_thread_join(t);
		CC_CHECK("GET_CONTEXT", s.ret[0], A_OK | A_EIO);
		CC_CHECK("create", s.ret[1], s.ret[0] ? A_EIO : A_OK | A_EIO);
		ok += !s.ret[0];
		eio += s.ret[0] == -EIO;
		creates += !s.ret[1];
		if (s.ret[0])
			bias += 4;
		else if (bias >= 4)
			bias -= 4;
	}
	pthread_barrier_destroy(&s.go);
	printf("# conc_get_context_races_close: %u rounds: context %ld, EIO %ld (close after %uus)\n",
	       round, ok, eio, bias);
	ASSERT_EQ(CC_KNOB(destroy_calls), creates);
	td_device_destroy(dev);
}
