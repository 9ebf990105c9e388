// SPDX-License-Identifier: MIT
/*
 * Commands through ioverbsd's files: the verbs a client runs (context,
 * queries, PD, MR of the client's memory, CQ, QP to RTS, a loopback RC
 * SEND and RDMA WRITE with POST_SEND/CQ_POLL), what the daemon refuses
 * (other ioctl numbers: ENOTTY; bad pointers: EFAULT, the daemon alive
 * after), that handles are per open file (rule 12), and the daemon's
 * command line (--help, the pid file, unmount on SIGTERM).
 */
#include <signal.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"
#include "../../daemon/ctl.h"

static int open_ok(struct fx *fx, const char *name)
{
	int fd = fx_open(fx, name, O_RDWR);

	if (fd < 0)
		harness_fail(__FILE__, __LINE__, "open %s: %s", name,
			     errno_name(fd));
	return fd;
}

static long ioctl_err(int fd, unsigned long cmd, void *arg)
{
	return ioctl(fd, cmd, arg) ? -errno : 0;
}

TEST(daemon_help_exits_0)
{
	char out[8192];
	char *argv[] = { (char *)fx_daemon_path(), "--help", NULL };
	char *bad[] = { (char *)fx_daemon_path(), "--devices=0", "/tmp", NULL };

	if (access(fx_daemon_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no daemon at %s",
			     fx_daemon_path());
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "Usage: ioverbsd"));
	ASSERT_TRUE(strstr(out, "--dev-perm"));
	ASSERT_EQ(fx_run(bad, out, sizeof(out)), 1);
	ASSERT_TRUE(strstr(out, "--devices"));
}

/* fx_stop() checks the unmount, the pid file's removal and the log. */
TEST(daemon_sigterm_unmounts_and_removes_pidfile)
{
	char buf[32] = { 0 };
	struct fx fx;
	int fd;

	fx_start(&fx, NULL);
	fd = open(fx.pidfile, O_RDONLY);
	ASSERT_TRUE(fd >= 0);
	ASSERT_TRUE(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	ASSERT_EQ(atoi(buf), fx.pid);
	/* An open file with objects does not hold the daemon up. */
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	fx_stop(&fx);
	close(fd);
}

TEST(daemon_files_and_modes)
{
	struct stat st;
	char path[160];
	struct fx fx;

	fx_start(&fx, "--mode=0640", "--uid=12", "--gid=34",
		 "--dev-perm=uverbs1:0:0:0666", NULL);
	snprintf(path, sizeof(path), "%s/uverbs0", fx.mnt);
	ASSERT_OK(stat(path, &st));
	ASSERT_EQ(st.st_mode, S_IFREG | 0640);
	ASSERT_EQ(st.st_uid, 12);
	ASSERT_EQ(st.st_gid, 34);
	snprintf(path, sizeof(path), "%s/uverbs1", fx.mnt);
	ASSERT_OK(stat(path, &st));
	ASSERT_EQ(st.st_mode, S_IFREG | 0666);
	ASSERT_EQ(st.st_uid, 0);
	snprintf(path, sizeof(path), "%s/ctl", fx.mnt);
	ASSERT_OK(stat(path, &st));
	ASSERT_EQ(st.st_mode, S_IFREG | 0600);
	snprintf(path, sizeof(path), "%s/uverbs2", fx.mnt);
	ASSERT_ERRNO(-ENOENT, stat(path, &st) ? -errno : 0);
	fx_stop(&fx);
}

TEST(daemon_verbs_end_to_end)
{
	static u8 buf[2][8192] __attribute__((aligned(4096)));
	struct ib_uverbs_query_device_resp dev;
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_mr_reg_resp mr_resp;
	u32 pd, mr, cq, qp, qpn, pd2;
	struct fx fx;
	int fd;

	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	/* Before GET_CONTEXT: rule 11 (no context) for an IDR command. */
	ASSERT_ERRNO(-EINVAL, cl_pd_dealloc(fd, 1));
	ASSERT_OK(cl_get_context(fd));
	ASSERT_ERRNO(-EINVAL, cl_get_context(fd));
	memset(&dev, 0, sizeof(dev));
	ASSERT_OK(cl_query_device(fd, &dev));
	ASSERT_TRUE(dev.node_guid != 0);
	ASSERT_EQ(dev.max_qp, SOFT_DEFAULT_MAX_QP);
	memset(&port, 0, sizeof(port));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_EQ(port.state, IB_UVERBS_PORT_ACTIVE);
	ASSERT_TRUE(port.lid != 0);
	ASSERT_ERRNO(-EINVAL, cl_query_port(fd, 9, &port));
	{
		/* The header is input only: FUSE copies nothing back. */
		struct ib_uverbs_ioctl_hdr before;
		struct ioverbs_cmd c;
		u8 num = 1;

		ioverbs_port_query_prep(cl_builder(), &c, &num, &port);
		before = c.hdr;
		ASSERT_OK(ioctl_err(fd, RDMA_VERBS_IOCTL, &c.hdr));
		ASSERT_TRUE(!memcmp(&before, &c.hdr, sizeof(before)));
	}

	ASSERT_OK(cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_pd_alloc(fd, &pd2));
	ASSERT_TRUE(pd != pd2);
	ASSERT_OK(cl_pd_dealloc(fd, pd2));
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, pd2));
	ASSERT_OK(cl_mr_reg(fd, pd, buf[0], sizeof(buf[0]), &mr, &mr_resp));
	ASSERT_TRUE(mr_resp.lkey != 0);
	ASSERT_OK(cl_cq_create(fd, 10, &cq));
	ASSERT_OK(cl_qp_create(fd, pd, cq, &qp, &qpn));
	ASSERT_TRUE(qpn > 1);
	ASSERT_OK(cl_qp_connect_rc(fd, qp, port.lid, qpn));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 4);
	/* Rule 18: the PD has children. */
	ASSERT_ERRNO(-EBUSY, cl_pd_dealloc(fd, pd));
	ASSERT_OK(cl_qp_destroy(fd, qp));
	ASSERT_OK(cl_cq_destroy(fd, cq));
	ASSERT_OK(cl_mr_dereg(fd, mr));
	ASSERT_OK(cl_pd_dealloc(fd, pd));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	close(fd);
	fx_stop(&fx);
}

