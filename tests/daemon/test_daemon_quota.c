// SPDX-License-Identifier: MIT
/*
 * Quotas against a hostile client: an unprivileged user (a child that
 * drops to an unused uid) creates objects until it is refused, and gets
 * EDQUOT with a reason that names the quota while another user still
 * creates; a QP with huge queues is refused by the queue-memory quota;
 * registered memory beyond the registrant's RLIMIT_MEMLOCK is refused
 * with ENOMEM (root's CAP_IPC_LOCK passes); the device's advertised
 * limits stay the device's; and once the attacker is gone (closed or
 * SIGKILLed, or its device removed) its usage is back to zero in
 * `ctl list`.
 */
#include <grp.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

/* Users no one has; the tests run as root and drop to them. */
#define UID_A 60991
#define UID_B 60992

/* A client in a child process, run as @uid (0: stay root). */
struct child {
	pid_t pid;
	int rd;		/* the child's reports */
	int wr;		/* tells it to go on */
};

typedef int (*child_fn)(struct fx *fx, struct child *self);

/* In the child: one report byte to the parent. */
static void report(struct child *self, u8 v)
{
	if (write(self->wr, &v, 1) != 1)
		_exit(90);
}

/* In the child: waits for the parent's go-ahead. */
static void wait_parent(struct child *self)
{
	u8 v;

	if (read(self->rd, &v, 1) != 1)
		_exit(0); /* the parent is gone */
}

static void child_start(struct child *c, struct fx *fx, uid_t uid,
			rlim_t memlock, child_fn fn)
{
	int up[2], down[2];
	struct child self;

	ASSERT_OK(pipe(up) ? -errno : 0);
	ASSERT_OK(pipe(down) ? -errno : 0);
	fflush(stdout);
	fflush(stderr);
	c->pid = fork();
	ASSERT_TRUE(c->pid >= 0);
	if (c->pid == 0) {
		struct rlimit rl = { memlock, memlock };

		close(up[0]);
		close(down[1]);
		self.rd = down[0];
		self.wr = up[1];
		if (memlock != RLIM_INFINITY && setrlimit(RLIMIT_MEMLOCK, &rl))
			_exit(98);
		if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
			_exit(99);
		_exit(fn(fx, &self));
	}
	close(up[1]);
	close(down[0]);
	c->rd = up[0];
	c->wr = down[1];
}

/* The child's next report byte. */
static int child_report(struct child *c)
{
	u8 v;

	return read(c->rd, &v, 1) == 1 ? v : -1;
}

static void child_go(struct child *c)
{
	ASSERT_EQ(write(c->wr, "g", 1), 1);
}

/* Lets the child finish; returns its exit status. */
static int child_end(struct child *c)
{
	int status;

	close(c->wr);
	ASSERT_EQ(waitpid(c->pid, &status, 0), c->pid);
	close(c->rd);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 200;
}

/* The "user UID ..." line of ctl list, or "" if there is none. */
static void user_line(struct fx *fx, uid_t uid, char *line, size_t size)
{
	static char out[1 << 16];
	char want[32], *p, *end;

	ASSERT_OK(fx_ctl(fx, "list", out, sizeof(out)));
	snprintf(want, sizeof(want), "\nuser %u ", (unsigned int)uid);
	line[0] = '\0';
	p = strstr(out, want);
	if (!p)
		return;
	p++;
	end = strchr(p, '\n');
	snprintf(line, size, "%.*s", (int)(end ? end - p : (long)strlen(p)), p);
}

/* Waits until @uid has no user line any more (all its files closed). */
static void wait_user_gone(struct fx *fx, uid_t uid)
{
	char line[512];
	int i;

	for (i = 0; i < 3000; i++) {
		user_line(fx, uid, line, sizeof(line));
		if (!line[0])
			return;
		usleep(10000);
	}
	harness_fail(__FILE__, __LINE__, "still listed: %s", line);
}

static void *page_buf(size_t len)
{
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	ASSERT_TRUE(p != MAP_FAILED);
	return p;
}

/*
 * The attacker: PDs, then one-page MRs, then CQs, each until refused.
 * Reports for each the number created (in units of 256, then the rest)
 * and whether the refusal was EDQUOT; then holds them until told to go.
 */
