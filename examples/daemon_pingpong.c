// SPDX-License-Identifier: MIT
/*
 * Two processes talking RDMA through ioverbsd: this one and a child it
 * forks each open MOUNT/DEV, make a context, PD, MR, CQ and RC QP, and
 * hand the soft device shared queues for them; they swap LID, QPN, rkey
 * and buffer address over a pipe (what a real program does over TCP),
 * connect, and then
 *   - bounce a message ROUNDS times (posts and polls on shared memory,
 *     no command per message),
 *   - this process RDMA WRITEs 64 KiB into the child's buffer, which the
 *     child checks without having done anything to receive it.
 * Prints the round-trip time.  The daemon must be running:
 *
 *	ioverbsd -f --mode=0666 MOUNT &
 *	daemon_pingpong MOUNT [DEV [ROUNDS]]	(DEV: uverbs0)
 */
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/reason.h>
#include <ioverbs/verbs.h>

#define MSG 64
#define BIG 65536

struct card {
	u16 lid;
	u32 qpn, rkey;
	u64 addr;
};

static const char *prog = "daemon_pingpong";

static void fail(const char *who, const char *what, long err)
{
	fprintf(stderr, "%s (%s): %s: %s\n", prog, who, what,
		strerror((int)-err));
	exit(1);
}

/* A command of @v failed: the errno and the device's reason (Rule 23). */
static void fail_cmd(const char *who, const char *what, long err,
		     struct ioverbs_client *v)
{
	char why[IOVERBS_REASON_MAX];

	if (ioverbs_reason_get(v, why, sizeof(why)) <= 0)
		fail(who, what, err);
	fprintf(stderr, "%s (%s): %s: %s (%s)\n", prog, who, what,
		strerror((int)-err), why);
	exit(1);
}

#define TRY(who, what, v, expr)                           \
	do {                                              \
		long _e = (expr);                         \
		if (_e)                                   \
			fail_cmd((who), (what), _e, (v)); \
	} while (0)

/* Sets up a side on @path and swaps cards over the pipes. */
static void side_up(struct ioverbs_ep *s, const char *who, const char *path,
		    int rfd, int wfd, struct card *peer)
{
	struct ioverbs_ep p = { 0 };
	struct card me;
	int fd = open(path, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		fail(who, path, -errno);
	memset(s, 0, sizeof(*s));
	ioverbs_client_init_fd(&s->v, fd);
	TRY(who, "set up (context, PD, MR, CQ, QP, shared queues)", &s->v,
	    ioverbs_ep_open(s, 2 * BIG, true));
	me = (struct card){ s->lid, s->qpn, s->rkey, (uintptr_t)s->buf };
	if (write(wfd, &me, sizeof(me)) != sizeof(me) ||
	    read(rfd, peer, sizeof(*peer)) != sizeof(*peer))
		fail(who, "swapping cards", -EPIPE);
	p.lid = peer->lid;
	p.qpn = peer->qpn;
	TRY(who, "connect", &s->v, ioverbs_ep_connect(s, &p, 7));
}

static void expect(struct ioverbs_ep *s, const char *who, u32 opcode)
{
	struct ib_uverbs_wc wc;

	TRY(who, "poll", &s->v, ioverbs_ep_poll(s, &wc, 10000));
	if (wc.status || wc.opcode != opcode) {
		fprintf(stderr, "%s (%s): completion status %u opcode %u\n",
			prog, who, wc.status, wc.opcode);
		exit(1);
	}
}

/*
 * A send's completion and the next receive's, in either order: a reply
 * may land before the send's own completion is written, as on RC
 * hardware (completions of two queues are not ordered).
 */
static void expect_both(struct ioverbs_ep *s, const char *who)
{
	struct ib_uverbs_wc wc;
	bool sent = false, got = false;

	while (!sent || !got) {
		TRY(who, "poll", &s->v, ioverbs_ep_poll(s, &wc, 10000));
		if (wc.status) {
			fprintf(stderr, "%s (%s): completion status %u\n",
				prog, who, wc.status);
			exit(1);
		}
		if (wc.opcode == IB_UVERBS_WC_SEND)
			sent = true;
		else if (wc.opcode == IB_UVERBS_WC_RECV)
			got = true;
	}
}

static void send_msg(struct ioverbs_ep *s, const char *who, u64 id)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)s->buf,
				     .length = MSG, .lkey = s->lkey };

	TRY(who, "post send", &s->v, ioverbs_ep_post_send(s, &wr, &sge));
}

