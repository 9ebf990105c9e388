// SPDX-License-Identifier: MIT
/*
 * Command windows through the daemon: a command built entirely in shared
 * memory (ioverbs_cmd_window_alloc()) runs without process_vm calls and gives
 * the same results; a window that is not sealed, or one of a process that
 * did not open the file, is not used (the command still works); a buffer
 * running off a window's end is reached the slow way (EFAULT past it).
 */
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

struct win {
	struct ioverbs_cmd c;
	struct ib_uverbs_query_port_resp resp;
	u32 pd;
	u8 port;
};

static bool log_says(struct fx *fx, const char *what)
{
	char line[512];
	bool found = false;
	FILE *fp = fopen(fx->log, "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = strstr(line, what) != NULL;
	fclose(fp);
	return found;
}

static long query_port_in(struct win *w, int fd)
{
	memset(&w->resp, 0, sizeof(w->resp));
	w->port = 1;
	ioverbs_port_query_prep(cl_builder(), &w->c, &w->port, &w->resp);
	return cl_exec(fd, &w->c);
}

TEST(daemon_window_commands)
{
	struct ib_uverbs_query_port_resp ref;
	struct win *w;
	struct fx fx;
	int fd;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &ref));
	w = ioverbs_cmd_window_alloc(8192);
	ASSERT_TRUE(w != NULL);
	/* A hole after its first page, for the overrun below. */
	ASSERT_OK(munmap((u8 *)w + 4096, 4096));
	/* The same answer from a command in the window. */
	ASSERT_OK(query_port_in(w, fd));
	ASSERT_EQ(w->resp.lid, ref.lid);
	ASSERT_EQ(w->resp.state, ref.state);
	ASSERT_TRUE(log_says(&fx, "command window"));
	/* NEW handles are written into the window's attributes. */
	ioverbs_pd_alloc_prep(cl_builder(), &w->c, &w->pd);
	ASSERT_OK(cl_exec(fd, &w->c));
	ASSERT_OK(cl_pd_dealloc(fd, w->pd));
	/* An output running off the window's end: EFAULT. */
	ioverbs_port_query_prep(cl_builder(), &w->c, &w->port,
				(void *)((u8 *)w + 4096 - 8));
	ASSERT_ERRNO(-EFAULT, cl_exec(fd, &w->c));
	ASSERT_TRUE(fx_alive(&fx));
	ioverbs_cmd_window_free(w, 4096);
	close(fd);
	fx_stop(&fx);
}

TEST(daemon_window_not_sealed_or_not_ours)
{
	struct win *w;
	struct fx fx;
	int fd, mfd, status;
	pid_t p;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	/* Named like a window, not sealed: not used; the command works. */
	mfd = memfd_create("ioverbs-cmd", MFD_CLOEXEC);
	ASSERT_TRUE(mfd >= 0);
	ASSERT_OK(ftruncate(mfd, 4096));
	w = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_TRUE(w != MAP_FAILED);
	close(mfd);
	ASSERT_OK(query_port_in(w, fd));
	ASSERT_TRUE(w->resp.lid != 0);
	ASSERT_TRUE(log_says(&fx, "not a sealed memfd"));
	munmap(w, 4096);

	/*
	 * A child that inherited the file: another address space, so its
	 * commands are refused, in a window of its own or not.
	 */
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		struct win *cw = ioverbs_cmd_window_alloc(4096);

		_exit(!cw || query_port_in(cw, fd) != -EPERM);
	}
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(fd);
	fx_stop(&fx);
}

/*
 * A client that unmaps a window and maps other memory at its address: its
 * commands are read from, and answered into, the new memory, not the old
 * memfd the daemon still has mapped.  The daemon sees the change when the
 * header the kernel copied in differs from the old window's: here a
 * PD_ALLOC where a QUERY_PORT was.  (The very same command rebuilt at the
 * same place is not told apart: docs/internals.md.)
 */
TEST(daemon_window_replaced_by_other_memory)
{
	struct ib_uverbs_query_port_resp ref;
	struct win *w, *again;
	struct fx fx;
	int fd;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &ref));
	w = ioverbs_cmd_window_alloc(4096);
	ASSERT_TRUE(w != NULL);
	ASSERT_OK(query_port_in(w, fd));
	ASSERT_EQ(w->resp.lid, ref.lid);
	/* Same address, anonymous memory now. */
	again = mmap(w, 4096, PROT_READ | PROT_WRITE,
		     MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
	ASSERT_TRUE(again == w);
	/* A PD whose NEW handle lands in the new memory. */
	w->pd = 0xdead;
	ioverbs_pd_alloc_prep(cl_builder(), &w->c, &w->pd);
	ASSERT_OK(cl_exec(fd, &w->c));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 1);
	ASSERT_OK(cl_pd_dealloc(fd, w->pd));
	/* From then on the address is plain memory: answers land there. */
	ASSERT_OK(query_port_in(w, fd));
	ASSERT_EQ(w->resp.lid, ref.lid);
	ASSERT_EQ(w->resp.state, ref.state);
	munmap(w, 4096);
	close(fd);
	fx_stop(&fx);
}
