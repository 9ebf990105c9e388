// SPDX-License-Identifier: MIT
/*
 * No client can hold the daemon's thread from the others:
 *
 * - an unprivileged client whose command's buffer lies on a FUSE file
 *   system whose reads are held: the daemon's copy waits as long as the
 *   file system likes, and meanwhile other clients' commands,
 *   opens and closes, and control commands are served within 100 ms;
 * - one POST_SEND of an RDMA READ of 1 GiB: other clients' commands are
 *   served while it copies;
 * - a shared-queue "memfd" that is a file of the daemon's own mount (the
 *   client's device file, an event file): refused with EINVAL at once,
 *   where closing it would have sent the daemon a FLUSH to itself.
 *
 * Each fails against a daemon that runs every command on its FUSE loop's
 * one thread (the first two by their 100 ms bounds or their time limit,
 * the third by hanging the daemon).
 */
#include <grp.h>
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

#include "blobfs.h"
#include "fixture.h"

#define ATTACKER_ID 54323
/* What "served" means while another client stalls. */
#define SERVED_MS 100

/*
 * The attacker, as an unprivileged user: points QUERY_PORT's response at
 * a private mapping of the held file, and sends it.  Reports 'r' when
 * about to send, then '0' (or 'e') when the command returned.
 */
static void fuse_attacker(struct fx *fx, const char *dir, int report)
{
	struct ib_uverbs_query_port_resp *resp;
	struct ioverbs_cmd c;
	char path[64];
	int blob, fd;
	u8 port = 1;
	long ret;

	CHECK(!fx_become(ATTACKER_ID));
	snprintf(path, sizeof(path), "%s/blob", dir);
	blob = open(path, O_RDWR);
	CHECK(blob >= 0);
	resp = mmap(NULL, BLOBFS_SIZE, PROT_READ | PROT_WRITE, MAP_PRIVATE, blob,
		    0);
	CHECK(resp != MAP_FAILED);
	fd = fx_open(fx, "uverbs0", O_RDWR);
	CHECK(fd >= 0);
	CHECK(!cl_get_context(fd));
	CHECK(write(report, "r", 1) == 1);
	ioverbs_port_query_prep(cl_builder(), &c, &port, resp);
	ret = cl_exec(fd, &c);
	CHECK(write(report, ret ? "e" : "0", 1) == 1);
	close(fd);
	munmap(resp, BLOBFS_SIZE);
	close(blob);
	_exit(0);
}

/* --- the other clients ---------------------------------------------------- */

static bool reported(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };

	return poll(&p, 1, 0) > 0;
}

/* Milliseconds that @what took. */
#define TIMED_MS(what)                                                    \
	({                                                                \
		double _t0 = now_s();                                     \
		what;                                                     \
		(now_s() - _t0) * 1000.0;                                 \
	})

/*
 * What a second client does while another stalls: open a file, a
 * context, commands from its stack and from a command window, a PD, a
 * close, a control command.  Each must be served within SERVED_MS.
 */
static void others_are_served(struct fx *fx)
{
	struct ib_uverbs_query_port_resp port;
	struct win {
		struct ib_uverbs_query_port_resp resp;
		u8 port;
		struct ioverbs_cmd c;	/* variable-sized: last */
	} *w;
	char out[4096];
	double ms;
	int fd;
	u32 pd;

	ms = TIMED_MS(fd = fx_open(fx, "uverbs1", O_RDWR));
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(ms < SERVED_MS);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(cl_get_context(fd))) < SERVED_MS);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(cl_query_port(fd, 1, &port))) <
		    SERVED_MS);
	ASSERT_TRUE(port.lid != 0);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(cl_pd_alloc(fd, &pd))) < SERVED_MS);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(cl_pd_dealloc(fd, pd))) < SERVED_MS);
	w = ioverbs_cmd_window_alloc(4096);
	ASSERT_TRUE(w != NULL);
	w->port = 1;
	ioverbs_port_query_prep(cl_builder(), &w->c, &w->port, &w->resp);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(cl_exec(fd, &w->c))) < SERVED_MS);
	ASSERT_EQ(w->resp.lid, port.lid);
	ioverbs_cmd_window_free(w, 4096);
	ASSERT_TRUE(TIMED_MS(close(fd)) < SERVED_MS);
	ASSERT_TRUE(TIMED_MS(ASSERT_OK(fx_ctl(fx, "list", out,
					      sizeof(out)))) < SERVED_MS);
}

