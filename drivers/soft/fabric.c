// SPDX-License-Identifier: MIT
/*
 * The fabric: every soft device of the process, their ports' LIDs and
 * GIDs, and each device's QPs by QPN.  The data path finds a packet's
 * destination QP here by (LID, QPN) or (GID, QPN).
 *
 * soft_fabric_lock protects the device list and is taken before a
 * device's qp_lock.  QPNs are per device (a channel adapter), 24 bits,
 * random (never 0 or 1, which IB reserves, nor a live one): a QPN says
 * nothing about the QPs created before or after it, so nobody finds
 * another user's QP by counting.  Finding one is not enough anyway: the
 * data path (engine.c) delivers to an RC or UC QP only what comes from
 * the QP and port it was connected to.
 */
#include "soft.h"

static DEFINE_MUTEX(soft_fabric_lock);
static LIST_HEAD(soft_fabric_devices);
static atomic_t soft_fabric_lids;

/* Unicast LIDs are 1..0xbfff. */
#define SOFT_LID_MAX 0xbfff

/**
 * soft_fabric_lid_alloc() - a LID no other port of the process has (until
 * 49151 ports were created)
 */
u16 soft_fabric_lid_alloc(void)
{
	u32 n = (u32)atomic_add_return(1, &soft_fabric_lids) - 1;

	return (u16)(n % SOFT_LID_MAX + 1);
}

void soft_fabric_device_add(struct soft_device *sdev)
{
	mutex_lock(&soft_fabric_lock);
	list_add_tail(&sdev->fabric, &soft_fabric_devices);
	mutex_unlock(&soft_fabric_lock);
}

/* Idempotent: soft_device_destroy() calls it after an unregister. */
void soft_fabric_device_del(struct soft_device *sdev)
{
	mutex_lock(&soft_fabric_lock);
	list_del_init(&sdev->fabric);
	mutex_unlock(&soft_fabric_lock);
}

void soft_fabric_qp_table_init(struct soft_device *sdev)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(sdev->qp_hash); i++)
		INIT_LIST_HEAD(&sdev->qp_hash[i]);
}

/* QPNs are random already; a multiply spreads them anyway. */
static struct list_head *soft_qp_bucket(struct soft_device *sdev, u32 qpn)
{
	return &sdev->qp_hash[(qpn * 0x9e3779b1u) >> (32 - SOFT_QP_HASH_BITS)];
}

/* qp_lock held. */
static struct soft_qp *soft_qp_find(struct soft_device *sdev, u32 qpn)
{
	struct soft_qp *sqp;

	list_for_each_entry(sqp, soft_qp_bucket(sdev, qpn), hash)
		if (sqp->ibqp.qp_num == qpn)
			return sqp;
	return NULL;
}

/* Random QPNs tried before a scan for a free one. */
#define SOFT_QPN_TRIES 64

/* A QPN allowed and free on @sdev; qp_lock held. */
static bool soft_qpn_free(struct soft_device *sdev, u32 qpn)
{
	return qpn >= SOFT_QPN_FIRST && !soft_qp_find(sdev, qpn);
}

/**
 * soft_fabric_qp_add() - give @sqp a random QPN and make it reachable
 *
 * A device never has more than max_qp QPs (at most 2^24 - 2 can exist),
 * so a random QPN is free at once but on a crowded device; after
 * SOFT_QPN_TRIES taken ones the scan goes upwards from the last one.
 * Return: 0 (ibqp.qp_num set) or -ENOMEM when no QPN is free.
 */
int soft_fabric_qp_add(struct soft_device *sdev, struct soft_qp *sqp)
{
	u32 tries, qpn = 0;
	int ret = -ENOMEM;

	spin_lock(&sdev->qp_lock);
	for (tries = 0; tries < SOFT_QPN_TRIES; tries++) {
		qpn = get_random_u32() & SOFT_QPN_MASK;
		if (soft_qpn_free(sdev, qpn))
			goto found;
	}
	for (tries = 0; tries <= SOFT_QPN_MASK; tries++) {
		qpn = (qpn + 1) & SOFT_QPN_MASK;
		if (soft_qpn_free(sdev, qpn))
			goto found;
	}
	uverbs_set_error("QP_CREATE: no free QP number on the device");
	goto out_unlock;
found:
	sqp->ibqp.qp_num = qpn;
	list_add(&sqp->hash, soft_qp_bucket(sdev, qpn));
	ret = 0;
out_unlock:
	spin_unlock(&sdev->qp_lock);
	return ret;
}

