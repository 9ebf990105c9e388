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
 * Whose memory.  A command's mm is its caller's thread, which waits in
 * its ioctl: neither its pid nor its address space can change meanwhile
 * (an exec() in its process waits for the command, as exec waits for
 * every thread of the process to leave the kernel).  A file's mm (its
 * context's memory regions) is bound to the opener's address space when
 * the file is opened: /proc/TID/mem of the opening thread, which refers
 * to that address space itself, not to a pid.  An exec() (setuid or not)
 * or the opener's exit ends that address space, and with it every copy
 * through the file: nothing copied, as for an unmapped page; pid reuse
 * cannot point it at another process.  ivd_mm_check() refuses commands
 * from threads of any other address space (a child after fork(), a
 * process the descriptor was passed to), so that no command registers
 * another process's addresses against the opener's memory.
 */
#include <fcntl.h>
#include <poll.h>
#include <linux/kcmp.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
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
#ifndef SYS_kcmp
#define SYS_kcmp 312
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
 * against shrinking and mapped shared (ioverbs_cmd_window_alloc()).  The first
 * time a command touches a mapping, the daemon looks it up in the
 * caller's /proc/TID/maps: a window is mapped here too (through
 * /proc/TID/map_files), anything else is remembered as not one.  Copies
 * inside a window are then memcpy()s instead of process_vm calls.  Only
 * commands that passed ivd_mm_check(), so of the opener's address space,
 * use its file's windows.
 *
 * A client may unmap a window and map something else at its address;
 * pvm_window_check() sees it when a command's header (which the kernel
 * copied in for us) differs from the window's bytes at the same address,
 * and retires the range, so that the next command looks again.  Ranges
 * are only ever added (up to PVM_MAX_RANGES) and retired, never unmapped
 * before the file closes: commands of the file run concurrently and may
 * be copying through a mapping while another retires it.
 */
#define PVM_WINDOW_NAME "/memfd:ioverbs-cmd"

/* Looks up @uaddr's mapping in @tid's maps: a new range of @w. */
static void pvm_learn(struct pvm_mm *w, pid_t tid, u64 uaddr)
{
	char path[64], line[512], name[256], perms[8];
	unsigned long long start, end, off;
	struct pvm_range *r;
	struct stat st;
	FILE *fp;
	int fd, seals;
	void *map;

	snprintf(path, sizeof(path), "/proc/%d/maps", (int)tid);
	fp = fopen(path, "re");
	if (!fp)
		return;
	pthread_mutex_lock(&w->ranges_lock);
	if (w->nranges == PVM_MAX_RANGES)
		goto out;
	while (fgets(line, sizeof(line), fp)) {
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %llx %*s %*s %255s", &start,
			   &end, perms, &off, name) < 4)
			continue;
		if (uaddr < start || uaddr >= end)
			continue;
		r = &w->ranges[w->nranges];
		r->start = start;
		r->end = end;
		r->map = NULL;
		r->retired = false;
		if (strcmp(name, PVM_WINDOW_NAME))
			goto publish;
		/*
		 * Outputs are written into our mapping: only where the client
		 * could write them itself, through a shared writable mapping.
		 */
		if (strncmp(perms, "rw", 2) || perms[3] != 's') {
			log_info("pid %d: ioverbs-cmd at %llx-%llx is mapped %s, not shared and writable: not used as a command window",
				 (int)w->pid, start, end, perms);
			goto publish;
		}
		snprintf(path, sizeof(path), "/proc/%d/map_files/%llx-%llx",
			 (int)tid, start, end);
		fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0)
			goto publish;
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
publish:
		/* Readers see the entry whole, or not at all. */
		__atomic_store_n(&w->nranges, w->nranges + 1, __ATOMIC_RELEASE);
		break;
	}
out:
	pthread_mutex_unlock(&w->ranges_lock);
	fclose(fp);
}

/* The live range of @w that holds @uaddr, or NULL. */
static struct pvm_range *pvm_range_of(struct pvm_mm *w, u64 uaddr)
{
	unsigned int i = __atomic_load_n(&w->nranges, __ATOMIC_ACQUIRE);

	while (i-- > 0) {
		struct pvm_range *r = &w->ranges[i];

		if (uaddr >= r->start && uaddr < r->end &&
		    !__atomic_load_n(&r->retired, __ATOMIC_ACQUIRE))
			return r;
	}
	return NULL;
}

