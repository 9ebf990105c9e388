// SPDX-License-Identifier: MIT
/*
 * The direct path, the device's side (<rdma/soft_direct.h>), through the
 * daemon: the key table the daemon keeps in a context's memfd, the path
 * it gives each QP at RTR and the peer block it writes, the peer's end,
 * deregistration waiting for an announced copy, the notify kick, and
 * garbage in the pages.  No provider: the tests map the pages themselves
 * (lib/'s rings) and read or write what a client would.
 *
 * Two contexts of the test process are two files of one process: the
 * kernel lets it reach itself, so they may go DIRECT.  Other processes
 * are forked children: as root (DIRECT), as another user (RELAY), as
 * the same user but not dumpable (RELAY).
 */
#include <poll.h>
#include <pthread.h>
#include <pwd.h>
#include <grp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/reason.h>
#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "fixture.h"

#ifndef SYS_pidfd_open
#define SYS_pidfd_open 434
#endif
#ifndef SYS_pidfd_getfd
#define SYS_pidfd_getfd 438
#endif

#define ACC_ALL                                                         \
	(IB_UVERBS_ACCESS_LOCAL_WRITE | IB_UVERBS_ACCESS_REMOTE_WRITE | \
	 IB_UVERBS_ACCESS_REMOTE_READ | IB_UVERBS_ACCESS_REMOTE_ATOMIC)
#define BUF_LEN 65536

/* How a test side is built. */
struct dopts {
	u32 keys;	/* key table entries; 0: none */
	u8 type;	/* IB_UVERBS_QPT_*; 0: RC */
	bool srq;	/* the QP receives from an SRQ */
	int ch;		/* the CQ's completion channel, or -1 */
	const char *dev; /* the device file; NULL: uverbs0 */
};

/*
 * A file on uverbs0 with a context, PD, MR over a BUF_LEN buffer, a CQ,
 * a QP, the doorbell (with a key table if asked), the CQ's and QP's
 * rings.  0 or -errno.
 */
static long dep_open(struct fx *fx, struct ioverbs_ep *s,
		     const struct dopts *o)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 0xcafe,
						.cqe = 64 };
	struct ib_uverbs_qp_create_cmd qcmd = {
		.qp_type = o->type ? o->type : IB_UVERBS_QPT_RC,
		.cap = { .max_send_wr = 16, .max_recv_wr = 16,
			 .max_send_sge = 2, .max_recv_sge = 2,
			 .max_inline_data = 64 },
	};
	struct ib_uverbs_srq_create_cmd scmd = { .max_wr = 16, .max_sge = 1 };
	struct ib_uverbs_qp_create_resp qresp;
	struct ib_uverbs_cq_create_resp cresp;
	u32 srq = IOVERBS_NONE;
	int fd = fx_open(fx, o->dev ? o->dev : "uverbs0", O_RDWR);
	long ret;

	if (fd < 0)
		return fd;
	memset(s, 0, sizeof(*s));
	ioverbs_client_init_fd(&s->v, fd);
	s->len = BUF_LEN;
	s->buf = calloc(1, BUF_LEN);
	if (!s->buf)
		return -ENOMEM;
	s->rctx.fd = s->rctx.kick = s->rctx.keys_fd = -1;
	s->rcq.fd = s->rqp.fd = -1;
	ret = ioverbs_context_get(&s->v);
	if (!ret)
		ret = ioverbs_port_query_lid(&s->v, &s->lid);
	if (!ret)
		ret = ioverbs_pd_alloc(&s->v, &s->pd);
	if (!ret)
		ret = ioverbs_mr_reg(&s->v, s->pd, s->buf, BUF_LEN, ACC_ALL,
				     &s->mr, &s->lkey, &s->rkey);
	if (!ret)
		ret = ioverbs_cq_create_ex(&s->v, &ccmd, o->ch, &s->cq, &cresp);
	if (ret)
		return ret;
	s->cqe = cresp.cqe;
	if (o->srq) {
		ret = ioverbs_srq_create(&s->v, s->pd, &scmd, &srq, NULL);
		if (ret)
			return ret;
		qcmd.cap.max_recv_wr = 0;
		qcmd.cap.max_recv_sge = 0;
	}
	ret = ioverbs_qp_create_ex(&s->v, &qcmd, s->pd, s->cq, s->cq, srq,
				   &s->qp, &qresp);
	if (ret)
		return ret;
	s->qpn = qresp.qpn;
	s->cap = qresp.cap;
	ret = o->keys ? ioverbs_sring_ctx_attach_keys(&s->rctx, o->keys,
						      s->v.fn, s->v.ctx) :
			ioverbs_sring_ctx_attach(&s->rctx, s->v.fn, s->v.ctx);
	if (!ret)
		ret = ioverbs_sring_cq_attach(&s->rcq, s->cq, s->cqe, s->v.fn,
					      s->v.ctx);
	if (!ret)
		ret = ioverbs_sring_qp_attach(&s->rqp, &s->rctx, s->qp,
					      &s->cap, s->v.fn, s->v.ctx);
	if (!ret)
		s->rings = true;
	return ret;
}

static const struct dopts RC_KEYS = { .keys = 64, .ch = -1 };

/* Closes the file: everything of it goes with it. */
static void dep_close(struct ioverbs_ep *s)
{
	if (s->rings) {
		ioverbs_sring_qp_detach(&s->rqp);
		ioverbs_sring_cq_detach(&s->rcq);
		ioverbs_sring_ctx_detach(&s->rctx);
	}
	close(s->v.fd);
	free(s->buf);
	s->buf = NULL;
}

static u32 path_of(const struct ioverbs_ep *s)
{
	return __atomic_load_n(&s->rqp.dir->path, __ATOMIC_ACQUIRE);
}

/* The key table's entry of @rkey, or NULL: the lookup a peer does. */
static const struct soft_direct_key *key_find(const struct ioverbs_ep *s,
					      u32 rkey)
{
	const struct soft_direct_keys *k = s->rctx.keys;
	u32 n = s->rctx.keys_entries, i, slot;

	for (i = 0; i < n; i++) {
		slot = (soft_direct_key_slot(rkey, n) + i) & (n - 1);
		if (k->key[slot].state == SOFT_DKEY_FREE)
			return NULL;
		if (k->key[slot].rkey == rkey)
			return &k->key[slot];
	}
	return NULL;
}

