// SPDX-License-Identifier: MIT
/*
 * copy_from_user / copy_to_user on the caller's address space (current_mm).
 *
 * compat_self_mm is this process.  Its copies must fault cleanly: a bad
 * pointer from a client is EFAULT, never SIGSEGV.  As the kernel does with
 * its exception table, one instruction (a rep movsb) is allowed to fault; a
 * SIGSEGV/SIGBUS handler that finds the fault at that instruction resumes
 * after it, and the count register holds the bytes not copied.  Faults
 * anywhere else go to the handler that was installed before ours.
 * IOVERBS_UACCESS=pvm selects process_vm_readv/writev on ourselves instead
 * (slower, same contract), and is the only choice off x86-64.
 */
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/uio.h>
#include <ucontext.h>
#include <unistd.h>

#include "compat.h"

__thread struct compat_mm *current_mm;

static size_t pvm_copy(u64 local, u64 remote, size_t n, bool write)
{
	struct iovec l = { (void *)(uintptr_t)local, n };
	struct iovec r = { (void *)(uintptr_t)remote, n };
	ssize_t done;

	if (!n)
		return 0;
	if (write)
		done = process_vm_writev(getpid(), &l, 1, &r, 1, 0);
	else
		done = process_vm_readv(getpid(), &l, 1, &r, 1, 0);
	return done < 0 ? n : n - (size_t)done;
}

#if defined(__x86_64__)
#define HAVE_FIXUP_COPY 1
/* size_t compat_fixup_copy(void *dst, const void *src, size_t n) */
__asm__(".text\n"
	".globl compat_fixup_copy\n"
	".type compat_fixup_copy, @function\n"
	"compat_fixup_copy:\n"
	"	mov %rdx, %rcx\n"
	".globl compat_fixup_insn\n"
	"compat_fixup_insn:\n"
	"	rep movsb\n"
	".globl compat_fixup_resume\n"
	"compat_fixup_resume:\n"
	"	mov %rcx, %rax\n"
	"	ret\n"
	".size compat_fixup_copy, .-compat_fixup_copy\n");

size_t compat_fixup_copy(void *dst, const void *src, size_t n);
extern const char compat_fixup_insn[], compat_fixup_resume[];

static struct sigaction old_segv, old_bus;

static void uaccess_fault(int sig, siginfo_t *si, void *ctx)
{
	ucontext_t *uc = ctx;
	greg_t *rip = &uc->uc_mcontext.gregs[REG_RIP];

	(void)si;
	if (*rip == (greg_t)(uintptr_t)compat_fixup_insn) {
		*rip = (greg_t)(uintptr_t)compat_fixup_resume;
		return;
	}
	/* Not ours: restore the previous handler and let the fault repeat. */
	sigaction(sig, sig == SIGSEGV ? &old_segv : &old_bus, NULL);
}

static int fixup_install(void)
{
	struct sigaction sa = { 0 };

	sa.sa_sigaction = uaccess_fault;
	sa.sa_flags = SA_SIGINFO | SA_NODEFER;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSEGV, &sa, &old_segv) || sigaction(SIGBUS, &sa, &old_bus))
		return -errno;
	return 0;
}
#endif

static bool self_use_pvm;

static size_t self_read(struct compat_mm *mm, void *dst, u64 uaddr, size_t n)
{
	(void)mm;
#ifdef HAVE_FIXUP_COPY
	if (!self_use_pvm)
		return compat_fixup_copy(dst, (const void *)(uintptr_t)uaddr, n);
#endif
	return pvm_copy((uintptr_t)dst, uaddr, n, false);
}

static size_t self_write(struct compat_mm *mm, u64 uaddr, const void *src,
			 size_t n)
{
	(void)mm;
#ifdef HAVE_FIXUP_COPY
	if (!self_use_pvm)
		return compat_fixup_copy((void *)(uintptr_t)uaddr, src, n);
#endif
	return pvm_copy((uintptr_t)src, uaddr, n, true);
}

static int self_get_fd(struct compat_mm *mm, int fd)
{
	int local;

	(void)mm;
	local = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	return local < 0 ? -errno : local;
}

/*
 * Our own memory map.  Without /proc we cannot tell, and accept: the
 * copies through this mm fail cleanly all the same.
 */
static int self_check(struct compat_mm *mm, u64 uaddr, u64 len, bool write,
		      u64 *bad)
{
	int ret = compat_maps_check(0, uaddr, len, write, bad);

	(void)mm;
	return ret == -ESRCH ? 0 : ret;
}

static pid_t self_tgid(struct compat_mm *mm)
{
	(void)mm;
	return getpid();
}

/* No may_reach: one process has no peer to reach directly. */
static const struct compat_mm_ops self_mm_ops = {
	.read = self_read,
	.write = self_write,
	.get_fd = self_get_fd,
	.check = self_check,
	.tgid = self_tgid,
};

struct compat_mm compat_self_mm = { .ops = &self_mm_ops };

size_t copy_from_user(void *dst, const void __user *src, size_t n)
{
	struct compat_mm *mm = current_mm ? current_mm : &compat_self_mm;

	return mm->ops->read(mm, dst, (u64)(uintptr_t)src, n);
}

size_t copy_to_user(void __user *dst, const void *src, size_t n)
{
	struct compat_mm *mm = current_mm ? current_mm : &compat_self_mm;

	return mm->ops->write(mm, (u64)(uintptr_t)dst, src, n);
}

int compat_init(void)
{
	static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
	static bool done;
	const char *mode = getenv("IOVERBS_UACCESS");
	int ret = 0;

	pthread_mutex_lock(&lock);
	if (done)
		goto out;
	self_use_pvm = mode && !strcmp(mode, "pvm");
#ifdef HAVE_FIXUP_COPY
	if (!self_use_pvm)
		ret = fixup_install();
#else
	self_use_pvm = true;
#endif
	done = !ret;
out:
	pthread_mutex_unlock(&lock);
	return ret;
}
