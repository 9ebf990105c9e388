// SPDX-License-Identifier: MIT
/*
 * The daemon's NIC threads against clients that would take more than
 * their share: ten contexts with rings cost no CPU while idle and no
 * more threads than the pool has; a client ringing ten doorbells in a
 * loop, with or without work, costs the daemon at most the pool's
 * threads' worth of CPU; a client hammering huge RDMA READs does not
 * starve another client's small ping-pong.  The attacking clients run as
 * an unprivileged user.
 *
 * CPU time is the daemon's utime + stime from /proc/PID/stat; the bounds
 * are generous (these machines are shared and noisy): what they catch is
 * a daemon that burns a thread per context.
 */
#include <dirent.h>
#include <grp.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "fixture.h"

#define NCTX 10
/* An unused uid and gid for the attacking clients. */
#define ATTACKER_ID 54321

/* The daemon's CPU time so far, in seconds (utime + stime). */
static double daemon_cpu_s(pid_t pid)
{
	unsigned long ut = 0, st = 0;
	char path[64], buf[2048], *p;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	ASSERT_TRUE(f != NULL);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	/* After the command name: state, 5 ints, flags, 4 fault counts. */
	p = strrchr(buf, ')');
	ASSERT_TRUE(p != NULL);
	ASSERT_EQ(sscanf(p + 2,
			 "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %lu %lu",
			 &ut, &st),
		  2);
	return (double)(ut + st) / (double)sysconf(_SC_CLK_TCK);
}

static struct ib_uverbs_sge sge_at(struct ioverbs_ep *s, u64 off, u32 len)
{
	return (struct ib_uverbs_sge){ .addr = (uintptr_t)(s->buf + off),
				       .length = len, .lkey = s->lkey };
}

/* One SEND to ourselves and its receive: 0 or -errno. */
static long loop_round(struct ioverbs_ep *s, u64 id)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = sge_at(s, 0, 8);
	struct ib_uverbs_wc wc;
	long ret;
	int got;

	ret = ioverbs_ep_post_recv(s, id, 1024, 64);
	if (!ret)
		ret = ioverbs_ep_post_send(s, &wr, &sge);
	for (got = 0; !ret && got < 2; got++) {
		ret = ioverbs_ep_poll(s, &wc, 20000);
		if (!ret && wc.status)
			ret = -EIO;
	}
	return ret;
}

static void drop_privileges(void)
{
	CHECK(!fx_become(ATTACKER_ID));
	signal(SIGPIPE, SIG_IGN);
}

/* Forks @fn(fx, wfd) as the attacker; its pipe's read end in *@rfd. */
static pid_t spawn(struct fx *fx, void (*fn)(struct fx *fx, int wfd),
		   int *rfd)
{
	int p[2];
	pid_t pid;

	ASSERT_OK(pipe(p));
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		drop_privileges();
		fn(fx, p[1]);
		_exit(0);
	}
	close(p[1]);
	*rfd = p[0];
	return pid;
}

static char expect_byte(int rfd)
{
	char c = 0;

	ASSERT_EQ(read(rfd, &c, 1), 1);
	return c;
}

/*
 * Ten idle contexts with rings: the daemon has at most its pool's
 * threads and burns (nearly) no CPU; once they close, no NIC thread is
 * left.
 */
TEST_TIMEOUT(daemon_nic_idle_contexts_cost_nothing, 120)
{
	struct ioverbs_ep s[NCTX];
	double c0, c1;
	struct fx fx;
	long base;
	int i, n;

	fx_start(&fx, "--mode=0666", "--nic-threads=2", NULL);
	base = fx_live_objects(&fx);
	for (i = 0; i < NCTX; i++)
		ASSERT_OK(fx_ep_up(&fx, &s[i], 65536));
	/* Some traffic first, so every thread has had work and stopped. */
	for (i = 0; i < NCTX; i++)
		ASSERT_OK(loop_round(&s[i], (u64)i));
	usleep(300 * 1000);
	n = fx_nic_threads(fx.pid);
	if (n < 1 || n > 2)
		harness_fail(__FILE__, __LINE__,
			     "%d NIC threads for %d contexts, pool of 2", n,
			     NCTX);
	c0 = daemon_cpu_s(fx.pid);
	sleep(3);
	c1 = daemon_cpu_s(fx.pid);
	if (c1 - c0 > 0.5)
		harness_fail(__FILE__, __LINE__,
			     "10 idle contexts cost the daemon %.2f s of CPU in 3 s",
			     c1 - c0);
	ASSERT_TRUE(fx_nic_threads(fx.pid) <= 2);
	/* They still work after sleeping. */
	for (i = 0; i < NCTX; i++)
		ASSERT_OK(loop_round(&s[i], 100 + (u64)i));
	for (i = 0; i < NCTX; i++)
		fx_ep_down(&s[i]);
	fx_wait_released(&fx, 0, base);
	for (i = 0; i < 500 && fx_nic_threads(fx.pid); i++)
		usleep(10000);
	ASSERT_EQ(fx_nic_threads(fx.pid), 0);
	fx_stop(&fx);
}