void soft_fabric_qp_del(struct soft_device *sdev, struct soft_qp *sqp)
{
	spin_lock(&sdev->qp_lock);
	list_del_init(&sqp->hash);
	spin_unlock(&sdev->qp_lock);
}

/* @qpn on @sdev, referenced; soft_fabric_lock held. */
static struct soft_qp *soft_fabric_qp_get(struct soft_device *sdev, u32 qpn)
{
	struct soft_qp *sqp;

	spin_lock(&sdev->qp_lock);
	sqp = soft_qp_find(sdev, qpn);
	if (sqp)
		kref_get(&sqp->ref);
	spin_unlock(&sdev->qp_lock);
	return sqp;
}

/**
 * soft_fabric_qp_on() - the QP @qpn of @sdev, referenced (soft_qp_put()),
 *	or NULL: a RoCEv2 port's receive path, which knows its device
 */
struct soft_qp *soft_fabric_qp_on(struct soft_device *sdev, u32 qpn)
{
	if (compat_should_fail(FAULT_LOOKUP))
		return NULL;
	return soft_fabric_qp_get(sdev, qpn);
}

/*
 * The QP @qpn of the device owning the port @match accepts, referenced.
 * The QP may be in any state and bound to any port: the data path checks.
 */
typedef bool (*soft_port_match_t)(const struct soft_port *port,
				  const void *addr);

static struct soft_qp *soft_fabric_qp_by(soft_port_match_t match,
					 const void *addr, u32 qpn,
					 u8 *port_num)
{
	struct soft_device *sdev;
	struct soft_qp *sqp = NULL;
	u8 i;

	/* An injected lookup failure is a QP nobody answers for. */
	if (compat_should_fail(FAULT_LOOKUP))
		return NULL;
	mutex_lock(&soft_fabric_lock);
	list_for_each_entry(sdev, &soft_fabric_devices, fabric) {
		for (i = 0; i < sdev->num_ports; i++) {
			if (!match(&sdev->ports[i], addr))
				continue;
			sqp = soft_fabric_qp_get(sdev, qpn);
			if (sqp && port_num)
				*port_num = sdev->ports[i].port_num;
			goto out_unlock;
		}
	}
out_unlock:
	mutex_unlock(&soft_fabric_lock);
	return sqp;
}

static bool soft_port_has_lid(const struct soft_port *port, const void *lid)
{
	return !port->roce && port->lid == *(const u16 *)lid;
}

/* A RoCEv2 port is reached over UDP only, never through the fabric. */
static bool soft_port_has_gid(const struct soft_port *port, const void *gid)
{
	return !port->roce && !memcmp(&port->gid, gid, sizeof(port->gid));
}

/**
 * soft_fabric_qp_by_lid() - the QP @qpn behind the port with LID @lid
 * @port_num: if not NULL, set to that port's number
 * Return: the QP with a reference (soft_qp_put()) or NULL.
 */
struct soft_qp *soft_fabric_qp_by_lid(u16 lid, u32 qpn, u8 *port_num)
{
	return soft_fabric_qp_by(soft_port_has_lid, &lid, qpn, port_num);
}

/**
 * soft_fabric_qp_by_gid() - the QP @qpn behind the port with GID @gid
 * @port_num: if not NULL, set to that port's number
 * Return: the QP with a reference (soft_qp_put()) or NULL.
 */
struct soft_qp *soft_fabric_qp_by_gid(const struct ib_uverbs_gid *gid,
				      u32 qpn, u8 *port_num)
{
	return soft_fabric_qp_by(soft_port_has_gid, gid, qpn, port_num);
}
