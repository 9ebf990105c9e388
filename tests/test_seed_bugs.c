// SPDX-License-Identifier: MIT
/*
 * Regression tests for the three bugs of the seed RFC's dispatcher:
 *  (a) the type and action bounds compared with '<=' semantics one past
 *      the end (object_type == number of types read past the table);
 *  (b) the close path returned -EIO from inside the device's SRCU read
 *      section without leaving it, so device removal waited forever;
 *  (c) objects locked by a command that failed validation half way
 *      stayed locked (every later command on them: EBUSY).
 */
#include <unistd.h>

#include "harness.h"
#include "test_driver.h"

static struct ib_device *dev_ok(void)
{
	struct ib_device *dev;

	td_knobs_reset();
	dev = td_device_create();
	ASSERT_TRUE(dev);
	return dev;
}

static long exec_type_action(struct ib_uverbs_file *f, u16 type, u16 action)
{
	struct td_cmd c;

	td_cmd_init(&c, type, action);
	td_cmd_idr(&c, 0, 0);
	return td_cmd_exec(f, &c);
}

/*
 * (a) One past the end of the types table and of every actions table.
 * Under ASan, a read of the slot past a table is reported, so the exact
 * errno and the absence of a report both matter.
 */
TEST(seed_bug_type_action_off_by_one)
{
	static const struct {
		u16 type;
		u16 num_actions;
	} tables[] = {
		{ TD_TYPE_DEVICE, UVERBS_ACTION_DEVICE_QUERY_SCHEMA + 1 },
		{ TD_TYPE_PARENT, TD_PARENT_NUM_ACTIONS },
		{ TD_TYPE_CHILD, TD_CHILD_NUM_ACTIONS },
		{ TD_TYPE_VENDOR, TD_VENDOR_NUM_ACTIONS },
		{ TD_TYPE_CHANNEL, TD_CHANNEL_NUM_ACTIONS },
	};
	struct ib_device *dev = dev_ok();
	struct ib_uverbs_file *f = td_open_ctx_ok(dev);
	unsigned int i;

	ASSERT_EQ(dev->types->num_types, TD_NUM_TYPES);
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, TD_NUM_TYPES, 0));
	ASSERT_ERRNO(-EINVAL, exec_type_action(f, TD_NUM_TYPES, 1));
	for (i = 0; i < ARRAY_SIZE(tables); i++) {
		const struct uverbs_type *t = dev->types->types[tables[i].type];

		ASSERT_EQ(t->num_actions, tables[i].num_actions);
		ASSERT_ERRNO(-EOPNOTSUPP,
			     exec_type_action(f, tables[i].type,
					      tables[i].num_actions));
	}
	/* The last valid slots still work. */
	ASSERT_EQ(td_vendor_only_ok(f, 2), 4);
	ASSERT_EQ(TD_KNOB_GET(handler_calls), 2);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}

struct eio_thread {
	pthread_t thread;
	struct ib_uverbs_file *closing;	/* commands get EIO: file closing */
	struct ib_uverbs_file *removed;	/* commands get EIO: device gone */
	long first_bad;			/* a result that was not EIO */
	int done;			/* set when the commands are issued */
	int may_exit;			/* set by the test once removal is over */
};

static void eio_commands(struct eio_thread *t)
{
	long r;
	int i;

	for (i = 0; i < 100; i++) {
		r = td_parent_read(t->closing, 0, NULL);
		if (r != -EIO && !t->first_bad)
			t->first_bad = r ? r : 1;
		r = td_parent_read(t->removed, 0, NULL);
		if (r != -EIO && !t->first_bad)
			t->first_bad = r ? r : 1;
	}
}

/*
 * Stays alive until removal is over: a read section leaked by a thread
 * that then exits could be forgotten by the RCU library, hiding the bug.
 */
static void *eio_thread_fn(void *arg)
{
	struct eio_thread *t = arg;

	eio_commands(t);
	__atomic_store_n(&t->done, 1, __ATOMIC_SEQ_CST);
	while (!__atomic_load_n(&t->may_exit, __ATOMIC_SEQ_CST))
		usleep(1000);
	return NULL;
}

/*
 * (b) Commands refused with EIO, both because their file is closing and
 * because their device was removed, must leave the device's read section:
 * another device's removal waits for every reader (synchronize_rcu()), and
 * would hang here if one was leaked.  The time limit turns a hang into a
 * failure.
 */
