// SPDX-License-Identifier: MIT
/*
 * A client whose memory blocks the NIC's copies cannot stall the other
 * clients' data path.  The attacker, an unprivileged user, registers an
 * MR, maps a file of a FUSE file system whose reads the test holds with
 * MAP_FIXED over a page of it, and posts an RDMA WRITE from that page
 * through its shared rings: the NIC thread that copies it blocks in the
 * daemon's read of the attacker's memory.  With a pool of one NIC thread
 * another client's ring ping-pong must still complete its round trips
 * (the pool's watchdog replaces the blocked thread); once the reads are
 * released the WRITE completes, the pool is back to its size and
 * everything is freed.
 *
 * Against a pool without the watchdog the ping-pong gets no turn at all
 * until the reads are released, and the test fails on its deadline.
 *
 * The replacements are bounded per user: one user with more contexts
 * blocked than the pool may replace in total (SOFT_NIC_LOST_FACTOR times
 * its size) loses only its share of threads, and another unprivileged
 * user's round trips keep completing, each within SHARE_ROUND_MS.
 */
#include <dirent.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "blobfs.h"
#include "fixture.h"

#define ATTACKER_ID 54327
/* The per-user test: its two users, and the attacker's contexts. */
#define USER_A 54328
#define USER_B 54329
#define SHARE_CTXS 7
/* How long user B's round trips run while A holds, and each one's bound. */
#define SHARE_RUN_S 3.0
#define SHARE_ROUND_MS 1000
/* The ping-pong's round trips, and the time they have. */
#define ROUNDS 50
#define DEADLINE_S 5.0

/* --- the clients ---------------------------------------------------------- */

/* One SEND to ourselves and its receive, each within @ms: 0 or -errno. */
static long loop_round(struct ioverbs_ep *s, u64 id, int ms)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)s->buf, .length = 8,
				     .lkey = s->lkey };
	struct ib_uverbs_wc wc;
	long ret;
	int got;

	ret = ioverbs_ep_post_recv(s, id, 1024, 64);
	if (!ret)
		ret = ioverbs_ep_post_send(s, &wr, &sge);
	for (got = 0; !ret && got < 2; got++) {
		ret = ioverbs_ep_poll(s, &wc, ms);
		if (!ret && wc.status)
			ret = -EIO;
	}
	return ret;
}

/*
 * The attacker, as user @uid: an MR over @len bytes, the held file
 * (@blob, opened before any read was held: the file system answers
 * nothing meanwhile) mapped over one page of it, an RDMA WRITE from that
 * page posted on its rings ('p' once posted).  After a byte on @go it
 * waits for the completion and reports its status ('0' success, 's'
 * another status, 't' none), puts its page back and closes everything.
 * One context per process: a copy held in a process's memory may hold
 * its mmap lock, and with it that process's next mmap().
 */
static void attacker(struct fx *fx, uid_t uid, int blob, size_t len,
		     int report, int go)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep a;
	u8 *page;
	char c;

	CHECK(!fx_become(uid));
	signal(SIGPIPE, SIG_IGN);
	CHECK(fx_ep_up(fx, &a, len) == 0);
	page = (u8 *)(((uintptr_t)a.buf + 4095) & ~(uintptr_t)4095);
	/* Registered memory replaced under the MR: no command sees it. */
	CHECK(mmap(page, BLOBFS_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED, blob, 0) == page);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)page,
				      .length = BLOBFS_SIZE, .lkey = a.lkey };
	wr.wr.rdma.remote_addr = (uintptr_t)page + 2 * BLOBFS_SIZE;
	wr.wr.rdma.rkey = a.rkey;
	/*
	 * The pool idles first, long enough for its watchdog to sleep
	 * without a timeout (two ticks without a turn): the blocked turn
	 * must wake it.
	 */
	msleep(300);
	CHECK(ioverbs_ep_post_send(&a, &wr, &sge) == 0);
	CHECK(write(report, "p", 1) == 1);
	CHECK(read(go, &c, 1) == 1);
	if (ioverbs_ep_poll(&a, &wc, 20000))
		c = 't';
	else
		c = wc.status ? 's' : '0';
	if (c == '0')
		CHECK(page[2 * BLOBFS_SIZE] == BLOBFS_FILL &&
		      page[3 * BLOBFS_SIZE - 1] == BLOBFS_FILL);
	CHECK(write(report, &c, 1) == 1);
	CHECK(mmap(page, BLOBFS_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == page);
	fx_ep_down(&a);
	_exit(0);
}

