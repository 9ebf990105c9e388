// SPDX-License-Identifier: MIT
/*
 * Fail-nth sweeps (docs/design.md, "Quality gates"; after iommufd's
 * fail_nth test): each scenario is run once for n = 1, 2, 3, ... with the
 * n-th injection point of this thread (every kmalloc/kzalloc, the
 * embedded eventfd allocation, every handle lookup) made to fail, until a
 * run passes fewer than n points.  Every n must leave no live
 * allocation, no open fd and no WARN behind.
 *
 * The errno of every step is predicted exactly.  A small model of the
 * file's objects says what a step returns when nothing is injected: 0, or
 * the errno of the contract for a step naming an object an earlier
 * (injected) failure did not create or did not destroy:
 *   no context yet (GET_CONTEXT failed)      EINVAL (rule 11; VENDOR_ONLY:
 *                                            the standard handler's check)
 *   an IDR handle that is not live           ENOENT (rule 12)
 *   an fd that is not a live channel         EBADF  (rule 13)
 *   DESTROY of a parent with live children   EBUSY  (rule 18; a child whose
 *                                            DESTROY was injected stays)
 *   a non-DESTROY command after removal      EIO    (rule 20)
 * An object that was never created is named by NOHANDLE, a value no table
 * hands out (handles are recycled, so the handle a failed create would have
 * had may belong to a later object).  The one step in which the injection
 * fires must fail with what that point produces, and only that: -ENOMEM
 * for an allocation, -EMFILE for the eventfd, -ENOENT for an IDR lookup,
 * -EBADF for an FD lookup (uverbs_uobject_fetch() reports a missing fd as
 * EBADF).  A command that absorbs an injected failure and returns 0 fails
 * the test; so does a model value (PARENT_READ, CHILD_READ, CHANNEL_READ,
 * VENDOR_ONLY outputs) that an earlier failed step changed anyway.  Close
 * and device removal return nothing: an allocation failure there may only
 * cost the DEVICE_FATAL event, which check_fatal_event() allows for, and
 * the leak check after each n covers the rest.  An injection point passed
 * outside the checked steps fails the sweep too.
 *
 * td_device_create() allocates too.  Scenarios a-c arm the injection after
 * it: a device that fails to register has nothing to sweep, and repeating
 * its two points in front of every scenario adds nothing.  Scenario d
 * sweeps registration and open themselves.
 */
#include <dirent.h>

#include "harness.h"
#include "test_driver.h"

/* A handle (and fd) value no table hands out: beyond the handle space,
 * still a valid fd number. */
#define NOHANDLE 0x7fffffffu

/* What an injected failure may turn into, per step. */
#define INJ_NOMEM (1u << 0)	/* an allocation: -ENOMEM */
#define INJ_NOFD (1u << 1)	/* the eventfd: -EMFILE */
#define INJ_NOENT (1u << 2)	/* an IDR lookup: -ENOENT */
#define INJ_BADF (1u << 3)	/* an FD lookup: -EBADF */
#define INJ_QUIET (1u << 4)	/* a void step (removal, close) */

struct sweep {
	const char *scenario;
	unsigned int n;
	bool fired;		/* the n-th point failed in some step */
	bool fired_in_removal;	/* ... during device removal */
};

static bool inj_allows(unsigned int inj, long ret)
{
	return (ret == -ENOMEM && (inj & INJ_NOMEM)) ||
	       (ret == -EMFILE && (inj & INJ_NOFD)) ||
	       (ret == -ENOENT && (inj & INJ_NOENT)) ||
	       (ret == -EBADF && (inj & INJ_BADF));
}