static u32 key_slot(const struct ioverbs_ep *s, const struct soft_direct_key *e)
{
	return (u32)(e - s->rctx.keys->key);
}

static u64 ino_of(int fd)
{
	struct stat st;

	if (fstat(fd, &st))
		return 0;
	return (u64)st.st_ino;
}

/* The inode of @pid's descriptor @fd, taken with pidfd_getfd(). */
static u64 remote_ino(pid_t pid, int fd)
{
	int pidfd = (int)syscall(SYS_pidfd_open, pid, 0), local;
	u64 ino;

	if (pidfd < 0)
		return 0;
	local = (int)syscall(SYS_pidfd_getfd, pidfd, fd, 0);
	close(pidfd);
	if (local < 0)
		return 0;
	ino = ino_of(local);
	close(local);
	return ino;
}

/* Checks @x's peer block against @y, in the same process as the test. */
static void check_peer_block(const struct ioverbs_ep *x,
			     const struct ioverbs_ep *y, pid_t ypid)
{
	const struct soft_direct_ctrl *d = x->rqp.dir;
	const struct soft_direct_key *yk = key_find(y, y->rkey);

	ASSERT_EQ(d->seq % 2, 0);
	ASSERT_EQ(d->path, SOFT_PATH_DIRECT);
	ASSERT_EQ(d->state, IB_UVERBS_QPS_RTS);
	ASSERT_EQ(d->peer_gone, 0);
	ASSERT_EQ(d->peer_qpn, y->qpn);
	ASSERT_EQ(d->peer_pid, ypid);
	ASSERT_EQ(d->peer_lid, y->lid);
	ASSERT_EQ(d->peer_port, 1);
	ASSERT_TRUE(yk != NULL);
	ASSERT_TRUE(d->peer_pd != 0);
	ASSERT_EQ(d->peer_pd, yk->pd);
	ASSERT_EQ(d->peer_qp_fd, y->rqp.fd);
	ASSERT_EQ(d->peer_qp_ino, ino_of(y->rqp.fd));
	ASSERT_EQ(remote_ino(ypid, d->peer_qp_fd), d->peer_qp_ino);
	ASSERT_EQ(d->peer_qp_size, y->rqp.layout.size);
	ASSERT_EQ(d->peer_dir, y->rqp.layout.dir);
	ASSERT_EQ(d->peer_keys_fd, y->rctx.keys_fd);
	ASSERT_EQ(d->peer_keys_entries, y->rctx.keys_entries);
	ASSERT_EQ(d->peer_keys_ino, ino_of(y->rctx.keys_fd));
	ASSERT_EQ(remote_ino(ypid, d->peer_keys_fd), d->peer_keys_ino);
	ASSERT_EQ(d->peer_kick_fd, y->rctx.kick);
	ASSERT_EQ(d->peer_kick_ino, ino_of(y->rctx.kick));
	ASSERT_EQ(remote_ino(ypid, d->peer_kick_fd), d->peer_kick_ino);
	/* ioverbs_qp_connect() asks for min_rnr_timer 1: 10 us. */
	ASSERT_EQ(d->peer_min_rnr_us, 10);
}

/* The key table holds every MR: entries written at MR_REG, DEAD after. */
TEST(daemon_direct_key_table_entries)
{
	const struct soft_direct_key *e;
	struct ioverbs_ep s;
	u32 mr2, lkey2, rkey2, slot, seq;
	struct fx fx;
	u8 *buf2;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &s, &RC_KEYS));
	ASSERT_EQ(s.rctx.keys_entries, 64);
	ASSERT_EQ(s.rctx.keys->entries, 64);
	/* Registered before the table came: entered when it came. */
	e = key_find(&s, s.rkey);
	ASSERT_TRUE(e != NULL);
	ASSERT_EQ(e->state, SOFT_DKEY_LIVE);
	ASSERT_EQ(e->seq % 2, 0);
	ASSERT_EQ(e->rkey, s.rkey);
	ASSERT_EQ(e->iova, (uintptr_t)s.buf);
	ASSERT_EQ(e->addr, (uintptr_t)s.buf);
	ASSERT_EQ(e->length, BUF_LEN);
	ASSERT_EQ(e->access, ACC_ALL);
	ASSERT_TRUE(e->pd != 0);

	buf2 = calloc(1, 8192);
	ASSERT_TRUE(buf2 != NULL);
	ASSERT_OK(ioverbs_mr_reg(&s.v, s.pd, buf2 + 100, 4000,
				 IB_UVERBS_ACCESS_LOCAL_WRITE |
					 IB_UVERBS_ACCESS_REMOTE_READ,
				 &mr2, &lkey2, &rkey2));
	e = key_find(&s, rkey2);
	ASSERT_TRUE(e != NULL);
	ASSERT_EQ(e->state, SOFT_DKEY_LIVE);
	ASSERT_EQ(e->seq % 2, 0);
	ASSERT_EQ(e->rkey, rkey2);
	ASSERT_EQ(e->iova, (uintptr_t)buf2 + 100);
	ASSERT_EQ(e->addr, (uintptr_t)buf2 + 100);
	ASSERT_EQ(e->length, 4000);
	ASSERT_EQ(e->access, IB_UVERBS_ACCESS_LOCAL_WRITE |
				     IB_UVERBS_ACCESS_REMOTE_READ);
	ASSERT_EQ(e->pd, key_find(&s, s.rkey)->pd);
	slot = key_slot(&s, e);
	seq = e->seq;
	ASSERT_OK(ioverbs_mr_dereg(&s.v, mr2));
	e = &s.rctx.keys->key[slot];
	ASSERT_EQ(e->state, SOFT_DKEY_DEAD);
	ASSERT_EQ(e->seq, seq + 2);
	/* A lookup goes past a DEAD entry: the first MR is still found. */
	ASSERT_EQ(key_find(&s, s.rkey)->state, SOFT_DKEY_LIVE);
	free(buf2);
	dep_close(&s);
	fx_stop(&fx);
}

