// SPDX-License-Identifier: MIT
/*
 * Address spaces in the kernel compat/: compat_self_mm (the calling
 * task's memory, through copy_{from,to}_user) and compat_kmm, a process's
 * mm_struct that any thread reaches with get_user_pages_remote(), page by
 * page, as the user-space side reaches another process with
 * process_vm_readv/writev.  check is what pinning would refuse, from the
 * VMAs.
 */
#include <linux/highmem.h>
#include <linux/mm.h>
#include <linux/sched/mm.h>

#include <compat.h>

#include "kmm.h"

static size_t self_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	return copy_from_user(dst, u64_to_user_ptr(uaddr), n);
}

static size_t self_write(struct compat_mm *mm, u64 uaddr, const void *src,
			 size_t n)
{
	return copy_to_user(u64_to_user_ptr(uaddr), src, n);
}

/* The VMAs of @mm over the range; mmap lock held for read. */
static int vmas_check(struct mm_struct *mm, u64 uaddr, u64 len, bool write,
		      u64 *bad)
{
	u64 cur = uaddr, last = uaddr + len - 1;
	struct vm_area_struct *vma;

	if (!len || last < uaddr) {
		*bad = uaddr;
		return -EFAULT;
	}
	for (;;) {
		vma = find_vma(mm, cur);
		if (!vma || vma->vm_start > cur) {
			*bad = cur;
			return -EFAULT;
		}
		if (!(vma->vm_flags & VM_READ) ||
		    (write && !(vma->vm_flags & VM_WRITE)) ||
		    (vma->vm_flags & (VM_IO | VM_PFNMAP))) {
			*bad = cur;
			return -EACCES;
		}
		if (vma->vm_end - 1 >= last)
			return 0;
		cur = vma->vm_end;
	}
}

static int self_check(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		      u64 *bad)
{
	struct mm_struct *cur = current->mm;
	int ret;

	if (!cur) {
		*bad = uaddr;
		return -EFAULT;
	}
	mmap_read_lock(cur);
	ret = vmas_check(cur, uaddr, len, write, bad);
	mmap_read_unlock(cur);
	return ret;
}

static const struct compat_mm_ops self_ops = {
	.read = self_read,
	.write = self_write,
	.check = self_check,
};

struct compat_mm compat_self_mm = { .ops = &self_ops };

/*
 * Copies @n bytes between @buf and @uaddr of @kmm's process; returns the
 * bytes not copied.  The process may have exited: nothing is copied.
 */
static size_t kmm_copy(struct compat_kmm *kmm, u64 uaddr, void *buf, size_t n,
		       bool write)
{
	struct mm_struct *mm = kmm->mm;
	size_t done = 0;

	if (!mmget_not_zero(mm))
		return n;
	mmap_read_lock(mm);
	while (done < n) {
		unsigned long addr = uaddr + done;
		size_t off = offset_in_page(addr);
		size_t chunk = min_t(size_t, n - done, PAGE_SIZE - off);
		struct page *page;
		void *kaddr;
		long got;

		got = get_user_pages_remote(mm, addr, 1,
					    write ? FOLL_WRITE | FOLL_FORCE : 0,
					    &page, NULL, NULL);
		if (got != 1)
			break;
		kaddr = kmap_local_page(page);
		if (write) {
			memcpy(kaddr + off, buf + done, chunk);
			set_page_dirty_lock(page);
		} else {
			memcpy(buf + done, kaddr + off, chunk);
		}
		kunmap_local(kaddr);
		put_page(page);
		done += chunk;
	}
	mmap_read_unlock(mm);
	mmput(mm);
	return n - done;
}

static size_t kmm_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	return kmm_copy(container_of(mm, struct compat_kmm, base), uaddr, dst,
			n, false);
}

static size_t kmm_write(struct compat_mm *mm, u64 uaddr, const void *src,
			size_t n)
{
	return kmm_copy(container_of(mm, struct compat_kmm, base), uaddr,
			(void *)src, n, true);
}

static int kmm_check(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		     u64 *bad)
{
	struct compat_kmm *kmm = container_of(mm, struct compat_kmm, base);
	int ret;

	if (!mmget_not_zero(kmm->mm)) {
		*bad = uaddr;
		return -EFAULT;
	}
	mmap_read_lock(kmm->mm);
	ret = vmas_check(kmm->mm, uaddr, len, write, bad);
	mmap_read_unlock(kmm->mm);
	mmput(kmm->mm);
	return ret;
}

static const struct compat_mm_ops kmm_ops = {
	.read = kmm_read,
	.write = kmm_write,
	.check = kmm_check,
};

int compat_kmm_init(struct compat_kmm *kmm)
{
	if (!current->mm)
		return -EINVAL;
	kmm->base.ops = &kmm_ops;
	kmm->base.owner = from_kuid(&init_user_ns, current_uid());
	kmm->mm = current->mm;
	mmgrab(kmm->mm);
	return 0;
}

void compat_kmm_destroy(struct compat_kmm *kmm)
{
	mmdrop(kmm->mm);
}
