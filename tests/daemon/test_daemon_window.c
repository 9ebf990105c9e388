// SPDX-License-Identifier: MIT
/*
 * Command windows through the daemon: a command built entirely in shared
 * memory (ioverbs_cmd_window_alloc()) runs without process_vm calls and gives
 * the same results; a window that is not sealed, or one of a process that
 * did not open the file, is not used (the command still works); nor is
 * one the client mapped read-only (its outputs fail, EFAULT); a buffer
 * running off a window's end is reached the slow way (EFAULT past it); a
 * window freed through the library and replaced by another at the same
 * address with the same header is not taken for the old one.
 */
#include <fcntl.h>
#include <string.h>
#include <sys/ioctl.h>
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

static long query_port_in(struct win *w, int fd)
{
	memset(&w->resp, 0, sizeof(w->resp));
	w->port = 1;
	ioverbs_port_query_prep(cl_builder(), &w->c, &w->port, &w->resp);
	return cl_exec(fd, &w->c);
}

/*
 * A daemon, a file of it with a context (*@fd), port 1's attributes in
 * @ref, and a one-page window that a QUERY_PORT went through.
 */
static struct win *window_used(struct fx *fx, int *fd,
			       struct ib_uverbs_query_port_resp *ref)
{
	struct win *w;

	fx_start(fx, "--mode=0666", NULL);
	*fd = fx_open(fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(*fd >= 0);
	ASSERT_OK(cl_get_context(*fd));
	ASSERT_OK(cl_query_port(*fd, 1, ref));
	w = ioverbs_cmd_window_alloc(4096);
	ASSERT_TRUE(w != NULL);
	ASSERT_OK(query_port_in(w, *fd));
	ASSERT_EQ(w->resp.lid, ref->lid);
	ASSERT_TRUE(fx_log_says(fx, "command window"));
	return w;
}

/* A sealed memfd named like a window, of one page: its fd. */
static int window_memfd(void)
{
	int mfd = memfd_create("ioverbs-cmd", MFD_CLOEXEC | MFD_ALLOW_SEALING);

	ASSERT_TRUE(mfd >= 0);
	ASSERT_OK(ftruncate(mfd, 4096));
	ASSERT_OK(fcntl(mfd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_SEAL));
	return mfd;
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
	ASSERT_TRUE(fx_log_says(&fx, "command window"));
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
	ASSERT_TRUE(fx_log_says(&fx, "not a sealed memfd"));
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

	w = window_used(&fx, &fd, &ref);
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

/*
 * A memfd named like a window and sealed, but mapped read-only: outputs
 * would go where the client cannot write, so it is no window.  The
 * command is built through a writable mapping of the same memfd, with
 * every address in the read-only one; its output there fails as the
 * kernel's copy_to_user would (EFAULT) and nothing is written.  (Taken
 * for a window, the daemon wrote the answer into the memfd: 0.)
 */
TEST(daemon_window_read_only_is_not_one)
{
	struct win *rw, *ro;
	struct fx fx;
	int fd, mfd;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	mfd = window_memfd();
	rw = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	ASSERT_TRUE(rw != MAP_FAILED);
	ro = mmap(NULL, 4096, PROT_READ, MAP_SHARED, mfd, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	close(mfd);
	memset(&rw->resp, 0xa5, sizeof(rw->resp));
	rw->port = 1;
	ioverbs_port_query_prep(cl_builder(), &rw->c, &ro->port, &ro->resp);
	ASSERT_EQ(ioctl(fd, RDMA_VERBS_IOCTL, &ro->c.hdr), -1);
	ASSERT_EQ(errno, EFAULT);
	ASSERT_EQ(ro->resp.lid, 0xa5a5);
	ASSERT_EQ(ro->resp.state, 0xa5);
	ASSERT_TRUE(fx_log_says(&fx, "not shared and writable"));
	/* The same command answered into the writable mapping works. */
	ioverbs_port_query_prep(cl_builder(), &rw->c, &ro->port, &rw->resp);
	ASSERT_OK(ioctl(fd, RDMA_VERBS_IOCTL, &ro->c.hdr));
	ASSERT_TRUE(rw->resp.lid != 0xa5a5 && rw->resp.lid != 0);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	munmap(ro, 4096);
	munmap(rw, 4096);
	close(fd);
	fx_stop(&fx);
}

/*
 * A window freed through the library and another mapped at its address,
 * with a header byte for byte the old one's (the same QUERY_PORT) and
 * other attributes (its answer elsewhere in the window): the command
 * acts on the new attributes.  The freed window was zeroed, so its old
 * bytes match nothing; without that the daemon took the attributes from
 * the old memfd it still has mapped and answered into it, where the
 * client never sees it.
 */
TEST(daemon_window_freed_and_replaced)
{
	struct ib_uverbs_query_port_resp ref, *other;
	struct win *w, *again;
	struct fx fx;
	int fd, mfd;

	w = window_used(&fx, &fd, &ref);
	ioverbs_cmd_window_free(w, 4096);
	mfd = window_memfd();
	again = mmap(w, 4096, PROT_READ | PROT_WRITE,
		     MAP_SHARED | MAP_FIXED_NOREPLACE, mfd, 0);
	close(mfd);
	ASSERT_TRUE(again == w);
	other = (void *)((u8 *)again + 2048);
	memset(other, 0, sizeof(*other));
	again->port = 1;
	ioverbs_port_query_prep(cl_builder(), &again->c, &again->port, other);
	ASSERT_OK(cl_exec(fd, &again->c));
	ASSERT_EQ(other->lid, ref.lid);
	ASSERT_EQ(other->state, ref.state);
	ASSERT_EQ(again->resp.lid, 0);
	ioverbs_cmd_window_free(again, 4096);
	close(fd);
	fx_stop(&fx);
}