/* --- a loopback RC pair in one client: POST_SEND, POST_RECV, CQ_POLL --- */

static long post_send(int fd, u32 qp, struct ib_uverbs_send_wr *wr,
		      struct ib_uverbs_sge *sge)
{
	struct ioverbs_client v = cl_client(fd);
	u32 bad;

	return ioverbs_qp_post_send(&v, qp, wr, 1, sge, 1, &bad);
}

static long post_recv(int fd, u32 qp, u64 wr_id, void *addr, u32 len, u32 lkey)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = {
		.addr = (uintptr_t)addr,
		.length = len,
		.lkey = lkey,
	};
	struct ioverbs_client v = cl_client(fd);
	u32 bad;

	return ioverbs_qp_post_recv(&v, qp, &wr, 1, &sge, 1, &bad);
}

static long poll_cq(int fd, u32 cq, struct ib_uverbs_wc *wc, u32 num,
		    u32 *count)
{
	struct ioverbs_client v = cl_client(fd);

	return ioverbs_cq_poll(&v, cq, wc, num, count);
}

TEST(daemon_loopback_rc_send_and_write)
{
	static u8 buf[16384] __attribute__((aligned(4096)));
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_mr_reg_resp mr_resp;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 7,
		.num_sge = 1,
		.opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc[4];
	u32 pd, mr, cq, qp[2], qpn[2], n;
	struct fx fx;
	long base;
	int fd, i;

	fx_start(&fx, NULL);
	base = fx_live_objects(&fx);
	fd = open_ok(&fx, "uverbs1");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_mr_reg(fd, pd, buf, sizeof(buf), &mr, &mr_resp));
	ASSERT_OK(cl_cq_create(fd, 16, &cq));
	for (i = 0; i < 2; i++)
		ASSERT_OK(cl_qp_create(fd, pd, cq, &qp[i], &qpn[i]));
	ASSERT_OK(cl_qp_connect_rc(fd, qp[0], port.lid, qpn[1]));
	ASSERT_OK(cl_qp_connect_rc(fd, qp[1], port.lid, qpn[0]));

	/* SEND: the daemon moves bytes within this process's memory. */
	memcpy(buf, "hello through the daemon", 24);
	memset(buf + 4096, 0, 64);
	ASSERT_OK(post_recv(fd, qp[1], 99, buf + 4096, 64, mr_resp.lkey));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)buf,
				      .length = 24,
				      .lkey = mr_resp.lkey };
	ASSERT_OK(post_send(fd, qp[0], &wr, &sge));
	ASSERT_OK(poll_cq(fd, cq, wc, 4, &n));
	ASSERT_EQ(n, 2);
	/* The SEND's completion first (its ACK), then the receive's. */
	ASSERT_EQ(wc[0].wr_id, 7);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc[0].opcode, IB_UVERBS_WC_SEND);
	ASSERT_EQ(wc[1].wr_id, 99);
	ASSERT_EQ(wc[1].status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc[1].opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(wc[1].byte_len, 24);
	ASSERT_TRUE(!memcmp(buf + 4096, "hello through the daemon", 24));

	/* RDMA WRITE across a page boundary, no receive involved. */
	memset(buf + 8192 - 8, 0, 16);
	memcpy(buf + 100, "0123456789abcdef", 16);
	wr = (struct ib_uverbs_send_wr){
		.wr_id = 8,
		.num_sge = 1,
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	wr.wr.rdma.remote_addr = (uintptr_t)(buf + 8192 - 8);
	wr.wr.rdma.rkey = mr_resp.rkey;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)(buf + 100),
				      .length = 16,
				      .lkey = mr_resp.lkey };
	ASSERT_OK(post_send(fd, qp[0], &wr, &sge));
	ASSERT_OK(poll_cq(fd, cq, wc, 4, &n));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(wc[0].wr_id, 8);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_SUCCESS);
	ASSERT_TRUE(!memcmp(buf + 8192 - 8, "0123456789abcdef", 16));
	/* Everything is left for the release to destroy. */
	close(fd);
	fx_wait_released(&fx, getpid(), base);
	fx_stop(&fx);
}