/*
 * Our address of [uaddr, uaddr + n) if it lies in one window of the
 * file, or NULL.
 */
static u8 *pvm_window(struct pvm_mm *m, u64 uaddr, size_t n)
{
	struct pvm_mm *w = m->windows;
	struct pvm_range *r = pvm_range_of(w, uaddr);

	/* Reading the caller's maps may wait on it: not in windows_only. */
	if (!r && !m->windows_only) {
		pvm_learn(w, m->pid, uaddr);
		r = pvm_range_of(w, uaddr);
	}
	if (!r || !r->map || n > r->end - uaddr)
		return NULL;
	return r->map + (uaddr - r->start);
}

/**
 * pvm_window_check() - is the window at a command's header still there?
 * @owner: the file's mm
 * @uaddr: where the caller's header is
 * @hdr: the header as the kernel copied it in, @n bytes
 *
 * If @uaddr lies in a known window whose bytes differ from @hdr, the
 * client mapped something else there: the range is retired and looked up
 * again when a command next touches it.  Costs a memcmp().
 */
void pvm_window_check(struct pvm_mm *owner, u64 uaddr, const void *hdr,
		      size_t n)
{
	struct pvm_range *r = pvm_range_of(owner, uaddr);

	if (!r || !r->map || n > r->end - uaddr ||
	    !memcmp(r->map + (uaddr - r->start), hdr, n))
		return;
	__atomic_store_n(&r->retired, true, __ATOMIC_RELEASE);
	log_debug("pid %d: %llx-%llx is no longer the command window it was",
		  (int)owner->pid, (unsigned long long)r->start,
		  (unsigned long long)r->end);
}

/**
 * pvm_cmd_in_windows() - does a command lie wholly in known windows?
 * @owner: the file's mm
 * @arg: the caller's header address
 * @hdr: the header, as the kernel copied it in
 *
 * True if the header, the attribute array and every buffer an attribute
 * points to (any attribute with a length: IDR and FD attributes have
 * none) lie in command windows this file already knows.  Learns nothing:
 * the loop thread asks, and must not read the caller's maps.  The client
 * may change its attributes after this check; the command then runs with
 * pvm_mm.windows_only, where anything outside a window fails as unmapped.
 */
bool pvm_cmd_in_windows(struct pvm_mm *owner, u64 arg,
			const struct ib_uverbs_ioctl_hdr *hdr)
{
	struct ib_uverbs_attr attr;
	u64 at = arg + sizeof(*hdr);
	struct pvm_range *r;
	unsigned int i;

	r = pvm_range_of(owner, arg);
	if (!r || !r->map || hdr->length < sizeof(*hdr) ||
	    (u64)hdr->length > r->end - arg)
		return false;
	for (i = 0; i < hdr->num_attrs; i++, at += sizeof(attr)) {
		if (at + sizeof(attr) > r->end)
			return false;
		memcpy(&attr, r->map + (at - r->start), sizeof(attr));
		if (!attr.len)
			continue;
		{
			struct pvm_range *d = pvm_range_of(owner, attr.ptr_idr);

			if (!d || !d->map || attr.len > d->end - attr.ptr_idr)
				return false;
		}
	}
	return true;
}

/* Bytes not copied through an address space's /proc/TID/mem descriptor. */
static size_t pvm_mem_copy(int memfd, void *local, u64 remote, size_t n,
			   bool write)
{
	size_t done = 0;

	while (done < n) {
		ssize_t got;

		got = write ? pwrite(memfd, (char *)local + done, n - done,
				     (off_t)(remote + done)) :
			      pread(memfd, (char *)local + done, n - done,
				    (off_t)(remote + done));
		if (got <= 0)
			break;
		done += (size_t)got;
	}
	return n - done;
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
	if (m->windows_only)
		return n;
	if (m->memfd >= 0)
		return pvm_mem_copy(m->memfd, dst, uaddr, n, false);
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
	if (m->windows_only)
		return n;
	if (m->memfd >= 0)
		return pvm_mem_copy(m->memfd, (void *)src, uaddr, n, true);
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

/* The mount id in /proc/@pid/fdinfo/@fd ("self" for ours), or -1. */
static long pvm_fd_mnt_id(const char *pid, int fd)
{
	char path[80], line[128];
	long id = -1;
	FILE *fp;

	snprintf(path, sizeof(path), "/proc/%s/fdinfo/%d", pid, fd);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "mnt_id: %ld", &id) == 1)
			break;
	fclose(fp);
	return id;
}

