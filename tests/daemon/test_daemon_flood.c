// SPDX-License-Identifier: MIT
/*
 * What one hostile client can make the daemon write: a flood of failing
 * commands logs a bounded number of lines (a burst per interval per uid,
 * then "uid U: N lines suppressed"), without taking other users' lines
 * with it; a QP whose shared rings are scribbled on fails once, with one
 * QP_FATAL line.
 */
#include <grp.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "fixture.h"

#define UID_A 65534
#define FLOOD 3000

/* Lines of the daemon's log that contain @a and @b (NULL: anything). */
static int log_count(struct fx *fx, const char *a, const char *b)
{
	char line[1024];
	int n = 0;
	FILE *fp = fopen(fx->log, "re");

	ASSERT_TRUE(fp);
	while (fgets(line, sizeof(line), fp))
		if (strstr(line, a) && (!b || strstr(line, b)))
			n++;
	fclose(fp);
	return n;
}

/* A QUERY_PORT whose response lands on an unmapped page: EFAULT. */
static long query_port_efault(int fd)
{
	return cl_query_port(fd, 1,
			     (struct ib_uverbs_query_port_resp *)(uintptr_t)16);
}

/* As UID_A: FLOOD failing commands; then, after @pause_ms, one more. */
static int flood(struct fx *fx, int out_fd, unsigned int pause_ms)
{
	double t0;
	int fd, i;

	if (setgroups(0, NULL) || setgid(UID_A) || setuid(UID_A))
		return 100;
	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0 || cl_get_context(fd))
		return 1;
	t0 = now_s();
	for (i = 0; i < FLOOD; i++)
		if (query_port_efault(fd) != -EFAULT)
			return 2;
	t0 = now_s() - t0;
	/* How long the flood took, for the bound on its lines. */
	if (write(out_fd, &t0, sizeof(t0)) != sizeof(t0))
		return 3;
	msleep(pause_ms);
	if (query_port_efault(fd) != -EFAULT)
		return 4;
	close(fd);
	return 0;
}

TEST_TIMEOUT(daemon_log_flood_is_ratelimited, 120)
{
	int pfd[2], status, fd, lines, bound;
	double secs = 0;
	struct fx fx;
	pid_t p;

	/* 5 lines a second per uid (the default is 10 per 5 s). */
	fx_start(&fx, "--mode=0666", "--log-ratelimit=5/1", NULL);
	ASSERT_OK(pipe(pfd));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(pfd[0]);
		_exit(flood(&fx, pfd[1], 1500));
	}
	close(pfd[1]);
	ASSERT_EQ(read(pfd[0], &secs, sizeof(secs)), (ssize_t)sizeof(secs));
	close(pfd[0]);
	/* Another uid (root) is not silenced by the flood. */
	fd = fx_open(&fx, "uverbs1", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	close(fd);
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);

	/* A burst per started interval, and the last command's line. */
	bound = 5 * ((int)secs + 3);
	lines = log_count(&fx, "-> EFAULT", NULL);
	if (lines > bound)
		harness_fail(__FILE__, __LINE__,
			     "%d EFAULT lines for %d commands in %.1f s "
			     "(at most %d)",
			     lines, FLOOD + 1, secs, bound);
	ASSERT_TRUE(lines >= 5);
	ASSERT_TRUE(log_count(&fx, "uid 65534: ", "lines suppressed") >= 1);
	ASSERT_TRUE(log_count(&fx, "uverbs1 #", "opened") == 1);
	fx_stop(&fx);
}

/* How often the daemon's log says that QP @qpn failed. */
static int qp_fatal_lines(struct fx *fx, u32 qpn)
{
	char what[32];

	snprintf(what, sizeof(what), "QP %u: ", qpn);
	return log_count(fx, what, "QP_FATAL");
}

/*
 * Both producer indexes beyond their rings: the NIC fails the QP on the
 * first it reads, and says so once.
 */
TEST(daemon_ring_scribbled_qp_fatal_once)
{
	struct ioverbs_ep s = { 0 };
	struct fx fx;
	double end;
	int fd;

	fx_start(&fx, NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ioverbs_client_init_fd(&s.v, fd);
	ASSERT_OK(ioverbs_ep_open(&s, 1 << 16, true));
	/* Let the NIC go to sleep, so that one pass sees both. */
	msleep(100);
	__atomic_store_n(&s.rqp.sq->prod, s.rqp.sq_prod + (1u << 30),
			 __ATOMIC_RELEASE);
	__atomic_store_n(&s.rqp.rq->prod, s.rqp.rq_prod + (1u << 30),
			 __ATOMIC_RELEASE);
	ioverbs_sring_ring(&s.rctx);
	end = now_s() + 10;
	while (!qp_fatal_lines(&fx, s.qpn) && now_s() < end)
		msleep(10);
	/* More passes of the NIC (it naps 200 ms at most). */
	msleep(600);
	ASSERT_EQ(qp_fatal_lines(&fx, s.qpn), 1);
	ioverbs_ep_close(&s);
	close(fd);
	fx_stop(&fx);
}