static int greedy(struct fx *fx, struct child *self)
{
	u8 *buf = page_buf(4096);
	u32 pd, h, n;
	long ret;
	int fd, kind;

	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0 || cl_get_context(fd) || cl_pd_alloc(fd, &pd))
		return 1;
	for (kind = 0; kind < 3; kind++) {
		struct ib_uverbs_mr_reg_resp mr;

		n = kind == 0 ? 1 : 0;	/* the PD above */
		for (;;) {
			if (kind == 0)
				ret = cl_pd_alloc(fd, &h);
			else if (kind == 1)
				ret = cl_mr_reg(fd, pd, buf, 4096, &h, &mr);
			else
				ret = cl_cq_create(fd, 1, &h);
			if (ret || n > 70000)
				break;
			n++;
		}
		report(self, (u8)(n / 256));
		report(self, (u8)(n % 256));
		report(self, ret == -EDQUOT);
	}
	wait_parent(self);
	close(fd);
	return 0;
}

/* Root, while the attacker holds its quota: everything still works. */
static void root_creates(struct fx *fx)
{
	static u8 buf[4096];
	struct ib_uverbs_query_device_resp dev;
	struct ib_uverbs_mr_reg_resp mr_resp;
	u32 pd, mr, cq, qp;
	int fd;

	fd = fx_open(fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_mr_reg(fd, pd, buf, sizeof(buf), &mr, &mr_resp));
	ASSERT_OK(cl_cq_create(fd, 8, &cq));
	ASSERT_OK(cl_qp_create(fd, pd, cq, &qp, NULL));
	/* The device's limits are the device's, quotas or not. */
	ASSERT_OK(cl_query_device(fd, &dev));
	ASSERT_EQ(dev.max_pd, SOFT_DEFAULT_MAX_PD);
	ASSERT_EQ(dev.max_mr, SOFT_DEFAULT_MAX_MR);
	ASSERT_EQ(dev.max_cq, SOFT_DEFAULT_MAX_CQ);
	close(fd);
}

TEST_TIMEOUT(daemon_quota_objects_per_user_by_default, 120)
{
	char line[512], want[256];
	struct child a;
	struct fx fx;
	int kind;

	/* The defaults: 1024 objects of each type per user. */
	fx_start(&fx, "--mode=0666", NULL);
	child_start(&a, &fx, UID_A, RLIM_INFINITY, greedy);
	for (kind = 0; kind < 3; kind++) {
		int hi = child_report(&a), lo = child_report(&a);

		ASSERT_EQ(hi * 256 + lo, 1024);
		ASSERT_EQ(child_report(&a), 1); /* EDQUOT */
	}
	snprintf(want, sizeof(want),
		 "-> EDQUOT: PD_ALLOC: attr HANDLE (id 0x0): quota: "
		 "uid %u holds 1024 PDs, limit 1024 per user "
		 "(--limit-objects)", UID_A);
	ASSERT_TRUE(fx_log_says(&fx, want));
	snprintf(want, sizeof(want),
		 "-> EDQUOT: MR_REG: attr HANDLE (id 0x0): quota: "
		 "uid %u holds 1024 MRs, limit 1024 per user",
		 UID_A);
	ASSERT_TRUE(fx_log_says(&fx, want));
	snprintf(want, sizeof(want),
		 "-> EDQUOT: CQ_CREATE: attr HANDLE (id 0x0): quota: "
		 "uid %u holds 1024 CQs, limit 1024 per user",
		 UID_A);
	ASSERT_TRUE(fx_log_says(&fx, want));

	/* ctl list: what the attacker holds. */
	user_line(&fx, UID_A, line, sizeof(line));
	snprintf(want, sizeof(want),
		 "user %u files 1 queue_mem %zu pinned %u pd 1024 mr 1024 "
		 "cq 1024", UID_A, 1024 * sizeof(struct ib_uverbs_wc),
		 1024 * 4096);
	if (strcmp(line, want))
		harness_fail(__FILE__, __LINE__, "ctl list: \"%s\", expected \"%s\"",
			     line, want);

	root_creates(&fx);

	/* Gone: its usage with it. */
	child_go(&a);
	ASSERT_EQ(child_end(&a), 0);
	wait_user_gone(&fx, UID_A);
	fx_stop(&fx);
}

