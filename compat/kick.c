// SPDX-License-Identifier: MIT
/*
 * Kick sets: a driver's threads sleep until one of many client
 * eventfds is written, as vhost's worker waits on its kick eventfds.  A
 * kernel gets a client's eventfd with eventfd_ctx_fdget() and hooks a
 * wait-queue callback on it; here the set is an epoll instance, edge
 * triggered, and the counters are never read (a client that blocks its
 * own descriptor's reads, or empties it, changes nothing for us).
 */
#include <stdio.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include "compat.h"

struct compat_kickset {
	int epfd;
	int wake;	/* ours, cookie 0: compat_kickset_wake() */
};

struct compat_kickset *compat_kickset_create(void)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	struct compat_kickset *ks = kzalloc(sizeof(*ks));

	if (!ks)
		return NULL;
	ks->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (ks->epfd < 0)
		goto err_free;
	ks->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ks->wake < 0)
		goto err_close_ep;
	ev.data.u64 = 0;
	if (epoll_ctl(ks->epfd, EPOLL_CTL_ADD, ks->wake, &ev))
		goto err_close_wake;
	return ks;

err_close_wake:
	close(ks->wake);
err_close_ep:
	close(ks->epfd);
err_free:
	kfree(ks);
	return NULL;
}

void compat_kickset_destroy(struct compat_kickset *ks)
{
	if (!ks)
		return;
	close(ks->wake);
	close(ks->epfd);
	kfree(ks);
}

/* Is our descriptor @fd an eventfd?  (Its /proc link names the kind.) */
static bool is_eventfd(int fd)
{
	static const char want[] = "anon_inode:[eventfd]";
	char path[64], link[sizeof(want) + 1];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	n = readlink(path, link, sizeof(link));
	return n == (ssize_t)strlen(want) && !memcmp(link, want, (size_t)n);
}

int compat_kick_add(struct compat_kickset *ks, struct compat_mm *mm, int fd,
		    u64 cookie)
{
	struct epoll_event ev = { .events = EPOLLIN | EPOLLET };
	int local, ret;

	if (!mm)
		mm = &compat_self_mm;
	if (!mm->ops->get_fd)
		return -EOPNOTSUPP;
	if (fd < 0)
		return -EBADF;
	if (!cookie || compat_should_fail(FAULT_ALLOC))
		return cookie ? -ENOMEM : -EINVAL;
	local = mm->ops->get_fd(mm, fd);
	if (local < 0)
		return local == -ENOENT ? -EBADF : local;
	/* Anything else could block us in poll (a FUSE file: our own). */
	ret = -EINVAL;
	if (!is_eventfd(local))
		goto err_close;
	ev.data.u64 = cookie;
	if (epoll_ctl(ks->epfd, EPOLL_CTL_ADD, local, &ev)) {
		ret = errno == ENOMEM || errno == ENOSPC ? -ENOMEM : -EINVAL;
		goto err_close;
	}
	return local;

err_close:
	close(local);
	return ret;
}

void compat_kick_del(struct compat_kickset *ks, int kick)
{
	if (kick < 0)
		return;
	epoll_ctl(ks->epfd, EPOLL_CTL_DEL, kick, NULL);
	close(kick);
}

static void kickset_poke(struct compat_kickset *ks)
{
	u64 one = 1;

	/* Full (2^64 - 2 wakes) only fails the write, not the wake-up. */
	if (write(ks->wake, &one, sizeof(one)) < 0)
		return;
}

void compat_kickset_wake(struct compat_kickset *ks)
{
	kickset_poke(ks);
}

void compat_kickset_wake_all(struct compat_kickset *ks)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = 0 };

	/* Level triggered from now on: every wait returns at once. */
	kickset_poke(ks);
	epoll_ctl(ks->epfd, EPOLL_CTL_MOD, ks->wake, &ev);
}

int compat_kickset_wait(struct compat_kickset *ks, u64 *cookies, int max,
			long timeout_us)
{
	struct epoll_event ev[16];
	int n, i, got = 0, ms;

	if (max > (int)ARRAY_SIZE(ev))
		max = (int)ARRAY_SIZE(ev);
	/* epoll counts milliseconds: a shorter wait rounds up. */
	ms = timeout_us < 0 ? -1 : (int)min_t(long, (timeout_us + 999) / 1000,
					      1000 * 1000);
	n = epoll_wait(ks->epfd, ev, max, ms);
	if (n < 0)
		return -errno;
	for (i = 0; i < n; i++)
		if (ev[i].data.u64)
			cookies[got++] = ev[i].data.u64;
	return got;
}

unsigned int num_online_cpus(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);

	return n > 0 ? (unsigned int)n : 1;
}
