// SPDX-License-Identifier: MIT
/*
 * Isolation between the users of one daemon: a user who may open only
 * uverbs1 cannot reach a QP of root's on uverbs0 through the fabric the
 * devices share (not even knowing its LID, QPN and rkey), and
 * SOFT_VENDOR_INJECT is refused (EPERM) unless the daemon was started
 * with --test-hooks.  Also --pkeys, read back through QUERY_PKEY.  The
 * attacks run in a child that drops to an unused uid and gid.
 */
#include <grp.h>
#include <pwd.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

static int open_ok(struct fx *fx, const char *name)
{
	int fd = fx_open(fx, name, O_RDWR);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", name,
			     errno_name(fd));
	return fd;
}

/* A uid (and gid of the same number) that names nobody on this machine. */
static uid_t unused_uid(void)
{
	uid_t u = 61000;

	while (getpwuid(u) || getgrgid(u))
		u++;
	return u;
}

static struct soft_port_counters port_counters(int fd)
{
	struct ioverbs_client v;
	struct soft_port_counters out;

	ioverbs_client_init_fd(&v, fd);
	memset(&out, 0xee, sizeof(out));
	ASSERT_OK(ioverbs_soft_port_counters_query(&v, 1, &out));
	return out;
}

/* What the attacker knows of root's QP: everything an address gives. */
struct target {
	struct fx *fx;
	u16 lid;
	u32 qpn;
	u32 rkey;
	u64 addr;
};

/* One signaled WR of the attacker's QP; its completion status or -1. */
static int attack_one(struct ioverbs_ep *ep, struct ib_uverbs_send_wr *wr)
{
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)ep->buf, .length = 8, .lkey = ep->lkey,
	};
	struct ib_uverbs_wc wc;

	memcpy(ep->buf, "intruder", 8);
	if (ioverbs_ep_post_send(ep, wr, &sge))
		return -1;
	if (ioverbs_ep_poll(ep, &wc, 20000))
		return -1;
	return (int)wc.status;
}

/* The unprivileged user: its own device, a QP pointed at root's. */
static int attack(void *arg)
{
	const struct target *t = arg;
	struct ib_uverbs_qp_attr reset = {
		.attr_mask = IB_UVERBS_QP_STATE,
		.qp_state = IB_UVERBS_QPS_RESET,
	};
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ioverbs_ep ep = { 0 };
	int fd;

	if (fx_open(t->fx, "uverbs0", O_RDWR) != -EACCES)
		return 1;
	fd = fx_open(t->fx, "uverbs1", O_RDWR);
	if (fd < 0)
		return 2;
	ioverbs_client_init_fd(&ep.v, fd);
	if (ioverbs_ep_open(&ep, 4096, false) ||
	    ioverbs_qp_connect_rc(&ep.v, ep.qp, t->lid, t->qpn, 0))
		return 3;
	/* A SEND into root's posted receive. */
	if (attack_one(&ep, &wr) != IB_UVERBS_WC_RETRY_EXC_ERR)
		return 4;
	/* An RDMA WRITE through root's rkey. */
	if (ioverbs_qp_modify(&ep.v, ep.qp, &reset) ||
	    ioverbs_qp_connect_rc(&ep.v, ep.qp, t->lid, t->qpn, 0))
		return 5;
	wr.wr_id = 2;
	wr.opcode = IB_UVERBS_WR_RDMA_WRITE;
	wr.wr.rdma.remote_addr = t->addr;
	wr.wr.rdma.rkey = t->rkey;
	if (attack_one(&ep, &wr) != IB_UVERBS_WC_RETRY_EXC_ERR)
		return 6;
	ioverbs_ep_close(&ep);
	close(fd);
	return 0;
}