/* --- what the daemon refuses ------------------------------------------ */

TEST(daemon_other_ioctls_enotty)
{
	u8 arg[64] = { 0 };
	struct fx fx;
	int fd, ctl;

	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_ERRNO(-ENOTTY, ioctl_err(fd, 0, NULL));
	ASSERT_ERRNO(-ENOTTY, ioctl_err(fd, RDMA_VERBS_IOCTL + 2, arg));
	/* Upstream's 24-byte header: what libibverbs probes with. */
	ASSERT_ERRNO(-ENOTTY,
		     ioctl_err(fd, _IOWR(RDMA_IOCTL_MAGIC, 1, u8[24]), arg));
	ASSERT_ERRNO(-ENOTTY,
		     ioctl_err(fd, _IOR(RDMA_IOCTL_MAGIC, 1, u8[16]), arg));
	/* No direct commands: the core's ENOSYS reaches us as ENOTTY. */
	ASSERT_ERRNO(-ENOTTY, ioctl_err(fd, RDMA_DIRECT_IOCTL, arg));
	/* The control file's no-op is not a device ioctl. */
	ASSERT_ERRNO(-ENOTTY, ioctl_err(fd, IVD_CTL_IOCTL_NOOP, arg));
	ctl = open_ok(&fx, "ctl");
	ASSERT_OK(ioctl_err(ctl, IVD_CTL_IOCTL_NOOP, arg));
	ASSERT_ERRNO(-ENOTTY, ioctl_err(ctl, RDMA_VERBS_IOCTL, arg));
	close(ctl);
	/* Still serving. */
	ASSERT_OK(cl_get_context(fd));
	close(fd);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}

