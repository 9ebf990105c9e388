/* SPDX-License-Identifier: MIT */
/*
 * The ioverbs half's own state of a context (ivp_cmd.c, ivp_data.c):
 * nothing here is visible to the libibverbs half.
 */
#ifndef _PROVIDER_IVP_LIB_H
#define _PROVIDER_IVP_LIB_H

#include <pthread.h>
#include <stdbool.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "ivp.h"

/* Spare event files kept open (docs/internals.md). */
#define IVP_SPARES 4

/* Buckets of a context's table of QPs with rings, by QP number. */
#define IVP_QP_BUCKETS 64

struct ivp_qp;

/**
 * struct ivp_dev - one context's client
 * @v: commands on cmd_fd
 * @lock: protects @ring, @rings_state and @spare; taken alone (never with
 *	a CQ's or QP's lock held)
 * @ring: the soft device's doorbell, attached at the first QP
 * @rings_state: 0 not tried, 1 attached, -1 the device has no rings (the
 *	data path then uses commands)
 * @spare: unbound spare event files (-1: none), with the identity each
 *	had when opened, so that a descriptor number reused by the
 *	application is never closed as ours
 * @qps_lock: protects @qps (read by every poll, written by QP create
 *	and destroy); taken alone
 * @qps: the QPs with rings, by QP number: a poll credits their queues
 */
struct ivp_dev {
	struct ioverbs_client v;
	pthread_mutex_t lock;
	struct ioverbs_sring_ctx ring;
	int rings_state;
	int spare[IVP_SPARES];
	dev_t spare_dev[IVP_SPARES];
	ino_t spare_ino[IVP_SPARES];
	pthread_rwlock_t qps_lock;
	struct ivp_qp *qps[IVP_QP_BUCKETS];
};

void ivp_dev_init(struct ivp_dev *dev);
void ivp_dev_fini(struct ivp_dev *dev);

#endif /* _PROVIDER_IVP_LIB_H */