/*
 * The attacker: ten contexts; for ~3 s it bumps their doorbells' seq in
 * a loop and never kicks ('s' starts it), for ~3 s it rings them as the
 * protocol says, kicking when the device sleeps, with nothing posted
 * ('a'), then for ~3 s it keeps a SEND to itself in flight on each
 * ('b'), then says 'c' and exits 0 after a last check that every context
 * still works.
 */
static void storm(struct fx *fx, int wfd)
{
	struct ioverbs_ep s[NCTX];
	double t;
	u64 id = 0;
	int i;

	for (i = 0; i < NCTX; i++)
		CHECK(fx_ep_up(fx, &s[i], 65536) == 0);
	CHECK(write(wfd, "s", 1) == 1);
	for (t = now_s(); now_s() - t < 3;)
		for (i = 0; i < NCTX; i++)
			__atomic_fetch_add(&s[i].rctx.db->seq, 1,
					   __ATOMIC_SEQ_CST);
	CHECK(write(wfd, "a", 1) == 1);
	for (t = now_s(); now_s() - t < 3;)
		for (i = 0; i < NCTX; i++)
			ioverbs_sring_ring(&s[i].rctx);
	CHECK(write(wfd, "b", 1) == 1);
	for (t = now_s(); now_s() - t < 3; id++)
		for (i = 0; i < NCTX; i++)
			CHECK(loop_round(&s[i], id) == 0);
	CHECK(write(wfd, "c", 1) == 1);
	for (i = 0; i < NCTX; i++)
		CHECK(loop_round(&s[i], ++id) == 0);
	for (i = 0; i < NCTX; i++)
		fx_ep_down(&s[i]);
}

/* Reads @rfd's next byte, sampling the NIC threads every 50 ms. */
static char wait_sampling(struct fx *fx, int rfd, int *max_threads)
{
	struct pollfd p = { .fd = rfd, .events = POLLIN };
	int n;

	for (;;) {
		n = fx_nic_threads(fx->pid);
		if (n > *max_threads)
			*max_threads = n;
		if (poll(&p, 1, 50) == 1)
			return expect_byte(rfd);
	}
}

/*
 * One client bumping ten doorbells' seq without kicking, then ringing
 * them as fast as it can, then driving traffic on all ten: with a pool
 * of one thread the daemon never has more than one NIC thread and burns
 * at most about one CPU; the bumps alone cost it (nearly) nothing, and
 * kicks that find nothing little (they mute their NIC for a while).
 */