/* A full table fails MR_REG with ENOMEM and a reason; DEAD slots are reused. */
TEST(daemon_direct_key_table_full)
{
	char why[IOVERBS_REASON_MAX];
	struct ioverbs_ep s;
	u32 mr[64], lkey, rkey, extra;
	struct fx fx;
	int i;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &s, &RC_KEYS));
	/* The endpoint's own MR and 63 more fill the 64 slots. */
	for (i = 0; i < 63; i++)
		ASSERT_OK(ioverbs_mr_reg(&s.v, s.pd, s.buf, 64, ACC_ALL,
					 &mr[i], &lkey, &rkey));
	ASSERT_ERRNO(-ENOMEM, ioverbs_mr_reg(&s.v, s.pd, s.buf, 64, ACC_ALL,
					     &extra, &lkey, &rkey));
	ASSERT_TRUE(ioverbs_reason_get(&s.v, why, sizeof(why)) > 0);
	ASSERT_TRUE(strstr(why, "key table is full (64 entries)") != NULL);
	ASSERT_OK(ioverbs_mr_dereg(&s.v, mr[10]));
	ASSERT_OK(ioverbs_mr_reg(&s.v, s.pd, s.buf, 64, ACC_ALL, &mr[10],
				 &lkey, &rkey));
	ASSERT_EQ(key_find(&s, rkey)->state, SOFT_DKEY_LIVE);
	ASSERT_ERRNO(-ENOMEM, ioverbs_mr_reg(&s.v, s.pd, s.buf, 64, ACC_ALL,
					     &extra, &lkey, &rkey));
	/* More MRs than slots when the table comes: the attach fails. */
	dep_close(&s);
	fx_stop(&fx);
}

/* A memfd of @len bytes whose header says @entries, sealed if @seal. */
static int keys_memfd(u64 len, u32 entries, bool seal)
{
	int fd = memfd_create("test-keys", MFD_CLOEXEC | MFD_ALLOW_SEALING);
	struct soft_direct_keys h = { .entries = entries };

	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(ftruncate(fd, (off_t)len));
	ASSERT_EQ(pwrite(fd, &h, sizeof(h), 0), (ssize_t)sizeof(h));
	if (seal)
		ASSERT_OK(fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK));
	return fd;
}

/* SOFT_ATTACH_KEYS refuses what does not fit. */
TEST(daemon_direct_key_table_refused)
{
	struct ioverbs_client v;
	struct fx fx;
	int fd, db, kick, k, i;
	char why[IOVERBS_REASON_MAX];
	static const u32 bad[] = { 0, 32, 100, SOFT_DIRECT_MAX_KEYS * 2 };

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	db = keys_memfd(SOFT_RING_DOORBELL_SIZE, 0, true);
	kick = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	ASSERT_TRUE(kick >= 0);
	for (i = 0; i < (int)(sizeof(bad) / sizeof(bad[0])); i++) {
		k = keys_memfd(soft_direct_keys_size(64), bad[i], true);
		ASSERT_ERRNO(-EINVAL, ioverbs_sring_attach_doorbell_keys(
					      db, kick, k, v.fn, v.ctx));
		ASSERT_TRUE(ioverbs_reason_get(&v, why, sizeof(why)) > 0);
		ASSERT_TRUE(strstr(why, "not a power of two") != NULL);
		close(k);
	}
	/* Not sealed; too small for its entries. */
	k = keys_memfd(soft_direct_keys_size(64), 64, false);
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_attach_doorbell_keys(db, kick, k,
								 v.fn, v.ctx));
	close(k);
	k = keys_memfd(soft_direct_keys_size(64), 128, true);
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_attach_doorbell_keys(db, kick, k,
								 v.fn, v.ctx));
	close(k);
	ASSERT_ERRNO(-EBADF, ioverbs_sring_attach_doorbell_keys(db, kick, 999,
								v.fn, v.ctx));
	/* Refused whole: the doorbell attaches afterwards, once. */
	k = keys_memfd(soft_direct_keys_size(64), 64, true);
	ASSERT_OK(ioverbs_sring_attach_doorbell_keys(db, kick, k, v.fn, v.ctx));
	ASSERT_ERRNO(-EBUSY, ioverbs_sring_attach_doorbell_keys(db, kick, k,
								v.fn, v.ctx));
	close(k);
	close(db);
	close(kick);
	close(fd);
	fx_stop(&fx);
}

/*
 * Two contexts with key tables: the first RTR waits (PENDING), the
 * second makes both DIRECT, with each other's peer block.
 */
TEST(daemon_direct_pending_then_direct)
{
	struct ioverbs_ep a, b;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	ASSERT_EQ(path_of(&a), SOFT_PATH_UNDECIDED);
	ASSERT_EQ(a.rqp.dir->state, IB_UVERBS_QPS_RESET);
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_PENDING);
	ASSERT_EQ(a.rqp.dir->state, IB_UVERBS_QPS_RTS);
	ASSERT_EQ(path_of(&b), SOFT_PATH_UNDECIDED);
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&b), SOFT_PATH_DIRECT);
	check_peer_block(&a, &b, getpid());
	check_peer_block(&b, &a, getpid());

	/* RESET: UNDECIDED again, the peer learns it. */
	{
		struct ib_uverbs_qp_attr at = { .attr_mask = IB_UVERBS_QP_STATE,
						.qp_state = IB_UVERBS_QPS_RESET };

		ASSERT_OK(ioverbs_qp_modify(&b.v, b.qp, &at));
	}
	ASSERT_EQ(path_of(&b), SOFT_PATH_UNDECIDED);
	ASSERT_EQ(b.rqp.dir->peer_qpn, 0);
	ASSERT_EQ(b.rqp.dir->state, IB_UVERBS_QPS_RESET);
	ASSERT_EQ(a.rqp.dir->peer_gone, 1);
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/* A PENDING QP whose named peer goes, or names another, is RELAY. */
TEST(daemon_direct_pending_peer_goes)
{
	struct ioverbs_ep a, b, c;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_PENDING);
	ASSERT_OK(ioverbs_qp_destroy(&b.v, b.qp, NULL));
	ASSERT_EQ(path_of(&a), SOFT_PATH_RELAY);
	dep_close(&a);
	dep_close(&b);

	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &c, &RC_KEYS));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_PENDING);
	/* b names c: a waits no more; c, named by nobody, waits for b. */
	ASSERT_OK(ioverbs_ep_connect(&b, &c, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_RELAY);
	ASSERT_EQ(path_of(&b), SOFT_PATH_PENDING);
	ASSERT_OK(ioverbs_ep_connect(&c, &b, 7));
	ASSERT_EQ(path_of(&b), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&c), SOFT_PATH_DIRECT);
	dep_close(&a);
	dep_close(&b);
	dep_close(&c);
	fx_stop(&fx);
}

