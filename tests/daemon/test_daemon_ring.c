// SPDX-License-Identifier: MIT
/*
 * The data path through the daemon, between processes: shared rings
 * (no command per operation), RC ping-pong, RDMA WRITE and READ and
 * atomics landing in a process that does nothing, two processes on two
 * devices, a storm of clients killed with SIGKILL while a pair keeps
 * working, and device removal in the middle of traffic.
 *
 * Helper processes report through their exit status (0: all checks
 * passed; otherwise the line that failed), never through the harness.
 */
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

/* What one side tells the other. */
struct peer_info {
	u16 lid;
	u32 qpn;
	u32 rkey;
	u64 addr;
};

static bool wire(int wfd, const void *p, size_t n)
{
	return write(wfd, p, n) == (ssize_t)n;
}

static bool unwire(int rfd, void *p, size_t n)
{
	return read(rfd, p, n) == (ssize_t)n;
}

/*
 * Opens @dev, sets up a side with rings, swaps peer_info over the pipes
 * and connects: 0 or -errno.
 */
static long side_up(struct fx *fx, struct ioverbs_ep *s, const char *dev,
		    int rfd, int wfd, struct peer_info *peer)
{
	struct peer_info me;
	struct ioverbs_ep p = { 0 };
	int fd = fx_open(fx, dev, O_RDWR);
	long ret;

	if (fd < 0)
		return fd;
	memset(s, 0, sizeof(*s));
	ioverbs_client_init_fd(&s->v, fd);
	ret = ioverbs_ep_open(s, 1 << 20, true);
	if (ret)
		return ret;
	me = (struct peer_info){ s->lid, s->qpn, s->rkey,
				 (uintptr_t)s->buf };
	if (!wire(wfd, &me, sizeof(me)) || !unwire(rfd, peer, sizeof(*peer)))
		return -EPIPE;
	p.lid = peer->lid;
	p.qpn = peer->qpn;
	return ioverbs_ep_connect(s, &p, 7);
}

static struct ib_uverbs_sge sge_at(struct ioverbs_ep *s, u64 off, u32 len)
{
	return (struct ib_uverbs_sge){ .addr = (uintptr_t)(s->buf + off),
				       .length = len, .lkey = s->lkey };
}

/* Answers @rounds messages, then checks what the peer wrote. */
static void ponger(struct fx *fx, const char *dev, int rfd, int wfd,
		   int rounds)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct peer_info peer;
	struct ioverbs_ep s;
	int i, got;
	char c;

	CHECK(side_up(fx, &s, dev, rfd, wfd, &peer) == 0);
	for (i = 0; i < rounds; i++)
		if (i < 32)
			CHECK(ioverbs_ep_post_recv(&s, i, 64 * (i % 32), 64) == 0);
	CHECK(wire(wfd, "r", 1));
	sge = sge_at(&s, 4096, 8);
	for (i = 0; i < rounds; i++) {
		for (got = 0; got < (i ? 2 : 1);) {
			CHECK(ioverbs_ep_poll(&s, &wc, 20000) == 0);
			CHECK(wc.status == IB_UVERBS_WC_SUCCESS);
			if (wc.opcode == IB_UVERBS_WC_RECV) {
				CHECK(wc.wr_id == (u64)i);
				memcpy(s.buf + 4096, s.buf + 64 * (i % 32), 8);
				if (i + 32 < rounds)
					CHECK(ioverbs_ep_post_recv(&s, i + 32,
								64 * (i % 32),
								64) == 0);
			}
			got++;
		}
		wr.wr_id = i;
		CHECK(ioverbs_ep_post_send(&s, &wr, &sge) == 0);
	}
	CHECK(ioverbs_ep_poll(&s, &wc, 20000) == 0);
	CHECK(wc.status == 0 && wc.opcode == IB_UVERBS_WC_SEND);
	/* The peer writes, reads and adds in our memory; we do nothing. */
	memcpy(s.buf + 65536, "read me", 7);
	*(u64 *)(s.buf + 8192) = 100;
	CHECK(wire(wfd, "w", 1));
	CHECK(unwire(rfd, &c, 1) && c == 'c');
	for (i = 0; i < 65536; i++)
		CHECK(s.buf[131072 + i] == (u8)(i * 7));
	CHECK(*(u64 *)(s.buf + 8192) == 100 + 5);
	CHECK(wire(wfd, "k", 1));
	ioverbs_ep_close(&s);
	_exit(0);
}

