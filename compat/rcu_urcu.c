// SPDX-License-Identifier: MIT
/*
 * The liburcu backend of compat RCU.  Kept apart because liburcu's headers
 * define the kernel's RCU names as macros of their own.  Threads register
 * on first use and unregister when they exit.
 */
#include <pthread.h>
#include <stdbool.h>
#include <urcu/urcu-memb.h>

void compat_rcu_backend_read_lock(void);
void compat_rcu_backend_read_unlock(void);
void compat_rcu_backend_synchronize(void);

static pthread_key_t reg_key;
static pthread_once_t reg_once = PTHREAD_ONCE_INIT;
static __thread bool registered;

static void reg_thread_exit(void *arg)
{
	(void)arg;
	urcu_memb_unregister_thread();
}

static void reg_key_init(void)
{
	pthread_key_create(&reg_key, reg_thread_exit);
}

static void reg_thread(void)
{
	pthread_once(&reg_once, reg_key_init);
	urcu_memb_register_thread();
	/* Any non-NULL value makes the destructor run at thread exit. */
	pthread_setspecific(reg_key, &registered);
	registered = true;
}

void compat_rcu_backend_read_lock(void)
{
	if (__builtin_expect(!registered, 0))
		reg_thread();
	urcu_memb_read_lock();
}

void compat_rcu_backend_read_unlock(void)
{
	urcu_memb_read_unlock();
}

void compat_rcu_backend_synchronize(void)
{
	urcu_memb_synchronize_rcu();
}