/* Checks one step's result; @left is compat_fail_nth_left() before it. */
static long step_check(struct sweep *s, const char *what, unsigned int left,
		       long ret, long expect, unsigned int inj)
{
	bool fired = left && !compat_fail_nth_left();

	if (fired) {
		s->fired = true;
		if (inj & INJ_QUIET)
			return ret;
		if (!inj_allows(inj, ret))
			harness_fail(__FILE__, __LINE__,
				     "%s n=%u: %s: the injected failure gave %s (%ld)",
				     s->scenario, s->n, what, errno_name(ret),
				     ret);
		return ret;
	}
	if (ret != expect)
		harness_fail(__FILE__, __LINE__,
			     "%s n=%u%s: %s returned %s (%ld), expected %s",
			     s->scenario, s->n,
			     s->fired ? " (after the injection)" : "", what,
			     errno_name(ret), ret, errno_name(expect));
	return ret;
}

#define STEP(s, what, expr, expect, inj)                                   \
	({                                                                 \
		unsigned int _left = compat_fail_nth_left();               \
		long _ret = (long)(expr);                                  \
		step_check((s), (what), _left, _ret, (expect), (inj));     \
	})

/* The model: what the file holds, as the steps so far should have left it. */
struct mobj {
	const char *name;
	bool live;
	u32 h;			/* handle or fd; NOHANDLE until created */
	u32 value;
	u64 tag;
	struct mobj *parent;	/* children: the first parent */
	struct mobj *parent2;	/* children: the optional second one */
};

struct model {
	struct ib_uverbs_file *f;
	bool ctx;
	bool removed;
	struct mobj p1, p2, c1, c2, ch;
};

static void model_init(struct model *m)
{
	memset(m, 0, sizeof(*m));
	m->p1 = (struct mobj){ .name = "p1", .h = NOHANDLE };
	m->p2 = (struct mobj){ .name = "p2", .h = NOHANDLE };
	m->c1 = (struct mobj){ .name = "c1", .h = NOHANDLE };
	m->c2 = (struct mobj){ .name = "c2", .h = NOHANDLE };
	m->ch = (struct mobj){ .name = "ch", .h = NOHANDLE };
}

static unsigned int live_children(const struct model *m, const struct mobj *o)
{
	const struct mobj *kids[] = { &m->c1, &m->c2 };
	unsigned int i, n = 0;

	if (m->removed)	/* removal dropped every dependency */
		return 0;
	for (i = 0; i < ARRAY_SIZE(kids); i++)
		if (kids[i]->live &&
		    (kids[i]->parent == o || kids[i]->parent2 == o))
			n++;
	return n;
}

/* Expected errno of a command naming the objects @objs (NULL ends). */
static long expect_cmd(const struct model *m, bool destroys, bool fd,
		       struct mobj *const *objs)
{
	if (m->removed && !destroys)
		return -EIO;
	if (!m->ctx)
		return -EINVAL;
	for (; *objs; objs++)
		if (!(*objs)->live)
			return fd ? -EBADF : -ENOENT;
	return 0;
}

#define OBJS(...) ((struct mobj *const[]){ __VA_ARGS__, NULL })

/* Raw commands (test_driver.h's builder), each returning 0 or -errno. */

static long cmd_get_context(struct ib_uverbs_file *f,
			    struct td_context_resp *resp)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_DEVICE, TD_DEVICE_GET_CONTEXT);
	td_cmd_ptr(&c, TD_GET_CONTEXT_RESP, resp, sizeof(*resp));
	return td_cmd_exec(f, &c);
}

static long cmd_parent_create(struct ib_uverbs_file *f, u32 value,
			      const u64 *tag, u32 *resp, u32 *handle)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_CREATE);
	td_cmd_idr(&c, TD_PARENT_CREATE_HANDLE, 0);
	td_cmd_ptr(&c, TD_PARENT_CREATE_VALUE, &value, sizeof(value));
	if (resp)
		td_cmd_ptr(&c, TD_PARENT_CREATE_RESP, resp, sizeof(*resp));
	if (tag)
		td_cmd_ptr(&c, TD_PARENT_CREATE_VENDOR_TAG, tag, sizeof(*tag));
	ret = td_cmd_exec(f, &c);
	if (!ret)
		*handle = td_cmd_handle(&c, TD_PARENT_CREATE_HANDLE);
	return ret;
}