/* One SEND from @from to @to through the rings: its bytes arrive. */
static void relay_send(struct ioverbs_ep *from, struct ioverbs_ep *to)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 5, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)from->buf,
				     .length = 16, .lkey = from->lkey };
	struct ib_uverbs_wc wc;

	memcpy(from->buf, "relayed payload!", 16);
	ASSERT_OK(ioverbs_ep_post_recv(to, 6, 1024, 64));
	ASSERT_OK(ioverbs_ep_post_send(from, &wr, &sge));
	ASSERT_OK(ioverbs_ep_poll(from, &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 5);
	ASSERT_OK(ioverbs_ep_poll(to, &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 6);
	ASSERT_EQ(wc.byte_len, 16);
	ASSERT_EQ(memcmp(to->buf + 1024, "relayed payload!", 16), 0);
}

/* A context without a key table is relayed, and so is its peer. */
TEST(daemon_direct_relay_without_keys)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct ioverbs_ep a, b;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &nokeys));
	ASSERT_EQ(path_of(&a), SOFT_PATH_UNDECIDED);
	ASSERT_EQ(path_of(&b), SOFT_PATH_RELAY);
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_RELAY);
	ASSERT_EQ(path_of(&b), SOFT_PATH_RELAY);
	relay_send(&a, &b);
	relay_send(&b, &a);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/* UD QPs and QPs on an SRQ are RELAY from their attach; UC may be DIRECT. */
TEST(daemon_direct_relay_ud_srq)
{
	static const struct dopts ud = { .keys = 64, .type = IB_UVERBS_QPT_UD,
					 .ch = -1 };
	static const struct dopts srq = { .keys = 64, .srq = true, .ch = -1 };
	static const struct dopts uc = { .keys = 64, .type = IB_UVERBS_QPT_UC,
					 .ch = -1 };
	struct ioverbs_qp_peer p = { .qp_type = IB_UVERBS_QPT_UC,
				     .access = ACC_ALL };
	struct ioverbs_ep a, b;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &ud));
	ASSERT_EQ(path_of(&a), SOFT_PATH_RELAY);
	dep_close(&a);
	ASSERT_OK(dep_open(&fx, &a, &srq));
	ASSERT_EQ(path_of(&a), SOFT_PATH_RELAY);
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	/* An RC QP naming one on an SRQ is relayed too. */
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_EQ(path_of(&b), SOFT_PATH_RELAY);
	dep_close(&a);
	dep_close(&b);

	ASSERT_OK(dep_open(&fx, &a, &uc));
	ASSERT_OK(dep_open(&fx, &b, &uc));
	p.dlid = b.lid;
	p.dest_qpn = b.qpn;
	ASSERT_OK(ioverbs_qp_connect(&a.v, a.qp, &p));
	p.dlid = a.lid;
	p.dest_qpn = a.qpn;
	ASSERT_OK(ioverbs_qp_connect(&b.v, b.qp, &p));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&b), SOFT_PATH_DIRECT);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/* --- the other side in a child process -------------------------------- */

/* What a side tells the other (through the test). */
struct side_addr {
	u16 lid;
	u32 qpn;
	pid_t pid;
};

/* How a child side runs. */
struct side {
	struct fx *fx;
	uid_t uid;		/* 0: stay root */
	int dumpable;		/* PR_SET_DUMPABLE after becoming @uid */
	bool receive;		/* the relayed SEND comes to it */
	int to_parent, from_parent;
};

static void put_msg(int fd, const void *p, size_t n)
{
	CHECK(write(fd, p, n) == (ssize_t)n);
}

static void get_msg(int fd, void *p, size_t n)
{
	CHECK(read(fd, p, n) == (ssize_t)n);
}

/*
 * The child: its side, its address to the parent, the parent's (or the
 * other child's) back, connect, "c"; then on "p" its path; on "s" one
 * relayed SEND (receive or send), "d" when done; on "x" it exits.
 */
static void side_run(struct side *sd)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 5, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct side_addr me, peer;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep s;
	char c;
	u32 path;

	if (sd->uid) {
		CHECK(!fx_become(sd->uid));
		CHECK(!prctl(PR_SET_DUMPABLE, sd->dumpable, 0, 0, 0));
	}
	CHECK(!dep_open(sd->fx, &s, &RC_KEYS));
	me = (struct side_addr){ .lid = s.lid, .qpn = s.qpn, .pid = getpid() };
	put_msg(sd->to_parent, &me, sizeof(me));
	get_msg(sd->from_parent, &peer, sizeof(peer));
	CHECK(!ioverbs_qp_connect_rc(&s.v, s.qp, peer.lid, peer.qpn, 7));
	put_msg(sd->to_parent, "c", 1);
	for (;;) {
		get_msg(sd->from_parent, &c, 1);
		if (c == 'x')
			break;
		if (c == 'p') {
			path = path_of(&s);
			put_msg(sd->to_parent, &path, sizeof(path));
		} else if (c == 's' && sd->receive) {
			CHECK(!ioverbs_ep_post_recv(&s, 6, 1024, 64));
			put_msg(sd->to_parent, "r", 1);
			CHECK(!ioverbs_ep_poll(&s, &wc, 20000));
			CHECK(wc.status == IB_UVERBS_WC_SUCCESS);
			CHECK(wc.byte_len == 16);
			CHECK(!memcmp(s.buf + 1024, "relayed payload!", 16));
			put_msg(sd->to_parent, "d", 1);
		} else if (c == 's') {
			memcpy(s.buf, "relayed payload!", 16);
			sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)s.buf,
						      .length = 16,
						      .lkey = s.lkey };
			CHECK(!ioverbs_ep_post_send(&s, &wr, &sge));
			CHECK(!ioverbs_ep_poll(&s, &wc, 20000));
			CHECK(wc.status == IB_UVERBS_WC_SUCCESS);
			put_msg(sd->to_parent, "d", 1);
		}
	}
	dep_close(&s);
}

struct child {
	pid_t pid;
	int rfd, wfd;
	struct side_addr addr;
};

