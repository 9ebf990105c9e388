// SPDX-License-Identifier: MIT
/*
 * Rule 23 through the daemon: read() on a device file answers the calling
 * thread's reason for its last failed command on that file (one line with
 * its newline, taken by the read, cleared by a success), also for what
 * the daemon refuses before the core; two threads read
 * their own; the daemon's log keeps the reason; and a client with many
 * threads costs the daemon no memory for them.
 */
#include <pthread.h>
#include <sys/ioctl.h>

#include <ioverbs/reason.h>

#include "fixture.h"

/* What a PD_DEALLOC of handle @h is refused with. */
static void reason_of(char *buf, size_t len, u32 h)
{
	snprintf(buf, len,
		 "PD_DEALLOC: attr HANDLE (id 0x0): handle %u: no such object\n",
		 h);
}

static void read_is(int line, int fd, const char *want)
{
	char buf[IOVERBS_REASON_MAX];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n != (ssize_t)strlen(want) || memcmp(buf, want, strlen(want)))
		harness_fail(__FILE__, line, "read() gave %zd bytes \"%.*s\", expected \"%s\"",
			     n, n > 0 ? (int)n : 0, buf, want);
}

TEST(daemon_rule23_read_answers_the_reason)
{
	char want[IOVERBS_REASON_MAX], buf[IOVERBS_REASON_MAX], line[512];
	struct ioverbs_client v;
	bool logged = false;
	struct fx fx;
	FILE *fp;
	u32 pd;
	int fd;

	fx_start(&fx, NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	/* Nothing failed yet. */
	read_is(__LINE__, fd, "");
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, 9));
	reason_of(want, sizeof(want), 9);
	read_is(__LINE__, fd, want);
	/* Taken by the read. */
	read_is(__LINE__, fd, "");
	/* A success clears it. */
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, 9));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	read_is(__LINE__, fd, "");
	/* The library's way: the same line, without its newline. */
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, 10));
	ioverbs_client_init_fd(&v, fd);
	reason_of(want, sizeof(want), 10);
	ASSERT_EQ(ioverbs_reason_get(&v, buf, sizeof(buf)), strlen(want) - 1);
	ASSERT_TRUE(!strncmp(buf, want, strlen(want) - 1));
	/* Refused by the daemon before the core: a reason all the same. */
	ASSERT_EQ(ioctl(fd, 0xc0181b01, buf), -1);
	ASSERT_EQ(errno, ENOTTY);
	read_is(__LINE__, fd,
		"ioctl 0xc0181b01 is upstream's RDMA_VERBS_IOCTL: no upstream ioctl framework here (this device's is 0xc0101b01)\n");
	ASSERT_EQ(ioctl(fd, _IOWR(0x1b, 3, u64), buf), -1);
	ASSERT_EQ(errno, ENOTTY);
	read_is(__LINE__, fd,
		"ioctl 0xc0081b03 is not RDMA_VERBS_IOCTL (or its argument is not a 16-byte header)\n");
	close(fd);

	/* The log keeps it, at the level failed commands are logged. */
	fp = fopen(fx.log, "re");
	ASSERT_TRUE(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, "-> ENOENT: PD_DEALLOC: attr HANDLE (id 0x0): handle 10: no such object"))
			logged = true;
	fclose(fp);
	ASSERT_TRUE(logged);
	fx_stop(&fx);
}

struct thread_arg {
	int fd;
	u32 handle;
	pthread_barrier_t *failed;
	long ret;
	char got[IOVERBS_REASON_MAX];
	ssize_t n;
};

static void *fail_then_read(void *p)
{
	struct thread_arg *a = p;

	a->ret = cl_pd_dealloc(a->fd, a->handle);
	/* Both failed before either reads. */
	pthread_barrier_wait(a->failed);
	a->n = read(a->fd, a->got, sizeof(a->got));
	return NULL;
}

/* Two threads of one process, one file, two failures: each its own. */
TEST(daemon_rule23_reason_per_thread)
{
	pthread_barrier_t failed;
	struct thread_arg a[2];
	char want[IOVERBS_REASON_MAX];
	pthread_t t[2];
	struct fx fx;
	int fd, i;

	fx_start(&fx, NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	pthread_barrier_init(&failed, NULL, 2);
	for (i = 0; i < 2; i++) {
		memset(&a[i], 0, sizeof(a[i]));
		a[i].fd = fd;
		a[i].handle = 200 + (u32)i;
		a[i].failed = &failed;
		ASSERT_EQ(pthread_create(&t[i], NULL, fail_then_read, &a[i]), 0);
	}
	for (i = 0; i < 2; i++)
		pthread_join(t[i], NULL);
	for (i = 0; i < 2; i++) {
		ASSERT_ERRNO(-ENOENT, a[i].ret);
		reason_of(want, sizeof(want), 200 + (u32)i);
		ASSERT_EQ(a[i].n, strlen(want));
		ASSERT_TRUE(!memcmp(a[i].got, want, strlen(want)));
	}
	/* The main thread failed nothing on the file. */
	read_is(__LINE__, fd, "");
	pthread_barrier_destroy(&failed);
	close(fd);
	fx_stop(&fx);
}

static void *fail_only(void *p)
{
	struct thread_arg *a = p;

	a->ret = cl_pd_dealloc(a->fd, a->handle);
	return NULL;
}

/*
 * 300 threads each leave a reason and exit without reading it: the
 * file keeps UVERBS_REASON_SLOTS of them, in a table allocated with the
 * file, so the daemon's live objects do not move.
 */
TEST(daemon_rule23_many_threads_bounded)
{
	struct thread_arg a;
	long base;
	pthread_t t;
	struct fx fx;
	int fd, i;

	fx_start(&fx, NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	base = fx_live_objects(&fx);
	ASSERT_TRUE(base > 0);
	for (i = 0; i < 300; i++) {
		memset(&a, 0, sizeof(a));
		a.fd = fd;
		a.handle = 1000 + (u32)i;
		ASSERT_EQ(pthread_create(&t, NULL, fail_only, &a), 0);
		pthread_join(t, NULL);
		ASSERT_ERRNO(-ENOENT, a.ret);
	}
	ASSERT_EQ(fx_live_objects(&fx), base);
	/* Still served, and this thread has no reason of its own. */
	read_is(__LINE__, fd, "");
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, 7));
	{
		char want[IOVERBS_REASON_MAX];

		reason_of(want, sizeof(want), 7);
		read_is(__LINE__, fd, want);
	}
	close(fd);
	fx_stop(&fx);
}