/* The held file of @b, opened: 0 or -errno. */
static int blob_open(struct blobfs *b)
{
	char path[64];
	int fd;

	snprintf(path, sizeof(path), "%s/blob", b->dir);
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * The held-read file system on @hold_rd, a daemon with one NIC thread,
 * its live objects in *@base, and our own ring endpoint @s on it (which
 * keeps the pool while clients come and go): the held file, opened.
 */
static int stuck_start(struct blobfs *b, int hold_rd, struct fx *fx,
		       long *base, struct ioverbs_ep *s)
{
	int blob;

	blobfs_start(b, hold_rd);
	fx_start(fx, "--mode=0666", "--nic-threads=1", NULL);
	*base = fx_live_objects(fx);
	blob = blob_open(b);
	ASSERT_TRUE(blob >= 0);
	ASSERT_OK(fx_ep_up(fx, s, 65536));
	ASSERT_OK(loop_round(s, 1000, 5000));
	return blob;
}

static char expect_byte(int rfd)
{
	char c = 0;

	ASSERT_EQ(read(rfd, &c, 1), 1);
	return c;
}

/*
 * With --nic-threads=1, the attacker's WRITE blocks the pool's thread in
 * its copy; another client's ping-pong completes ROUNDS round trips
 * within DEADLINE_S all the same.  Released, the WRITE completes with
 * the file's bytes, the extra thread leaves and nothing is left behind.
 */
TEST_TIMEOUT(daemon_stuck_copy_does_not_stall_the_pool, 120)
{
	static const char release[64];
	int hold[2], rep[2], go[2], status, i, n, blob;
	struct ioverbs_ep s;
	struct blobfs b;
	long ret = 0;
	struct fx fx;
	double t;
	long base;
	pid_t p;

	/* Not inherited by the daemon: the hold's EOF must come. */
	ASSERT_OK(pipe2(hold, O_CLOEXEC));
	ASSERT_OK(pipe2(rep, O_CLOEXEC));
	ASSERT_OK(pipe2(go, O_CLOEXEC));
	blob = stuck_start(&b, hold[0], &fx, &base, &s);

	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(rep[0]);
		close(go[1]);
		close(hold[1]);
		blobfs_forget(&b);
		attacker(&fx, ATTACKER_ID, blob, 1 << 20, rep[1], go[0]);
	}
	close(rep[1]);
	close(go[0]);
	ASSERT_EQ(expect_byte(rep[0]), 'p');
	/* The pool's thread is in the copy by now, held. */
	msleep(200);
	t = now_s();
	for (i = 0; i < ROUNDS && !ret && now_s() - t < DEADLINE_S; i++)
		ret = loop_round(&s, (u64)i,
				 (int)((DEADLINE_S - (now_s() - t)) * 1000) + 1);
	t = now_s() - t;
	n = fx_nic_threads(fx.pid);
	printf("# %d round trips beside a blocked copy in %.3f s (%ld), %d NIC threads\n",
	       i, t, ret, n);
	/* Released before any verdict, so that the daemon can stop. */
	ASSERT_EQ(write(hold[1], release, sizeof(release)),
		  (ssize_t)sizeof(release));
	close(hold[1]);
	ASSERT_EQ(write(go[1], "g", 1), 1);
	ASSERT_EQ(expect_byte(rep[0]), '0');
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (ret || i < ROUNDS || t > DEADLINE_S)
		harness_fail(__FILE__, __LINE__,
			     "%d of %d round trips in %.1f s (%ld) beside a blocked copy",
			     i, ROUNDS, t, ret);
	ASSERT_EQ(n, 2);
	/* Back: the thread that was replaced leaves, the pool has one. */
	for (i = 0; i < 200 && fx_nic_threads(fx.pid) != 1; i++)
		msleep(10);
	ASSERT_EQ(fx_nic_threads(fx.pid), 1);
	ASSERT_OK(loop_round(&s, 2000, 5000));
	close(rep[0]);
	close(go[1]);
	close(blob);
	fx_ep_down(&s);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
	blobfs_stop(&b);
	close(hold[0]);
}

/* What user B reports: its round trips while A held its reads. */
struct share_result {
	long ret;
	int rounds;
	double worst_ms;
};

/*
 * User B: one context with shared rings ('r' once a first round trip
 * went through); after a byte on @go, round trips for SHARE_RUN_S, each
 * within SHARE_ROUND_MS, and a struct share_result on @report.
 */
static void share_victim(struct fx *fx, int report, int go)
{
	struct share_result r = { 0 };
	struct ioverbs_ep s;
	double t0, t;
	char c;

	CHECK(!fx_become(USER_B));
	signal(SIGPIPE, SIG_IGN);
	CHECK(fx_ep_up(fx, &s, 65536) == 0);
	CHECK(loop_round(&s, 1000, 5000) == 0);
	CHECK(write(report, "r", 1) == 1);
	CHECK(read(go, &c, 1) == 1);
	t0 = now_s();
	while (!r.ret && now_s() - t0 < SHARE_RUN_S) {
		t = now_s();
		r.ret = loop_round(&s, (u64)r.rounds, SHARE_ROUND_MS);
		t = (now_s() - t) * 1000;
		if (t > r.worst_ms)
			r.worst_ms = t;
		if (!r.ret)
			r.rounds++;
	}
	CHECK(write(report, &r, sizeof(r)) == (ssize_t)sizeof(r));
	fx_ep_down(&s);
	_exit(0);
}

