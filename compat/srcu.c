// SPDX-License-Identifier: MIT
/*
 * Sleepable RCU, one domain per srcu_struct: what a device's read section
 * around a command needs (compat.h).
 *
 * A reader increments the counter of the current index and decrements the
 * same one when it leaves.  synchronize_srcu() flips the index and waits
 * for the old counter to drain, twice: a reader that read the index just
 * before the first flip but incremented after the first drain check is
 * caught by the second.  Every access is sequentially consistent, so the
 * ordering is the one TSan sees too.  The wait polls with a growing sleep:
 * removal is rare and readers may sleep for long.
 */
#include "compat.h"

void init_srcu_struct(struct srcu_struct *ssp)
{
	ssp->ctr[0] = 0;
	ssp->ctr[1] = 0;
	ssp->idx = 0;
	mutex_init(&ssp->lock);
}

void cleanup_srcu_struct(struct srcu_struct *ssp)
{
	WARN_ON(__atomic_load_n(&ssp->ctr[0], __ATOMIC_SEQ_CST) ||
		__atomic_load_n(&ssp->ctr[1], __ATOMIC_SEQ_CST));
	mutex_destroy(&ssp->lock);
}

int srcu_read_lock(struct srcu_struct *ssp)
{
	int idx = (int)(__atomic_load_n(&ssp->idx, __ATOMIC_SEQ_CST) & 1);

	__atomic_fetch_add(&ssp->ctr[idx], 1, __ATOMIC_SEQ_CST);
	return idx;
}

void srcu_read_unlock(struct srcu_struct *ssp, int idx)
{
	__atomic_fetch_sub(&ssp->ctr[idx], 1, __ATOMIC_SEQ_CST);
}

static void srcu_flip_and_drain(struct srcu_struct *ssp)
{
	unsigned int old = __atomic_fetch_add(&ssp->idx, 1, __ATOMIC_SEQ_CST) & 1;
	unsigned long us = 10;

	while (__atomic_load_n(&ssp->ctr[old], __ATOMIC_SEQ_CST)) {
		usleep_range(us, us);
		if (us < 10000)
			us *= 2;
	}
}

void synchronize_srcu(struct srcu_struct *ssp)
{
	mutex_lock(&ssp->lock);
	srcu_flip_and_drain(ssp);
	srcu_flip_and_drain(ssp);
	mutex_unlock(&ssp->lock);
}