TEST(daemon_bad_pointers_efault)
{
	struct ib_uverbs_query_port_resp port;
	struct ioverbs_cmd c;
	long page = sysconf(_SC_PAGESIZE);
	u8 *map, *bad;
	u8 portnum = 1;
	struct fx fx;
	int fd;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	bad = map + page;
	ASSERT_OK(mprotect(bad, page, PROT_NONE));

	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));

	/* The header itself: the kernel's copy-in fails, EFAULT. */
	ASSERT_ERRNO(-EFAULT, ioctl_err(fd, RDMA_VERBS_IOCTL, bad));
	ASSERT_ERRNO(-EFAULT, ioctl_err(fd, RDMA_VERBS_IOCTL, (void *)8));

	/* The attribute array: the header ends right before a PROT_NONE
	 * page (rule 2). */
	ioverbs_port_query_prep(cl_builder(), &c, &portnum, &port);
	memcpy(bad - sizeof(c.hdr), &c.hdr, sizeof(c.hdr));
	ASSERT_ERRNO(-EFAULT,
		     ioctl_err(fd, RDMA_VERBS_IOCTL, bad - sizeof(c.hdr)));
	/* Half the attribute array readable, half not. */
	memcpy(bad - sizeof(c.hdr) - sizeof(c.attrs[0]), &c.hdr,
	       sizeof(c.hdr) + sizeof(c.attrs[0]));
	ASSERT_ERRNO(-EFAULT,
		     ioctl_err(fd, RDMA_VERBS_IOCTL,
			       bad - sizeof(c.hdr) - sizeof(c.attrs[0])));

	/* PTR_IN not readable, PTR_OUT not writable (rule 10). */
	ioverbs_port_query_prep(cl_builder(), &c, bad, &port);
	ASSERT_ERRNO(-EFAULT, cl_exec(fd, &c));
	ioverbs_port_query_prep(cl_builder(), &c, &portnum, (void *)bad);
	ASSERT_ERRNO(-EFAULT, cl_exec(fd, &c));
	/* A response straddling into the bad page. */
	ioverbs_port_query_prep(cl_builder(), &c, &portnum, (void *)(bad - 8));
	ASSERT_ERRNO(-EFAULT, cl_exec(fd, &c));
	ioverbs_port_query_prep(cl_builder(), &c, &portnum, (void *)16);
	ASSERT_ERRNO(-EFAULT, cl_exec(fd, &c));

	/* And it still works, for this file and a new one. */
	ASSERT_OK(cl_query_port(fd, 1, &port));
	close(fd);
	ASSERT_TRUE(fx_alive(&fx));
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	close(fd);
	fx_stop(&fx);
	munmap(map, 2 * page);
}

/*
 * Rule 21 through the daemon: an MR over memory the client does not have
 * is refused (EFAULT, nothing made); memory unmapped after registration
 * fails the data path's reads cleanly (an error completion), and the
 * daemon lives.
 */
TEST(daemon_mr_of_unmapped_memory)
{
	static u8 buf[4096] __attribute__((aligned(4096)));
	struct ib_uverbs_query_port_resp port;
	struct ib_uverbs_mr_reg_resp good, hole;
	struct ib_uverbs_send_wr wr = {
		.wr_id = 1,
		.num_sge = 1,
		.opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc[2];
	long page = sysconf(_SC_PAGESIZE);
	u32 pd, mr[2], cq, qp, qpn, n;
	struct fx fx;
	u8 *map;
	int fd;

	map = mmap(NULL, page, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	ASSERT_OK(cl_mr_reg(fd, pd, buf, sizeof(buf), &mr[0], &good));
	ASSERT_ERRNO(-EFAULT, cl_mr_reg(fd, pd, map, page, &mr[1], &hole));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 2);
	ASSERT_OK(mprotect(map, page, PROT_READ | PROT_WRITE));
	ASSERT_OK(cl_mr_reg(fd, pd, map, page, &mr[1], &hole));
	/* Unmapped after registration: copies through it fail. */
	ASSERT_OK(munmap(map, page));
	ASSERT_OK(cl_cq_create(fd, 4, &cq));
	ASSERT_OK(cl_qp_create(fd, pd, cq, &qp, &qpn));
	ASSERT_OK(cl_qp_connect_rc(fd, qp, port.lid, qpn));
	wr.wr.rdma.remote_addr = (uintptr_t)buf;
	wr.wr.rdma.rkey = good.rkey;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)map,
				      .length = 8,
				      .lkey = hole.lkey };
	post_send(fd, qp, &wr, &sge);
	ASSERT_OK(poll_cq(fd, cq, wc, 2, &n));
	ASSERT_EQ(n, 1);
	ASSERT_EQ(wc[0].status, IB_UVERBS_WC_LOC_PROT_ERR);
	close(fd);
	ASSERT_TRUE(fx_alive(&fx));
	fx_stop(&fx);
}

/*
 * Rule 22 through the daemon: the header is input only.  On a read-only
 * page a PD_ALLOC succeeds and makes exactly one PD: the kernel copies
 * nothing back after the command (a copy-out would fail with EFAULT
 * after the PD was committed).
 */