static long cmd_child_create(struct ib_uverbs_file *f, u32 parent,
			     const u32 *parent2, u32 value, u32 *handle)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&c, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&c, TD_CHILD_CREATE_PARENT, parent);
	if (parent2)
		td_cmd_idr(&c, TD_CHILD_CREATE_PARENT2, *parent2);
	td_cmd_ptr(&c, TD_CHILD_CREATE_VALUE, &value, sizeof(value));
	ret = td_cmd_exec(f, &c);
	if (!ret)
		*handle = td_cmd_handle(&c, TD_CHILD_CREATE_HANDLE);
	return ret;
}

static long cmd_channel_create(struct ib_uverbs_file *f, u32 *fd)
{
	struct td_cmd c;
	long ret;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_CREATE);
	td_cmd_idr(&c, TD_CHANNEL_FD, 0);
	ret = td_cmd_exec(f, &c);
	if (!ret)
		*fd = td_cmd_handle(&c, TD_CHANNEL_FD);
	return ret;
}

static long cmd_parent_read(struct ib_uverbs_file *f, u32 h,
			    struct td_read_buf *out)
{
	struct td_read_buf in = { 1, 2 };
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_READ);
	td_cmd_idr(&c, TD_PARENT_READ_HANDLE, h);
	td_cmd_ptr(&c, TD_PARENT_READ_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_PARENT_READ_OUT, out, sizeof(*out));
	return td_cmd_exec(f, &c);
}

static long cmd_parent_write(struct ib_uverbs_file *f, u32 h, u32 value)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_WRITE);
	td_cmd_idr(&c, TD_PARENT_WRITE_HANDLE, h);
	td_cmd_ptr(&c, TD_PARENT_WRITE_VALUE, &value, sizeof(value));
	return td_cmd_exec(f, &c);
}

static long cmd_parent_destroy(struct ib_uverbs_file *f, u32 h, u32 *resp)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_PARENT, TD_PARENT_DESTROY);
	td_cmd_idr(&c, TD_PARENT_DESTROY_HANDLE, h);
	if (resp)
		td_cmd_ptr(&c, TD_PARENT_DESTROY_RESP, resp, sizeof(*resp));
	return td_cmd_exec(f, &c);
}

static long cmd_child_read(struct ib_uverbs_file *f, u32 h, u32 *sum)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_READ);
	td_cmd_idr(&c, TD_CHILD_READ_HANDLE, h);
	td_cmd_ptr(&c, TD_CHILD_READ_OUT, sum, sizeof(*sum));
	return td_cmd_exec(f, &c);
}

static long cmd_child_write(struct ib_uverbs_file *f, u32 h, u32 parent,
			    u32 value)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&c, TD_CHILD_WRITE_HANDLE, h);
	td_cmd_idr(&c, TD_CHILD_WRITE_PARENT, parent);
	td_cmd_ptr(&c, TD_CHILD_WRITE_VALUE, &value, sizeof(value));
	return td_cmd_exec(f, &c);
}

static long cmd_child_destroy(struct ib_uverbs_file *f, u32 h)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHILD, TD_CHILD_DESTROY);
	td_cmd_idr(&c, TD_CHILD_DESTROY_HANDLE, h);
	return td_cmd_exec(f, &c);
}

static long cmd_channel_read(struct ib_uverbs_file *f, u32 fd, u32 *serial)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_READ);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	td_cmd_ptr(&c, TD_CHANNEL_READ_OUT, serial, sizeof(*serial));
	return td_cmd_exec(f, &c);
}

static long cmd_channel_destroy(struct ib_uverbs_file *f, u32 fd)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_CHANNEL, TD_CHANNEL_DESTROY);
	td_cmd_idr(&c, TD_CHANNEL_FD, fd);
	return td_cmd_exec(f, &c);
}

