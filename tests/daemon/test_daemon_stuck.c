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
#define FUSE_USE_VERSION 35
#include <dirent.h>
#include <fuse_lowlevel.h>
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

#include "fixture.h"

#define ATTACKER_ID 54327
/* The ping-pong's round trips, and the time they have. */
#define ROUNDS 50
#define DEADLINE_S 5.0

/* --- a file system with one file whose reads the test holds ----------- */

#define BLOB_INO 2
#define BLOB_SIZE 4096

static int hold_fd;	/* a read end: EOF releases every held read */

static void blob_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
		st->st_size = BLOB_SIZE;
	}
}

static void blob_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };

	if (parent != FUSE_ROOT_ID || strcmp(name, "blob")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = BLOB_INO;
	blob_stat(BLOB_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void blob_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;

	blob_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void blob_open(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

/* Holds each read until the test writes a byte to the hold pipe; 0x5a. */
static void blob_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	static char data[BLOB_SIZE];
	char c;

	if (read(hold_fd, &c, 1) != 1)
		c = 0;
	memset(data, 0x5a, sizeof(data));
	if (off >= BLOB_SIZE)
		size = 0;
	else if (size > (size_t)(BLOB_SIZE - off))
		size = (size_t)(BLOB_SIZE - off);
	fuse_reply_buf(req, data, size);
}

static const struct fuse_lowlevel_ops blob_ops = {
	.lookup = blob_lookup,
	.getattr = blob_getattr,
	.open = blob_open,
	.read = blob_read,
};

static void *blob_loop(void *se)
{
	fuse_session_loop(se);
	return NULL;
}

/* /dev/fuse is root's here: the test's root side serves it, allow_other. */
struct blobfs {
	char dir[32];
	struct fuse_session *se;
	pthread_t loop;
};

static void blobfs_start(struct blobfs *b, int hold)
{
	char *argv[] = { "stuck-blobfs", "-o", "allow_other", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	hold_fd = hold;
	snprintf(b->dir, sizeof(b->dir), "/tmp/ioverbs-stuck.XXXXXX");
	ASSERT_TRUE(mkdtemp(b->dir) != NULL);
	ASSERT_OK(chmod(b->dir, 0755));
	b->se = fuse_session_new(&args, &blob_ops, sizeof(blob_ops), NULL);
	ASSERT_TRUE(b->se != NULL);
	ASSERT_OK(fuse_session_mount(b->se, b->dir));
	ASSERT_OK(pthread_create(&b->loop, NULL, blob_loop, b->se));
}

static void blobfs_stop(struct blobfs *b)
{
	fuse_session_exit(b->se);
	fuse_session_unmount(b->se);
	pthread_join(b->loop, NULL);
	fuse_session_destroy(b->se);
	rmdir(b->dir);
}

/* --- the clients ---------------------------------------------------------- */

/* A context with rings and an RC QP connected to itself: 0 or -errno. */
static long ep_up(struct fx *fx, struct ioverbs_ep *s, size_t len)
{
	int fd = fx_open(fx, "uverbs0", O_RDWR);
	long ret;

	if (fd < 0)
		return fd;
	memset(s, 0, sizeof(*s));
	ioverbs_client_fd(&s->v, fd);
	ret = ioverbs_ep_open(s, len, true);
	if (!ret)
		ret = ioverbs_ep_connect(s, s, 7);
	return ret;
}

static void ep_down(struct ioverbs_ep *s)
{
	ioverbs_ep_close(s);
	close(s->v.fd);
}

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
	CHECK(ep_up(fx, &a, 1 << 20) == 0);
	page = (u8 *)(((uintptr_t)a.buf + 4095) & ~(uintptr_t)4095);
	snprintf(path, sizeof(path), "%s/blob", dir);
	blob = open(path, O_RDWR);
	CHECK(blob >= 0);
	/* Registered memory replaced under the MR: no command sees it. */
	CHECK(mmap(page, BLOB_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_FIXED, blob, 0) == page);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)page,
				      .length = BLOB_SIZE, .lkey = a.lkey };
	wr.wr.rdma.remote_addr = (uintptr_t)page + 2 * BLOB_SIZE;
	wr.wr.rdma.rkey = a.rkey;
	CHECK(ioverbs_ep_post_send(&a, &wr, &sge) == 0);
	CHECK(write(report, "p", 1) == 1);
	CHECK(read(go, &c, 1) == 1);
	if (ioverbs_ep_poll(&a, &wc, 20000))
		c = 't';
	else
		c = wc.status ? 's' : '0';
	if (c == '0')
		CHECK(page[2 * BLOB_SIZE] == 0x5a &&
		      page[3 * BLOB_SIZE - 1] == 0x5a);
	CHECK(write(report, &c, 1) == 1);
	CHECK(mmap(page, BLOB_SIZE, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0) == page);
	close(blob);
	ep_down(&a);
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
	ASSERT_OK(ep_up(&fx, &s, 65536));
	ASSERT_OK(loop_round(&s, 1000, 5000));

	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(rep[0]);
		close(go[1]);
		close(hold[1]);
		/* Dead, the test's side aborts the file system. */
		close(fuse_session_fd(b.se));
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
	ep_down(&s);
	fx_wait_released(&fx, 0, base);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
	blobfs_stop(&b);
	close(hold[0]);
}