TEST_TIMEOUT(daemon_nic_doorbell_storm_costs_at_most_the_pool, 120)
{
	double cs, c0, c1, c2, ts, t0, t1, t2;
	int rfd, status, max_threads = 0;
	struct fx fx;
	long base;
	pid_t p;

	fx_start(&fx, "--mode=0666", "--nic-threads=1", NULL);
	base = fx_live_objects(&fx);
	p = spawn(&fx, storm, &rfd);
	ASSERT_EQ(wait_sampling(&fx, rfd, &max_threads), 's');
	cs = daemon_cpu_s(fx.pid);
	ts = now_s();
	ASSERT_EQ(wait_sampling(&fx, rfd, &max_threads), 'a');
	c0 = daemon_cpu_s(fx.pid);
	t0 = now_s();
	ASSERT_EQ(wait_sampling(&fx, rfd, &max_threads), 'b');
	c1 = daemon_cpu_s(fx.pid);
	t1 = now_s();
	ASSERT_EQ(wait_sampling(&fx, rfd, &max_threads), 'c');
	c2 = daemon_cpu_s(fx.pid);
	t2 = now_s();
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	close(rfd);
	printf("# seq bumps: %.2f s CPU in %.2f s; doorbells only: %.2f s CPU in %.2f s; with traffic: %.2f s CPU in %.2f s\n",
	       c0 - cs, t0 - ts, c1 - c0, t1 - t0, c2 - c1, t2 - t1);
	if (c0 - cs > 0.5)
		harness_fail(__FILE__, __LINE__,
			     "seq bumps without kicks cost the daemon %.2f s in %.2f s",
			     c0 - cs, t0 - ts);
	if (c1 - c0 > 0.25 * (t1 - t0) + 0.5)
		harness_fail(__FILE__, __LINE__,
			     "doorbells without work cost the daemon %.2f s in %.2f s",
			     c1 - c0, t1 - t0);
	if (max_threads != 1)
		harness_fail(__FILE__, __LINE__,
			     "%d NIC threads seen, pool of 1", max_threads);
	/* One thread's worth, plus room for the FUSE thread and noise. */
	if (c1 - c0 > (t1 - t0) + 0.5 || c2 - c1 > (t2 - t1) + 0.5)
		harness_fail(__FILE__, __LINE__,
			     "the daemon burnt %.2f s in %.2f s, then %.2f s in %.2f s, with one NIC thread",
			     c1 - c0, t1 - t0, c2 - c1, t2 - t1);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

/* RDMA READs of this size, this many in flight, in the hammer. */
/* 2 x 3 MiB registered: within an unprivileged RLIMIT_MEMLOCK (8 MiB). */
#define HAMMER_LEN (3u << 20)
#define HAMMER_DEPTH 32

/* The attacker: huge RDMA READs from itself to itself, for ever. */
static void hammer(struct fx *fx, int wfd)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_READ,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep s;
	u64 id;

	CHECK(fx_ep_up(fx, &s, 2 * (size_t)HAMMER_LEN) == 0);
	wr.wr.rdma.remote_addr = (uintptr_t)s.buf;
	wr.wr.rdma.rkey = s.rkey;
	sge = sge_at(&s, HAMMER_LEN, HAMMER_LEN);
	for (id = 0; id < HAMMER_DEPTH; id++) {
		wr.wr_id = id;
		CHECK(ioverbs_ep_post_send(&s, &wr, &sge) == 0);
	}
	CHECK(write(wfd, "u", 1) == 1);
	for (;; id++) {
		CHECK(ioverbs_ep_poll(&s, &wc, 60000) == 0);
		CHECK(wc.status == 0);
		wr.wr_id = id;
		CHECK(ioverbs_ep_post_send(&s, &wr, &sge) == 0);
	}
}

/*
 * With one NIC thread, a client keeping 32 RDMA READs of 3 MiB in flight
 * (each three NIC turns of 1 MiB) delays another client's 8-byte
 * ping-pong by a turn at most per message: 200 round trips finish in
 * well under 10 s.  The ping-pong's doorbell was armed (the pool slept)
 * before the hammer started: its kicks reach a pool that never sleeps.  Then the hammer is killed in the middle of its
 * transfers, and everything it held is freed.
 */
TEST_TIMEOUT(daemon_nic_big_transfers_do_not_starve_a_pingpong, 180)
{
	enum { ROUNDS = 200 };
	struct ioverbs_ep s;
	int rfd, i, status;
	struct fx fx;
	double t;
	long base;
	pid_t p;

	fx_start(&fx, "--mode=0666", "--nic-threads=1", NULL);
	base = fx_live_objects(&fx);
	/* Idle long enough for the pool to sleep: its doorbell is armed. */
	ASSERT_OK(fx_ep_up(&fx, &s, 65536));
	ASSERT_OK(loop_round(&s, 1000));
	usleep(300 * 1000);
	p = spawn(&fx, hammer, &rfd);
	ASSERT_EQ(expect_byte(rfd), 'u');
	usleep(200 * 1000);
	t = now_s();
	for (i = 0; i < ROUNDS; i++)
		ASSERT_OK(loop_round(&s, (u64)i));
	t = now_s() - t;
	printf("# %d round trips beside the hammer in %.3f s\n", ROUNDS, t);
	if (t > 10)
		harness_fail(__FILE__, __LINE__,
			     "%d round trips took %.1f s beside 1 GiB of RDMA READs",
			     ROUNDS, t);
	/* The hammer still runs: it was not starved either. */
	ASSERT_EQ(waitpid(p, &status, WNOHANG), 0);
	ASSERT_OK(kill(p, SIGKILL));
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);
	close(rfd);
	fx_ep_down(&s);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}