/*
 * The kernel's internal mounts of memfds and of anonymous inodes
 * (eventfds): the mount ids of one of ours of each, learnt once.
 */
static long pvm_internal_mnt_id(bool eventfd_mnt)
{
	static long ids[2] = { -2, -2 };
	long cur = __atomic_load_n(&ids[eventfd_mnt], __ATOMIC_ACQUIRE);
	int fd;

	if (cur != -2)
		return cur;
	fd = eventfd_mnt ? eventfd(0, EFD_CLOEXEC) :
			   memfd_create("ioverbsd-probe", MFD_CLOEXEC);
	cur = fd < 0 ? -1 : pvm_fd_mnt_id("self", fd);
	if (fd >= 0)
		close(fd);
	__atomic_store_n(&ids[eventfd_mnt], cur, __ATOMIC_RELEASE);
	return cur;
}

/*
 * A descriptor of ours for the client's @fd (a shared queue's memfd):
 * pidfd_getfd(), which needs the same privilege as process_vm_*.  Only a
 * memfd or an anonymous inode (an eventfd) is taken: its /proc fdinfo
 * must name one of those kernel-internal mounts, whose files never wait
 * on anyone.  Anything else -- a file of a FUSE mount (ours: closing it
 * would send us a FLUSH; a client's: it could hold that FLUSH for ever),
 * a socket, a device -- is refused without ever becoming a descriptor of
 * ours.  What kind it must be is the caller's to check.  The
 * client may swap the descriptor after the check; the mapping code checks
 * our own copy's seals again, and closing a file that slipped through
 * costs the calling command's own thread only.
 */
static int pvm_get_fd(struct compat_mm *mm, int fd)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);
	pid_t tgid = m->pidfd < 0 ? pvm_tid_to_tgid(m->pid) : m->pid;
	int pidfd = m->pidfd, local, err;
	char pid[16];
	long mnt;

	snprintf(pid, sizeof(pid), "%d", (int)tgid);
	mnt = pvm_fd_mnt_id(pid, fd);
	if (mnt < 0)
		return -EBADF;
	if (mnt != pvm_internal_mnt_id(false) && mnt != pvm_internal_mnt_id(true))
		return -EINVAL;
	if (pidfd < 0) {
		pidfd = (int)syscall(SYS_pidfd_open, tgid, 0);
		if (pidfd < 0)
			return -errno;
	}
	local = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	err = errno;
	if (pidfd != m->pidfd)
		close(pidfd);
	return local < 0 ? -err : local;
}

/*
 * MR registration's page-pinning check (compat_maps_check()) on the
 * process's /proc/PID/maps.  A process that exited, or whose map we may
 * not read (then process_vm could not reach it either), has nothing
 * mapped: -EFAULT.  Reads nothing of @mm but its pid and pidfd, so any
 * thread may call it.
 */
static int pvm_check(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		     u64 *bad)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);
	int ret;

	ret = -ESRCH;
	if (!pvm_mm_exited(m))
		ret = compat_maps_check(m->pid, uaddr, len, write, bad);
	if (ret != -ESRCH)
		return ret;
	log_info("pid %d: its memory map cannot be read: MR refused",
		 (int)m->pid);
	*bad = uaddr;
	return -EFAULT;
}

/* A long-lived mm's process, or a command's caller's: its tgid, 0 gone. */
static pid_t pvm_tgid(struct compat_mm *mm)
{
	struct pvm_mm *m = container_of(mm, struct pvm_mm, mm);

	if (m->pidfd < 0)
		return pvm_tid_to_tgid(m->pid);
	return pvm_mm_exited(m) ? 0 : m->pid;
}

/**
 * struct pvm_creds - what decides whether one process may reach another
 * @uid, @gid: real, effective, saved and filesystem ids (/proc/PID/status)
 * @cap_prm: permitted capabilities
 * @owner: the owner of /proc/PID/status: root for a process that is not
 *	dumpable
 * @userns: /proc/PID/ns/user
 * @confined: /proc/PID/attr/current names an LSM context other than
 *	"unconfined"
 */
struct pvm_creds {
	unsigned int uid[4];
	unsigned int gid[4];
	unsigned long long cap_prm;
	uid_t owner;
	char userns[64];
	bool confined;
};

