// SPDX-License-Identifier: MIT
/*
 * User objects: the per-context handle table, access locking, commit and
 * abort of NEW objects, DESTROY, dependency counts, and the cleanup of a
 * whole context on close or device removal.
 *
 * Handle table.  Two levels: a fixed top array of leaf pointers and leaves
 * of HT_LEAF slots, allocated on demand and kept until the table goes.
 * Lookups read two words with acquire loads and take no lock, so readers
 * never serialize; writers (reserve, commit, remove) take the table lock.
 * A slot holds a uobject pointer (even), or a tagged word (odd): a link in
 * the free list, or HT_RESERVED for a handle a NEW command holds but has
 * not committed.  Lookups see neither.  Uobjects are freed after an RCU
 * grace period; a lookup runs in an RCU read section until it holds the
 * object's lock, which then keeps the object until the command ends.
 *
 * Access.  usecnt > 0 counts shared (READ) users, -1 is one exclusive
 * (WRITE, DESTROY) user; a conflict is EBUSY at once, never a wait.
 */
#include "core_priv.h"

#define HT_LEAF_SHIFT 10
#define HT_LEAF (1u << HT_LEAF_SHIFT)
#define HT_TOP 4096u
#define HT_MAX (HT_TOP * HT_LEAF)
#define HT_NONE 0xffffffffu
#define HT_TAG(n) ((void *)(((uintptr_t)(n) << 1) | 1))
#define HT_RESERVED HT_TAG(HT_NONE)

struct uverbs_htable {
	spinlock_t lock;
	bool external_ids;	/* ids chosen by the caller (fds) */
	u32 next_unused;	/* ids from here on were never handed out */
	u32 free_head;		/* HT_NONE when the free list is empty */
	void **leaves[HT_TOP];
};

struct uverbs_htable *uverbs_htable_alloc(bool external_ids)
{
	struct uverbs_htable *t = kzalloc(sizeof(*t));

	if (!t)
		return NULL;
	spin_lock_init(&t->lock);
	t->external_ids = external_ids;
	t->free_head = HT_NONE;
	return t;
}

void uverbs_htable_free(struct uverbs_htable *t)
{
	unsigned int i;

	if (!t)
		return;
	for (i = 0; i < HT_TOP; i++)
		kfree(t->leaves[i]);
	spin_lock_destroy(&t->lock);
	kfree(t);
}

static void **ht_slot(struct uverbs_htable *t, u32 id)
{
	void **leaf;

	if (id >= HT_MAX)
		return NULL;
	leaf = smp_load_acquire(&t->leaves[id >> HT_LEAF_SHIFT]);
	return leaf ? &leaf[id & (HT_LEAF - 1)] : NULL;
}

/* Makes sure the leaf of @id exists; called with t->lock held. */
static int ht_leaf_get(struct uverbs_htable *t, u32 id)
{
	void **leaf;

	if (id >= HT_MAX)
		return -ENOSPC;
	if (t->leaves[id >> HT_LEAF_SHIFT])
		return 0;
	leaf = kcalloc(HT_LEAF, sizeof(*leaf));
	if (!leaf)
		return -ENOMEM;
	smp_store_release(&t->leaves[id >> HT_LEAF_SHIFT], leaf);
	return 0;
}

/* Reserves a handle (or, for external ids, @id itself). */
static int ht_reserve(struct uverbs_htable *t, u32 *id)
{
	void **slot;
	int ret;

	spin_lock(&t->lock);
	if (t->external_ids) {
		ret = ht_leaf_get(t, *id);
		if (ret)
			goto out;
		slot = ht_slot(t, *id);
		if (*slot) {
			ret = -EEXIST;
			goto out;
		}
	} else if (t->free_head != HT_NONE) {
		*id = t->free_head;
		slot = ht_slot(t, *id);
		t->free_head = (u32)((uintptr_t)*slot >> 1);
	} else {
		ret = ht_leaf_get(t, t->next_unused);
		if (ret)
			goto out;
		*id = t->next_unused++;
		slot = ht_slot(t, *id);
	}
	__atomic_store_n(slot, HT_RESERVED, __ATOMIC_RELEASE);
	ret = 0;
out:
	spin_unlock(&t->lock);
	return ret;
}