static void child(const char *path, int rounds, int rfd, int wfd)
{
	struct ioverbs_ep s;
	struct card peer;
	int i;
	char c;

	side_up(&s, "child", path, rfd, wfd, &peer);
	TRY("child", "post recv", &s.v,
	    ioverbs_ep_post_recv(&s, 0, BIG, MSG));
	expect(&s, "child", IB_UVERBS_WC_RECV);
	for (i = 0; i < rounds; i++) {
		if (i + 1 < rounds)
			TRY("child", "post recv", &s.v,
			    ioverbs_ep_post_recv(&s, 0, BIG, MSG));
		memcpy(s.buf, s.buf + BIG, MSG);	/* echo it */
		send_msg(&s, "child", i);
		/* Our echo's completion, and the next ping. */
		if (i + 1 < rounds)
			expect_both(&s, "child");
		else
			expect(&s, "child", IB_UVERBS_WC_SEND);
	}
	/* Wait for the parent's RDMA WRITE, then check it. */
	if (read(rfd, &c, 1) != 1)
		fail("child", "waiting for the write", -EPIPE);
	for (i = 0; i < BIG; i++)
		if (s.buf[BIG + i] != (u8)(i * 13))
			fail("child", "the written bytes", -EIO);
	printf("child: 64 KiB RDMA WRITE landed, checked\n");
	ioverbs_ep_close(&s);
	exit(0);
}

int main(int argc, char **argv)
{
	int rounds = argc > 3 ? atoi(argv[3]) : 1000;
	int to_child[2], from_child[2], i, status;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 7, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct timespec t0, t1;
	struct ib_uverbs_sge sge;
	struct ioverbs_ep s;
	struct card peer;
	char path[512];
	double us;
	pid_t p;

	if (argc < 2 || rounds < 1) {
		fprintf(stderr, "usage: %s MOUNT [DEV [ROUNDS]]\n", prog);
		return 2;
	}
	snprintf(path, sizeof(path), "%s/%s", argv[1],
		 argc > 2 ? argv[2] : "uverbs0");
	if (pipe(to_child) || pipe(from_child))
		fail("parent", "pipe", -errno);
	fflush(stdout);
	p = fork();
	if (p < 0)
		fail("parent", "fork", -errno);
	if (p == 0) {
		close(to_child[1]);
		close(from_child[0]);
		child(path, rounds, to_child[0], from_child[1]);
	}
	close(to_child[0]);
	close(from_child[1]);
	side_up(&s, "parent", path, from_child[0], to_child[1], &peer);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (i = 0; i < rounds; i++) {
		TRY("parent", "post recv", &s.v,
		    ioverbs_ep_post_recv(&s, 0, BIG, MSG));
		snprintf((char *)s.buf, MSG, "ping %d", i);
		send_msg(&s, "parent", i);
		expect_both(&s, "parent");
		if (strcmp((char *)s.buf + BIG, (char *)s.buf))
			fail("parent", "the echo", -EIO);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	us = ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
	      (double)(t1.tv_nsec - t0.tv_nsec)) / 1e3 / rounds;
	printf("parent: %d round trips between two processes, %.1f us each\n",
	       rounds, us);

	for (i = 0; i < BIG; i++)
		s.buf[i] = (u8)(i * 13);
	wr.wr.rdma.remote_addr = peer.addr + BIG;
	wr.wr.rdma.rkey = peer.rkey;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)s.buf, .length = BIG,
				      .lkey = s.lkey };
	TRY("parent", "post RDMA WRITE", &s.v,
	    ioverbs_ep_post_send(&s, &wr, &sge));
	expect(&s, "parent", IB_UVERBS_WC_RDMA_WRITE);
	if (write(to_child[1], "w", 1) != 1)
		fail("parent", "telling the child", -EPIPE);
	if (waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		fail("parent", "the child failed", -EIO);
	ioverbs_ep_close(&s);
	close(s.v.fd);
	printf("parent: done\n");
	return 0;
}
