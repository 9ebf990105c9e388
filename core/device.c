// SPDX-License-Identifier: MIT
/*
 * Device registration, the device registry, and removal (hot unplug,
 * Rule 20 of docs/design.md).
 */
#include "core_priv.h"

/* The registry, sorted by index.  devices_lock is taken alone. */
static DEFINE_MUTEX(devices_lock);
static LIST_HEAD(devices);

static void udev_free(struct kref *ref)
{
	struct ib_uverbs_device *udev =
		container_of(ref, struct ib_uverbs_device, ref);

	mutex_destroy(&udev->files_lock);
	cleanup_srcu_struct(&udev->srcu);
	kfree(udev->types);
	kfree(udev->action_base);
	kfree(udev);
}

void uverbs_device_put(struct ib_uverbs_device *udev)
{
	kref_put(&udev->ref, udev_free);
}

/*
 * The core's device of a registered @dev, referenced; NULL once removal
 * has begun.  Removal clears dev->uverbs_dev under devices_lock, so the
 * reference is taken before it can drop the last one.
 */
struct ib_uverbs_device *uverbs_device_get(struct ib_device *dev)
{
	struct ib_uverbs_device *udev;

	mutex_lock(&devices_lock);
	udev = dev->uverbs_dev;
	if (udev)
		kref_get(&udev->ref);
	mutex_unlock(&devices_lock);
	return udev;
}

/* Inserts @dev at the lowest free index, keeping the list sorted. */
static int registry_add(struct ib_device *dev)
{
	struct list_head *pos = &devices;
	struct ib_device *d;
	u32 index = 0;

	list_for_each_entry(d, &devices, list) {
		if (!strcmp(d->name, dev->name)) {
			pr_err("%s: a device of that name is registered",
			       dev->name);
			return -EEXIST;
		}
	}
	list_for_each_entry(d, &devices, list) {
		if (d->index != index) {
			pos = &d->list;
			break;
		}
		index++;
	}
	dev->index = index;
	list_add_tail(&dev->list, pos);
	return 0;
}

/* Each type's first slot in a file's command counts. */
static int action_slots_init(struct ib_uverbs_device *udev)
{
	const struct uverbs_types *types = udev->types;
	u32 slot = 0;
	u16 t;

	udev->action_base = kcalloc(types->num_types + 1u,
				    sizeof(*udev->action_base));
	if (!udev->action_base)
		return -ENOMEM;
	for (t = 0; t < types->num_types; t++) {
		udev->action_base[t] = slot;
		if (types->types[t])
			slot += types->types[t]->num_actions;
	}
	udev->action_base[t] = slot;
	udev->num_action_slots = slot;
	return 0;
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
	init_srcu_struct(&udev->srcu);
	INIT_LIST_HEAD(&udev->files);
	udev->driver_id = dev->driver_id;
	/* The core's own copy: files parse it after the driver is gone. */
	udev->types = uverbs_types_dup(dev->types);
	if (!udev->types) {
		uverbs_device_put(udev);
		return -ENOMEM;
	}
	ret = action_slots_init(udev);
	if (ret) {
		uverbs_device_put(udev);
		return ret;
	}
	udev->dealloc_ucontext = dev->dealloc_ucontext;
	memcpy(udev->name, dev->name, sizeof(udev->name));
	udev->name[sizeof(udev->name) - 1] = '\0';
	rcu_assign_pointer(udev->ib_dev, dev);

	mutex_lock(&devices_lock);
	ret = registry_add(dev);
	if (!ret)
		dev->uverbs_dev = udev;
	mutex_unlock(&devices_lock);
	if (ret)
		uverbs_device_put(udev);
	return ret;
}

int ib_device_for_each(int (*fn)(struct ib_device *dev, void *arg), void *arg)
{
	struct ib_device *dev;
	int ret = 0;

	mutex_lock(&devices_lock);
	list_for_each_entry(dev, &devices, list) {
		ret = fn(dev, arg);
		if (ret)
			break;
	}
	mutex_unlock(&devices_lock);
	return ret;
}

struct ib_device *ib_device_find(const char *name)
{
	struct ib_device *dev, *found = NULL;

	mutex_lock(&devices_lock);
	list_for_each_entry(dev, &devices, list) {
		if (!strcmp(dev->name, name)) {
			found = dev;
			break;
		}
	}
	mutex_unlock(&devices_lock);
	return found;
}

int ib_device_for_each_file(struct ib_device *dev,
			    int (*fn)(struct ib_uverbs_file *ufile, void *arg),
			    void *arg)
{
	struct ib_uverbs_device *udev = uverbs_device_get(dev);
	struct ib_uverbs_file *ufile;
	int ret = 0;

	if (!udev)
		return -ENODEV;
	mutex_lock(&udev->files_lock);
	list_for_each_entry(ufile, &udev->files, list) {
		ret = fn(ufile, arg);
		if (ret)
			break;
	}
	mutex_unlock(&udev->files_lock);
	uverbs_device_put(udev);
	return ret;
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
	mutex_lock(&devices_lock);
	list_del_init(&dev->list);
	dev->uverbs_dev = NULL;
	mutex_unlock(&devices_lock);

	mutex_lock(&udev->files_lock);
	rcu_assign_pointer(udev->ib_dev, NULL);
	mutex_unlock(&udev->files_lock);

	/* Commands in flight finish; later ones see no device. */
	synchronize_srcu(&udev->srcu);

	while ((ufile = next_file(udev))) {
		uverbs_file_disassociate(ufile);
		ib_uverbs_file_put(ufile);
	}
	uverbs_device_put(udev);
}
