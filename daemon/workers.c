// SPDX-License-Identifier: MIT
/*
 * Threads for requests that may wait on a client: the FUSE loop's thread
 * serves every client, so whatever may block on one client -- a command
 * that reaches its memory outside command windows (process_vm, an MR's
 * pages, a descriptor it names), opening or releasing its file, a control
 * command that waits for commands in flight -- runs here instead.
 *
 * A job runs on an idle worker, or on a new one while there are fewer
 * than the limit; past it, jobs wait in order.  A worker that has been
 * idle for IVD_WORKER_IDLE_MS exits if more than IVD_WORKERS_KEPT are
 * idle.  The first IVD_WORKERS_KEPT to wait sleep without a timeout (they
 * would stay anyway), so that an idle daemon wakes no thread.  Each user
 * has a bounded number of commands in flight (limits.c), so one user's
 * blocked commands hold a bounded number of workers.
 *
 * Lock order: workers_lock is taken alone.
 */
#include <stdlib.h>
#include <time.h>

#include "daemon.h"

#define IVD_WORKERS_KEPT 4
#define IVD_WORKER_IDLE_MS 2000

static pthread_mutex_t workers_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t workers_cond = PTHREAD_COND_INITIALIZER;
static pthread_cond_t workers_done = PTHREAD_COND_INITIALIZER;
static LIST_HEAD(jobs);
static unsigned int max_workers = 1;
static unsigned int nworkers;	/* threads alive */
static unsigned int nidle;	/* of which waiting for a job */
static unsigned int nbusy;	/* of which running one */
static bool stopping;

static void *worker_main(void *arg)
{
	struct ivd_work *w;
	struct timespec ts;

	pthread_mutex_lock(&workers_lock);
	for (;;) {
		while (list_empty(&jobs) && !stopping) {
			/*
			 * Kept: at most IVD_WORKERS_KEPT wait like this, as
			 * each counts itself among the idle ones.
			 */
			if (++nidle <= IVD_WORKERS_KEPT) {
				pthread_cond_wait(&workers_cond, &workers_lock);
				nidle--;
				continue;
			}
			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += IVD_WORKER_IDLE_MS / 1000;
			if (pthread_cond_timedwait(&workers_cond, &workers_lock,
						   &ts) == ETIMEDOUT &&
			    list_empty(&jobs) && nidle > IVD_WORKERS_KEPT) {
				nidle--;
				goto out;
			}
			nidle--;
		}
		if (list_empty(&jobs))
			break;	/* stopping, nothing left */
		w = list_first_entry(&jobs, struct ivd_work, node);
		list_del_init(&w->node);
		nbusy++;
		pthread_mutex_unlock(&workers_lock);
		w->fn(w);	/* may free w */
		pthread_mutex_lock(&workers_lock);
		nbusy--;
	}
out:
	nworkers--;
	pthread_cond_broadcast(&workers_done);
	pthread_mutex_unlock(&workers_lock);
	return NULL;
}

/* A new worker (workers_lock held): false if none could be started. */
static bool worker_start(void)
{
	pthread_attr_t attr;
	pthread_t t;
	bool ok;

	if (pthread_attr_init(&attr))
		return false;
	pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
	/* Commands need little stack; thousands of workers stay cheap. */
	pthread_attr_setstacksize(&attr, 256 * 1024);
	ok = !pthread_create(&t, &attr, worker_main, NULL);
	pthread_attr_destroy(&attr);
	if (ok)
		nworkers++;
	return ok;
}

/**
 * ivd_workers_init() - allow up to @max worker threads
 * @max: at least 1
 */
void ivd_workers_init(unsigned int max)
{
	max_workers = max ? max : 1;
}

/**
 * ivd_work_queue() - run @w->fn(@w) on a worker thread
 * @w: the job; @w->fn owns it from then on
 *
 * Return: 0, or -EAGAIN if no worker exists and none can be started
 * (the caller answers the request itself).
 */
int ivd_work_queue(struct ivd_work *w)
{
	bool wake = false;
	int ret = 0;

	pthread_mutex_lock(&workers_lock);
	if (stopping) {
		ret = -ESHUTDOWN;
		goto out;
	}
	list_add_tail(&w->node, &jobs);
	if (nidle) {
		wake = true;
	} else if (nworkers < max_workers && worker_start()) {
		/* the new worker takes it */
	} else if (!nworkers) {
		list_del_init(&w->node);
		ret = -EAGAIN;
	}
out:
	pthread_mutex_unlock(&workers_lock);
	/* After the unlock: the woken worker does not wait for our lock. */
	if (wake)
		pthread_cond_signal(&workers_cond);
	return ret;
}

/**
 * ivd_workers_exit() - let the workers finish their jobs and go
 * @timeout_ms: how long to wait for jobs still running
 *
 * After the FUSE loop ended: no job is queued any more.
 * Return: the number of workers still running a job after @timeout_ms
 * (blocked on a client that never answers); 0 when all are gone.
 */
unsigned int ivd_workers_exit(unsigned int timeout_ms)
{
	struct timespec ts;
	unsigned int left;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += timeout_ms / 1000;
	ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000;
	if (ts.tv_nsec >= 1000000000) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000;
	}
	pthread_mutex_lock(&workers_lock);
	stopping = true;
	pthread_cond_broadcast(&workers_cond);
	while (nworkers &&
	       pthread_cond_timedwait(&workers_done, &workers_lock, &ts) !=
		       ETIMEDOUT)
		;
	left = nbusy;
	pthread_mutex_unlock(&workers_lock);
	return left;
}