static void ht_publish(struct uverbs_htable *t, u32 id, void *p)
{
	spin_lock(&t->lock);
	__atomic_store_n(ht_slot(t, id), p, __ATOMIC_RELEASE);
	spin_unlock(&t->lock);
}

static void ht_remove(struct uverbs_htable *t, u32 id)
{
	void **slot;

	spin_lock(&t->lock);
	slot = ht_slot(t, id);
	if (t->external_ids) {
		__atomic_store_n(slot, NULL, __ATOMIC_RELEASE);
	} else {
		__atomic_store_n(slot, HT_TAG(t->free_head), __ATOMIC_RELEASE);
		t->free_head = id;
	}
	spin_unlock(&t->lock);
}

static struct ib_uobject *ht_lookup(struct uverbs_htable *t, u32 id)
{
	void **slot = ht_slot(t, id);
	void *p;

	if (!slot)
		return NULL;
	p = __atomic_load_n(slot, __ATOMIC_ACQUIRE);
	if (!p || ((uintptr_t)p & 1))
		return NULL;
	return p;
}

static struct uverbs_htable *uobj_table(struct ib_ucontext *uctx,
					const struct uverbs_type *type)
{
	return type->obj->is_fd ? uctx->fds : uctx->handles;
}

static void uobj_free_rcu(struct rcu_head *head)
{
	kfree(container_of(head, struct ib_uobject, rcu));
}

static void uobj_release(struct kref *ref)
{
	struct ib_uobject *uobj = container_of(ref, struct ib_uobject, ref);

	call_rcu(&uobj->rcu, uobj_free_rcu);
}

void uverbs_uobject_get(struct ib_uobject *uobj)
{
	kref_get(&uobj->ref);
}

void uverbs_uobject_put(struct ib_uobject *uobj)
{
	kref_put(&uobj->ref, uobj_release);
}

static int uobj_lock(struct ib_uobject *uobj, u8 access)
{
	int old;

	if (access == UVERBS_ACCESS_READ) {
		old = atomic_read(&uobj->usecnt);
		do {
			if (old < 0)
				return -EBUSY;
		} while (!atomic_try_cmpxchg(&uobj->usecnt, &old, old + 1));
		return 0;
	}
	old = 0;
	return atomic_try_cmpxchg(&uobj->usecnt, &old, -1) ? 0 : -EBUSY;
}

void uverbs_uobject_unlock(struct ib_uobject *uobj, u8 access)
{
	if (access == UVERBS_ACCESS_READ)
		atomic_dec(&uobj->usecnt);
	else
		atomic_set(&uobj->usecnt, 0);
}

/**
 * uverbs_uobject_fetch() - find and lock an object for a command
 * @uctx: the file's context
 * @type_id: the type the spec demands
 * @type: its descriptor
 * @id: the handle or fd
 * @access: READ, WRITE or DESTROY
 * @removed: the device is gone: zombies are found too
 *
 * The lookup and the lock run in an RCU read section: a concurrent
 * destroy frees an object only after a grace period.  Once locked and
 * live, the object stays until unlocked: destroying it needs the lock,
 * close waits for the command (close_sem) and removal for the device's
 * SRCU read section.  Return: the locked object; ERR_PTR(-ENOENT) for no
 * such handle (-EBADF for an fd), -EINVAL for another type, -EBUSY for a
 * lock conflict or, for DESTROY, an object others depend on.
 */
