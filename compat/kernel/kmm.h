/* SPDX-License-Identifier: MIT */
/* A process's address space as a compat_mm (mm.c), for the module. */
#ifndef _COMPAT_KERNEL_KMM_H
#define _COMPAT_KERNEL_KMM_H

#include <compat.h>

struct mm_struct;

/**
 * struct compat_kmm - the address space of the task that opened a file
 * @base: what the core and drivers see (context->mm)
 * @mm: the task's mm, held by mmgrab(): the memory itself only while
 *	the process lives (mmget_not_zero() around every access)
 */
struct compat_kmm {
	struct compat_mm base;
	struct mm_struct *mm;
};

/* The calling task's: 0, or -EINVAL for a task without memory. */
int compat_kmm_init(struct compat_kmm *kmm);
void compat_kmm_destroy(struct compat_kmm *kmm);

#endif /* _COMPAT_KERNEL_KMM_H */