static long cmd_vendor_only(struct ib_uverbs_file *f, u32 in, u32 *out)
{
	struct td_cmd c;

	td_cmd_init(&c, TD_TYPE_VENDOR, TD_VENDOR_ONLY);
	td_cmd_ptr(&c, TD_VENDOR_ONLY_IN, &in, sizeof(in));
	td_cmd_ptr(&c, TD_VENDOR_ONLY_OUT, out, sizeof(*out));
	return td_cmd_exec(f, &c);
}

/* ib_uverbs_open() as a step: 0 or -errno, the file in *@f. */
static long open_file(struct ib_device *dev, struct ib_uverbs_file **f)
{
	struct ib_uverbs_file *r = ib_uverbs_open(dev, NULL, NULL);

	if (IS_ERR(r)) {
		*f = NULL;
		return PTR_ERR(r);
	}
	*f = r;
	return 0;
}

/* The steps, each checked against the model and updating it on success. */

static void do_get_context(struct sweep *s, struct model *m)
{
	struct td_context_resp resp = { 0 };

	if (!STEP(s, "GET_CONTEXT", cmd_get_context(m->f, &resp),
		  m->removed ? -EIO : 0, INJ_NOMEM)) {
		m->ctx = true;
		ASSERT_EQ(resp.driver_id, TD_DRIVER_ID);
		ASSERT_EQ(resp.num_types, TD_NUM_TYPES);
	}
}

static void do_parent_create(struct sweep *s, struct model *m, struct mobj *o,
			     u32 value, u64 tag)
{
	u32 resp = ~0u, h = ~0u;
	char what[64];

	snprintf(what, sizeof(what), "PARENT_CREATE %s", o->name);
	if (!STEP(s, what, cmd_parent_create(m->f, value, tag ? &tag : NULL,
					     &resp, &h),
		  expect_cmd(m, false, false, OBJS(NULL)), INJ_NOMEM)) {
		ASSERT_EQ(resp, value);
		*o = (struct mobj){ .name = o->name, .live = true, .h = h,
				    .value = value, .tag = tag };
	}
}

static void do_child_create(struct sweep *s, struct model *m, struct mobj *o,
			    struct mobj *parent, struct mobj *parent2,
			    u32 value)
{
	char what[64];
	u32 h = ~0u;

	snprintf(what, sizeof(what), "CHILD_CREATE %s", o->name);
	if (!STEP(s, what, cmd_child_create(m->f, parent->h,
					    parent2 ? &parent2->h : NULL,
					    value, &h),
		  expect_cmd(m, false, false, OBJS(parent, parent2 ? parent2 :
						    parent)),
		  INJ_NOMEM | INJ_NOENT))
		*o = (struct mobj){ .name = o->name, .live = true, .h = h,
				    .value = value, .parent = parent,
				    .parent2 = parent2 };
}

static void do_channel_create(struct sweep *s, struct model *m)
{
	u32 fd;

	if (!STEP(s, "CHANNEL_CREATE", cmd_channel_create(m->f, &fd),
		  expect_cmd(m, false, true, OBJS(NULL)), INJ_NOMEM | INJ_NOFD))
		m->ch = (struct mobj){ .name = "ch", .live = true, .h = fd,
				       .value = 1 };
}

static void do_parent_read(struct sweep *s, struct model *m, struct mobj *o)
{
	struct td_read_buf out = { 0, 0 };
	char what[64];

	snprintf(what, sizeof(what), "PARENT_READ %s", o->name);
	if (!STEP(s, what, cmd_parent_read(m->f, o->h, &out),
		  expect_cmd(m, false, false, OBJS(o)), INJ_NOENT)) {
		ASSERT_EQ(out.a, 1 + (u64)o->value);
		ASSERT_EQ(out.b, 2 ^ o->tag);
	}
}

static void do_parent_write(struct sweep *s, struct model *m, struct mobj *o,
			    u32 value)
{
	char what[64];

	snprintf(what, sizeof(what), "PARENT_WRITE %s", o->name);
	if (!STEP(s, what, cmd_parent_write(m->f, o->h, value),
		  expect_cmd(m, false, false, OBJS(o)), INJ_NOENT))
		o->value = value;
}