/* Creates QPs with huge queues; reports the errno of each step. */
static int deep_queues(struct fx *fx, struct child *self)
{
	struct ib_uverbs_qp_cap cap = {
		.max_send_wr = 16384, .max_recv_wr = 16384,
		.max_send_sge = 32, .max_recv_sge = 32,
	}, got;
	struct ioverbs_client v;
	u32 pd, cq, qp, qpn;
	int fd;

	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0 || cl_get_context(fd) || cl_pd_alloc(fd, &pd) ||
	    cl_cq_create(fd, 16, &cq))
		return 1;
	ioverbs_client_init_fd(&v, fd);
	/* A small QP fits in the quota; a deep one does not. */
	if (cl_qp_create(fd, pd, cq, &qp, NULL))
		return 2;
	report(self, (u8)-ioverbs_qp_create(&v, IB_UVERBS_QPT_RC, pd, cq, &cap,
					   &qp, &qpn, &got));
	cap.max_recv_wr = cap.max_send_wr = 64;
	report(self, (u8)-ioverbs_qp_create(&v, IB_UVERBS_QPT_RC, pd, cq, &cap,
					   &qp, &qpn, &got));
	wait_parent(self);
	close(fd);
	return 0;
}

TEST(daemon_quota_queue_memory)
{
	char line[512], want[256];
	struct child a;
	struct fx fx;

	fx_start(&fx, "--mode=0666", "--limit-queue-mem=4M", NULL);
	child_start(&a, &fx, UID_A, RLIM_INFINITY, deep_queues);
	ASSERT_EQ(child_report(&a), EDQUOT);
	ASSERT_EQ(child_report(&a), 0);
	snprintf(want, sizeof(want), "uid %u holds ", UID_A);
	ASSERT_TRUE(fx_log_says(&fx, "-> EDQUOT: quota: "));
	ASSERT_TRUE(fx_log_says(&fx, " bytes of qp queues more; "));
	ASSERT_TRUE(fx_log_says(&fx, want));
	ASSERT_TRUE(fx_log_says(&fx, "limit 4194304 per user (--limit-queue-mem)"));
	user_line(&fx, UID_A, line, sizeof(line));
	ASSERT_TRUE(strstr(line, " qp 2") && !strstr(line, "queue_mem 0 "));

	/* Another user has its own quota. */
	root_creates(&fx);

	/* Device removal destroys the objects: nothing is held any more. */
	ASSERT_OK(fx_ctl(&fx, "remove uverbs0", line, sizeof(line)));
	user_line(&fx, UID_A, line, sizeof(line));
	snprintf(want, sizeof(want), "user %u files 1 queue_mem 0 pinned 0",
		 UID_A);
	if (strcmp(line, want))
		harness_fail(__FILE__, __LINE__, "ctl list: \"%s\", expected \"%s\"",
			     line, want);
	ASSERT_OK(fx_ctl(&fx, "add uverbs0", line, sizeof(line)));
	child_go(&a);
	ASSERT_EQ(child_end(&a), 0);
	wait_user_gone(&fx, UID_A);
	fx_stop(&fx);
}

/* Two files; PDs on each until refused; reports the counts. */
static int two_files(struct fx *fx, struct child *self)
{
	int fd[2], i, n;
	u32 pd;

	for (i = 0; i < 2; i++) {
		fd[i] = fx_open(fx, "uverbs0", O_RDWR);
		if (fd[i] < 0 || cl_get_context(fd[i]))
			return 1;
		for (n = 0; n < 100 && !cl_pd_alloc(fd[i], &pd); n++)
			;
		report(self, (u8)n);
		report(self, (u8)-cl_pd_alloc(fd[i], &pd));
	}
	wait_parent(self);
	return 0;
}