/* A daemon, the held file system and fuse_attacker() in a child. */
struct attack {
	struct fx fx;
	struct blobfs b;
	int hold[2], report[2];
	long base;
	pid_t p;
};

/*
 * Starts @t's daemon and held file system and forks the attacker (with
 * @sa for SIGUSR1 if not NULL); returns once it reported 'r', about to
 * send its command.
 */
static void attack_start(struct attack *t, struct sigaction *sa)
{
	char c = 0;

	fx_start(&t->fx, "--mode=0666", NULL);
	t->base = fx_live_objects(&t->fx);
	ASSERT_OK(pipe(t->hold));
	ASSERT_OK(pipe(t->report));
	blobfs_start(&t->b, t->hold[0]);
	fflush(stdout);
	fflush(stderr);
	t->p = fork();
	ASSERT_TRUE(t->p >= 0);
	if (t->p == 0) {
		close(t->hold[1]);
		close(t->report[0]);
		blobfs_forget(&t->b);
		if (sa) {
			sigemptyset(&sa->sa_mask);
			CHECK(!sigaction(SIGUSR1, sa, NULL));
		}
		fuse_attacker(&t->fx, t->b.dir, t->report[1]);
	}
	close(t->report[1]);
	ASSERT_EQ(read(t->report[0], &c, 1), 1);
	ASSERT_EQ(c, 'r');
}

/*
 * Releases the held file system: the attacker's command completes ('0',
 * exit 0), and nothing of it is left; stops the daemon.
 */
static void attack_end(struct attack *t)
{
	int status;
	char c = 0;

	ASSERT_EQ(write(t->hold[1], "x", 1), 1);
	ASSERT_EQ(read(t->report[0], &c, 1), 1);
	ASSERT_EQ(c, '0');
	ASSERT_EQ(waitpid(t->p, &status, 0), t->p);
	ASSERT_EQ(status, 0);
	close(t->hold[1]);
	close(t->report[0]);
	blobfs_stop(&t->b);
	close(t->hold[0]);
	fx_wait_released(&t->fx, t->p, t->base);
	fx_stop(&t->fx);
}

TEST_TIMEOUT(daemon_stall_client_memory_on_its_fuse, 120)
{
	struct attack t;

	attack_start(&t, NULL);
	/* Its command is now in the daemon, waiting on the attacker's read. */
	msleep(300);
	ASSERT_TRUE(!reported(t.report[0]));
	others_are_served(&t.fx);
	ASSERT_TRUE(!reported(t.report[0]));
	/* Released: the attacker's command completes, nothing is left. */
	attack_end(&t);
}

static volatile sig_atomic_t attacker_signals;

static void attacker_on_usr1(int sig)
{
	(void)sig;
	attacker_signals++;
}

/*
 * A command the daemon holds (its buffer on the held file system) while
 * its caller is stopped and continued and gets a handled signal (no
 * SA_RESTART): as a kernel's uverbs ioctl, which sleeps in no
 * interruptible wait, it completes with its answer, not EINTR; the
 * handler runs once the command returns.  The kernel sends the daemon
 * FUSE_INTERRUPT for it and waits on: the daemon never answers a command
 * EINTR (it registers no interrupt callback but for event-file reads).
 */
TEST_TIMEOUT(daemon_stall_interrupted_command_completes, 120)
{
	struct sigaction sa = { .sa_handler = attacker_on_usr1 };
	struct attack t;

	attack_start(&t, &sa);
	msleep(300);
	ASSERT_OK(kill(t.p, SIGSTOP));
	msleep(100);
	ASSERT_OK(kill(t.p, SIGCONT));
	ASSERT_OK(kill(t.p, SIGUSR1));
	msleep(300);
	/* Still held: nothing answered it. */
	ASSERT_TRUE(!reported(t.report[0]));
	attack_end(&t);
}