TEST_TIMEOUT(daemon_iso_other_user_cannot_send_into_roots_qp, 120)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 9, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ioverbs_ep a = { 0 }, b = { 0 };
	uid_t uid = unused_uid();
	struct soft_port_counters pc;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct target t;
	char perm[64];
	int fda, fdb;
	struct fx fx;
	long base;

	snprintf(perm, sizeof(perm), "--dev-perm=uverbs1:%u:%u:0600",
		 (unsigned int)uid, (unsigned int)uid);
	fx_start(&fx, "--mode=0600", perm, NULL);
	base = fx_live_objects(&fx);
	/* Root's connected pair on uverbs0, a receive posted on B. */
	fda = open_ok(&fx, "uverbs0");
	fdb = open_ok(&fx, "uverbs0");
	ioverbs_client_init_fd(&a.v, fda);
	ioverbs_client_init_fd(&b.v, fdb);
	ASSERT_OK(ioverbs_ep_open(&a, 4096, false));
	ASSERT_OK(ioverbs_ep_open(&b, 4096, false));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_OK(ioverbs_ep_post_recv(&b, 50, 0, 64));

	t = (struct target){ .fx = &fx, .lid = b.lid, .qpn = b.qpn,
			     .rkey = b.rkey, .addr = (uintptr_t)b.buf + 200 };
	ASSERT_EQ(fx_as_user(uid, attack, &t), 0);
	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_ep_poll(&b, &wc, 100));
	ASSERT_TRUE(!memcmp(b.buf, "\0\0\0\0\0\0\0\0", 8));
	ASSERT_TRUE(!memcmp(b.buf + 200, "\0\0\0\0\0\0\0\0", 8));
	/* Each of the two WRs tried 1 + retry_cnt (7) times. */
	pc = port_counters(fdb);
	ASSERT_EQ(pc.addr_errors, 16);
	ASSERT_EQ(pc.pkey_violations, 0);

	/* Root's own peer still gets in, into the same receive. */
	memcpy(a.buf, "hello", 5);
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)a.buf, .length = 5,
				      .lkey = a.lkey };
	ASSERT_OK(ioverbs_ep_post_send(&a, &wr, &sge));
	ASSERT_OK(ioverbs_ep_poll(&a, &wc, 5000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_OK(ioverbs_ep_poll(&b, &wc, 5000));
	ASSERT_EQ(wc.wr_id, 50);
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.byte_len, 5);
	ASSERT_TRUE(!memcmp(b.buf, "hello", 5));

	ioverbs_ep_close(&a);
	ioverbs_ep_close(&b);
	close(fda);
	close(fdb);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

static long inject_port(int fd, u32 what)
{
	struct ioverbs_client v;

	ioverbs_client_init_fd(&v, fd);
	return ioverbs_soft_inject(&v, what, IOVERBS_NONE, 1);
}

/* The unprivileged user tries to take uverbs0's port down. */
static int port_down(void *arg)
{
	struct fx *fx = arg;
	long ret;
	int fd;

	fd = fx_open(fx, "uverbs0", O_RDWR);
	if (fd < 0)
		return 1;
	if (cl_get_context(fd))
		return 2;
	ret = inject_port(fd, SOFT_INJECT_PORT_DOWN);
	close(fd);
	return ret == -EPERM ? 0 : 3;
}

static bool log_has(struct fx *fx, const char *what)
{
	char *text = NULL;
	size_t len = 0;
	bool found;
	FILE *fp;

	fp = fopen(fx->log, "re");
	ASSERT_TRUE(fp);
	ASSERT_TRUE(getdelim(&text, &len, '\0', fp) >= 0);
	fclose(fp);
	found = strstr(text, what) != NULL;
	free(text);
	return found;
}

TEST(daemon_iso_inject_needs_test_hooks)
{
	struct ib_uverbs_query_port_resp port;
	struct fx fx;
	int fd;

	/* Off by default, for every user, root included. */
	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_EQ(fx_as_user(unused_uid(), port_down, &fx), 0);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_EQ(port.state, IB_UVERBS_PORT_ACTIVE);
	ASSERT_ERRNO(-EPERM, inject_port(fd, SOFT_INJECT_PORT_DOWN));
	ASSERT_TRUE(log_has(&fx, "-> EPERM: VENDOR_INJECT: test hooks are off"));
	close(fd);
	fx_stop(&fx);

	/* --test-hooks: served (to anyone who may open the device). */
	fx_start(&fx, "--mode=0666", "--test-hooks", NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(inject_port(fd, SOFT_INJECT_PORT_DOWN));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_EQ(port.state, IB_UVERBS_PORT_DOWN);
	ASSERT_OK(inject_port(fd, SOFT_INJECT_PORT_UP));
	close(fd);
	ASSERT_TRUE(log_has(&fx, "test hooks on"));
	fx_stop(&fx);
}

static long query_pkey(int fd, u32 index, u16 *pkey)
{
	struct ioverbs_client v = cl_client(fd);

	return ioverbs_port_query_pkey(&v, 1, index, pkey);
}

TEST(daemon_iso_pkeys_option)
{
	static const char *const bad[] = {
		"--pkeys=uverbs1:", "--pkeys=uverbs1:0x10000",
		"--pkeys=uverbs1:-1", "--pkeys=uverbs01:ffff",
		"--pkeys=uverbs2:ffff", "--pkeys=uverbs1:ffff,",
		"--pkeys=uverbs1:1,2,3,4,5,6,7,8,9,a,b,c,d,e,f,10,11",
	};
	struct ib_uverbs_query_port_resp port;
	char out[8192];
	unsigned int i;
	struct fx fx;
	u16 pkey = 0;
	int fd;

	char *help[] = { (char *)fx_daemon_path(), "--help", NULL };

	ASSERT_EQ(fx_run(help, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "--pkeys=NAME:PKEY[,PKEY]..."));
	ASSERT_TRUE(strstr(out, "--test-hooks"));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		char *argv[] = { (char *)fx_daemon_path(), (char *)bad[i],
				 "/tmp", NULL };

		if (fx_run(argv, out, sizeof(out)) != 1 ||
		    !strstr(out, "pkeys"))
			harness_fail(__FILE__, __LINE__, "%s: accepted (%s)",
				     bad[i], out);
	}

	fx_start(&fx, "--pkeys=uverbs1:0x8001,2", NULL);
	fd = open_ok(&fx, "uverbs1");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_EQ(port.pkey_tbl_len, 2);
	ASSERT_OK(query_pkey(fd, 0, &pkey));
	ASSERT_EQ(pkey, 0x8001);
	ASSERT_OK(query_pkey(fd, 1, &pkey));
	ASSERT_EQ(pkey, 0x0002);
	ASSERT_ERRNO(-EINVAL, query_pkey(fd, 2, &pkey));
	close(fd);
	/* uverbs0 keeps the default table. */
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_EQ(port.pkey_tbl_len, 1);
	ASSERT_OK(query_pkey(fd, 0, &pkey));
	ASSERT_EQ(pkey, 0xffff);
	close(fd);
	fx_stop(&fx);
}