static void child_start(struct child *ch, struct side *sd)
{
	int up[2], down[2];

	ASSERT_OK(pipe(up));
	ASSERT_OK(pipe(down));
	fflush(stdout);
	fflush(stderr);
	ch->pid = fork();
	ASSERT_TRUE(ch->pid >= 0);
	if (!ch->pid) {
		close(up[0]);
		close(down[1]);
		sd->to_parent = up[1];
		sd->from_parent = down[0];
		side_run(sd);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	ch->rfd = up[0];
	ch->wfd = down[1];
	ASSERT_EQ(read(ch->rfd, &ch->addr, sizeof(ch->addr)),
		  (ssize_t)sizeof(ch->addr));
}

static void child_send(struct child *ch, const void *p, size_t n)
{
	ASSERT_EQ(write(ch->wfd, p, n), (ssize_t)n);
}

static char child_byte(struct child *ch)
{
	char c = 0;

	ASSERT_EQ(read(ch->rfd, &c, 1), 1);
	return c;
}

static u32 child_path(struct child *ch)
{
	u32 path = 0xff;

	child_send(ch, "p", 1);
	ASSERT_EQ(read(ch->rfd, &path, sizeof(path)), (ssize_t)sizeof(path));
	return path;
}

/* Tells the child to exit; its status must be 0. */
static void child_end(struct child *ch)
{
	int status;

	child_send(ch, "x", 1);
	ASSERT_EQ(waitpid(ch->pid, &status, 0), ch->pid);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	close(ch->rfd);
	close(ch->wfd);
}

static uid_t unused_uid(uid_t from)
{
	while (getpwuid(from) || getgrgid(from))
		from++;
	return from;
}

/*
 * Two children connect to each other: their paths once both are
 * connected (*@pa, *@pb); if RELAY, one SEND of @a's reaches @b.
 */
static void two_children(struct fx *fx, struct side *a, struct side *b,
			 u32 *pa, u32 *pb)
{
	struct child ca, cb;

	a->fx = b->fx = fx;
	b->receive = true;
	child_start(&ca, a);
	child_start(&cb, b);
	child_send(&ca, &cb.addr, sizeof(cb.addr));
	child_send(&cb, &ca.addr, sizeof(ca.addr));
	ASSERT_EQ(child_byte(&ca), 'c');
	ASSERT_EQ(child_byte(&cb), 'c');
	*pa = child_path(&ca);
	*pb = child_path(&cb);
	if (*pa == SOFT_PATH_RELAY && *pb == SOFT_PATH_RELAY) {
		child_send(&cb, "s", 1);
		ASSERT_EQ(child_byte(&cb), 'r');
		child_send(&ca, "s", 1);
		ASSERT_EQ(child_byte(&ca), 'd');
		ASSERT_EQ(child_byte(&cb), 'd');
	}
	child_end(&ca);
	child_end(&cb);
}

/* two_children() on a daemon of its own: both paths must be @want. */
static void two_children_take(struct side *a, struct side *b, u32 want)
{
	u32 pa, pb;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	two_children(&fx, a, b, &pa, &pb);
	ASSERT_EQ(pa, want);
	ASSERT_EQ(pb, want);
	fx_stop(&fx);
}

/* Two processes of one user, both dumpable: DIRECT (no data: no provider). */
TEST_TIMEOUT(daemon_direct_two_processes_same_user, 120)
{
	uid_t u = unused_uid(61500);
	struct side a = { .uid = u, .dumpable = 1 },
		    b = { .uid = u, .dumpable = 1 };

	two_children_take(&a, &b, SOFT_PATH_DIRECT);
}

/* Two users: RELAY both ways, and the relay moves the data. */
TEST_TIMEOUT(daemon_direct_two_users_relay, 120)
{
	uid_t u = unused_uid(61500);
	struct side a = { .uid = u, .dumpable = 1 },
		    b = { .uid = unused_uid(u + 1), .dumpable = 1 };

	two_children_take(&a, &b, SOFT_PATH_RELAY);
}

/* One user, but one process is not dumpable: RELAY, and data moves. */
TEST_TIMEOUT(daemon_direct_not_dumpable_relay, 120)
{
	uid_t u = unused_uid(61500);
	struct side a = { .uid = u, .dumpable = 1 },
		    b = { .uid = u, .dumpable = 0 };

	two_children_take(&a, &b, SOFT_PATH_RELAY);
}

/* Waits (10 s at most) for peer_gone in @s's page. */
static bool wait_peer_gone(const struct ioverbs_ep *s)
{
	int i;

	for (i = 0; i < 1000; i++) {
		if (__atomic_load_n(&s->rqp.dir->peer_gone, __ATOMIC_ACQUIRE))
			return true;
		msleep(10);
	}
	return false;
}

/*
 * A child of root's (so DIRECT) with a peer block naming its process;
 * then it is killed: the survivor's page says peer_gone.
 */
TEST_TIMEOUT(daemon_direct_peer_killed, 120)
{
	struct side sd = { .uid = 0 };
	struct side_addr me;
	struct ioverbs_ep a;
	struct child ch;
	struct fx fx;
	long base;
	int status;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	sd.fx = &fx;
	child_start(&ch, &sd);
	me = (struct side_addr){ .lid = a.lid, .qpn = a.qpn, .pid = getpid() };
	child_send(&ch, &me, sizeof(me));
	ASSERT_EQ(child_byte(&ch), 'c');
	ASSERT_OK(ioverbs_qp_connect_rc(&a.v, a.qp, ch.addr.lid, ch.addr.qpn,
					7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(a.rqp.dir->peer_pid, ch.pid);
	ASSERT_EQ(a.rqp.dir->peer_qpn, ch.addr.qpn);
	ASSERT_EQ(remote_ino(ch.pid, a.rqp.dir->peer_qp_fd),
		  a.rqp.dir->peer_qp_ino);
	ASSERT_EQ(remote_ino(ch.pid, a.rqp.dir->peer_keys_fd),
		  a.rqp.dir->peer_keys_ino);
	ASSERT_EQ(remote_ino(ch.pid, a.rqp.dir->peer_kick_fd),
		  a.rqp.dir->peer_kick_ino);
	ASSERT_EQ(a.rqp.dir->peer_gone, 0);
	ASSERT_OK(kill(ch.pid, SIGKILL));
	ASSERT_EQ(waitpid(ch.pid, &status, 0), ch.pid);
	close(ch.rfd);
	close(ch.wfd);
	ASSERT_TRUE(wait_peer_gone(&a));
	ASSERT_EQ(a.rqp.dir->seq % 2, 0);
	dep_close(&a);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

/*
 * Events of a DIRECT QP's armed CQ: a notify kick raises one (and none
 * on a disarmed CQ, the notify taken all the same), the peer's DESTROY
 * (peer_gone) one, the QP's move to ERR one.
 */
TEST_TIMEOUT(daemon_direct_notify_and_events, 60)
{
	struct ib_uverbs_comp_event_desc d;
	struct ioverbs_ep a, b;
	struct pollfd p;
	struct fx fx;
	int ev, ch;

	fx_start(&fx, "--mode=0666", NULL);
	ev = fx_event_file(&fx, "direct-gone", O_NONBLOCK);
	ASSERT_TRUE(ev >= 0);
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	{
		/* a, by hand: the channel between GET_CONTEXT and CQ_CREATE. */
		struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 0xa0,
							.cqe = 64 };
		struct ib_uverbs_qp_create_cmd qcmd = {
			.qp_type = IB_UVERBS_QPT_RC,
			.cap = { .max_send_wr = 16, .max_recv_wr = 16,
				 .max_send_sge = 2, .max_recv_sge = 2 },
		};
		struct ib_uverbs_qp_create_resp qresp;
		struct ib_uverbs_cq_create_resp cresp;
		int fd = fx_open(&fx, "uverbs0", O_RDWR);

		ASSERT_TRUE(fd >= 0);
		memset(&a, 0, sizeof(a));
		ioverbs_client_init_fd(&a.v, fd);
		a.len = BUF_LEN;
		a.buf = calloc(1, BUF_LEN);
		ASSERT_TRUE(a.buf != NULL);
		ASSERT_OK(ioverbs_context_get(&a.v));
		ASSERT_OK(ioverbs_comp_channel_create(&a.v, ev, &ch));
		ASSERT_OK(ioverbs_port_query_lid(&a.v, &a.lid));
		ASSERT_OK(ioverbs_pd_alloc(&a.v, &a.pd));
		ASSERT_OK(ioverbs_mr_reg(&a.v, a.pd, a.buf, BUF_LEN, ACC_ALL,
					 &a.mr, &a.lkey, &a.rkey));
		ASSERT_OK(ioverbs_cq_create_ex(&a.v, &ccmd, ch, &a.cq, &cresp));
		a.cqe = cresp.cqe;
		ASSERT_OK(ioverbs_qp_create_ex(&a.v, &qcmd, a.pd, a.cq, a.cq,
					       IOVERBS_NONE, &a.qp, &qresp));
		a.qpn = qresp.qpn;
		a.cap = qresp.cap;
		ASSERT_OK(ioverbs_sring_ctx_attach_keys(&a.rctx, 64, a.v.fn,
							a.v.ctx));
		ASSERT_OK(ioverbs_sring_cq_attach(&a.rcq, a.cq, a.cqe, a.v.fn,
						  a.v.ctx));
		ASSERT_OK(ioverbs_sring_qp_attach(&a.rqp, &a.rctx, a.qp,
						  &a.cap, a.v.fn, a.v.ctx));
		a.rings = true;
	}
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);

	/* Notify without an armed CQ: taken, no event. */
	__atomic_fetch_or(&a.rqp.dir->notify, SOFT_DIRECT_NOTIFY_RECV,
			  __ATOMIC_SEQ_CST);
	{
		u64 one = 1;

		ASSERT_EQ(write(a.rctx.kick, &one, sizeof(one)),
			  (ssize_t)sizeof(one));
	}
	{
		int i;

		for (i = 0; i < 1000 && __atomic_load_n(&a.rqp.dir->notify,
							__ATOMIC_ACQUIRE);
		     i++)
			msleep(10);
	}
	ASSERT_EQ(a.rqp.dir->notify, 0);
	p = (struct pollfd){ .fd = ev, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 200), 0);

	/* Armed: the notify kick raises one event. */
	ASSERT_OK(ioverbs_cq_req_notify(&a.v, a.cq, 0));
	__atomic_fetch_or(&a.rqp.dir->notify, SOFT_DIRECT_NOTIFY_RECV,
			  __ATOMIC_SEQ_CST);
	{
		u64 one = 1;

		ASSERT_EQ(write(a.rctx.kick, &one, sizeof(one)),
			  (ssize_t)sizeof(one));
	}
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	ASSERT_EQ(read(ev, &d, sizeof(d)), (ssize_t)sizeof(d));
	ASSERT_EQ(d.cq_handle, 0xa0);
	ASSERT_EQ(a.rqp.dir->notify, 0);

	/* Armed again; the peer is destroyed: peer_gone and an event. */
	ASSERT_OK(ioverbs_cq_req_notify(&a.v, a.cq, 0));
	ASSERT_OK(ioverbs_qp_destroy(&b.v, b.qp, NULL));
	ASSERT_EQ(a.rqp.dir->peer_gone, 1);
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	ASSERT_EQ(read(ev, &d, sizeof(d)), (ssize_t)sizeof(d));
	ASSERT_EQ(d.cq_handle, 0xa0);
	ASSERT_EQ(poll(&p, 1, 100), 0);

	/* Armed; the device moves the DIRECT QP to ERR: an event. */
	ASSERT_OK(ioverbs_cq_req_notify(&a.v, a.cq, 0));
	{
		struct ib_uverbs_qp_attr at = { .attr_mask = IB_UVERBS_QP_STATE,
						.qp_state = IB_UVERBS_QPS_ERR };

		ASSERT_OK(ioverbs_qp_modify(&a.v, a.qp, &at));
	}
	ASSERT_EQ(a.rqp.dir->state, IB_UVERBS_QPS_ERR);
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	ASSERT_EQ(read(ev, &d, sizeof(d)), (ssize_t)sizeof(d));
	ASSERT_EQ(d.cq_handle, 0xa0);
	dep_close(&b);
	dep_close(&a);
	close(ev);
	fx_stop(&fx);
}

/* The peer's device is removed: its QP goes, the survivor learns it. */
TEST_TIMEOUT(daemon_direct_peer_device_removed, 60)
{
	static const struct dopts on1 = { .keys = 64, .ch = -1,
					  .dev = "uverbs1" };
	struct ioverbs_ep a, b;
	char out[256];
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &on1));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&b), SOFT_PATH_DIRECT);
	ASSERT_EQ(a.rqp.dir->peer_lid, b.lid);
	ASSERT_OK(fx_ctl(&fx, "remove uverbs1", out, sizeof(out)));
	ASSERT_EQ(a.rqp.dir->peer_gone, 1);
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	dep_close(&b);
	dep_close(&a);
	fx_stop(&fx);
}