/*
 * One command that moves 1 GiB (an RDMA READ posted through a command,
 * which the device runs in the poster's command): while it copies, the
 * other clients are served.
 */
#define BIG_LEN (1ul << 30)

static void big_reader(struct fx *fx, int report)
{
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_mr_reg_resp mr;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1,
		.num_sge = 1,
		.opcode = IB_UVERBS_WR_RDMA_READ,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ioverbs_cmd c;
	u32 pd, mrh, cq, qp, qpn, bad;
	u8 *buf;
	int fd;

	buf = mmap(NULL, 2 * BIG_LEN, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	CHECK(buf != MAP_FAILED);
	fd = fx_open(fx, "uverbs0", O_RDWR);
	CHECK(fd >= 0);
	CHECK(!cl_get_context(fd) && !cl_query_port(fd, 1, &port));
	CHECK(!cl_pd_alloc(fd, &pd));
	CHECK(!cl_mr_reg(fd, pd, buf, 2 * BIG_LEN, &mrh, &mr));
	CHECK(!cl_cq_create(fd, 4, &cq));
	CHECK(!cl_qp_create(fd, pd, cq, &qp, &qpn));
	CHECK(!cl_qp_connect_rc(fd, qp, port.lid, qpn));
	wr.wr.rdma.remote_addr = (uintptr_t)buf;
	wr.wr.rdma.rkey = mr.rkey;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)(buf + BIG_LEN),
				      .length = (u32)BIG_LEN,
				      .lkey = mr.lkey };
	ioverbs_qp_post_send_prep(cl_builder(), &c, qp, &wr, 1, &sge, 1, &bad);
	CHECK(write(report, "r", 1) == 1);
	CHECK(!cl_exec(fd, &c));
	CHECK(write(report, "0", 1) == 1);
	close(fd);
	munmap(buf, 2 * BIG_LEN);
	_exit(0);
}

TEST_TIMEOUT(daemon_stall_one_big_command, 180)
{
	long base;
	int report[2], status;
	struct fx fx;
	char c = 0;
	pid_t p;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(pipe(report));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		close(report[0]);
		big_reader(&fx, report[1]);
	}
	close(report[1]);
	ASSERT_EQ(read(report[0], &c, 1), 1);
	ASSERT_EQ(c, 'r');
	msleep(50);
	others_are_served(&fx);
	/*
	 * 1 GiB through the device takes seconds here; had it finished
	 * before the others were served, this test would show nothing.
	 */
	ASSERT_TRUE(!reported(report[0]));
	ASSERT_EQ(read(report[0], &c, 1), 1);
	ASSERT_EQ(c, '0');
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_EQ(status, 0);
	close(report[0]);
	fx_wait_released(&fx, p, base);
	fx_stop(&fx);
}

/*
 * Files of the daemon's own mount as a shared queue's memfd: EINVAL at
 * once, and the daemon serves on.
 */
TEST(daemon_stall_attach_a_file_of_the_mount)
{
	char path[160], out[4096];
	struct fx fx;
	int fd, ev;
	u32 cq;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_cq_create(fd, 4, &cq));
	/* The device file itself. */
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_attach(fd, -1, (int)cq,
						   ioverbs_fd_ioctl, &fd));
	/* An event file of the mount. */
	snprintf(path, sizeof(path), "%s/events/stall-%d", fx.mnt,
		 (int)getpid());
	ev = open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	ASSERT_TRUE(ev >= 0);
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_attach(ev, -1, (int)cq,
						   ioverbs_fd_ioctl, &fd));
	/* Not a descriptor at all. */
	ASSERT_ERRNO(-EBADF, ioverbs_sring_attach(100000, -1, (int)cq,
						  ioverbs_fd_ioctl, &fd));
	ASSERT_OK(fx_ctl(&fx, "list", out, sizeof(out)));
	ASSERT_OK(cl_cq_destroy(fd, cq));
	close(ev);
	close(fd);
	fx_stop(&fx);
}
