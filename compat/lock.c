// SPDX-License-Identifier: MIT
/*
 * Sleeping locks on pthreads.  A failing pthread call here is a bug in the
 * caller (unlocking what it does not hold), reported with WARN_ON.
 */
#include <time.h>

#include "compat.h"

void mutex_init(struct mutex *m)
{
	WARN_ON(pthread_mutex_init(&m->m, NULL));
}

void mutex_destroy(struct mutex *m)
{
	WARN_ON(pthread_mutex_destroy(&m->m));
}

void mutex_lock(struct mutex *m)
{
	WARN_ON(pthread_mutex_lock(&m->m));
}

void mutex_unlock(struct mutex *m)
{
	WARN_ON(pthread_mutex_unlock(&m->m));
}

void init_rwsem(struct rw_semaphore *s)
{
	pthread_rwlockattr_t attr;

	pthread_rwlockattr_init(&attr);
	pthread_rwlockattr_setkind_np(&attr,
		PTHREAD_RWLOCK_PREFER_WRITER_NONRECURSIVE_NP);
	WARN_ON(pthread_rwlock_init(&s->l, &attr));
	pthread_rwlockattr_destroy(&attr);
}

void destroy_rwsem(struct rw_semaphore *s)
{
	WARN_ON(pthread_rwlock_destroy(&s->l));
}

void down_read(struct rw_semaphore *s)
{
	WARN_ON(pthread_rwlock_rdlock(&s->l));
}

bool down_read_trylock(struct rw_semaphore *s)
{
	return pthread_rwlock_tryrdlock(&s->l) == 0;
}

void up_read(struct rw_semaphore *s)
{
	WARN_ON(pthread_rwlock_unlock(&s->l));
}

void down_write(struct rw_semaphore *s)
{
	WARN_ON(pthread_rwlock_wrlock(&s->l));
}

void up_write(struct rw_semaphore *s)
{
	WARN_ON(pthread_rwlock_unlock(&s->l));
}

void usleep_range(unsigned long min_us, unsigned long max_us)
{
	struct timespec ts = { min_us / 1000000, (long)(min_us % 1000000) * 1000 };

	(void)max_us;
	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}