/* @a and @b (RC_KEYS) on @fx, connected to each other: DIRECT. */
static void direct_pair(struct fx *fx, struct ioverbs_ep *a,
			struct ioverbs_ep *b)
{
	ASSERT_OK(dep_open(fx, a, &RC_KEYS));
	ASSERT_OK(dep_open(fx, b, &RC_KEYS));
	ASSERT_OK(ioverbs_ep_connect(a, b, 7));
	ASSERT_OK(ioverbs_ep_connect(b, a, 7));
	ASSERT_EQ(path_of(a), SOFT_PATH_DIRECT);
}

/* @a announces a copy through @b's key @e, of sequence @seq (its page). */
static void announce(struct ioverbs_ep *a, const struct ioverbs_ep *b,
		     const struct soft_direct_key *e, u32 seq)
{
	a->rqp.dir->inflight_seq = seq;
	__atomic_store_n(&a->rqp.dir->inflight_slot, key_slot(b, e) + 1,
			 __ATOMIC_SEQ_CST);
}

struct clearer {
	u32 *slot;
	unsigned int ms;
};

static void *clear_later(void *arg)
{
	struct clearer *c = arg;

	msleep(c->ms);
	__atomic_store_n(c->slot, 0, __ATOMIC_RELEASE);
	return NULL;
}