static void do_child_read(struct sweep *s, struct model *m, struct mobj *o)
{
	char what[64];
	u32 sum = ~0u;

	snprintf(what, sizeof(what), "CHILD_READ %s", o->name);
	if (!STEP(s, what, cmd_child_read(m->f, o->h, &sum),
		  expect_cmd(m, false, false, OBJS(o)), INJ_NOENT))
		ASSERT_EQ(sum, o->value + o->parent->value);
}

static void do_child_write(struct sweep *s, struct model *m, struct mobj *o,
			   struct mobj *parent, u32 value)
{
	char what[64];

	snprintf(what, sizeof(what), "CHILD_WRITE %s + %s", o->name,
		 parent->name);
	if (!STEP(s, what, cmd_child_write(m->f, o->h, parent->h, value),
		  expect_cmd(m, false, false, OBJS(o, parent)), INJ_NOENT)) {
		o->value = value;
		parent->value = value;
	}
}

static void do_channel_read(struct sweep *s, struct model *m)
{
	u32 serial = ~0u;

	if (!STEP(s, "CHANNEL_READ", cmd_channel_read(m->f, m->ch.h, &serial),
		  expect_cmd(m, false, true, OBJS(&m->ch)), INJ_BADF))
		ASSERT_EQ(serial, m->ch.value);
}

static void do_vendor_only(struct sweep *s, struct model *m)
{
	u32 out = ~0u;
	long expect = m->removed ? -EIO : m->ctx ? 0 : -EINVAL;

	/* No injection point: the command fits the on-stack bundle. */
	if (!STEP(s, "VENDOR_ONLY", cmd_vendor_only(m->f, 21, &out), expect, 0))
		ASSERT_EQ(out, 42);
}

static long expect_destroy(const struct model *m, const struct mobj *o,
			   bool fd)
{
	long ret = expect_cmd(m, true, fd, OBJS((struct mobj *)o));

	if (!ret && live_children(m, o))
		ret = -EBUSY;
	return ret;
}

static void do_parent_destroy(struct sweep *s, struct model *m,
			      struct mobj *o)
{
	long expect = expect_destroy(m, o, false);
	u32 resp = ~0u;
	char what[64];

	snprintf(what, sizeof(what), "PARENT_DESTROY %s", o->name);
	if (!STEP(s, what, cmd_parent_destroy(m->f, o->h, &resp), expect,
		  INJ_NOENT)) {
		/* After removal the handler does not run: no output. */
		ASSERT_EQ(resp, m->removed ? ~0u : o->value);
		o->live = false;
	}
}

static void do_child_destroy(struct sweep *s, struct model *m, struct mobj *o)
{
	char what[64];

	snprintf(what, sizeof(what), "CHILD_DESTROY %s", o->name);
	if (!STEP(s, what, cmd_child_destroy(m->f, o->h),
		  expect_destroy(m, o, false), INJ_NOENT))
		o->live = false;
}

static void do_channel_destroy(struct sweep *s, struct model *m)
{
	if (!STEP(s, "CHANNEL_DESTROY", cmd_channel_destroy(m->f, m->ch.h),
		  expect_destroy(m, &m->ch, true), INJ_BADF))
		m->ch.live = false;
}

static void do_release(struct sweep *s, struct model *m)
{
	if (!m->f)
		return;
	STEP(s, "release", (ib_uverbs_release(m->f), 0L), 0, INJ_QUIET);
	m->f = NULL;
}

/*
 * Open, GET_CONTEXT, two parents (one with a vendor attribute), a child of
 * one parent, a child of both, a channel, then READ / WRITE of each kind
 * and the vendor-only action.  Returns false if the open failed.
 */