struct ib_uobject *uverbs_uobject_fetch(struct ib_ucontext *uctx, u16 type_id,
					const struct uverbs_type *type,
					u32 id, u8 access, bool removed)
{
	int missing = type->obj->is_fd ? -EBADF : -ENOENT;
	struct ib_uobject *uobj;
	int ret;
	u8 state;

	if (compat_should_fail(FAULT_LOOKUP))
		return ERR_PTR(missing);
	rcu_read_lock();
	uobj = ht_lookup(uobj_table(uctx, type), id);
	if (!uobj) {
		ret = missing;
		goto err_unlock_rcu;
	}
	if (uobj->type_id != type_id) {
		ret = -EINVAL;
		goto err_unlock_rcu;
	}
	ret = uobj_lock(uobj, access);
	if (ret) {
		/* Destroyed under us: it is gone, not busy. */
		if (READ_ONCE(uobj->state) == UVERBS_UOBJ_DEAD)
			ret = missing;
		goto err_unlock_rcu;
	}
	/*
	 * After removal, objects are zombies once removal has cleaned this
	 * file, and still live before that: removal waits for this command
	 * (its SRCU read section and close_sem) before it cleans up.
	 */
	state = READ_ONCE(uobj->state);
	if (state != UVERBS_UOBJ_LIVE &&
	    !(removed && state == UVERBS_UOBJ_ZOMBIE)) {
		uverbs_uobject_unlock(uobj, access);
		ret = missing;
		goto err_unlock_rcu;
	}
	rcu_read_unlock();
	if (access == UVERBS_ACCESS_DESTROY &&
	    atomic_read(&uobj->num_children)) {
		/* Rule 18. */
		int n = atomic_read(&uobj->num_children);

		uverbs_set_error("handle %u: %d object%s depend%s on it: destroy %s first",
				 id, n, n == 1 ? "" : "s", n == 1 ? "s" : "",
				 n == 1 ? "it" : "them");
		uverbs_uobject_unlock(uobj, access);
		return ERR_PTR(-EBUSY);
	}
	return uobj;

err_unlock_rcu:
	rcu_read_unlock();
	return ERR_PTR(ret);
}

/*
 * Gives back the object's charge once its driver object is gone (or it
 * never had one).  Its command's exclusive lock, or close_sem held for
 * write, keeps two paths from doing it at once.
 */
static void uobj_uncharge(struct ib_uobject *uobj)
{
	if (!uobj->charged)
		return;
	uobj->charged = false;
	ib_uverbs_uncharge(uobj->context, IB_UVERBS_RES_OBJECT, uobj->type_id,
			   1);
}

/**
 * uverbs_uobject_reserve() - a new object whose handle no one can see
 *
 * The object is charged to the file (one %IB_UVERBS_RES_OBJECT of its
 * type) and locked exclusively for its command.  Return: the object, or
 * ERR_PTR(-ENOMEM / -ENOSPC), or the transport's refusal of the charge
 * (a quota: its reason is set).  For an FD type, the file's fd_alloc hook
 * picks the id (@fd_hint: the fd the command named, or -1).
 */
struct ib_uobject *uverbs_uobject_reserve(struct ib_ucontext *uctx,
					  u16 type_id,
					  const struct uverbs_type *type,
					  int fd_hint)
{
	struct ib_uverbs_file *ufile = uctx->ufile;
	struct ib_uobject *uobj;
	int ret;

	/* A quota refuses before anything is allocated. */
	ret = ib_uverbs_charge(uctx, IB_UVERBS_RES_OBJECT, type_id, 1);
	if (ret)
		return ERR_PTR(ret);
	uobj = kzalloc(sizeof(*uobj));
	if (!uobj) {
		ib_uverbs_uncharge(uctx, IB_UVERBS_RES_OBJECT, type_id, 1);
		uverbs_set_error("out of memory for a new object");
		return ERR_PTR(-ENOMEM);
	}
	uobj->charged = true;
	uobj->context = uctx;
	uobj->type = type;
	uobj->type_id = type_id;
	uobj->state = UVERBS_UOBJ_RESERVED;
	atomic_set(&uobj->usecnt, -1);
	kref_init(&uobj->ref);
	INIT_LIST_HEAD(&uobj->list);

	if (type->obj->is_fd) {
		ret = ufile->ops->fd_alloc(ufile, uobj, fd_hint);
		if (ret < 0)
			goto err_free;
		uobj->id = (u32)ret;
	}
	ret = ht_reserve(uobj_table(uctx, type), &uobj->id);
	if (ret)
		goto err_fd;
	return uobj;

err_fd:
	if (type->obj->is_fd)
		ufile->ops->fd_release(ufile, (int)uobj->id);
err_free:
	uobj_uncharge(uobj);
	kfree(uobj);
	return ERR_PTR(ret == -EEXIST ? -EBADF : ret);
}