/*
 * DEREG waits while a DIRECT peer announces a copy through the dying
 * entry: until it clears it, or 1 s at most.
 */
TEST_TIMEOUT(daemon_direct_dereg_waits_for_inflight, 60)
{
	const struct soft_direct_key *e;
	struct clearer c;
	struct ioverbs_ep a, b;
	u32 mr, lkey, rkey;
	struct fx fx;
	pthread_t th;
	double t0, t;

	fx_start(&fx, "--mode=0666", NULL);
	direct_pair(&fx, &a, &b);

	/* Not announced: DEREG takes no time to speak of. */
	ASSERT_OK(ioverbs_mr_reg(&b.v, b.pd, b.buf, 4096, ACC_ALL, &mr, &lkey,
				 &rkey));
	t0 = now_s();
	ASSERT_OK(ioverbs_mr_dereg(&b.v, mr));
	ASSERT_TRUE(now_s() - t0 < 0.5);

	/* a copies through b's key (a's page), cleared after 100 ms. */
	ASSERT_OK(ioverbs_mr_reg(&b.v, b.pd, b.buf, 4096, ACC_ALL, &mr, &lkey,
				 &rkey));
	e = key_find(&b, rkey);
	ASSERT_TRUE(e != NULL);
	announce(&a, &b, e, e->seq);
	c = (struct clearer){ .slot = &a.rqp.dir->inflight_slot, .ms = 100 };
	ASSERT_OK(-pthread_create(&th, NULL, clear_later, &c));
	t0 = now_s();
	ASSERT_OK(ioverbs_mr_dereg(&b.v, mr));
	t = now_s() - t0;
	ASSERT_OK(-pthread_join(th, NULL));
	ASSERT_TRUE(t >= 0.09);
	ASSERT_TRUE(t < 0.9);
	ASSERT_EQ(e->state, SOFT_DKEY_DEAD);

	/* Another slot or seq announced: no wait. */
	ASSERT_OK(ioverbs_mr_reg(&b.v, b.pd, b.buf, 4096, ACC_ALL, &mr, &lkey,
				 &rkey));
	e = key_find(&b, rkey);
	announce(&a, &b, e, e->seq + 2);
	t0 = now_s();
	ASSERT_OK(ioverbs_mr_dereg(&b.v, mr));
	ASSERT_TRUE(now_s() - t0 < 0.5);

	/* Never cleared: DEREG goes on after its bound, and says so. */
	ASSERT_OK(ioverbs_mr_reg(&b.v, b.pd, b.buf, 4096, ACC_ALL, &mr, &lkey,
				 &rkey));
	e = key_find(&b, rkey);
	announce(&a, &b, e, e->seq);
	t0 = now_s();
	ASSERT_OK(ioverbs_mr_dereg(&b.v, mr));
	t = now_s() - t0;
	ASSERT_TRUE(t >= 0.9);
	ASSERT_TRUE(t < 5);
	ASSERT_TRUE(fx_log_says(&fx, "did not end in 1000 ms"));
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

static u32 rnd(void)
{
	return (u32)random() ^ ((u32)random() << 16);
}

/* Garbage in every client-written field: the daemon neither crashes nor hangs. */
TEST_TIMEOUT(daemon_direct_garbage_pages, 120)
{
	struct ioverbs_ep a, b;
	u32 mr, lkey, rkey;
	struct fx fx;
	u64 one = 1;
	int i;

	srandom(12345);
	fx_start(&fx, "--mode=0666", NULL);
	direct_pair(&fx, &a, &b);
	for (i = 0; i < 200; i++) {
		struct soft_direct_ctrl *d = (i & 1 ? a : b).rqp.dir;

		d->seq = rnd();
		d->path = rnd();
		d->state = rnd();
		d->inflight_slot = rnd() % 70;
		d->inflight_seq = rnd() % 8;
		d->notify = rnd();
		d->armed_recv = rnd();
		d->cpu = (s32)rnd();
		d->rx_prod = rnd();
		d->tx_bytes = rnd();
		ASSERT_EQ(write((i & 1 ? a : b).rctx.kick, &one, sizeof(one)),
			  (ssize_t)sizeof(one));
		if (i % 20 == 0) {
			ASSERT_OK(ioverbs_mr_reg(&b.v, b.pd, b.buf, 64,
						 ACC_ALL, &mr, &lkey, &rkey));
			ASSERT_OK(ioverbs_mr_dereg(&b.v, mr));
		}
	}
	/* The whole device part too: the daemon never reads it back. */
	memset(a.rqp.dir, 0xa5, SOFT_DIRECT_PAGE);
	memset(a.rqp.dring, 0x5a, SOFT_DIRECT_RING_BYTES);
	ASSERT_EQ(write(a.rctx.kick, &one, sizeof(one)), (ssize_t)sizeof(one));
	ASSERT_OK(ioverbs_qp_destroy(&a.v, a.qp, NULL));
	ASSERT_EQ(b.rqp.dir->peer_gone, 1);
	ASSERT_TRUE(fx_alive(&fx));
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/*
 * A MODIFY of a DIRECT QP's access flags (RTS to RTS) is written into
 * its peer's block, under the page's seq, each time: the peer checks
 * them before each RDMA WRITE, READ and atomic, as the relay's
 * responder checks the flags it has when it executes one.  The QP's own
 * page keeps its peer's flags.
 */
TEST_TIMEOUT(daemon_direct_access_flags_follow, 60)
{
	static const u32 flags[] = {
		IB_UVERBS_ACCESS_REMOTE_READ,
		0,
		IB_UVERBS_ACCESS_REMOTE_WRITE | IB_UVERBS_ACCESS_REMOTE_ATOMIC,
	};
	struct ib_uverbs_qp_attr at = { .attr_mask = IB_UVERBS_QP_ACCESS_FLAGS };
	struct ioverbs_ep a, b;
	unsigned int i;
	struct fx fx;
	u32 seq;

	fx_start(&fx, "--mode=0666", NULL);
	direct_pair(&fx, &a, &b);
	ASSERT_EQ(a.rqp.dir->peer_access, IB_UVERBS_ACCESS_REMOTE_WRITE |
					       IB_UVERBS_ACCESS_REMOTE_READ |
					       IB_UVERBS_ACCESS_REMOTE_ATOMIC);
	for (i = 0; i < ARRAY_SIZE(flags); i++) {
		seq = __atomic_load_n(&a.rqp.dir->seq, __ATOMIC_ACQUIRE);
		at.qp_access_flags = flags[i];
		ASSERT_OK(ioverbs_qp_modify(&b.v, b.qp, &at));
		ASSERT_EQ(__atomic_load_n(&a.rqp.dir->seq, __ATOMIC_ACQUIRE),
			  seq + 2);
		ASSERT_EQ(a.rqp.dir->peer_access, flags[i]);
		ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
		ASSERT_EQ(a.rqp.dir->peer_qpn, b.qpn);
		ASSERT_EQ(b.rqp.dir->peer_access,
			  IB_UVERBS_ACCESS_REMOTE_WRITE |
				  IB_UVERBS_ACCESS_REMOTE_READ |
				  IB_UVERBS_ACCESS_REMOTE_ATOMIC);
	}
	/* Once b's peer is gone, its flags go nowhere. */
	ASSERT_OK(ioverbs_qp_destroy(&a.v, a.qp, NULL));
	at.qp_access_flags = IB_UVERBS_ACCESS_REMOTE_READ;
	seq = __atomic_load_n(&b.rqp.dir->seq, __ATOMIC_ACQUIRE);
	ASSERT_OK(ioverbs_qp_modify(&b.v, b.qp, &at));
	ASSERT_EQ(__atomic_load_n(&b.rqp.dir->seq, __ATOMIC_ACQUIRE), seq);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/*
 * The daemon's "stat" and `ioverbs stat` show each file's QPs by path,
 * each QP's path, and what the clients report of the direct path.
 */
TEST_TIMEOUT(daemon_direct_stat, 60)
{
	static const struct dopts nokeys = { .ch = -1 };
	char out[32768], line[256], *argv[5];
	struct ioverbs_ep a, b, c;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(dep_open(&fx, &a, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &c, &nokeys));
	ASSERT_OK(ioverbs_ep_connect(&a, &b, 7));
	ASSERT_OK(fx_ctl(&fx, "stat", out, sizeof(out)));
	snprintf(line, sizeof(line), " %u pending peer %u gone 0 ", a.qpn,
		 b.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), " %u undecided peer 0 gone 0 ", b.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_OK(ioverbs_ep_connect(&b, &a, 7));
	/* What a client says it moved (its own page: not checked). */
	a.rqp.dir->tx_msgs = 7;
	a.rqp.dir->tx_bytes = 700;
	a.rqp.dir->rx_msgs = 3;
	a.rqp.dir->rx_bytes = 30;
	ASSERT_OK(fx_ctl(&fx, "stat", out, sizeof(out)));
	snprintf(line, sizeof(line),
		 " %u direct peer %u gone 0 tx_msgs 7 tx_bytes 700 rx_msgs 3 rx_bytes 30\n",
		 a.qpn, b.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_TRUE(strstr(out, " qps 1 direct 1 relay 0 pending 0 undecided 0 tx_msgs 7 tx_bytes 700 rx_msgs 3 rx_bytes 30\n") != NULL);
	snprintf(line, sizeof(line), " %u relay peer 0 gone 0 ", c.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	ASSERT_TRUE(strstr(out, " qps 1 direct 0 relay 1 pending 0 undecided 0 ") != NULL);

	ASSERT_OK(ioverbs_qp_destroy(&b.v, b.qp, NULL));
	ASSERT_OK(fx_ctl(&fx, "stat", out, sizeof(out)));
	snprintf(line, sizeof(line), " %u direct peer 0 gone 1 ", a.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);

	argv[0] = (char *)fx_tool_path();
	argv[1] = "stat";
	argv[2] = "-m";
	argv[3] = fx.mnt;
	argv[4] = NULL;
	ASSERT_EQ(fx_run(argv, out, sizeof(out)), 0);
	ASSERT_TRUE(strstr(out, "    data path 1 QP with rings: 1 direct, 0 relayed, 0 pending, 0 undecided\n") != NULL);
	ASSERT_TRUE(strstr(out, "      direct (client-reported): sent 7 msgs 700 bytes, received 3 msgs 30 bytes\n") != NULL);
	snprintf(line, sizeof(line), "      qp 0x%06x  direct     peer gone\n",
		 a.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), "      qp 0x%06x  relay    \n", c.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	dep_close(&a);
	dep_close(&b);
	dep_close(&c);
	fx_stop(&fx);
}