static bool build_objects(struct sweep *s, struct ib_device *dev,
			  struct model *m)
{
	model_init(m);
	if (STEP(s, "open", open_file(dev, &m->f), 0, INJ_NOMEM))
		return false;
	do_get_context(s, m);
	do_parent_create(s, m, &m->p1, 10, 0x5a5a);
	do_parent_create(s, m, &m->p2, 20, 0);
	do_child_create(s, m, &m->c1, &m->p1, NULL, 1);
	do_child_create(s, m, &m->c2, &m->p1, &m->p2, 2);
	do_channel_create(s, m);

	do_parent_read(s, m, &m->p1);
	do_parent_write(s, m, &m->p2, 25);
	do_child_read(s, m, &m->c2);
	do_child_write(s, m, &m->c1, &m->p2, 5);
	do_parent_read(s, m, &m->p2);
	do_child_read(s, m, &m->c1);
	do_channel_read(s, m);
	do_vendor_only(s, m);
	return true;
}

/* The objects' DESTROYs, parent before its children first (EBUSY). */
static void destroy_objects(struct sweep *s, struct model *m)
{
	do_parent_destroy(s, m, &m->p1);
	do_child_destroy(s, m, &m->c2);
	do_child_destroy(s, m, &m->c1);
	do_parent_destroy(s, m, &m->p1);
	do_parent_destroy(s, m, &m->p2);
	do_channel_destroy(s, m);
	/* What a failed DESTROY left must still be usable (rule 15); what
	 * went is gone. */
	do_parent_read(s, m, &m->p1);
	do_channel_read(s, m);
}

/* a: the whole lifecycle, destroyed in order, then closed. */
static void scenario_lifecycle(struct sweep *s, struct ib_device *dev)
{
	struct model m;

	if (!build_objects(s, dev, &m))
		return;
	destroy_objects(s, &m);
	do_release(s, &m);
}

/* b: closed with every object live (the cleanup path of rule 19). */
static void scenario_close_live(struct sweep *s, struct ib_device *dev)
{
	struct model m;

	if (!build_objects(s, dev, &m))
		return;
	do_release(s, &m);
}

/* The DEVICE_FATAL event that removal queued on every open file. */
static void check_fatal_event(struct sweep *s, struct model *m)
{
	struct ib_uverbs_async_event_desc d;
	long ret;

	if (!m->f)
		return;
	ret = ib_uverbs_read_async_event(m->f, &d);
	if (ret == -EAGAIN && s->fired_in_removal)
		return;	/* its allocation was the injected failure */
	ASSERT_ERRNO(0, ret);
	ASSERT_EQ(d.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	ASSERT_EQ(d.element, 0);
	ASSERT_ERRNO(-EAGAIN, ib_uverbs_read_async_event(m->f, &d));
}

/*
 * c: a file with objects and a second file with a context and a parent;
 * the device is removed under them; then commands get EIO, DESTROY works
 * on the zombies (children no longer hold their parents), and close frees
 * what is left.
 */
static void scenario_removal(struct sweep *s, struct ib_device *dev)
{
	struct ib_uverbs_file *late;
	struct model m, m2;
	unsigned int left;

	model_init(&m2);
	if (!build_objects(s, dev, &m))
		return;
	if (!STEP(s, "open 2", open_file(dev, &m2.f), 0, INJ_NOMEM)) {
		do_get_context(s, &m2);
		do_parent_create(s, &m2, &m2.p1, 7, 0);
	}

	left = compat_fail_nth_left();
	STEP(s, "device removal", (td_device_remove(dev), 0L), 0, INJ_QUIET);
	s->fired_in_removal = left && !compat_fail_nth_left();
	m.removed = true;
	m2.removed = true;

	check_fatal_event(s, &m);
	check_fatal_event(s, &m2);
	STEP(s, "open after removal", open_file(dev, &late), -ENODEV,
	     INJ_NOMEM);
	if (late)
		ib_uverbs_release(late);
	do_parent_read(s, &m, &m.p1);
	do_vendor_only(s, &m);
	if (m2.f)
		do_get_context(s, &m2);

	do_parent_destroy(s, &m, &m.p1);	/* its children are zombies */
	do_channel_destroy(s, &m);
	do_child_destroy(s, &m, &m.c1);
	do_parent_destroy(s, &m, &m.p1);	/* ENOENT now */
	if (m2.f)
		do_parent_destroy(s, &m2, &m2.p1);
	/* p2 and c2 stay for close. */
	do_release(s, &m);
	do_release(s, &m2);
}

/* d: device registration and open themselves under injection. */
static void scenario_register(struct sweep *s, struct ib_device **devp)
{
	struct ib_device *dev;
	struct model m;

	*devp = NULL;
	STEP(s, "td_device_create",
	     (dev = td_device_create()) ? 0L : -ENOMEM, 0, INJ_NOMEM);
	if (!dev)
		return;
	*devp = dev;
	model_init(&m);
	if (STEP(s, "open", open_file(dev, &m.f), 0, INJ_NOMEM))
		return;
	do_get_context(s, &m);
	do_parent_create(s, &m, &m.p1, 3, 0);
	do_channel_create(s, &m);
	do_release(s, &m);
}

static unsigned int count_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	unsigned int n = 0;

	ASSERT_TRUE(d);
	while (readdir(d))
		n++;
	closedir(d);
	return n;
}

