// SPDX-License-Identifier: MIT
/*
 * Device registration and removal (hot unplug, DESIGN rule 20).
 */
#include "core_priv.h"

static void udev_free(struct kref *ref)
{
	struct ib_uverbs_device *udev =
		container_of(ref, struct ib_uverbs_device, ref);

	mutex_destroy(&udev->files_lock);
	kfree(udev);
}

void uverbs_device_put(struct ib_uverbs_device *udev)
{
	kref_put(&udev->ref, udev_free);
}

int ib_register_device(struct ib_device *dev)
{
	struct ib_uverbs_device *udev;
	int ret;

	ret = uverbs_types_check(dev->types, dev->name);
	if (ret)
		return ret;
	udev = kzalloc(sizeof(*udev));
	if (!udev)
		return -ENOMEM;
	kref_init(&udev->ref);
	mutex_init(&udev->files_lock);
	INIT_LIST_HEAD(&udev->files);
	udev->driver_id = dev->driver_id;
	udev->types = dev->types;
	udev->dealloc_ucontext = dev->dealloc_ucontext;
	memcpy(udev->name, dev->name, sizeof(udev->name));
	udev->name[sizeof(udev->name) - 1] = '\0';
	rcu_assign_pointer(udev->ib_dev, dev);
	dev->uverbs_dev = udev;
	return 0;
}

/* The next file removal has not visited yet, referenced; or NULL. */
static struct ib_uverbs_file *next_file(struct ib_uverbs_device *udev)
{
	struct ib_uverbs_file *ufile, *found = NULL;

	mutex_lock(&udev->files_lock);
	list_for_each_entry(ufile, &udev->files, list) {
		if (!ufile->disassociated) {
			ufile->disassociated = true;
			ib_uverbs_file_get(ufile);
			found = ufile;
			break;
		}
	}
	mutex_unlock(&udev->files_lock);
	return found;
}

void ib_unregister_device(struct ib_device *dev)
{
	struct ib_uverbs_device *udev = dev->uverbs_dev;
	struct ib_uverbs_file *ufile;

	if (WARN_ON(!udev))
		return;
	mutex_lock(&udev->files_lock);
	rcu_assign_pointer(udev->ib_dev, NULL);
	mutex_unlock(&udev->files_lock);

	/* Commands in flight finish; later ones see no device. */
	synchronize_rcu();

	while ((ufile = next_file(udev))) {
		uverbs_file_disassociate(ufile);
		ib_uverbs_file_put(ufile);
	}
	dev->uverbs_dev = NULL;
	uverbs_device_put(udev);
}