static pid_t spawn_ponger(struct fx *fx, const char *dev, int *rfd, int *wfd,
			  int rounds)
{
	int to_child[2], from_child[2];
	pid_t p;

	ASSERT_OK(pipe(to_child));
	ASSERT_OK(pipe(from_child));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(to_child[1]);
		close(from_child[0]);
		ponger(fx, dev, to_child[0], from_child[1], rounds);
	}
	close(to_child[0]);
	close(from_child[1]);
	*rfd = from_child[0];
	*wfd = to_child[1];
	return p;
}

static void expect_wc(struct ioverbs_ep *s, u64 wr_id, u32 opcode)
{
	struct ib_uverbs_wc wc;

	ASSERT_OK(ioverbs_ep_poll(s, &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, wr_id);
	ASSERT_EQ(wc.opcode, opcode);
}

/* Ping-pong, then one-sided operations into a passive process. */
static void two_processes(const char *my_dev, const char *peer_dev)
{
	enum { ROUNDS = 500 };
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct peer_info peer;
	struct ioverbs_ep s;
	struct fx fx;
	int rfd, wfd, i, got, status;
	long base;
	char c;
	pid_t p;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	p = spawn_ponger(&fx, peer_dev, &rfd, &wfd, ROUNDS);
	ASSERT_OK(side_up(&fx, &s, my_dev, rfd, wfd, &peer));
	ASSERT_TRUE(unwire(rfd, &c, 1) && c == 'r');
	for (i = 0; i < 32; i++)
		ASSERT_OK(ioverbs_ep_post_recv(&s, i, 64 * i, 64));
	for (i = 0; i < ROUNDS; i++) {
		*(u64 *)(s.buf + 8192) = 0x1000 + i;
		sge = sge_at(&s, 8192, 8);
		wr.wr_id = i;
		ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
		for (got = 0; got < 2; got++) {
			ASSERT_OK(ioverbs_ep_poll(&s, &wc, 20000));
			ASSERT_EQ(wc.status, 0);
			if (wc.opcode == IB_UVERBS_WC_RECV) {
				ASSERT_EQ(wc.wr_id, i);
				/* The echo of our message. */
				ASSERT_EQ(*(u64 *)(s.buf + 64 * (i % 32)),
					  0x1000 + i);
				if (i + 32 < ROUNDS)
					ASSERT_OK(ioverbs_ep_post_recv(
						&s, i + 32, 64 * (i % 32), 64));
			}
		}
	}
	ASSERT_TRUE(unwire(rfd, &c, 1) && c == 'w');

	/* 64 KiB RDMA WRITE into the passive peer. */
	for (i = 0; i < 65536; i++)
		s.buf[262144 + i] = (u8)(i * 7);
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 1000, .num_sge = 1,
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	wr.wr.rdma.remote_addr = peer.addr + 131072;
	wr.wr.rdma.rkey = peer.rkey;
	sge = sge_at(&s, 262144, 65536);
	ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	expect_wc(&s, 1000, IB_UVERBS_WC_RDMA_WRITE);
	/* RDMA READ from it. */
	wr.wr_id = 1001;
	wr.opcode = IB_UVERBS_WR_RDMA_READ;
	wr.wr.rdma.remote_addr = peer.addr + 65536;
	sge = sge_at(&s, 16384, 7);
	ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	expect_wc(&s, 1001, IB_UVERBS_WC_RDMA_READ);
	ASSERT_TRUE(!memcmp(s.buf + 16384, "read me", 7));
	/* FETCH_AND_ADD 5 on its counter: we get the old value. */
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 1002, .num_sge = 1,
		.opcode = IB_UVERBS_WR_ATOMIC_FETCH_AND_ADD,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	wr.wr.atomic.remote_addr = peer.addr + 8192;
	wr.wr.atomic.rkey = peer.rkey;
	wr.wr.atomic.compare_add = 5;
	sge = sge_at(&s, 24576, 8);
	ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	expect_wc(&s, 1002, IB_UVERBS_WC_FETCH_ADD);
	ASSERT_EQ(*(u64 *)(s.buf + 24576), 100);
	ASSERT_TRUE(wire(wfd, "c", 1));
	ASSERT_TRUE(unwire(rfd, &c, 1) && c == 'k');
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	ioverbs_ep_close(&s);
	close(s.v.fd);
	close(rfd);
	close(wfd);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

TEST_TIMEOUT(daemon_ring_two_processes, 120)
{
	two_processes("uverbs0", "uverbs0");
}

TEST_TIMEOUT(daemon_ring_two_processes_two_devices, 120)
{
	two_processes("uverbs0", "uverbs1");
}

/* A client looping SENDs to itself through its rings until killed. */
static void loopback_client(struct fx *fx, int wfd)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep s;
	u64 i;
	int fd = fx_open(fx, "uverbs0", O_RDWR);

	CHECK(fd >= 0);
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_fd(&s.v, fd);
	CHECK(ioverbs_ep_open(&s, 65536, true) == 0);
	CHECK(ioverbs_ep_connect(&s, &s, 7) == 0);
	/* The parent may not be listening: no SIGPIPE for that. */
	signal(SIGPIPE, SIG_IGN);
	if (!wire(wfd, "u", 1))
		fprintf(stderr, "child %d: nobody listens\n", getpid());
	sge = sge_at(&s, 0, 64);
	for (i = 0;; i++) {
		CHECK(ioverbs_ep_post_recv(&s, i, 1024, 64) == 0);
		wr.wr_id = i;
		CHECK(ioverbs_ep_post_send(&s, &wr, &sge) == 0);
		CHECK(ioverbs_ep_poll(&s, &wc, 20000) == 0);
		CHECK(wc.status == 0);
		CHECK(ioverbs_ep_poll(&s, &wc, 20000) == 0);
		CHECK(wc.status == 0);
	}
}

/*
 * 30 clients killed with SIGKILL at random points of their traffic, while
 * a pair of processes ping-pongs: the pair finishes, the daemon stays up,
 * and its object counts come back to where they were.
 */
TEST_TIMEOUT(daemon_ring_kill_storm, 300)
{
	struct fx fx;
	int rfd, wfd, i, status;
	struct ioverbs_ep s;
	struct peer_info peer;
	long base;
	char c;
	pid_t pair;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	srand((unsigned int)getpid());
	/* The survivors: a ponger and us, in the middle of the storm. */
	pair = spawn_ponger(&fx, "uverbs0", &rfd, &wfd, 300);
	ASSERT_OK(side_up(&fx, &s, "uverbs0", rfd, wfd, &peer));
	ASSERT_TRUE(unwire(rfd, &c, 1) && c == 'r');
	for (i = 0; i < 30; i++) {
		struct timespec ts = { 0, (rand() % 30) * 1000000L };
		struct ib_uverbs_send_wr wr = {
			.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
			.send_flags = IB_UVERBS_SEND_SIGNALED, .wr_id = i,
		};
		struct ib_uverbs_sge sge = sge_at(&s, 0, 8);
		struct ib_uverbs_wc wc;
		int pfd[2], j, got;
		pid_t p;

		ASSERT_OK(pipe(pfd));
		fflush(stdout);
		fflush(stderr);
		p = fork();
		if (p == 0) {
			close(pfd[0]);
			loopback_client(&fx, pfd[1]);
		}
		ASSERT_TRUE(p > 0);
		close(pfd[1]);
		/* Killed before, during or after its setup. */
		if (rand() % 3)
			ASSERT_EQ(read(pfd[0], &c, 1), 1);
		close(pfd[0]);
		nanosleep(&ts, NULL);
		ASSERT_OK(kill(p, SIGKILL));
		ASSERT_EQ(waitpid(p, &status, 0), p);
		if (!WIFSIGNALED(status) || WTERMSIG(status) != SIGKILL)
			harness_fail(__FILE__, __LINE__,
				     "victim %d: status 0x%x, not SIGKILL", i,
				     status);
		/* Ten survivor round trips per victim. */
		for (j = 0; j < 10; j++) {
			ASSERT_OK(ioverbs_ep_post_recv(&s, j, 64, 64));
			ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
			for (got = 0; got < 2; got++) {
				ASSERT_OK(ioverbs_ep_poll(&s, &wc, 20000));
				ASSERT_EQ(wc.status, 0);
			}
		}
	}
	ASSERT_TRUE(fx_alive(&fx));
	/* Let the ponger finish its checks (one-sided part skipped). */
	kill(pair, SIGKILL);
	waitpid(pair, &status, 0);
	ioverbs_ep_close(&s);
	close(s.v.fd);
	close(rfd);
	close(wfd);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}

/*
 * Device removal in the middle of traffic: the clients' next command
 * gets EIO, DEVICE_FATAL is theirs to read, DESTROY and close work, the
 * daemon frees everything, and the device comes back.
 */
TEST_TIMEOUT(daemon_ring_remove_device_mid_traffic, 120)
{
	struct ib_uverbs_async_event_desc ev;
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep s;
	char out[4096];
	struct fx fx;
	long base;
	int i, fd, n;
	u32 pd;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	fd = fx_open(&fx, "uverbs1", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_fd(&s.v, fd);
	ASSERT_OK(ioverbs_ep_open(&s, 65536, true));
	ASSERT_OK(ioverbs_ep_connect(&s, &s, 7));
	sge = sge_at(&s, 0, 64);
	/* Traffic in flight: sends queued behind missing receives too. */
	for (i = 0; i < 16; i++) {
		wr.wr_id = i;
		ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	}
	for (i = 0; i < 8; i++)
		ASSERT_OK(ioverbs_ep_post_recv(&s, 100 + i, 1024, 64));
	for (n = 0; n < 16; n++)
		ASSERT_OK(ioverbs_ep_poll(&s, &wc, 20000));
	ASSERT_OK(fx_ctl(&fx, "remove uverbs1", out, sizeof(out)));
	ASSERT_ERRNO(-EIO, ioverbs_pd_alloc(&s.v, &pd));
	ASSERT_OK(ioverbs_async_event_get(&s.v, &ev));
	ASSERT_EQ(ev.event_type, IB_UVERBS_EVENT_DEVICE_FATAL);
	/* Posting to the dead rings is harmless; nothing completes. */
	ASSERT_OK(ioverbs_ep_post_send(&s, &wr, &sge));
	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_ep_poll(&s, &wc, 200));
	/* DESTROY still succeeds (rule 20). */
	ioverbs_ep_close(&s);
	close(fd);
	/* The file gone, and with it what it held and the device. */
	for (i = 0; i < 1000 && fx_files_of(&fx, NULL, 0); i++)
		usleep(10000);
	ASSERT_EQ(fx_files_of(&fx, NULL, 0), 0);
	ASSERT_TRUE(fx_live_objects(&fx) < base);
	ASSERT_OK(fx_ctl(&fx, "add uverbs1", out, sizeof(out)));
	base = fx_live_objects_settled(&fx);
	fd = fx_open(&fx, "uverbs1", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	memset(&s, 0, sizeof(s));
	ioverbs_client_init_fd(&s.v, fd);
	ASSERT_OK(ioverbs_ep_open(&s, 65536, true));
	ioverbs_ep_close(&s);
	close(fd);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}