static pid_t share_fork(struct blobfs *b, int keep_r, int keep_w,
			int *close_fds, int nclose)
{
	pid_t p;
	int i;

	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		for (i = 0; i < nclose; i++)
			if (close_fds[i] != keep_r && close_fds[i] != keep_w)
				close(close_fds[i]);
		blobfs_forget(b);
	}
	return p;
}

/*
 * With --nic-threads=1 (two replacements in total), user A blocks the
 * copies of SHARE_CTXS contexts; user B's round trips through its own
 * shared rings complete all the same, each within SHARE_ROUND_MS, for
 * SHARE_RUN_S.  A loses one thread (its share), replaced: two NIC
 * threads while it holds.  Released, every one of A's WRITEs completes
 * (none of its contexts failed) and the pool is back to one thread.
 *
 * With replacements bounded in total only, A's third blocked context
 * takes the pool's last thread and B gets no turn until A lets go.
 */
TEST_TIMEOUT(daemon_stuck_copies_cost_one_user_its_share, 120)
{
	static const char release[256];
	int hold[2], arep[2], ago[2], brep[2], bgo[2], status, n, i, blob;
	pid_t pa[SHARE_CTXS], pb;
	struct ioverbs_ep s;
	struct share_result r;
	struct blobfs b;
	struct fx fx;
	long base;

	ASSERT_OK(pipe2(hold, O_CLOEXEC));
	ASSERT_OK(pipe2(arep, O_CLOEXEC));
	ASSERT_OK(pipe2(ago, O_CLOEXEC));
	ASSERT_OK(pipe2(brep, O_CLOEXEC));
	ASSERT_OK(pipe2(bgo, O_CLOEXEC));
	blob = stuck_start(&b, hold[0], &fx, &base, &s);
	{
		int fds[] = { hold[1], arep[0], arep[1], ago[0], ago[1],
			      brep[0], brep[1], bgo[0], bgo[1] };
		int nfds = (int)(sizeof(fds) / sizeof(fds[0]));

		pb = share_fork(&b, brep[1], bgo[0], fds, nfds);
		if (pb == 0)
			share_victim(&fx, brep[1], bgo[0]);
		ASSERT_EQ(expect_byte(brep[0]), 'r');
		/* Each posts its WRITE before the next starts. */
		for (i = 0; i < SHARE_CTXS; i++) {
			pa[i] = share_fork(&b, arep[1], ago[0], fds, nfds);
			if (pa[i] == 0)
				attacker(&fx, USER_A, blob, 65536, arep[1],
					 ago[0]);
			ASSERT_EQ(expect_byte(arep[0]), 'p');
		}
	}
	close(arep[1]);
	close(ago[0]);
	close(brep[1]);
	close(bgo[0]);
	/* Time for the watchdog to go through every blocked context. */
	msleep(100 * (SHARE_CTXS + 3));
	n = fx_nic_threads(fx.pid);
	ASSERT_EQ(write(bgo[1], "g", 1), 1);
	ASSERT_EQ(read(brep[0], &r, sizeof(r)), (ssize_t)sizeof(r));
	printf("# user B: %d round trips in %.1f s beside %d blocked contexts of user A (%ld), the slowest %.1f ms; %d NIC threads\n",
	       r.rounds, SHARE_RUN_S, SHARE_CTXS, r.ret, r.worst_ms, n);
	/* Released before any verdict, so that the daemon can stop. */
	for (i = 0; i < 4; i++)
		ASSERT_EQ(write(hold[1], release, sizeof(release)),
			  (ssize_t)sizeof(release));
	close(hold[1]);
	for (i = 0; i < SHARE_CTXS; i++)
		ASSERT_EQ(write(ago[1], "g", 1), 1);
	for (i = 0; i < SHARE_CTXS; i++)
		ASSERT_EQ(expect_byte(arep[0]), '0');
	for (i = 0; i < SHARE_CTXS; i++) {
		ASSERT_EQ(waitpid(pa[i], &status, 0), pa[i]);
		ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	ASSERT_EQ(waitpid(pb, &status, 0), pb);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	if (r.ret || r.worst_ms >= SHARE_ROUND_MS || r.rounds < 10)
		harness_fail(__FILE__, __LINE__,
			     "user B: %d round trips (%ld), the slowest %.0f ms, beside user A's blocked copies",
			     r.rounds, r.ret, r.worst_ms);
	/* One thread lost to A and its replacement: A's share, no more. */
	ASSERT_EQ(n, 2);
	for (i = 0; i < 200 && fx_nic_threads(fx.pid) != 1; i++)
		msleep(10);
	ASSERT_EQ(fx_nic_threads(fx.pid), 1);
	ASSERT_OK(loop_round(&s, 2000, 5000));
	fx_ep_down(&s);
	close(arep[0]);
	close(ago[1]);
	close(brep[0]);
	close(bgo[1]);
	close(blob);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
	blobfs_stop(&b);
	close(hold[0]);
}
