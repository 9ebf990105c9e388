// SPDX-License-Identifier: MIT
/*
 * What the kernel gives a driver for memory it shares with a process:
 * mapping a client's memfd, futexes on it, and threads of the driver's
 * own (kthreads).
 */
#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include "compat.h"

void *compat_map_shared(struct compat_mm *mm, int fd, size_t len)
{
	return compat_map_shared_ino(mm, fd, len, NULL);
}

void *compat_map_shared_ino(struct compat_mm *mm, int fd, size_t len,
			    u64 *ino)
{
	struct stat st;
	void *p;
	int local, seals, ret;

	if (!mm)
		mm = &compat_self_mm;
	if (!mm->ops->get_fd)
		return ERR_PTR(-EOPNOTSUPP);
	if (fd < 0 || !len)
		return ERR_PTR(-EBADF);
	if (compat_should_fail(FAULT_ALLOC))
		return ERR_PTR(-ENOMEM);
	local = mm->ops->get_fd(mm, fd);
	if (local < 0)
		return ERR_PTR(local == -ENOENT ? -EBADF : local);
	ret = -EINVAL;
	seals = fcntl(local, F_GET_SEALS);
	if (seals < 0 || !(seals & F_SEAL_SHRINK))
		goto out_close;
	if (fstat(local, &st) || !S_ISREG(st.st_mode) ||
	    (u64)st.st_size < (u64)len)
		goto out_close;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, local, 0);
	if (p == MAP_FAILED) {
		ret = errno == ENOMEM ? -ENOMEM : -EINVAL;
		goto out_close;
	}
	close(local);
	if (ino)
		*ino = (u64)st.st_ino;
	return p;

out_close:
	close(local);
	return ERR_PTR(ret);
}

void compat_unmap_shared(void *p, size_t len)
{
	if (p && !IS_ERR(p))
		munmap(p, len);
}

u64 compat_file_ino(int local)
{
	struct stat st;

	if (local < 0 || fstat(local, &st))
		return 0;
	return (u64)st.st_ino;
}

pid_t compat_mm_tgid(struct compat_mm *mm)
{
	if (!mm)
		mm = &compat_self_mm;
	return mm->ops->tgid ? mm->ops->tgid(mm) : 0;
}

bool compat_pid_gone(pid_t pid)
{
	return pid > 0 && kill(pid, 0) && errno == ESRCH;
}

bool compat_mm_may_reach(struct compat_mm *mm, struct compat_mm *peer)
{
	if (!mm || !peer || mm->ops != peer->ops || !mm->ops->may_reach)
		return false;
	return mm->ops->may_reach(mm, peer);
}

int compat_futex_wait(u32 *uaddr, u32 val, unsigned long timeout_us)
{
	struct timespec ts = {
		.tv_sec = (time_t)(timeout_us / 1000000),
		.tv_nsec = (long)(timeout_us % 1000000) * 1000,
	};

	if (syscall(SYS_futex, uaddr, FUTEX_WAIT, val,
		    timeout_us ? &ts : NULL, NULL, 0))
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	return 0;
}

void compat_futex_wake(u32 *uaddr, int n)
{
	syscall(SYS_futex, uaddr, FUTEX_WAKE, n, NULL, NULL, 0);
}

struct task_struct {
	pthread_t thread;
	int (*fn)(void *data);
	void *data;
	int ret;
	bool stop;	/* __atomic */
	char name[16];
};

static __thread struct task_struct *current_task;

static void *kthread_main(void *arg)
{
	struct task_struct *t = arg;

	current_task = t;
	t->ret = t->fn(t->data);
	return NULL;
}

struct task_struct *kthread_run(int (*fn)(void *data), void *data,
				const char *name)
{
	struct task_struct *t = kzalloc(sizeof(*t));

	if (!t)
		return ERR_PTR(-ENOMEM);
	t->fn = fn;
	t->data = data;
	snprintf(t->name, sizeof(t->name), "%s", name);
	if (pthread_create(&t->thread, NULL, kthread_main, t)) {
		kfree(t);
		return ERR_PTR(-EAGAIN);
	}
	pthread_setname_np(t->thread, t->name);
	return t;
}

int kthread_stop(struct task_struct *t)
{
	int ret;

	__atomic_store_n(&t->stop, true, __ATOMIC_RELEASE);
	pthread_join(t->thread, NULL);
	ret = t->ret;
	kfree(t);
	return ret;
}

bool kthread_should_stop(void)
{
	return current_task &&
	       __atomic_load_n(&current_task->stop, __ATOMIC_ACQUIRE);
}

void cond_resched(void)
{
	sched_yield();
}

#ifdef COMPAT_TSAN
int compat_mb_word;
#endif
