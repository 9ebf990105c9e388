// SPDX-License-Identifier: MIT
/*
 * A client's memory, reached with process_vm_readv/process_vm_writev: the
 * compat_mm behind current_mm while a command runs, and behind a context
 * (its memory regions) for as long as the file is open.
 *
 * The contract is copy_from_user's (see compat/uaccess.c): return the
 * number of bytes NOT copied; a prefix up to the first bad page is copied.
 * process_vm_*() stop at the first page they cannot reach and return
 * what they moved; a call that moved nothing fails.  Both are handled:
 * after an error the copy is retried up to the next page boundary, so
 * the bytes before a bad page are moved whichever way the kernel reports.
 *
 * PID reuse.  A command's mm names the caller's thread id, which cannot be
 * reused while the caller waits in its ioctl.  A context's mm names the
 * opener's tgid and outlives any one command; it keeps a pidfd and refuses
 * every copy (nothing copied: EFAULT for a command, a protection error in
 * the data path) once the pidfd says the process exited.  What remains is
 * the window between that check and the process_vm call: a process that
 * exits there, and a new process that gets its pid in the same few
 * microseconds, could be read or written.  pid_max wrap-around within that
 * window is what it would take.  Closing it needs pidfd-based process_vm
 * calls, which Linux does not have; the data path through shared memory
 * (a memfd taken with pidfd_getfd) will not have the problem.
 */
#include <fcntl.h>
#include <poll.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#include "daemon.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

/* Bytes not copied; moves the prefix before the first unreachable page. */
size_t pvm_copy(pid_t pid, void *local, u64 remote, size_t n, bool write)
{
	long page = sysconf(_SC_PAGESIZE);
	size_t done = 0;

	while (done < n) {
		struct iovec l = { (char *)local + done, n - done };
		struct iovec r = { (void *)(uintptr_t)(remote + done),
				   n - done };
		ssize_t got;

		got = write ? process_vm_writev(pid, &l, 1, &r, 1, 0) :
			      process_vm_readv(pid, &l, 1, &r, 1, 0);
		if (got <= 0) {
			/* Up to the next page boundary alone: a prefix. */
			size_t chunk = page - ((remote + done) & (page - 1));

			if (chunk >= n - done)
				break;
			l.iov_len = r.iov_len = chunk;
			got = write ? process_vm_writev(pid, &l, 1, &r, 1, 0) :
				      process_vm_readv(pid, &l, 1, &r, 1, 0);
			if (got <= 0)
				break;
		}
		done += (size_t)got;
	}
	return n - done;
}

/*
 * Command windows.  A client may build its commands (header, attributes
 * and the buffers they point to) in a memfd named "ioverbs-cmd", sealed
 * against shrinking and mapped shared (ioverbs_cmd_window()).  The first
 * time a command of the file's process touches a mapping, the daemon looks
 * it up in /proc/PID/maps: a window is mapped here too (through
 * /proc/PID/map_files), anything else is remembered as not one.  Copies
 * inside a window are then memcpy()s instead of process_vm calls.  Only
 * the process that opened the file uses its windows (the command's thread
 * is checked with tgkill(tgid, tid, 0)); a client that unmaps a window and
 * maps something else at its address only confuses its own commands.
 */
#define PVM_WINDOW_NAME "/memfd:ioverbs-cmd"

static void pvm_learn(struct pvm_mm *w, u64 uaddr)
{
	char path[64], line[512], name[256];
	unsigned long long start, end, off;
	struct pvm_range *r;
	struct stat st;
	FILE *fp;
	int fd, seals;
	void *map;

	if (w->nranges == PVM_MAX_RANGES)
		return;
	snprintf(path, sizeof(path), "/proc/%d/maps", (int)w->pid);
	fp = fopen(path, "re");
	if (!fp)
		return;
	while (fgets(line, sizeof(line), fp)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %*s %llx %*s %*s %255s", &start,
			   &end, &off, name) < 3)
			continue;
		if (uaddr < start || uaddr >= end)
			continue;
		r = &w->ranges[w->nranges++];
		r->start = start;
		r->end = end;
		r->map = NULL;
		if (strcmp(name, PVM_WINDOW_NAME))
			break;
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx",
			 (int)w->pid, start, end);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			break;
		seals = fcntl(fd, F_GET_SEALS);
		if (seals >= 0 && (seals & F_SEAL_SHRINK) && !fstat(fd, &st) &&
		    S_ISREG(st.st_mode) &&
		    (unsigned long long)st.st_size >= off + (end - start)) {
			map = mmap(NULL, end - start, PROT_READ | PROT_WRITE,
				   MAP_SHARED, fd, (off_t)off);
			if (map != MAP_FAILED)
				r->map = map;
		}
		if (r->map)
			log_debug("pid %d: command window %llx-%llx mapped",
				  (int)w->pid, start, end);
		else
			log_info("pid %d: ioverbs-cmd at %llx-%llx is not a sealed memfd: not used as a command window",
				 (int)w->pid, start, end);
		close(fd);
		break;
	}
	fclose(fp);
}

/*
 * Our address of [uaddr, uaddr + n) if it lies in one window of the file
 * and the command's thread is of the file's process, or NULL.  The thread
 * is checked once per command, at its first window hit: commands that
 * never touch a window pay nothing for it.
 */
