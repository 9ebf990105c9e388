// SPDX-License-Identifier: MIT
/*
 * compat's delayed work: the order items run in, moving a deadline,
 * cancelling a pending item, and cancel_delayed_work_sync() waiting for
 * an item that is running.  No timing is asserted beyond "not before its
 * deadline", which the monotonic clock guarantees.
 */
#include <time.h>

#include "harness.h"
#include "compat.h"

struct item {
	struct delayed_work dw;
	int id;
	u64 not_before;
	int *log;
	int *n;
	bool early;
	int sleep_ms;
	int started;	/* __atomic */
	int done;	/* __atomic */
};

static void item_fn(struct delayed_work *dw)
{
	struct item *it = container_of(dw, struct item, dw);
	struct timespec ts = { 0, (long)it->sleep_ms * 1000000 };

	__atomic_store_n(&it->started, 1, __ATOMIC_RELEASE);
	if (ktime_get_ns() < it->not_before)
		it->early = true;
	if (it->sleep_ms)
		nanosleep(&ts, NULL);
	it->log[__atomic_fetch_add(it->n, 1, __ATOMIC_SEQ_CST)] = it->id;
	__atomic_store_n(&it->done, 1, __ATOMIC_RELEASE);
}

static void item_init(struct item *it, int id, int *log, int *n)
{
	memset(it, 0, sizeof(*it));
	INIT_DELAYED_WORK(&it->dw, item_fn);
	it->id = id;
	it->log = log;
	it->n = n;
}

static void wait_done(struct item *it)
{
	struct timespec ts = { 0, 200 * 1000 };
	int i;

	for (i = 0; i < 50000 && !__atomic_load_n(&it->done, __ATOMIC_ACQUIRE);
	     i++)
		nanosleep(&ts, NULL);
	ASSERT_TRUE(__atomic_load_n(&it->done, __ATOMIC_ACQUIRE));
}

TEST(workqueue_runs_in_deadline_order)
{
	struct workqueue_struct *wq = alloc_workqueue("t");
	int log[3] = { 0 }, n = 0;
	struct item a, b, c;

	ASSERT_TRUE(wq != NULL);
	item_init(&a, 1, log, &n);
	item_init(&b, 2, log, &n);
	item_init(&c, 3, log, &n);
	a.not_before = ktime_get_ns() + 30 * 1000000ull;
	ASSERT_TRUE(queue_delayed_work(wq, &a.dw, 30000));
	ASSERT_TRUE(queue_delayed_work(wq, &b.dw, 20000));
	ASSERT_TRUE(queue_delayed_work(wq, &c.dw, 0));
	/* Pending already: queue does nothing, mod moves it. */
	ASSERT_TRUE(!queue_delayed_work(wq, &b.dw, 0));
	wait_done(&a);
	wait_done(&b);
	wait_done(&c);
	ASSERT_EQ(log[0], 3);
	ASSERT_EQ(log[1], 2);
	ASSERT_EQ(log[2], 1);
	ASSERT_TRUE(!a.early);
	destroy_workqueue(wq);
}

TEST(workqueue_mod_moves_the_deadline)
{
	struct workqueue_struct *wq = alloc_workqueue("t");
	int log[3] = { 0 }, n = 0;
	struct item a, b;

	ASSERT_TRUE(wq != NULL);
	item_init(&a, 1, log, &n);
	item_init(&b, 2, log, &n);
	ASSERT_TRUE(queue_delayed_work(wq, &a.dw, 10 * 1000 * 1000));
	ASSERT_TRUE(queue_delayed_work(wq, &b.dw, 20000));
	/* a: from 10 s to now; it runs first. */
	ASSERT_TRUE(mod_delayed_work(wq, &a.dw, 0));
	wait_done(&a);
	wait_done(&b);
	ASSERT_EQ(log[0], 1);
	ASSERT_EQ(log[1], 2);
	/* Not pending: mod queues it and says it was not. */
	__atomic_store_n(&a.done, 0, __ATOMIC_RELEASE);
	ASSERT_TRUE(!mod_delayed_work(wq, &a.dw, 0));
	wait_done(&a);
	ASSERT_EQ(log[2], 1);
	destroy_workqueue(wq);
}

TEST(workqueue_cancel_pending_and_running)
{
	struct workqueue_struct *wq = alloc_workqueue("t");
	int log[2] = { 0 }, n = 0;
	struct timespec ts = { 0, 1000000 };
	struct item a, b;

	ASSERT_TRUE(wq != NULL);
	item_init(&a, 1, log, &n);
	item_init(&b, 2, log, &n);
	/* Never queued: nothing to cancel. */
	ASSERT_TRUE(!cancel_delayed_work_sync(&a.dw));
	ASSERT_TRUE(queue_delayed_work(wq, &a.dw, 10 * 1000 * 1000));
	ASSERT_TRUE(cancel_delayed_work_sync(&a.dw));
	ASSERT_TRUE(!cancel_delayed_work_sync(&a.dw));
	/* Running (it sleeps 50 ms): cancel returns after it finished. */
	b.sleep_ms = 50;
	ASSERT_TRUE(queue_delayed_work(wq, &b.dw, 0));
	while (!__atomic_load_n(&b.started, __ATOMIC_ACQUIRE))
		nanosleep(&ts, NULL);
	ASSERT_TRUE(!cancel_delayed_work_sync(&b.dw));
	ASSERT_TRUE(__atomic_load_n(&b.done, __ATOMIC_ACQUIRE));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(log[0], 2);
	destroy_workqueue(wq);
}