/* 0, or -1 when @pid's credentials cannot be read whole. */
static int pvm_creds_read(pid_t pid, struct pvm_creds *c)
{
	char path[64], line[256];
	unsigned int found = 0;
	struct stat st;
	ssize_t n;
	FILE *fp;
	int fd;

	memset(c, 0, sizeof(*c));
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	fp = fopen(path, "re");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp)) {
		if (sscanf(line, "Uid: %u %u %u %u", &c->uid[0], &c->uid[1],
			   &c->uid[2], &c->uid[3]) == 4)
			found |= 1;
		else if (sscanf(line, "Gid: %u %u %u %u", &c->gid[0],
				&c->gid[1], &c->gid[2], &c->gid[3]) == 4)
			found |= 2;
		else if (sscanf(line, "CapPrm: %llx", &c->cap_prm) == 1)
			found |= 4;
	}
	fclose(fp);
	if (found != 7)
		return -1;
	/* Its entries, not always the directory itself, follow dumpable. */
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	if (stat(path, &st))
		return -1;
	c->owner = st.st_uid;
	snprintf(path, sizeof(path), "/proc/%d/ns/user", (int)pid);
	n = readlink(path, c->userns, sizeof(c->userns) - 1);
	if (n <= 0)
		return -1;
	c->userns[n] = 0;
	snprintf(path, sizeof(path), "/proc/%d/attr/current", (int)pid);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT || errno == EINVAL ? 0 : -1;
	n = read(fd, line, sizeof(line) - 1);
	close(fd);
	if (n < 0)
		return errno == EINVAL ? 0 : -1;
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == 0))
		n--;
	line[n] = 0;
	c->confined = n && strcmp(line, "unconfined");
	return 0;
}

/* Does one process of @c reach the other's memory as the kernel allows? */
static bool pvm_creds_plain(const struct pvm_creds *c)
{
	unsigned int i;

	for (i = 1; i < 4; i++)
		if (c->uid[i] != c->uid[0] || c->gid[i] != c->gid[0])
			return false;
	/* Not dumpable: /proc/PID/status is root's (root cannot tell). */
	return c->owner == c->uid[0] && !c->confined;
}