static u8 *pvm_window(struct pvm_mm *m, u64 uaddr, size_t n)
{
	struct pvm_mm *w = m->windows;
	unsigned int i;
	bool learned = false;

again:
	for (i = w->nranges; i-- > 0;) {
		struct pvm_range *r = &w->ranges[i];

		if (uaddr < r->start || uaddr >= r->end)
			continue;
		if (!r->map || n > r->end - uaddr)
			return NULL;
		if (!m->trusted)
			m->trusted = syscall(SYS_tgkill, w->pid, m->pid, 0) ?
					     -1 : 1;
		return m->trusted > 0 ? r->map + (uaddr - r->start) : NULL;
	}
	if (learned)
		return NULL;
	pvm_learn(w, uaddr);
	learned = true;
	goto again;
}

static size_t pvm_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);
	u8 *p;

	if (!n)
		return 0;
	if (m->windows && (p = pvm_window(m, uaddr, n))) {
		memcpy(dst, p, n);
		return 0;
	}
	if (pvm_mm_exited(m))
		return n;
	return pvm_copy(m->pid, dst, uaddr, n, false);
}

static size_t pvm_write(struct compat_mm *mm, u64 uaddr, const void *src,
			size_t n)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);
	u8 *p;

	if (!n)
		return 0;
	if (m->windows && (p = pvm_window(m, uaddr, n))) {
		memcpy(p, src, n);
		return 0;
	}
	if (pvm_mm_exited(m))
		return n;
	return pvm_copy(m->pid, (void *)src, uaddr, n, true);
}

/**
 * pvm_tid_to_tgid() - the process of a thread
 * @tid: a thread id
 *
 * Return: its tgid from /proc, or @tid itself if that cannot be read.
 */
pid_t pvm_tid_to_tgid(pid_t tid)
{
	char path[64], line[128];
	pid_t tgid = tid;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%d/status", (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return tid;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "Tgid: %d", &tgid) == 1)
			break;
	fclose(fp);
	return tgid;
}

/*
 * A descriptor of ours for the client's @fd (a shared queue's memfd):
 * pidfd_getfd(), which needs the same privilege as process_vm_*.
 */
static int pvm_get_fd(struct compat_mm *mm, int fd)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);
	int pidfd = m->pidfd, local, err;

	if (pidfd < 0) {
		pidfd = (int)syscall(SYS_pidfd_open, pvm_tid_to_tgid(m->pid),
				     0);
		if (pidfd < 0)
			return -errno;
	}
	local = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = errno;
	if (pidfd != m->pidfd)
		close(pidfd);
	return local < 0 ? -err : local;
}

static const struct compat_mm_ops pvm_mm_ops = {
	.read = pvm_read,
	.write = pvm_write,
	.get_fd = pvm_get_fd,
};

/**
 * pvm_mm_init_caller() - the memory of a thread blocked in its ioctl
 * @m: filled; lives on the caller's stack for one command
 * @tid: the caller's thread id (fuse_req_ctx()->pid)
 */
pid_t pvm_current_pid(void)
{
	struct compat_mm *mm = current_mm;

	if (!mm || mm->ops != &pvm_mm_ops)
		return 0;
	return container_of(mm, struct pvm_mm, mm)->pid;
}

void pvm_mm_init_caller(struct pvm_mm *m, pid_t tid)
{
	m->mm.ops = &pvm_mm_ops;
	m->pid = tid;
	m->pidfd = -1;
	m->windows = NULL;
	m->trusted = 0;
	m->nranges = 0;
}

/**
 * pvm_mm_use_windows() - let a command's mm use its file's command windows
 * @m: the command's mm (pvm_mm_init_caller())
 * @owner: the file's long-lived mm (the opener's process)
 *
 * Only if the command's thread belongs to @owner's process, which the
 * first copy that hits a window checks.
 */
void pvm_mm_use_windows(struct pvm_mm *m, struct pvm_mm *owner)
{
	m->windows = owner;
	m->trusted = 0;
}

/**
 * pvm_mm_open() - a long-lived handle on a process's memory
 * @tgid: the process
 *
 * Return: the mm, or NULL if @tgid has already exited or memory is short.
 * Without pidfd_open (Linux < 5.3) the mm works without the exit check.
 */
struct pvm_mm *pvm_mm_open(pid_t tgid)
{
	struct pvm_mm *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->mm.ops = &pvm_mm_ops;
	m->pid = tgid;
	m->pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
	if (m->pidfd < 0 && errno == ESRCH) {
		free(m);
		return NULL;
	}
	return m;
}

/**
 * pvm_mm_close() - release an mm from pvm_mm_open()
 * @m: the mm, or NULL; nothing may use it any more
 */
void pvm_mm_close(struct pvm_mm *m)
{
	unsigned int i;

	if (!m)
		return;
	for (i = 0; i < m->nranges; i++)
		if (m->ranges[i].map)
			munmap(m->ranges[i].map,
			       m->ranges[i].end - m->ranges[i].start);
	if (m->pidfd >= 0)
		close(m->pidfd);
	free(m);
}

/**
 * pvm_mm_exited() - has a long-lived mm's process exited?
 * @m: the mm
 *
 * Return: true once the pidfd is readable (the process is gone); false for
 * a per-command mm or one without a pidfd.
 */
bool pvm_mm_exited(const struct pvm_mm *m)
{
	struct pollfd p = { .fd = m->pidfd, .events = POLLIN };

	if (m->pidfd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}
