/* SPDX-License-Identifier: MIT */
/*
 * Between ioverbs_core.ko (kmod/main.c: the core, the kernel compat/ and
 * the misc devices) and the driver modules (kmod/soft.c: ioverbs_soft.ko,
 * the soft device and the test driver).
 *
 * A driver module registers a kind of device ("soft", "td") at load; the
 * control node's "add KIND NAME" then makes one through it, and the core
 * module gives every device its node, /dev/ioverbs-NAME.  Unregistering
 * the kind (the driver module's exit) removes and destroys each of its
 * devices under whatever files are open (Rule 20): in-flight commands
 * finish, the files get EIO for everything but DESTROY and the
 * after-removal actions, which the core serves from its own copy of the
 * spec tables, and a DEVICE_FATAL event.  The files keep the core module
 * (their fops are its), never the driver's.
 */
#ifndef _KMOD_KMOD_H
#define _KMOD_KMOD_H

#include <linux/list.h>

struct ib_device;

/**
 * struct ioverbs_kmod_driver - a kind of device a driver module makes
 * @kind: the control node's name for it ("soft")
 * @create: a registered device named @name, with the driver's test
 *	hooks on if @hooks; an ERR_PTR
 * @remove: unregisters @ib (hot unplug, Rule 20), which stays allocated
 * @destroy: frees @ib, removed first if it is not yet
 * @list: on the core module's list of kinds, under its lock
 *
 * The callbacks run under the core module's kmod_lock.
 */
struct ioverbs_kmod_driver {
	const char *kind;
	struct ib_device *(*create)(const char *name, bool hooks);
	void (*remove)(struct ib_device *ib);
	void (*destroy)(struct ib_device *ib);
	struct list_head list;
};

/* -EEXIST for a kind registered already. */
int ioverbs_kmod_driver_register(struct ioverbs_kmod_driver *drv);
/* Destroys every device of @drv (its nodes go first), then forgets it. */
void ioverbs_kmod_driver_unregister(struct ioverbs_kmod_driver *drv);
/* A device of @kind named @name and its node: 0, -EEXIST, -EINVAL (no
 * such kind), or the driver's or misc_register()'s error. */
int ioverbs_kmod_add(const char *kind, const char *name, bool hooks);

#endif /* _KMOD_KMOD_H */
