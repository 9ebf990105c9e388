// SPDX-License-Identifier: MIT
/*
 * The daemon's process_vm address spaces (daemon/pvm.c) alone, on a child
 * process: bytes not copied, a prefix copied up to the first bad page, a
 * long-lived mm refusing every copy once its process has exited, and MR
 * registration's check reading the child's memory map.
 */
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "../../daemon/daemon.h"

struct target {
	pid_t pid;
	u8 *map; /* page 0 readable and writable, page 1 PROT_NONE, page 2
		  * ours but unmapped in the child */
	long page;
};

/* A child with the same mappings as ours (fork), waiting to be killed. */
static void target_start(struct target *t)
{
	int pfd[2];
	char c;

	t->page = sysconf(_SC_PAGESIZE);
	t->map = mmap(NULL, 3 * t->page, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(t->map != MAP_FAILED);
	memset(t->map, 0x5a, t->page);
	ASSERT_OK(mprotect(t->map + t->page, t->page, PROT_NONE));
	ASSERT_OK(pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	t->pid = fork();
	ASSERT_TRUE(t->pid >= 0);
	if (t->pid == 0) {
		close(pfd[0]);
		/* Our copy differs from the parent's from now on. */
		memset(t->map, 0xc3, t->page);
		if (munmap(t->map + 2 * t->page, t->page))
			_exit(1);
		if (write(pfd[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(pfd[1]);
	ASSERT_EQ(read(pfd[0], &c, 1), 1);
	close(pfd[0]);
}

static void target_stop(struct target *t)
{
	kill(t->pid, SIGKILL);
	waitpid(t->pid, NULL, 0);
	munmap(t->map, 3 * t->page);
}

TEST(pvm_copy_whole_and_partial)
{
	struct target t;
	u8 buf[64];

	if (geteuid() != 0)
		harness_skip("needs root (or ptrace rights on a child)");
	target_start(&t);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)t.map, 32, false), 0);
	ASSERT_EQ(buf[0], 0xc3);
	ASSERT_EQ(buf[31], 0xc3);
	/* 8 bytes before the bad page, 8 in it: 8 not copied. */
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)(t.map + t.page - 8), 16,
			   false),
		  8);
	ASSERT_EQ(buf[7], 0xc3);
	ASSERT_EQ(buf[8], 0);
	/* All bad, and nothing at all. */
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)(t.map + t.page), 16, false),
		  16);
	ASSERT_EQ(pvm_copy(t.pid, buf, 8, 16, false), 16);
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)t.map, 0, false), 0);
	/* Writes: the same prefix rule; read back what landed. */
	memset(buf, 0x11, sizeof(buf));
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)(t.map + t.page - 4), 12,
			   true),
		  8);
	memset(buf, 0, sizeof(buf));
	ASSERT_EQ(pvm_copy(t.pid, buf, (uintptr_t)(t.map + t.page - 8), 8,
			   false),
		  0);
	ASSERT_EQ(buf[3], 0xc3);
	ASSERT_EQ(buf[4], 0x11);
	ASSERT_EQ(buf[7], 0x11);
	/* Our own copy was never touched. */
	ASSERT_EQ(t.map[t.page - 1], 0x5a);
	target_stop(&t);
}

TEST(pvm_mm_refuses_an_exited_process)
{
	struct pvm_mm *m, caller;
	struct target t;
	u8 buf[16];

	if (geteuid() != 0)
		harness_skip("needs root (or ptrace rights on a child)");
	target_start(&t);
	m = pvm_mm_open(t.pid);
	ASSERT_TRUE(!IS_ERR(m));
	ASSERT_TRUE(!pvm_mm_exited(m));
	ASSERT_EQ(m->mm.ops->read(&m->mm, buf, (uintptr_t)t.map, 16), 0);
	ASSERT_EQ(buf[0], 0xc3);
	/*
	 * Through /proc/PID/mem, as pinned pages through a NIC, a PROT_NONE
	 * page reads (rule 21 refuses to register one); a hole does not.
	 */
	ASSERT_EQ(m->mm.ops->read(&m->mm, buf,
				  (uintptr_t)t.map + 2 * t.page - 4, 16),
		  12);
	target_stop(&t);
	ASSERT_TRUE(pvm_mm_exited(m));
	ASSERT_EQ(m->mm.ops->read(&m->mm, buf, (uintptr_t)t.map, 16), 16);
	ASSERT_EQ(m->mm.ops->write(&m->mm, (uintptr_t)t.map, buf, 16), 16);
	pvm_mm_close(m);
	/* A per-command mm has no exit check; a gone thread copies nothing. */
	pvm_mm_init_caller(&caller, t.pid);
	ASSERT_TRUE(!pvm_mm_exited(&caller));
	ASSERT_EQ(caller.mm.ops->read(&caller.mm, buf, (uintptr_t)t.map, 16),
		  16);
	/* An exited process cannot be opened. */
	ASSERT_EQ(PTR_ERR(pvm_mm_open(t.pid)), -ESRCH);
}

/* Rule 21's check: the client's map, not ours; nothing once it exited. */
TEST(pvm_check_reads_the_clients_map)
{
	struct pvm_mm *m;
	struct target t;
	u64 bad = 0;

	if (geteuid() != 0)
		harness_skip("needs root (or ptrace rights on a child)");
	target_start(&t);
	m = pvm_mm_open(t.pid);
	ASSERT_TRUE(!IS_ERR(m));
	ASSERT_OK(m->mm.ops->check(&m->mm, (uintptr_t)t.map, t.page, true,
				   &bad));
	ASSERT_ERRNO(-EACCES, m->mm.ops->check(&m->mm, (uintptr_t)t.map,
					       2 * t.page, false, &bad));
	ASSERT_EQ(bad, (uintptr_t)(t.map + t.page));
	/* Mapped here, not there. */
	ASSERT_ERRNO(-EFAULT,
		     m->mm.ops->check(&m->mm, (uintptr_t)(t.map + 2 * t.page),
				      8, false, &bad));
	ASSERT_EQ(bad, (uintptr_t)(t.map + 2 * t.page));
	target_stop(&t);
	ASSERT_ERRNO(-EFAULT, m->mm.ops->check(&m->mm, (uintptr_t)t.map, 8,
					       false, &bad));
	pvm_mm_close(m);
}