TEST(daemon_quota_per_file_then_per_user)
{
	char line[512], want[128];
	struct child a;
	struct fx fx;

	fx_start(&fx, "--mode=0666", "--limit-file-objects=pd:3",
		 "--limit-objects=pd:5", NULL);
	child_start(&a, &fx, UID_B, RLIM_INFINITY, two_files);
	/* The first file stops at its own limit, the second at the user's. */
	ASSERT_EQ(child_report(&a), 3);
	ASSERT_EQ(child_report(&a), EDQUOT);
	ASSERT_EQ(child_report(&a), 2);
	ASSERT_EQ(child_report(&a), EDQUOT);
	ASSERT_TRUE(fx_log_says(&fx, "-> EDQUOT: PD_ALLOC: attr HANDLE (id 0x0): "
				  "quota: this file holds 3 PDs, "
				  "limit 3 per file (--limit-file-objects)"));
	snprintf(want, sizeof(want),
		 "-> EDQUOT: PD_ALLOC: attr HANDLE (id 0x0): quota: "
		 "uid %u holds 5 PDs, limit 5 per user",
		 UID_B);
	ASSERT_TRUE(fx_log_says(&fx, want));
	user_line(&fx, UID_B, line, sizeof(line));
	snprintf(want, sizeof(want),
		 "user %u files 2 queue_mem 0 pinned 0 pd 5", UID_B);
	ASSERT_TRUE(!strcmp(line, want));

	/* Killed while holding: the kernel releases, the usage goes. */
	ASSERT_OK(kill(a.pid, SIGKILL) ? -errno : 0);
	ASSERT_EQ(child_end(&a), 200);
	wait_user_gone(&fx, UID_B);
	fx_stop(&fx);
}

/*
 * Registers 4 KiB pages until refused, through two files of the process
 * (the limit is the process's, as the kernel's pinned_vm); reports how
 * many and the errno; then one more after a DEREG.
 */
static int lock_pages(struct fx *fx, struct child *self)
{
	struct ib_uverbs_mr_reg_resp resp;
	u8 *buf = page_buf(64 * 4096);
	u32 pd[2], mr[64];
	int fd[2], i, n;
	long ret = 0;

	for (i = 0; i < 2; i++) {
		fd[i] = fx_open(fx, "uverbs0", O_RDWR);
		if (fd[i] < 0 || cl_get_context(fd[i]) ||
		    cl_pd_alloc(fd[i], &pd[i]))
			return 1;
	}
	for (n = 0; n < 64; n++) {
		ret = cl_mr_reg(fd[n % 2], pd[n % 2], buf + n * 4096, 4096,
				&mr[n], &resp);
		if (ret)
			break;
	}
	report(self, (u8)n);
	report(self, (u8)-ret);
	if (n < 64 && n > 1 && !cl_mr_dereg(fd[1], mr[1]))
		report(self, (u8)-cl_mr_reg(fd[1], pd[1], buf, 4096, &mr[1],
					   &resp));
	wait_parent(self);
	return 0;
}

TEST(daemon_quota_mr_bytes_against_rlimit_memlock)
{
	char want[160];
	struct child a;
	struct fx fx;
	int n;

	fx_start(&fx, "--mode=0666", NULL);
	/* 16 pages of RLIMIT_MEMLOCK, set by the process itself. */
	child_start(&a, &fx, UID_A, 16 * 4096, lock_pages);
	ASSERT_EQ(child_report(&a), 16);
	ASSERT_EQ(child_report(&a), ENOMEM);
	ASSERT_EQ(child_report(&a), 0); /* room again after a DEREG */
	snprintf(want, sizeof(want),
		 "-> ENOMEM: MR_REG: pid %d has 65536 bytes registered, 4096 "
		 "more pass its RLIMIT_MEMLOCK of 65536", (int)a.pid);
	ASSERT_TRUE(fx_log_says(&fx, want));
	child_go(&a);
	ASSERT_EQ(child_end(&a), 0);
	wait_user_gone(&fx, UID_A);

	/* Root has CAP_IPC_LOCK: the same limit does not stop it. */
	child_start(&a, &fx, 0, 16 * 4096, lock_pages);
	n = child_report(&a);
	ASSERT_EQ(n, 64);
	ASSERT_EQ(child_report(&a), 0);
	child_go(&a);
	ASSERT_EQ(child_end(&a), 0);
	wait_user_gone(&fx, 0);
	fx_stop(&fx);
}