/* Yama's ptrace_scope: 0 or absent. */
static bool pvm_yama_open(void)
{
	char buf[16] = "";
	ssize_t n;
	int fd;

	fd = open("/proc/sys/kernel/yama/ptrace_scope", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT;
	n = read(fd, buf, sizeof(buf) - 1);
	close(fd);
	return n > 0 && buf[0] == '0' && (buf[1] == '\n' || !buf[1]);
}

/*
 * The direct path's test (compat_mm_ops.may_reach): the two processes
 * have one set of credentials (uid, gid: all four equal, and the same in
 * both; the same permitted capabilities), both are dumpable, live in one
 * user namespace, under no LSM confinement and no Yama restriction: then
 * process_vm_*() and pidfd_getfd() of either on the other succeed.  Both
 * must be long-lived mms of processes still there; what they are is read
 * now, so a process that changed its credentials since its open() is
 * judged as it is.
 */
static bool pvm_may_reach(struct compat_mm *mm, struct compat_mm *peer)
{
	struct pvm_mm *a = container_of(mm, struct pvm_mm, mm);
	struct pvm_mm *b = container_of(peer, struct pvm_mm, mm);
	struct pvm_creds ca, cb;

	if (a->pidfd < 0 || b->pidfd < 0 || !pvm_yama_open())
		return false;
	if (pvm_creds_read(a->pid, &ca) || pvm_creds_read(b->pid, &cb))
		return false;
	if (!pvm_creds_plain(&ca) || !pvm_creds_plain(&cb) ||
	    ca.uid[0] != cb.uid[0] || ca.gid[0] != cb.gid[0] ||
	    ca.cap_prm != cb.cap_prm || strcmp(ca.userns, cb.userns))
		return false;
	/* Read from the right processes: neither pid was reused meanwhile. */
	return !pvm_mm_exited(a) && !pvm_mm_exited(b);
}

static const struct compat_mm_ops pvm_mm_ops = {
	.read = pvm_read,
	.write = pvm_write,
	.get_fd = pvm_get_fd,
	.check = pvm_check,
	.tgid = pvm_tgid,
	.may_reach = pvm_may_reach,
};

/* The pid (a thread id) of current_mm if it is a pvm_mm, else 0. */
pid_t pvm_current_pid(void)
{
	struct compat_mm *mm = current_mm;

	if (!mm || mm->ops != &pvm_mm_ops)
		return 0;
	return container_of(mm, struct pvm_mm, mm)->pid;
}

/**
 * pvm_mm_init_caller() - the memory of a thread blocked in its ioctl
 * @m: filled; lives on the caller's stack for one command
 * @tid: the caller's thread id (fuse_req_ctx()->pid)
 */
void pvm_mm_init_caller(struct pvm_mm *m, pid_t tid)
{
	m->mm.ops = &pvm_mm_ops;
	m->pid = tid;
	m->pidfd = -1;
	m->memfd = -1;
	m->windows = NULL;
	m->windows_only = false;
	m->nranges = 0;
}

/**
 * pvm_mm_use_windows() - let a command's mm use its file's command windows
 * @m: the command's mm (pvm_mm_init_caller()), which passed
 *	ivd_mm_check() against @owner
 * @owner: the file's long-lived mm
 */
void pvm_mm_use_windows(struct pvm_mm *m, struct pvm_mm *owner)
{
	m->windows = owner;
}

/**
 * pvm_mm_open() - bind a file to the address space of its opening thread
 * @tid: the opening thread, waiting in its open()
 *
 * Takes a pidfd of @tid's process (for pidfd_getfd() and the exit check)
 * and /proc/@tid/mem (the address space itself).  Both are required: a
 * file without them would not know whose memory it reaches.
 * Return: the mm, or an ERR_PTR: -ESRCH (gone), -EMFILE/-ENFILE (out of
 * descriptors), -EACCES/-EPERM (not ptrace-able by the daemon), -ENOMEM.
 */
struct pvm_mm *pvm_mm_open(pid_t tid)
{
	struct pvm_mm *m = calloc(1, sizeof(*m));
	char path[64];
	int err;

	if (!m)
		return ERR_PTR(-ENOMEM);
	m->mm.ops = &pvm_mm_ops;
	m->pid = pvm_tid_to_tgid(tid);
	pthread_mutex_init(&m->ranges_lock, NULL);
	m->pidfd = (int)syscall(SYS_pidfd_open, m->pid, 0);
	if (m->pidfd < 0) {
		err = -errno;
		goto err_free;
	}
	snprintf(path, sizeof(path), "/proc/%d/mem", (int)tid);
	m->memfd = open(path, O_RDWR | O_CLOEXEC);
	if (m->memfd < 0) {
		err = -errno;
		goto err_close;
	}
	/* @tid may have exited and its number gone to another process. */
	if (pvm_mm_exited(m) || pvm_tid_to_tgid(tid) != m->pid) {
		err = -ESRCH;
		goto err_close_mem;
	}
	return m;

err_close_mem:
	close(m->memfd);
err_close:
	close(m->pidfd);
err_free:
	pthread_mutex_destroy(&m->ranges_lock);
	free(m);
	return ERR_PTR(err == -ENOENT ? -ESRCH : err);
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
	close(m->memfd);
	close(m->pidfd);
	pthread_mutex_destroy(&m->ranges_lock);
	free(m);
}

/**
 * pvm_mm_exited() - has a long-lived mm's process exited?
 * @m: the mm
 *
 * Return: true once the pidfd is readable (the process is gone); false for
 * a per-command mm.
 */
bool pvm_mm_exited(const struct pvm_mm *m)
{
	struct pollfd p = { .fd = m->pidfd, .events = POLLIN };

	if (m->pidfd < 0)
		return false;
	return poll(&p, 1, 0) > 0 && (p.revents & (POLLIN | POLLHUP | POLLERR));
}

/**
 * pvm_mm_check() - may thread @tid send commands to a file bound to @owner?
 * @tid: the caller, waiting in its ioctl
 * @owner: the file's mm (pvm_mm_open())
 *
 * Only threads of the address space the file was opened in may: another
 * process (a child after fork(), a process the descriptor was passed to)
 * would otherwise register its own addresses against memory that is not
 * its own.  One kcmp(KCMP_VM) against the opener's process, unless the
 * caller is that process's main thread, which kcmp would compare with
 * itself.  (After the opener's exit its pid may name another process,
 * which then passes; the file's copies still reach only the opener's
 * address space, which is gone.)
 * Return: 0, or -EPERM (another address space, or the opener is gone).
 */
int pvm_mm_check(pid_t tid, const struct pvm_mm *owner)
{
	if (tid == owner->pid)
		return 0;
	if (syscall(SYS_kcmp, (pid_t)owner->pid, tid, KCMP_VM, 0, 0) != 0)
		return -EPERM;
	return 0;
}