/* Releases what @uobj holds on others, once its driver object is gone. */
static void uobj_drop_parents(struct ib_uobject *uobj)
{
	unsigned int i;

	for (i = 0; i < uobj->num_parents; i++) {
		atomic_dec(&uobj->parents[i]->num_children);
		uverbs_uobject_put(uobj->parents[i]);
		uobj->parents[i] = NULL;
	}
	uobj->num_parents = 0;
}

/**
 * uverbs_uobject_commit_new() - make a NEW object visible
 * @uobj: the reserved object, its driver object set by the handler
 * @parents: objects it depends on (locked READ by the same command)
 * @num_parents: entries in @parents
 */
void uverbs_uobject_commit_new(struct ib_uobject *uobj,
			       struct ib_uobject *const *parents,
			       unsigned int num_parents)
{
	struct ib_ucontext *uctx = uobj->context;
	unsigned int i;

	for (i = 0; i < num_parents; i++) {
		uverbs_uobject_get(parents[i]);
		atomic_inc(&parents[i]->num_children);
		uobj->parents[i] = parents[i];
	}
	uobj->num_parents = num_parents;
	uobj->state = UVERBS_UOBJ_LIVE;

	spin_lock(&uctx->uobjects_lock);
	list_add(&uobj->list, &uctx->uobjects);
	spin_unlock(&uctx->uobjects_lock);

	atomic_set(&uobj->usecnt, 0);
	ht_publish(uobj_table(uctx, uobj->type), uobj->id, uobj);
}

/* Frees a reserved object whose command failed, and its driver object. */
void uverbs_uobject_abort_new(struct ib_uobject *uobj)
{
	struct ib_ucontext *uctx = uobj->context;

	if (uobj->object)
		WARN_ON(uobj->type->obj->destroy(uobj, RDMA_REMOVE_ABORT));
	uobj_uncharge(uobj);
	ht_remove(uobj_table(uctx, uobj->type), uobj->id);
	if (uobj->type->obj->is_fd)
		uctx->ufile->ops->fd_release(uctx->ufile, (int)uobj->id);
	uobj->state = UVERBS_UOBJ_DEAD;
	uverbs_uobject_put(uobj);
}

/**
 * uverbs_uobject_destroy_locked() - destroy the driver object of a DESTROY
 * @uobj: locked exclusively by the command
 *
 * Return: 0, or the driver's refusal; the object is unchanged then.
 */
int uverbs_uobject_destroy_locked(struct ib_uobject *uobj)
{
	int ret;

	if (uobj->state == UVERBS_UOBJ_ZOMBIE)
		return 0;
	ret = uobj->type->obj->destroy(uobj, RDMA_REMOVE_DESTROY);
	if (ret)
		return ret;
	uobj->object = NULL;
	uobj_drop_parents(uobj);
	uobj_uncharge(uobj);
	return 0;
}

/*
 * Takes a destroyed object out of the table and its context's list and
 * drops the table's reference.  It stays locked: racing lookups that still
 * found it see DEAD.
 */