TEST(daemon_header_on_read_only_page)
{
	long page = sysconf(_SC_PAGESIZE);
	struct ib_uverbs_ioctl_hdr *hdr, before;
	struct ioverbs_cmd c;
	struct fx fx;
	u32 pd = 0;
	u8 *map;
	int fd;

	map = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE,
		   MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(map != MAP_FAILED);
	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ioverbs_pd_alloc_prep(cl_builder(), &c, &pd);
	/* The header ends its page; the attribute (written back) follows. */
	hdr = (void *)(map + page - sizeof(*hdr));
	memcpy(hdr, &c.hdr, c.hdr.length);
	before = *hdr;
	ASSERT_OK(mprotect(map, page, PROT_READ));
	ASSERT_OK(ioctl_err(fd, RDMA_VERBS_IOCTL, hdr));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 1);
	ASSERT_TRUE(!memcmp(hdr, &before, sizeof(before)));
	pd = (u32)hdr->attrs[0].ptr_idr;
	ASSERT_OK(cl_pd_dealloc(fd, pd));
	/* A failing command on it: its own errno, nothing left. */
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(fd, pd));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	close(fd);
	fx_stop(&fx);
	munmap(map, 2 * page);
}

/* Rule 12: a handle names an object of this file's context only. */
TEST(daemon_handles_are_per_file)
{
	u32 pd, other;
	struct fx fx;
	int a, b;

	fx_start(&fx, NULL);
	a = open_ok(&fx, "uverbs0");
	b = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(a));
	ASSERT_OK(cl_get_context(b));
	ASSERT_OK(cl_pd_alloc(a, &pd));
	ASSERT_ERRNO(-ENOENT, cl_pd_dealloc(b, pd));
	/* Same number in b is b's own object. */
	ASSERT_OK(cl_pd_alloc(b, &other));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()) >= 1, 1);
	ASSERT_OK(cl_pd_dealloc(b, other));
	ASSERT_OK(cl_pd_dealloc(a, pd));
	/* A file of the other device: no context yet, rule 11. */
	close(b);
	b = open_ok(&fx, "uverbs1");
	ASSERT_ERRNO(-EINVAL, cl_pd_dealloc(b, pd));
	close(a);
	close(b);
	fx_stop(&fx);
}

/*
 * Completion channels need a descriptor in the client, which the daemon
 * cannot create: without one named (-1), or with a value no descriptor
 * has (high 32 bits set), EBADF, rule 13 (test_daemon_events.c has the
 * rest).
 */
TEST(daemon_comp_channel_no_fd_ebadf)
{
	static const u64 bad[] = { ~0ull, 1ull << 32, (1ull << 32) | 2,
				   0x80000000u };
	struct ioverbs_cmd c;
	struct fx fx;
	int fd, ch = -1;
	unsigned int i;

	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		ioverbs_comp_channel_create_prep(cl_builder(), &c, -1, &ch);
		c.attrs[0].ptr_idr = bad[i];
		ASSERT_ERRNO(-EBADF, cl_exec(fd, &c));
	}
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	close(fd);
	fx_stop(&fx);
}

/* A child of the opener runs commands on the inherited file: its own
 * memory for the command, the context stays the opener's. */
/*
 * A file is bound to the address space that opened it: a child after
 * fork() has another one, and its commands are refused (EPERM), as are
 * those of a process the descriptor is passed to.  The parent's objects
 * are untouched.
 */
TEST(daemon_forked_child_is_refused)
{
	struct ib_uverbs_query_port_resp port;
	struct fx fx;
	int fd, status;
	u32 pd;
	pid_t p;

	fx_start(&fx, NULL);
	fd = open_ok(&fx, "uverbs0");
	ASSERT_OK(cl_get_context(fd));
	ASSERT_OK(cl_pd_alloc(fd, &pd));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	if (p == 0) {
		u32 pd2;

		if (cl_query_port(fd, 1, &port) != -EPERM)
			_exit(1);
		if (cl_pd_alloc(fd, &pd2) != -EPERM)
			_exit(2);
		if (cl_pd_dealloc(fd, pd) != -EPERM)
			_exit(3);
		_exit(0);
	}
	ASSERT_TRUE(p > 0);
	ASSERT_EQ(waitpid(p, &status, 0), p);
	ASSERT_EQ(status, 0);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 1);
	ASSERT_OK(cl_query_port(fd, 1, &port));
	ASSERT_OK(cl_pd_dealloc(fd, pd));
	close(fd);
	fx_stop(&fx);
}
