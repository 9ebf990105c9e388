// SPDX-License-Identifier: MIT
/*
 * ioverbs_soft.ko: the soft device (drivers/soft/) and the test driver
 * (tests/test_driver.c) as a driver module of ioverbs_core.ko
 * (kmod/kmod.h).  It registers the kinds "soft" and "td" (the control
 * node's "add soft NAME", "add td NAME") and makes the soft devices
 * uverbs0.. at load.  /dev/ioverbs-td-knobs maps the test driver's knobs
 * page, so tests set knobs as through the daemon.
 *
 * rmmod works under open files (Rule 20, as upstream's rdma_rxe under
 * ib_uverbs): the exit unregisters both kinds, which removes and
 * destroys every device; the files stay the core module's.  Only a
 * mapping of the knobs page holds this module (it is its data).
 *
 * Module parameters: soft_devices (default 1), soft devices uverbs0..
 * made at load; test_hooks (default off), whether those serve
 * SOFT_VENDOR_INJECT (devices added on the control node, by root for
 * tests, always do).
 */
#include <linux/fs.h>
#include <linux/miscdevice.h>
#include <linux/mm.h>
#include <linux/module.h>
#include <linux/vmalloc.h>

#include <compat.h>
#include <rdma/ib_verbs.h>
#include <rdma/soft_device.h>

#include "../tests/test_driver.h"
#include "kmod.h"

static int soft_devices = 1;
module_param(soft_devices, int, 0444);
MODULE_PARM_DESC(soft_devices, "soft devices uverbs0.. to create at load");

static bool test_hooks;
module_param(test_hooks, bool, 0444);
MODULE_PARM_DESC(test_hooks,
		 "serve SOFT_VENDOR_INJECT on the soft devices made at load (any user could take a port down)");

static struct ib_device *kmod_soft_create(const char *name, bool hooks)
{
	struct soft_device_config cfg = { .name = name, .no_test_hooks = !hooks };

	return soft_device_create(&cfg);
}

static struct ioverbs_kmod_driver kmod_soft_driver = {
	.kind = "soft",
	.create = kmod_soft_create,
	.remove = ib_unregister_device,
	.destroy = soft_device_destroy,
};

static struct ib_device *kmod_td_create(const char *name, bool hooks)
{
	struct ib_device *ib = td_device_create_named(name);

	return ib ? ib : ERR_PTR(-ENOMEM);
}

static struct ioverbs_kmod_driver kmod_td_driver = {
	.kind = "td",
	.create = kmod_td_create,
	.remove = td_device_remove,
	.destroy = td_device_destroy,
};

/* The test driver's knobs, the page itself (module data is vmalloc'ed). */
static int kmod_knobs_mmap(struct file *file, struct vm_area_struct *vma)
{
	if (vma->vm_pgoff || vma->vm_end - vma->vm_start != PAGE_SIZE)
		return -EINVAL;
	return vm_insert_page(vma, vma->vm_start, vmalloc_to_page(&td_knobs));
}

static const struct file_operations kmod_knobs_fops = {
	.owner = THIS_MODULE,
	.mmap = kmod_knobs_mmap,
	.llseek = no_llseek,
};

static struct miscdevice kmod_knobs_misc = {
	.minor = MISC_DYNAMIC_MINOR,
	.name = "ioverbs-td-knobs",
	.fops = &kmod_knobs_fops,
	.mode = 0600,
};

static int __init kmod_soft_init(void)
{
	char name[16];
	int i, ret;

	BUILD_BUG_ON(sizeof(td_knobs) != PAGE_SIZE);
	ret = misc_register(&kmod_knobs_misc);
	if (ret)
		return ret;
	ret = ioverbs_kmod_driver_register(&kmod_td_driver);
	if (ret)
		goto err_knobs;
	ret = ioverbs_kmod_driver_register(&kmod_soft_driver);
	if (ret)
		goto err_td;
	for (i = 0; i < soft_devices; i++) {
		snprintf(name, sizeof(name), "uverbs%d", i);
		ret = ioverbs_kmod_add("soft", name, test_hooks);
		if (ret)
			goto err_soft;
	}
	pr_info("loaded: %d soft device(s)\n", soft_devices);
	return 0;

err_soft:
	ioverbs_kmod_driver_unregister(&kmod_soft_driver);
err_td:
	ioverbs_kmod_driver_unregister(&kmod_td_driver);
err_knobs:
	misc_deregister(&kmod_knobs_misc);
	return ret;
}

static void __exit kmod_soft_exit(void)
{
	ioverbs_kmod_driver_unregister(&kmod_soft_driver);
	ioverbs_kmod_driver_unregister(&kmod_td_driver);
	misc_deregister(&kmod_knobs_misc);
	pr_info("soft module unloaded\n");
}

module_init(kmod_soft_init);
module_exit(kmod_soft_exit);
MODULE_DESCRIPTION("ioverbs: the soft RDMA device and the test driver");
MODULE_LICENSE("Dual MIT/GPL");