void uverbs_uobject_remove_locked(struct ib_uobject *uobj)
{
	struct ib_ucontext *uctx = uobj->context;

	WRITE_ONCE(uobj->state, UVERBS_UOBJ_DEAD);
	uobj_uncharge(uobj);
	ht_remove(uobj_table(uctx, uobj->type), uobj->id);
	if (uobj->type->obj->is_fd)
		uctx->ufile->ops->fd_release(uctx->ufile, (int)uobj->id);

	spin_lock(&uctx->uobjects_lock);
	list_del_init(&uobj->list);
	spin_unlock(&uctx->uobjects_lock);
	uverbs_uobject_put(uobj);
}

/*
 * One cleanup round: destroys every live object nobody depends on.
 * Returns how many objects were destroyed, and in *left how many live
 * objects remain.
 */
static unsigned int cleanup_round(struct ib_ucontext *uctx,
				  enum rdma_remove_reason why, bool force,
				  unsigned int *left)
{
	struct ib_uobject *uobj, *tmp;
	unsigned int done = 0;
	int ret;

	*left = 0;
	list_for_each_entry_safe(uobj, tmp, &uctx->uobjects, list) {
		if (uobj->state != UVERBS_UOBJ_LIVE)
			continue;
		if (!force && atomic_read(&uobj->num_children)) {
			(*left)++;
			continue;
		}
		/*
		 * No command runs, but a driver may look an object up
		 * outside them (the soft device's NIC reads a WR's AH,
		 * uverbs_ah_attr_get()): not under its feet.
		 */
		if (uobj_lock(uobj, UVERBS_ACCESS_DESTROY)) {
			if (!force) {
				(*left)++;
				continue;
			}
			while (uobj_lock(uobj, UVERBS_ACCESS_DESTROY))
				cond_resched();
		}
		ret = uobj->type->obj->destroy(uobj, why);
		if (ret && !force) {
			uverbs_uobject_unlock(uobj, UVERBS_ACCESS_DESTROY);
			(*left)++;
			continue;
		}
		/* A forced destroy that still fails leaks the driver's object:
		 * the driver is broken, say so. */
		WARN_ON(ret);
		uobj->object = NULL;
		uobj_drop_parents(uobj);
		/* A zombie holds a handle, not the device's resources. */
		uobj_uncharge(uobj);
		uobj->state = UVERBS_UOBJ_ZOMBIE;
		uverbs_uobject_unlock(uobj, UVERBS_ACCESS_DESTROY);
		done++;
	}
	return done;
}

/**
 * uverbs_cleanup_ucontext() - destroy every driver object of a context
 * @uctx: the context; no command runs on it (close_sem held for write)
 * @why: %RDMA_REMOVE_CLOSE or %RDMA_REMOVE_DRIVER_REMOVE
 *
 * Children first: rounds destroy the objects nothing depends on, until a
 * round makes no progress; what remains then (a driver that keeps
 * refusing) is destroyed in a last forced round.  The objects stay in the
 * table as zombies, so that DESTROY of them succeeds after a removal;
 * uverbs_free_ucontext() frees them.
 */
void uverbs_cleanup_ucontext(struct ib_ucontext *uctx,
			     enum rdma_remove_reason why)
{
	unsigned int left;

	while (cleanup_round(uctx, why, false, &left) && left)
		;
	if (left)
		cleanup_round(uctx, why, true, &left);
	WARN_ON(left);
}

/* Frees a cleaned context: its zombie objects, tables and the context. */
void uverbs_free_ucontext(struct ib_ucontext *uctx)
{
	struct ib_uobject *uobj, *tmp;

	list_for_each_entry_safe(uobj, tmp, &uctx->uobjects, list) {
		WARN_ON(uobj->state != UVERBS_UOBJ_ZOMBIE);
		uverbs_uobject_remove_locked(uobj);
	}
	uverbs_htable_free(uctx->handles);
	uverbs_htable_free(uctx->fds);
	spin_lock_destroy(&uctx->uobjects_lock);
	kfree(uctx);
}
