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

/* Threads of @pid named soft-nic (the pool's). */
static int nic_threads(pid_t pid)
{
	char path[320], comm[32];
	struct dirent *d;
	int count = 0;
	DIR *dir;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	dir = opendir(path);
	ASSERT_TRUE(dir != NULL);
	while ((d = readdir(dir))) {
		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%s/comm", (int)pid,
			 d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		if (fgets(comm, sizeof(comm), f) &&
		    !strncmp(comm, "soft-nic", 8))
			count++;
		fclose(f);
	}
	closedir(dir);
	return count;
}

/*
 * The attacker: an MR over 1 MiB, the held file mapped over one page of
 * it, an RDMA WRITE from that page posted on its rings ('p' once
 * posted).  After a byte on @go it waits for the completion and reports
 * its status ('0' success, 's' another status, 't' none), puts its page
 * back and closes everything.
 */
static void attacker(struct fx *fx, const char *dir, int report, int go)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep a;
	char path[64], c;
	u8 *page;
	int blob;

	CHECK(!fx_become(ATTACKER_ID));
	signal(SIGPIPE, SIG_IGN);
	CHECK(fx_ep_up(fx, &a, 1 << 20) == 0);
	page = (u8 *)(((uintptr_t)a.buf + 4095) & ~(uintptr_t)4095);
	snprintf(path, sizeof(path), "%s/blob", dir);
	blob = open(path, O_RDWR);
	CHECK(blob >= 0);
	/* Registered memory replaced under the MR: no command sees it. */
	CHECK(mmap(page, BLOBFS_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED, blob, 0) == page);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)page,
				      .length = BLOBFS_SIZE, .lkey = a.lkey };
	wr.wr.rdma.remote_addr = (uintptr_t)page + 2 * BLOBFS_SIZE;
	wr.wr.rdma.rkey = a.rkey;
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
	close(blob);
	fx_ep_down(&a);
	_exit(0);
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
	int hold[2], rep[2], go[2], status, i, n;
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
	blobfs_start(&b, hold[0]);
	fx_start(&fx, "--mode=0666", "--nic-threads=1", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(fx_ep_up(&fx, &s, 65536));
	ASSERT_OK(loop_round(&s, 1000, 5000));

	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(rep[0]);
		close(go[1]);
		close(hold[1]);
		blobfs_forget(&b);
		attacker(&fx, b.dir, rep[1], go[0]);
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
	n = nic_threads(fx.pid);
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
	for (i = 0; i < 200 && nic_threads(fx.pid) != 1; i++)
		msleep(10);
	ASSERT_EQ(nic_threads(fx.pid), 1);
	ASSERT_OK(loop_round(&s, 2000, 5000));
	close(rep[0]);
	close(go[1]);
	fx_ep_down(&s);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
	blobfs_stop(&b);
	close(hold[0]);
}