enum scenario { SC_LIFECYCLE, SC_CLOSE_LIVE, SC_REMOVAL, SC_REGISTER };

/* Runs @sc for n = 1, 2, ... until the n-th point is not reached. */
static unsigned int sweep(enum scenario sc, const char *name)
{
	unsigned int fds = count_fds(), n;
	struct sweep s;
	long live;

	for (n = 1;; n++) {
		struct ib_device *dev = NULL;
		bool reached;

		memset(&s, 0, sizeof(s));
		s.scenario = name;
		s.n = n;
		td_knobs_reset();
		if (sc != SC_REGISTER) {
			dev = td_device_create();
			ASSERT_TRUE(dev);
		}
		compat_fail_nth_set(n);
		switch (sc) {
		case SC_LIFECYCLE:
			scenario_lifecycle(&s, dev);
			break;
		case SC_CLOSE_LIVE:
			scenario_close_live(&s, dev);
			break;
		case SC_REMOVAL:
			scenario_removal(&s, dev);
			break;
		case SC_REGISTER:
			scenario_register(&s, &dev);
			break;
		}
		reached = !compat_fail_nth_left();
		compat_fail_nth_set(0);
		if (reached != s.fired)
			harness_fail(__FILE__, __LINE__,
				     "%s n=%u: injection point %s outside the checked steps",
				     name, n, reached ? "hit" : "missed");
		if (dev)
			td_device_destroy(dev);
		rcu_barrier();
		live = compat_live_objects();
		if (live)
			harness_fail(__FILE__, __LINE__,
				     "%s n=%u: %ld objects leaked", name, n,
				     live);
		if (count_fds() != fds)
			harness_fail(__FILE__, __LINE__,
				     "%s n=%u: %u fds open, %u before", name,
				     n, count_fds(), fds);
		if (!reached)
			break;
	}
	printf("# %s: %u injection points\n", name, n - 1);
	return n - 1;
}

TEST_TIMEOUT(failnth_lifecycle, 300)
{
	ASSERT_TRUE(sweep(SC_LIFECYCLE, "failnth_lifecycle") > 10);
}

TEST_TIMEOUT(failnth_close_live, 300)
{
	ASSERT_TRUE(sweep(SC_CLOSE_LIVE, "failnth_close_live") > 10);
}

TEST_TIMEOUT(failnth_removal, 300)
{
	ASSERT_TRUE(sweep(SC_REMOVAL, "failnth_removal") > 10);
}

TEST_TIMEOUT(failnth_register, 300)
{
	ASSERT_TRUE(sweep(SC_REGISTER, "failnth_register") > 3);
}