TEST_TIMEOUT(seed_bug_eio_leaves_read_section, 10)
{
	struct ib_device *gone = dev_ok(), *other = td_device_create();
	struct ib_uverbs_file *f = td_open_ctx_ok(gone);
	struct ib_uverbs_file *g = td_open_ctx_ok(gone);
	struct eio_thread t = { .closing = f, .removed = g };

	ASSERT_TRUE(other);
	td_parent_create_ok(f, 1);
	td_parent_create_ok(g, 1);
	ib_uverbs_file_get(f);
	ib_uverbs_release(f);
	td_device_remove(gone);

	ASSERT_OK(-pthread_create(&t.thread, NULL, eio_thread_fn, &t));
	while (!__atomic_load_n(&t.done, __ATOMIC_SEQ_CST))
		usleep(1000);
	ASSERT_EQ(t.first_bad, 0);
	/* The thread is alive and idle: it must hold no read section. */
	td_device_remove(other);
	__atomic_store_n(&t.may_exit, 1, __ATOMIC_SEQ_CST);
	ASSERT_OK(-pthread_join(t.thread, NULL));

	ib_uverbs_file_put(f);
	ib_uverbs_release(g);
	td_device_destroy(other);
	td_device_destroy(gone);
}

/* The same on one thread: a leaked section would deadlock the removal. */
TEST_TIMEOUT(seed_bug_eio_leaves_read_section_same_thread, 10)
{
	struct ib_device *gone = dev_ok(), *other = td_device_create();
	struct ib_uverbs_file *f = td_open_ctx_ok(gone);
	struct ib_uverbs_file *g = td_open_ctx_ok(gone);
	struct eio_thread t = { .closing = f, .removed = g };

	ASSERT_TRUE(other);
	ib_uverbs_file_get(f);
	ib_uverbs_release(f);
	td_device_remove(gone);
	eio_commands(&t);
	ASSERT_EQ(t.first_bad, 0);
	td_device_remove(other);
	ib_uverbs_file_put(f);
	ib_uverbs_release(g);
	td_device_destroy(other);
	td_device_destroy(gone);
}

/*
 * (c) A command locks its first objects, then a later attribute fails
 * (lookup, type, user memory).  The seed left the first ones locked.
 */
TEST(seed_bug_locked_after_half_validation)
{
	struct ib_device *dev = dev_ok();
	struct ib_uverbs_file *f = td_open_ctx_ok(dev);
	u32 p = td_parent_create_ok(f, 1), c = td_child_create_ok(f, p);
	u32 v = 2;
	struct td_cmd cmd;

	/* Child locked WRITE, then no such parent. */
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, c);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, 1000);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-ENOENT, td_cmd_exec(f, &cmd));
	td_child_write_ok(f, c, 3);

	/* Parent locked WRITE, then a child handle of the wrong type. */
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, p);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, p);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, &v, sizeof(v));
	ASSERT_ERRNO(-EINVAL, td_cmd_exec(f, &cmd));
	td_parent_write_ok(f, p, 4);

	/* Both locked, then the input unreadable. */
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_WRITE);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_HANDLE, c);
	td_cmd_idr(&cmd, TD_CHILD_WRITE_PARENT, p);
	td_cmd_ptr(&cmd, TD_CHILD_WRITE_VALUE, NULL, sizeof(v));
	ASSERT_ERRNO(-EFAULT, td_cmd_exec(f, &cmd));

	/* Parent locked READ by a NEW, then the second parent missing. */
	td_cmd_init(&cmd, TD_TYPE_CHILD, TD_CHILD_CREATE);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_HANDLE, 0);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_PARENT, p);
	td_cmd_idr(&cmd, TD_CHILD_CREATE_PARENT2, 1000);
	ASSERT_ERRNO(-ENOENT, td_cmd_exec(f, &cmd));

	/* Neither is busy: WRITE and DESTROY both work. */
	td_child_write_ok(f, c, 5);
	td_parent_write_ok(f, p, 6);
	td_child_destroy_ok(f, c);
	td_parent_destroy_ok(f, p);
	ib_uverbs_release(f);
	td_device_destroy(dev);
}
