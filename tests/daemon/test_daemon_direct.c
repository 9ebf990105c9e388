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
#include <time.h>
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

/*
 * UD QPs on an SRQ and QPs on an SRQ without a ring are RELAY from their
 * attach; UD QPs otherwise wait for their RTR; UC may be DIRECT.
 */
TEST(daemon_direct_relay_ud_srq)
{
	static const struct dopts ud = { .keys = 64, .type = IB_UVERBS_QPT_UD,
					 .srq = true, .ch = -1 };
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

/* --- SRQs with a ring (SOFT_ATTACH_SRQ) -------------------------------- */

#define SRQ_HANDLE 0x5eed
#define SRQ_QPS 2

/*
 * A receiver: one file with a context (doorbell and key table), PD, MR,
 * CQ (with its ring), an SRQ with its ring and SRQ_QPS RC QPs on it, each
 * with its rings: q[i] is QP i's view (the file's client, buffer and CQ
 * shared).
 */
struct srq_side {
	struct ioverbs_ep q[SRQ_QPS];
	u32 srq;
	u32 srq_max_wr;
	struct ioverbs_sring_srq ring;
	bool ring_on;
};

/* The SRQ's ring slots for a device whose max_srq_wr is @max. */
static u32 srq_entries(struct ioverbs_client *v)
{
	struct ib_uverbs_query_device_resp d;

	if (ioverbs_device_query(v, &d))
		return 0;
	return soft_ring_entries(d.max_srq_wr);
}

/* As dep_open(), with an SRQ of @max_wr (@limit armed) and its ring. */
static long srq_open(struct fx *fx, struct srq_side *r, u32 max_wr,
		     u32 limit, u32 entries)
{
	struct ib_uverbs_cq_create_cmd ccmd = { .user_handle = 0xcafe,
						.cqe = 64 };
	struct ib_uverbs_srq_create_cmd scmd = { .user_handle = SRQ_HANDLE,
						 .max_wr = max_wr,
						 .max_sge = 1,
						 .srq_limit = limit };
	struct ib_uverbs_qp_create_cmd qcmd = {
		.qp_type = IB_UVERBS_QPT_RC,
		.cap = { .max_send_wr = 16, .max_send_sge = 2,
			 .max_inline_data = 64 },
	};
	struct ib_uverbs_srq_create_resp sresp;
	struct ib_uverbs_qp_create_resp qresp;
	struct ib_uverbs_cq_create_resp cresp;
	struct ioverbs_ep *s = &r->q[0];
	int fd = fx_open(fx, "uverbs0", O_RDWR);
	long ret;
	int i;

	if (fd < 0)
		return fd;
	memset(r, 0, sizeof(*r));
	r->ring.fd = -1;
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
		ret = ioverbs_cq_create_ex(&s->v, &ccmd, -1, &s->cq, &cresp);
	if (!ret)
		ret = ioverbs_srq_create(&s->v, s->pd, &scmd, &r->srq, &sresp);
	if (ret)
		return ret;
	s->cqe = cresp.cqe;
	r->srq_max_wr = sresp.max_wr;
	ret = ioverbs_sring_ctx_attach_keys(&s->rctx, 64, s->v.fn, s->v.ctx);
	if (!ret)
		ret = ioverbs_sring_cq_attach(&s->rcq, s->cq, s->cqe, s->v.fn,
					      s->v.ctx);
	if (!ret && entries) {
		ret = ioverbs_sring_srq_attach(&r->ring, r->srq, entries,
					       sresp.max_wr, 1, s->v.fn,
					       s->v.ctx);
		r->ring_on = !ret;
	}
	if (ret)
		return ret;
	s->rings = true;
	for (i = 1; i < SRQ_QPS; i++)
		r->q[i] = *s;
	for (i = 0; i < SRQ_QPS; i++) {
		ret = ioverbs_qp_create_ex(&s->v, &qcmd, s->pd, s->cq, s->cq,
					   r->srq, &r->q[i].qp, &qresp);
		if (ret)
			return ret;
		r->q[i].qpn = qresp.qpn;
		r->q[i].cap = qresp.cap;
		r->q[i].rqp.fd = -1;
		ret = ioverbs_sring_qp_attach(&r->q[i].rqp, &s->rctx,
					      r->q[i].qp, &r->q[i].cap,
					      s->v.fn, s->v.ctx);
		if (ret)
			return ret;
	}
	return 0;
}

static void srq_close(struct srq_side *r)
{
	int i;

	for (i = 0; i < SRQ_QPS; i++)
		if (r->q[i].rqp.map)
			ioverbs_sring_qp_detach(&r->q[i].rqp);
	if (r->ring_on)
		ioverbs_sring_srq_detach(&r->ring);
	r->q[0].rqp.map = NULL;
	r->q[0].rqp.fd = -1;
	dep_close(&r->q[0]);
}

/* The reason of @v's last command (a static buffer). */
static const char *reason_of(struct ioverbs_client *v)
{
	static char why[IOVERBS_REASON_MAX];

	if (ioverbs_reason_get(v, why, sizeof(why)) <= 0)
		why[0] = '\0';
	return why;
}

/* A receive of 64 bytes at @off of the buffer, on the SRQ's ring. */
static void srq_post(struct srq_side *r, u64 wr_id, u64 off)
{
	struct ib_uverbs_recv_wr wr = { .wr_id = wr_id, .num_sge = 1 };
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)(r->q[0].buf + off),
				     .length = 64, .lkey = r->q[0].lkey };

	ASSERT_OK(ioverbs_sring_srq_post(&r->ring, &wr, &sge));
	ioverbs_sring_ring(&r->q[0].rctx);
}

/* A signaled 16-byte SEND of @from with @tag; its status. */
static u32 send_tag(struct ioverbs_ep *from, const char *tag)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 77, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)from->buf,
				     .length = 16, .lkey = from->lkey };
	struct ib_uverbs_wc wc;

	memset(from->buf, 0, 16);
	memcpy(from->buf, tag, strlen(tag));
	ASSERT_OK(ioverbs_ep_post_send(from, &wr, &sge));
	ASSERT_OK(ioverbs_ep_poll(from, &wc, 20000));
	ASSERT_EQ(wc.wr_id, 77);
	return wc.status;
}

/* The receiver's next completion: its wr_id, for QP @qpn, @len bytes. */
static void srq_recv_wc(struct srq_side *r, u64 wr_id, u32 qpn)
{
	struct ib_uverbs_wc wc;

	ASSERT_OK(ioverbs_ep_poll(&r->q[0], &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.opcode, IB_UVERBS_WC_RECV);
	ASSERT_EQ(wc.wr_id, wr_id);
	ASSERT_EQ(wc.qp_num, qpn);
	ASSERT_EQ(wc.byte_len, 16);
}

/* The next async event of @v within 5 s: its type and element. */
static void async_expect(struct ioverbs_client *v, u32 type, u64 element)
{
	struct ib_uverbs_async_event_desc d;
	long ret;
	int i;

	for (i = 0; i < 500; i++) {
		ret = ioverbs_async_event_get(v, &d);
		if (ret != -EAGAIN)
			break;
		usleep(10000);
	}
	ASSERT_OK(ret);
	ASSERT_EQ(d.event_type, type);
	ASSERT_EQ(d.element, element);
}

/* No async event is queued for @v after @ms. */
static void async_none(struct ioverbs_client *v, unsigned int ms)
{
	struct ib_uverbs_async_event_desc d;

	usleep(ms * 1000);
	ASSERT_ERRNO(-EAGAIN, ioverbs_async_event_get(v, &d));
}

/*
 * SOFT_ATTACH_SRQ's checks: entries a power of two from the SRQ's
 * max_wr to the device's max_srq_wr rounded up, once, after the
 * doorbell, before any receive; then SRQ_POST_RECV is refused and
 * MODIFY cannot grow the SRQ past its ring.
 */
TEST(daemon_direct_srq_ring_attach)
{
	struct ib_uverbs_srq_create_cmd scmd = { .max_wr = 16, .max_sge = 1 };
	struct ib_uverbs_srq_modify_cmd mcmd = {
		.attr_mask = IB_UVERBS_SRQ_MAX_WR, .max_wr = 32 };
	struct ib_uverbs_recv_wr wr = { .wr_id = 1, .num_sge = 0 };
	struct ioverbs_sring_srq ring;
	struct srq_side r;
	struct fx fx;
	u32 srq2, max;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(srq_open(&fx, &r, 16, 0, 16));
	max = srq_entries(&r.q[0].v);
	ASSERT_TRUE(max >= 16);
	/* A QP on an SRQ with a ring may go direct: it waits for RTR. */
	ASSERT_EQ(path_of(&r.q[0]), SOFT_PATH_UNDECIDED);
	ASSERT_ERRNO(-EBUSY, ioverbs_sring_srq_attach(&ring, r.srq, 16, 16, 1,
						      r.q[0].v.fn,
						      r.q[0].v.ctx));
	ASSERT_TRUE(strstr(reason_of(&r.q[0].v), "has its ring already") != NULL);
	ASSERT_ERRNO(-EINVAL, ioverbs_srq_post_recv(&r.q[0].v, r.srq, &wr, 1,
						    NULL, 0, NULL));
	ASSERT_TRUE(strstr(reason_of(&r.q[0].v), "posted on its ring") != NULL);
	/* 16 entries: the SRQ cannot grow to 32. */
	ASSERT_ERRNO(-EINVAL, ioverbs_srq_modify(&r.q[0].v, r.srq, &mcmd));
	ASSERT_TRUE(strstr(reason_of(&r.q[0].v), "entries of the SRQ's ring") !=
		    NULL);

	ASSERT_OK(ioverbs_srq_create(&r.q[0].v, r.q[0].pd, &scmd, &srq2,
				     NULL));
	/* Not a power of two, below max_wr, above the device's. */
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_srq_attach(&ring, srq2, 24, 24, 1,
						       r.q[0].v.fn,
						       r.q[0].v.ctx));
	ring.fd = -1;
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_srq_attach(&ring, srq2, 8, 8, 1,
						       r.q[0].v.fn,
						       r.q[0].v.ctx));
	ASSERT_TRUE(strstr(reason_of(&r.q[0].v), "not a power of two within 16..") !=
		    NULL);
	ASSERT_ERRNO(-EINVAL, ioverbs_sring_srq_attach(&ring, srq2, max * 2,
						       16, 1, r.q[0].v.fn,
						       r.q[0].v.ctx));
	/* Receives posted by command first: the ring comes too late. */
	ASSERT_OK(ioverbs_srq_post_recv(&r.q[0].v, srq2, &wr, 1, NULL, 0,
					NULL));
	ASSERT_ERRNO(-EBUSY, ioverbs_sring_srq_attach(&ring, srq2, max, 16, 1,
						      r.q[0].v.fn,
						      r.q[0].v.ctx));
	ASSERT_TRUE(strstr(reason_of(&r.q[0].v), "posted to the SRQ already") !=
		    NULL);
	/* The core keeps an SRQ with QPs on it. */
	ASSERT_ERRNO(-EBUSY, ioverbs_srq_destroy(&r.q[0].v, r.srq, NULL));
	srq_close(&r);
	fx_stop(&fx);
}

/*
 * A relayed QP and a direct QP on one SRQ: the device takes a receive
 * off the ring for each relayed message, the client for its DIRECT QP
 * (here the test, as the provider would), and each receive goes once,
 * in the order posted, whoever takes it.
 */
TEST(daemon_direct_srq_mixed_relay_and_direct)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct soft_ring_recv *got = NULL;
	struct ioverbs_ep d, p;
	struct srq_side r;
	struct fx fx;
	bool limit;
	int i;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(srq_open(&fx, &r, 16, 0, 16));
	ASSERT_OK(dep_open(&fx, &d, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &p, &nokeys));
	/* q[0] with d: DIRECT; q[1] with p (no key table): relayed. */
	ASSERT_OK(ioverbs_ep_connect(&r.q[0], &d, 7));
	ASSERT_OK(ioverbs_ep_connect(&d, &r.q[0], 7));
	ASSERT_OK(ioverbs_ep_connect(&r.q[1], &p, 7));
	ASSERT_OK(ioverbs_ep_connect(&p, &r.q[1], 7));
	ASSERT_EQ(path_of(&r.q[0]), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&d), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(&r.q[1]), SOFT_PATH_RELAY);
	check_peer_block(&r.q[0], &d, getpid());

	for (i = 0; i < 6; i++)
		srq_post(&r, 100 + i, 64 * (u64)i);
	got = calloc(1, r.ring.stride);
	ASSERT_TRUE(got != NULL);
	/* Relayed, direct, relayed, direct, direct, relayed. */
	ASSERT_EQ(send_tag(&p, "relayed one"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r, 100, r.q[1].qpn);
	ASSERT_EQ(memcmp(r.q[0].buf, "relayed one", 11), 0);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_EQ(got->wr.wr_id, 101);
	ASSERT_EQ(got->sge[0].addr, (uintptr_t)(r.q[0].buf + 64));
	ASSERT_EQ(send_tag(&p, "relayed two"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r, 102, r.q[1].qpn);
	ASSERT_EQ(memcmp(r.q[0].buf + 128, "relayed two", 11), 0);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_EQ(got->wr.wr_id, 103);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_EQ(got->wr.wr_id, 104);
	ASSERT_TRUE(!limit);
	ASSERT_EQ(send_tag(&p, "relayed three"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r, 105, r.q[1].qpn);
	ASSERT_EQ(memcmp(r.q[0].buf + 320, "relayed three", 13), 0);
	/* Nothing left, nothing taken twice. */
	ASSERT_EQ(r.ring.ctrl->cons, 6);
	ASSERT_EQ(ioverbs_sring_srq_count(&r.ring), 0);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 0);
	/* The direct QP's ERR flushes nothing of the SRQ's. */
	srq_post(&r, 106, 0);
	{
		struct ib_uverbs_qp_attr at = { .attr_mask = IB_UVERBS_QP_STATE,
						.qp_state = IB_UVERBS_QPS_ERR };

		ASSERT_OK(ioverbs_qp_modify(&r.q[0].v, r.q[0].qp, &at));
	}
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED, 0);
	ASSERT_EQ(ioverbs_sring_srq_count(&r.ring), 1);
	ASSERT_EQ(send_tag(&p, "after the err"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r, 106, r.q[1].qpn);
	free(got);
	dep_close(&d);
	dep_close(&p);
	srq_close(&r);
	fx_stop(&fx);
}

/*
 * SRQ_LIMIT_REACHED once per arming, whichever side's take left the SRQ
 * below the limit: the device's own (a relayed message), or the
 * client's, which it reports (SOFT_DIRECT_NOTIFY_SRQ in its QP's page,
 * then its kick).  A report without an arming raises nothing.
 */
TEST(daemon_direct_srq_limit_from_either_side)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct ib_uverbs_srq_modify_cmd arm = {
		.attr_mask = IB_UVERBS_SRQ_LIMIT, .srq_limit = 3 };
	struct soft_ring_recv *got;
	struct ioverbs_ep d, p;
	struct srq_side r;
	struct fx fx;
	bool limit;
	u64 one = 1;
	int i;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(srq_open(&fx, &r, 16, 3, 16));
	ASSERT_EQ(r.ring.ctrl->limit, 3);
	ASSERT_OK(dep_open(&fx, &d, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &p, &nokeys));
	ASSERT_OK(ioverbs_ep_connect(&r.q[0], &d, 7));
	ASSERT_OK(ioverbs_ep_connect(&d, &r.q[0], 7));
	ASSERT_OK(ioverbs_ep_connect(&r.q[1], &p, 7));
	ASSERT_OK(ioverbs_ep_connect(&p, &r.q[1], 7));
	ASSERT_EQ(path_of(&r.q[0]), SOFT_PATH_DIRECT);
	got = calloc(1, r.ring.stride);
	ASSERT_TRUE(got != NULL);
	for (i = 0; i < 5; i++)
		srq_post(&r, 200 + i, 64 * (u64)i);

	/* The client's take: 5 -> 4, then 4 -> 3: not below 3 yet. */
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_TRUE(!limit);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_TRUE(!limit);
	/* The device's take (3 -> 2) is the one: it raises at once. */
	ASSERT_EQ(send_tag(&p, "below"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r, 202, r.q[1].qpn);
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED,
		     SRQ_HANDLE);
	ASSERT_EQ(r.ring.ctrl->limit, 0);
	/* Once: the client's next take finds it disarmed. */
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_TRUE(!limit);
	async_none(&r.q[0].v, 100);

	/* Armed again (1 posted, 3 more: 4): the client's take reports. */
	ASSERT_OK(ioverbs_srq_modify(&r.q[0].v, r.srq, &arm));
	ASSERT_EQ(r.ring.ctrl->limit, 3);
	for (i = 0; i < 3; i++)
		srq_post(&r, 210 + i, 64 * (u64)i);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_TRUE(!limit);
	ASSERT_EQ(ioverbs_sring_srq_take(&r.ring, got, &limit), 1);
	ASSERT_TRUE(limit);
	ASSERT_EQ(r.ring.ctrl->limit, 0);
	/* Not raised until reported. */
	async_none(&r.q[0].v, 50);
	__atomic_fetch_or(&r.q[0].rqp.dir->notify, SOFT_DIRECT_NOTIFY_SRQ,
			  __ATOMIC_SEQ_CST);
	ASSERT_EQ(write(r.q[0].rctx.kick, &one, sizeof(one)), 8);
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_SRQ_LIMIT_REACHED,
		     SRQ_HANDLE);
	/* A second report of the same arming raises nothing. */
	__atomic_fetch_or(&r.q[0].rqp.dir->notify, SOFT_DIRECT_NOTIFY_SRQ,
			  __ATOMIC_SEQ_CST);
	ASSERT_EQ(write(r.q[0].rctx.kick, &one, sizeof(one)), 8);
	async_none(&r.q[0].v, 100);
	/* Nor does a relayed take below the limit, disarmed. */
	ASSERT_EQ(send_tag(&p, "disarmed"), IB_UVERBS_WC_SUCCESS);
	async_none(&r.q[0].v, 50);
	free(got);
	dep_close(&d);
	dep_close(&p);
	srq_close(&r);
	fx_stop(&fx);
}

/*
 * An empty SRQ: a relayed RC message waits (RNR, retried for ever) and
 * lands once a receive is posted on the ring; with rnr_retry 0 it
 * fails with RNR_RETRY_EXC_ERR.
 */
TEST(daemon_direct_srq_empty_rnr_then_recovers)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct ib_uverbs_send_wr wr = {
		.wr_id = 9, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	struct ioverbs_ep p, p0;
	struct srq_side r;
	struct fx fx;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(srq_open(&fx, &r, 16, 0, 16));
	ASSERT_OK(dep_open(&fx, &p, &nokeys));
	ASSERT_OK(dep_open(&fx, &p0, &nokeys));
	ASSERT_OK(ioverbs_ep_connect(&r.q[0], &p, 7));
	ASSERT_OK(ioverbs_ep_connect(&p, &r.q[0], 7));
	ASSERT_OK(ioverbs_ep_connect(&r.q[1], &p0, 7));
	ASSERT_OK(ioverbs_ep_connect(&p0, &r.q[1], 0));
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)p.buf, .length = 16,
				      .lkey = p.lkey };
	memcpy(p.buf, "waited for it!!!", 16);
	ASSERT_OK(ioverbs_ep_post_send(&p, &wr, &sge));
	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_ep_poll(&p, &wc, 200));
	ASSERT_ERRNO(-ETIMEDOUT, ioverbs_ep_poll(&r.q[0], &wc, 10));
	srq_post(&r, 300, 1024);
	ASSERT_OK(ioverbs_ep_poll(&p, &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(wc.wr_id, 9);
	srq_recv_wc(&r, 300, r.q[0].qpn);
	ASSERT_EQ(memcmp(r.q[0].buf + 1024, "waited for it!!!", 16), 0);
	/* rnr_retry 0: no second chance. */
	ASSERT_EQ(send_tag(&p0, "nobody"), IB_UVERBS_WC_RNR_RETRY_EXC_ERR);
	ASSERT_EQ(r.ring.ctrl->cons, 1);
	dep_close(&p);
	dep_close(&p0);
	srq_close(&r);
	fx_stop(&fx);
}

/*
 * A client that scribbles on its SRQ's ring breaks that SRQ alone: the
 * relayed message that needs a receive fails (REM_OP_ERR for its
 * requester), SRQ_ERR is raised once, the responder goes to ERR; another
 * SRQ of the same context and the daemon go on, and nothing is left.
 */
TEST(daemon_direct_srq_scribbled_ring)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct ib_uverbs_qp_query_resp q;
	struct ioverbs_ep p, p2;
	struct srq_side r, r2;
	struct fx fx;
	long base;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(srq_open(&fx, &r, 16, 0, 16));
	ASSERT_OK(srq_open(&fx, &r2, 16, 0, 16));
	ASSERT_OK(dep_open(&fx, &p, &nokeys));
	ASSERT_OK(dep_open(&fx, &p2, &nokeys));
	ASSERT_OK(ioverbs_ep_connect(&r.q[1], &p, 7));
	ASSERT_OK(ioverbs_ep_connect(&p, &r.q[1], 7));
	ASSERT_OK(ioverbs_ep_connect(&r2.q[1], &p2, 7));
	ASSERT_OK(ioverbs_ep_connect(&p2, &r2.q[1], 7));
	srq_post(&r, 1, 0);
	srq_post(&r2, 2, 0);
	/* More posted than the ring has slots. */
	__atomic_store_n(&r.ring.ctrl->prod, r.ring.ctrl->cons + 17,
			 __ATOMIC_RELEASE);
	ASSERT_EQ(send_tag(&p, "lost"), IB_UVERBS_WC_REM_OP_ERR);
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_SRQ_ERR, SRQ_HANDLE);
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED, 0);
	ASSERT_OK(ioverbs_qp_query(&r.q[1].v, r.q[1].qp, IB_UVERBS_QP_STATE,
				   &q));
	ASSERT_EQ(q.attr.qp_state, IB_UVERBS_QPS_ERR);
	/* Put right again: the SRQ stays broken, raises nothing more. */
	__atomic_store_n(&r.ring.ctrl->prod, r.ring.ctrl->cons + 1,
			 __ATOMIC_RELEASE);
	ASSERT_OK(ioverbs_ep_connect(&r.q[0], &p2, 7));
	async_none(&r.q[0].v, 50);
	/* The other SRQ's QPs are untouched. */
	ASSERT_EQ(send_tag(&p2, "fine"), IB_UVERBS_WC_SUCCESS);
	srq_recv_wc(&r2, 2, r2.q[1].qpn);
	ASSERT_TRUE(fx_alive(&fx));
	dep_close(&p);
	dep_close(&p2);
	srq_close(&r);
	srq_close(&r2);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);
	fx_stop(&fx);
}

/*
 * A client that found its SRQ's ring corrupt while draining a DIRECT
 * QP reports it (SOFT_DIRECT_NOTIFY_SRQ_ERR): SRQ_ERR once, and the
 * device takes no receive off that ring again, though its indexes look
 * right: the relayed QP's message fails.
 */
TEST(daemon_direct_srq_broken_report)
{
	static const struct dopts nokeys = { .ch = -1 };
	struct ioverbs_ep d, p;
	struct srq_side r;
	struct fx fx;
	u64 one = 1;
	int i;

	fx_start(&fx, "--mode=0666", NULL);
	ASSERT_OK(srq_open(&fx, &r, 16, 0, 16));
	ASSERT_OK(dep_open(&fx, &d, &RC_KEYS));
	ASSERT_OK(dep_open(&fx, &p, &nokeys));
	ASSERT_OK(ioverbs_ep_connect(&r.q[0], &d, 7));
	ASSERT_OK(ioverbs_ep_connect(&d, &r.q[0], 7));
	ASSERT_OK(ioverbs_ep_connect(&r.q[1], &p, 7));
	ASSERT_OK(ioverbs_ep_connect(&p, &r.q[1], 7));
	ASSERT_EQ(path_of(&r.q[0]), SOFT_PATH_DIRECT);
	srq_post(&r, 1, 0);
	for (i = 0; i < 2; i++) {
		__atomic_fetch_or(&r.q[0].rqp.dir->notify,
				  SOFT_DIRECT_NOTIFY_SRQ_ERR, __ATOMIC_SEQ_CST);
		ASSERT_EQ(write(r.q[0].rctx.kick, &one, sizeof(one)), 8);
		if (!i)
			async_expect(&r.q[0].v, IB_UVERBS_EVENT_SRQ_ERR,
				     SRQ_HANDLE);
	}
	async_none(&r.q[0].v, 100);
	ASSERT_EQ(send_tag(&p, "refused"), IB_UVERBS_WC_REM_OP_ERR);
	async_expect(&r.q[0].v, IB_UVERBS_EVENT_QP_LAST_WQE_REACHED, 0);
	ASSERT_EQ(ioverbs_sring_srq_count(&r.ring), 1);
	dep_close(&d);
	dep_close(&p);
	srq_close(&r);
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

/* --- UD ------------------------------------------------------------------ */

static const struct dopts UD_KEYS = { .keys = 64, .type = IB_UVERBS_QPT_UD,
				      .ch = -1 };
#define UD_QKEY 0x0badcafeu
#define UD_HDR (sizeof(struct soft_direct_msg) + \
		sizeof(struct soft_direct_ud_info))

static struct soft_direct_ud *ud_block(const struct ioverbs_ep *s)
{
	return (struct soft_direct_ud *)((u8 *)s->rqp.dir + SOFT_DIRECT_UD_OFF);
}

/* @s to RTS as a UD QP with @qkey: CHECK()ed (children use it too). */
static bool ud_up(struct ioverbs_ep *s, u32 qkey)
{
	struct ioverbs_qp_peer p = { .qp_type = IB_UVERBS_QPT_UD,
				     .qkey = qkey };

	return !ioverbs_qp_connect(&s->v, s->qp, &p);
}

/*
 * An AH of @s to (@lid, @gid): global (sl 3, hop limit 9, traffic
 * class 5, flow label 0x12345) when @gid, else by LID (sl 3).
 */
static u32 ud_ah(struct ioverbs_ep *s, u16 lid, const struct ib_uverbs_gid *gid)
{
	struct ib_uverbs_ah_attr a = { .dlid = lid, .sl = 3, .port_num = 1 };
	u32 ah = 0;

	if (gid) {
		a.is_global = 1;
		a.dgid = *gid;
		a.hop_limit = 9;
		a.traffic_class = 5;
		a.flow_label = 0x12345;
	}
	CHECK(!ioverbs_ah_create(&s->v, s->pd, &a, &ah));
	return ah;
}

/* AH_DESTROY, as applications do before they close (the close would). */
static void ud_ah_destroy(struct ioverbs_ep *s, u32 ah)
{
	ASSERT_OK(ioverbs_ah_destroy(&s->v, ah));
}

/*
 * One UD SEND_WITH_IMM (@imm, solicited) of @len bytes of @from's buffer
 * filled with @fill, through its SQ ring (the relay): its completion's
 * status (it must come).
 */
static u32 ud_send(struct ioverbs_ep *from, u32 ah, u32 dqpn, u32 qkey,
		   u32 len, u8 fill, u32 imm)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 0x55, .num_sge = 1,
		.opcode = IB_UVERBS_WR_SEND_WITH_IMM,
		.send_flags = IB_UVERBS_SEND_SIGNALED |
			      IB_UVERBS_SEND_SOLICITED,
		.imm_data = imm,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)from->buf,
				     .length = len, .lkey = from->lkey };
	struct ib_uverbs_wc wc;

	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = dqpn;
	wr.wr.ud.remote_qkey = qkey;
	memset(from->buf, fill, len);
	CHECK(!ioverbs_ep_post_send(from, &wr, &sge));
	CHECK(!ioverbs_ep_poll(from, &wc, 20000));
	CHECK(wc.wr_id == 0x55);
	return wc.status;
}

/* A datagram of a ring, as its client drains it. */
struct ud_rec {
	struct soft_direct_msg h;
	struct soft_direct_ud_info in;
	u8 data[SOFT_DIRECT_UD_MTU];
};

/*
 * Takes the next datagram of @s's receive ring (PAD records skipped), as
 * its client does: false when there is none.
 */
static bool ud_next(struct ioverbs_ep *s, struct ud_rec *r)
{
	struct soft_direct_ctrl *d = s->rqp.dir;
	u32 prod, cons, off;

	for (;;) {
		prod = __atomic_load_n(&d->rx_prod, __ATOMIC_ACQUIRE);
		cons = d->rx_cons;
		if (prod == cons)
			return false;
		off = cons & (SOFT_DIRECT_RING_BYTES - 1);
		memcpy(&r->h, s->rqp.dring + off, sizeof(r->h));
		CHECK(r->h.state == SOFT_DMSG_POSTED);
		CHECK(r->h.size >= 64 && r->h.size % 64 == 0 &&
		      off + r->h.size <= SOFT_DIRECT_RING_BYTES);
		if (r->h.op == SOFT_DMSG_PAD) {
			CHECK(off + r->h.size == SOFT_DIRECT_RING_BYTES);
			__atomic_store_n(&d->rx_cons, cons + r->h.size,
					 __ATOMIC_RELEASE);
			continue;
		}
		CHECK(r->h.op == SOFT_DMSG_UD);
		CHECK(r->h.len <= SOFT_DIRECT_UD_MTU &&
		      UD_HDR + r->h.len <= r->h.size);
		memcpy(&r->in, s->rqp.dring + off + sizeof(r->h),
		       sizeof(r->in));
		memcpy(r->data, s->rqp.dring + off + UD_HDR, r->h.len);
		__atomic_store_n(&d->rx_cons, cons + r->h.size,
				 __ATOMIC_RELEASE);
		return true;
	}
}

/* @len bytes of @fill? */
static bool filled(const u8 *p, u32 len, u8 fill)
{
	u32 i;

	for (i = 0; i < len; i++)
		if (p[i] != fill)
			return false;
	return true;
}

/* Slot @i of @s's destinations, read under its seq. */
static struct soft_direct_ud_dest ud_dest(const struct ioverbs_ep *s, u32 i)
{
	struct soft_direct_ud_dest *pe = &ud_block(s)->dest[i], e;
	u32 s1;

	do {
		s1 = __atomic_load_n(&pe->seq, __ATOMIC_ACQUIRE);
		memcpy(&e, pe, sizeof(e));
	} while ((s1 & 1) || __atomic_load_n(&pe->seq, __ATOMIC_ACQUIRE) != s1);
	return e;
}

/* Two UD QPs of this process in RTS (DIRECT), @b with an AH to @a. */
static void ud_pair(struct fx *fx, struct ioverbs_ep *a, struct ioverbs_ep *b)
{
	ASSERT_OK(dep_open(fx, a, &UD_KEYS));
	ASSERT_OK(dep_open(fx, b, &UD_KEYS));
	ASSERT_TRUE(ud_up(a, UD_QKEY));
	ASSERT_TRUE(ud_up(b, UD_QKEY));
	ASSERT_EQ(path_of(a), SOFT_PATH_DIRECT);
	ASSERT_EQ(path_of(b), SOFT_PATH_DIRECT);
}

/*
 * A UD QP is UNDECIDED until its RTR, then DIRECT without a peer; the
 * datagrams the device relays to it are records of its ring, with what
 * a receive needs (GRH fields, src_qp, slid, sl, Q_Key, P_Key, immediate
 * data); the first one hands the sender a destination naming the
 * receiver's memfd, key table and kick eventfd (as pidfd_getfd() finds
 * them), once; the receiver's RESET marks it GONE, the sender's frees
 * its own; nothing is left.
 */
TEST_TIMEOUT(daemon_direct_ud_first_contact, 60)
{
	struct ib_uverbs_gid ga, gb;
	struct soft_direct_ud_dest e;
	struct ioverbs_ep a, b;
	struct ib_uverbs_qp_attr reset = { .attr_mask = IB_UVERBS_QP_STATE,
					   .qp_state = IB_UVERBS_QPS_RESET };
	static struct ud_rec r;
	u32 ah, ahl, seq;
	struct fx fx;
	long base;
	int pidfd, fd;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(dep_open(&fx, &a, &UD_KEYS));
	ASSERT_OK(dep_open(&fx, &b, &UD_KEYS));
	ASSERT_EQ(path_of(&a), SOFT_PATH_UNDECIDED);
	ASSERT_TRUE(ud_up(&a, UD_QKEY));
	ASSERT_TRUE(ud_up(&b, UD_QKEY));
	ASSERT_EQ(path_of(&a), SOFT_PATH_DIRECT);
	ASSERT_EQ(a.rqp.dir->peer_qpn, 0);
	ASSERT_EQ(ud_block(&a)->qkey, UD_QKEY);
	ASSERT_EQ(ud_block(&a)->pkey, 0xffff);
	ASSERT_OK(ioverbs_port_query_gid(&a.v, 1, 0, &ga));
	ASSERT_OK(ioverbs_port_query_gid(&b.v, 1, 0, &gb));
	ah = ud_ah(&b, a.lid, &ga);
	ahl = ud_ah(&b, a.lid, NULL);

	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 100, 'x', 0x1234), 0);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.h.flags, SOFT_DMSG_INLINE | SOFT_DMSG_IMM |
				     SOFT_DMSG_SOLICITED);
	ASSERT_EQ(r.h.len, 100);
	ASSERT_EQ(r.h.imm, 0x1234);
	ASSERT_TRUE(filled(r.data, 100, 'x'));
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_EQ(r.in.qkey, UD_QKEY);
	ASSERT_EQ(r.in.slid, b.lid);
	ASSERT_EQ(r.in.pkey, 0xffff);
	ASSERT_EQ(r.in.sl, 3);
	ASSERT_EQ(r.in.global, 1);
	ASSERT_EQ(r.in.hop_limit, 9);
	ASSERT_EQ(r.in.traffic_class, 5);
	ASSERT_EQ(r.in.flow_label, 0x12345);
	ASSERT_EQ(memcmp(r.in.sgid, gb.raw, 16), 0);
	ASSERT_EQ(memcmp(r.in.dgid, ga.raw, 16), 0);
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(ud_block(&a)->relayed, 1);

	/* The sender's destination: the receiver, as a client maps it. */
	e = ud_dest(&b, 0);
	ASSERT_EQ(e.state, SOFT_UD_DEST_LIVE);
	ASSERT_EQ(e.qpn, a.qpn);
	ASSERT_EQ(e.lid, a.lid);
	ASSERT_EQ(memcmp(e.gid, ga.raw, 16), 0);
	ASSERT_EQ(e.src_port, 1);
	ASSERT_EQ(e.pid, getpid());
	ASSERT_EQ(e.qp_ino, ino_of(a.rqp.fd));
	ASSERT_EQ(e.qp_size, a.rqp.layout.size);
	ASSERT_EQ(e.dir, a.rqp.layout.dir);
	ASSERT_EQ(e.keys_ino, ino_of(a.rctx.keys_fd));
	ASSERT_EQ(e.keys_entries, 64);
	ASSERT_EQ(e.kick_ino, ino_of(a.rctx.kick));
	ASSERT_EQ(e.src_lid, b.lid);
	ASSERT_EQ(e.src_pkey, 0xffff);
	ASSERT_EQ(memcmp(e.src_gid, gb.raw, 16), 0);
	pidfd = (int)syscall(SYS_pidfd_open, e.pid, 0);
	ASSERT_TRUE(pidfd >= 0);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, e.qp_fd, 0);
	ASSERT_TRUE(fd >= 0);
	ASSERT_EQ(ino_of(fd), e.qp_ino);
	close(fd);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, e.keys_fd, 0);
	ASSERT_EQ(ino_of(fd), e.keys_ino);
	close(fd);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, e.kick_fd, 0);
	ASSERT_EQ(ino_of(fd), e.kick_ino);
	close(fd);
	close(pidfd);
	ASSERT_EQ(ud_dest(&b, 1).state, SOFT_UD_DEST_FREE);

	/* Once: a second datagram (by LID: no GRH) hands nothing more. */
	ASSERT_EQ(ud_send(&b, ahl, a.qpn, UD_QKEY, 0, 0, 7), 0);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.h.len, 0);
	ASSERT_EQ(r.in.global, 0);
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_EQ(ud_dest(&b, 0).seq, e.seq);
	ASSERT_EQ(ud_dest(&b, 1).state, SOFT_UD_DEST_FREE);
	/* Too long for the MTU: the relay fails it, nothing arrives. */
	ASSERT_EQ(ud_send(&b, ahl, a.qpn, UD_QKEY, SOFT_DIRECT_UD_MTU + 1, 1,
			  0), IB_UVERBS_WC_LOC_LEN_ERR);
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(ud_block(&a)->relayed, 2);

	/* The receiver resets: GONE; then its own slots are empty too. */
	seq = ud_dest(&b, 0).seq;
	ASSERT_OK(ioverbs_qp_modify(&a.v, a.qp, &reset));
	e = ud_dest(&b, 0);
	ASSERT_EQ(e.state, SOFT_UD_DEST_GONE);
	ASSERT_EQ(e.seq, seq + 2);
	ASSERT_EQ(e.qpn, 0);
	ASSERT_EQ(path_of(&a), SOFT_PATH_UNDECIDED);
	ud_ah_destroy(&b, ah);
	ud_ah_destroy(&b, ahl);
	dep_close(&a);
	dep_close(&b);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);
	fx_stop(&fx);
}

/* The daemon of ud_child_run()'s child (forked: its copy). */
static struct fx *ud_child_fx;

static u64 now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000 + (u64)ts.tv_nsec / 1000000;
}

/*
 * A UD side in a child, as @uid (0: root): its address to the parent,
 * the receiver's back; then on "s" one datagram of 32 bytes '@' (imm
 * 0xc0ffee) through its SQ ring, answered with its completion's status
 * and its first destination slot's state; on "x" it exits.
 */
static void ud_child_run(uid_t uid, int to_parent, int from_parent)
{
	struct side_addr me, to;
	struct ioverbs_ep s;
	u32 ah, st[2];
	char c;

	if (uid) {
		CHECK(!fx_become(uid));
		CHECK(!prctl(PR_SET_DUMPABLE, 1, 0, 0, 0));
	}
	CHECK(!dep_open(ud_child_fx, &s, &UD_KEYS));
	CHECK(ud_up(&s, UD_QKEY));
	me = (struct side_addr){ .lid = s.lid, .qpn = s.qpn, .pid = getpid() };
	put_msg(to_parent, &me, sizeof(me));
	get_msg(from_parent, &to, sizeof(to));
	ah = ud_ah(&s, to.lid, NULL);
	for (;;) {
		get_msg(from_parent, &c, 1);
		if (c == 'x')
			break;
		st[0] = ud_send(&s, ah, to.qpn, UD_QKEY, 32, '@', 0xc0ffee);
		st[1] = ud_dest(&s, 0).state;
		put_msg(to_parent, st, sizeof(st));
	}
	CHECK(!ioverbs_ah_destroy(&s.v, ah));
	dep_close(&s);
}

static void ud_child_start(struct fx *fx, struct child *ch, uid_t uid)
{
	int up[2], down[2];

	ASSERT_OK(pipe(up));
	ASSERT_OK(pipe(down));
	fflush(stdout);
	fflush(stderr);
	ud_child_fx = fx;
	ch->pid = fork();
	ASSERT_TRUE(ch->pid >= 0);
	if (!ch->pid) {
		close(up[0]);
		close(down[1]);
		ud_child_run(uid, up[1], down[0]);
		_exit(0);
	}
	close(up[1]);
	close(down[0]);
	ch->rfd = up[0];
	ch->wfd = down[1];
	ASSERT_EQ(read(ch->rfd, &ch->addr, sizeof(ch->addr)),
		  (ssize_t)sizeof(ch->addr));
}

/* The child's datagram: its status and its first slot's state. */
static void ud_child_send(struct child *ch, u32 *status, u32 *slot)
{
	u32 st[2];

	child_send(ch, "s", 1);
	ASSERT_EQ(read(ch->rfd, st, sizeof(st)), (ssize_t)sizeof(st));
	*status = st[0];
	*slot = st[1];
}

/*
 * What @b's client does with its destination @e: maps the receiver's
 * memfd as pidfd_getfd() gives it and appends a datagram of @len bytes
 * @fill under the ring's lock.  The mapping, to unmap.
 */
static u8 *ud_direct_put(const struct ioverbs_ep *b,
			 const struct soft_direct_ud_dest *e, u32 len, u8 fill)
{
	struct soft_direct_msg *m;
	struct soft_direct_ud_info in = { .src_qpn = b->qpn, .qkey = UD_QKEY,
					  .slid = e->src_lid,
					  .pkey = e->src_pkey };
	struct soft_direct_ctrl *d;
	struct soft_direct_ud *u;
	u32 prod, need = (UD_HDR + len + 63) & ~63u, exp = 0, off;
	int pidfd, fd;
	u8 *map, *ring;

	pidfd = (int)syscall(SYS_pidfd_open, e->pid, 0);
	CHECK(pidfd >= 0);
	fd = (int)syscall(SYS_pidfd_getfd, pidfd, e->qp_fd, 0);
	CHECK(fd >= 0);
	close(pidfd);
	map = mmap(NULL, e->qp_size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	CHECK(map != MAP_FAILED);
	close(fd);
	d = (struct soft_direct_ctrl *)(map + e->dir);
	u = (struct soft_direct_ud *)((u8 *)d + SOFT_DIRECT_UD_OFF);
	ring = map + e->dir + SOFT_DIRECT_PAGE;
	while (!__atomic_compare_exchange_n(&u->lock, &exp, (u32)getpid(),
					    false, __ATOMIC_SEQ_CST,
					    __ATOMIC_SEQ_CST))
		exp = 0;
	prod = d->rx_prod;
	off = prod & (SOFT_DIRECT_RING_BYTES - 1);
	CHECK(off + need <= SOFT_DIRECT_RING_BYTES);
	m = (struct soft_direct_msg *)(ring + off);
	memset(m, 0, sizeof(*m));
	m->size = need;
	m->op = SOFT_DMSG_UD;
	m->flags = SOFT_DMSG_INLINE;
	m->len = len;
	memcpy(m + 1, &in, sizeof(in));
	memset(ring + off + UD_HDR, fill, len);
	m->state = SOFT_DMSG_POSTED;
	__atomic_store_n(&d->rx_prod, prod + need, __ATOMIC_RELEASE);
	__atomic_store_n(&u->lock, 0, __ATOMIC_RELEASE);
	return map;
}

/*
 * Mixed senders: one UD receiver, a sender of the same process (handed
 * the receiver at its first datagram: it then appends itself) and one
 * of another user (relayed, never handed anything).  Every datagram
 * lands once, in order, with its sender's src_qp; the stat line shows
 * the receiver's relayed count and the sender's destination.
 */
TEST_TIMEOUT(daemon_direct_ud_mixed_senders, 120)
{
	uid_t u = unused_uid(61500);
	struct soft_direct_ud_dest e;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	char out[32768], line[256];
	u32 ah, st, slot;
	struct child ch;
	struct fx fx;
	long base;
	u8 *map;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ud_pair(&fx, &a, &b);
	ah = ud_ah(&b, a.lid, NULL);
	ud_child_start(&fx, &ch, u);
	child_send(&ch, &(struct side_addr){ .lid = a.lid, .qpn = a.qpn },
		   sizeof(struct side_addr));

	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 20, 'b', 1), 0);
	ud_child_send(&ch, &st, &slot);
	ASSERT_EQ(st, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(slot, SOFT_UD_DEST_FREE);
	e = ud_dest(&b, 0);
	ASSERT_EQ(e.state, SOFT_UD_DEST_LIVE);
	map = ud_direct_put(&b, &e, 300, 'B');
	ud_child_send(&ch, &st, &slot);
	ASSERT_EQ(st, IB_UVERBS_WC_SUCCESS);
	ASSERT_EQ(slot, SOFT_UD_DEST_FREE);
	munmap(map, e.qp_size);

	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_EQ(r.h.len, 20);
	ASSERT_TRUE(filled(r.data, 20, 'b'));
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, ch.addr.qpn);
	ASSERT_EQ(r.h.len, 32);
	ASSERT_EQ(r.h.imm, 0xc0ffee);
	ASSERT_TRUE(filled(r.data, 32, '@'));
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_EQ(r.h.len, 300);
	ASSERT_TRUE(filled(r.data, 300, 'B'));
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, ch.addr.qpn);
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(ud_block(&a)->relayed, 3);
	ASSERT_EQ(ud_block(&a)->drop_full, 0);

	ASSERT_OK(fx_ctl(&fx, "stat", out, sizeof(out)));
	snprintf(line, sizeof(line),
		 " %u direct peer 0 gone 0 tx_msgs 0 tx_bytes 0 rx_msgs 0 rx_bytes 0 ud_dests 0 ud_relayed 3 ud_drops 0\n",
		 a.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), " %u direct peer 0 gone 0 ", b.qpn);
	ASSERT_TRUE(strstr(out, line) != NULL);
	snprintf(line, sizeof(line), " ud_dests 1 ud_relayed 0 ud_drops 0\n");
	ASSERT_TRUE(strstr(out, line) != NULL);
	child_end(&ch);
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);
	fx_stop(&fx);
}

/*
 * The relay's Q_Key check: a wrong one is dropped and counted on the
 * receiving port; a WR's Q_Key with the high bit set is the sending
 * QP's own (here the right one).
 */
TEST_TIMEOUT(daemon_direct_ud_qkey, 60)
{
	struct soft_port_counters pc0, pc;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	struct fx fx;
	u32 ah;

	fx_start(&fx, "--mode=0666", NULL);
	ud_pair(&fx, &a, &b);
	ah = ud_ah(&b, a.lid, NULL);
	ASSERT_OK(ioverbs_soft_port_counters_query(&a.v, 1, &pc0));
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY + 1, 8, 'q', 0), 0);
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_OK(ioverbs_soft_port_counters_query(&a.v, 1, &pc));
	ASSERT_EQ(pc.qkey_violations, pc0.qkey_violations + 1);
	/* Not met: the datagram never reached the receiver. */
	ASSERT_EQ(ud_dest(&b, 0).state, SOFT_UD_DEST_FREE);
	ASSERT_EQ(ud_send(&b, ah, a.qpn, 0x80000000u, 8, 'p', 0), 0);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.qkey, UD_QKEY);
	ASSERT_TRUE(filled(r.data, 8, 'p'));
	ASSERT_EQ(ud_dest(&b, 0).state, SOFT_UD_DEST_LIVE);
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/*
 * A sender killed mid-datagram: it holds the receiver's ring lock, its
 * record half written where rx_prod points.  The device takes the lock
 * over and appends the next relayed datagram there; nothing of the dead
 * one shows, nothing is dropped.
 */
TEST_TIMEOUT(daemon_direct_ud_sender_killed, 60)
{
	struct soft_direct_ud *u;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	int status, up[2];
	struct fx fx;
	pid_t pid;
	u32 ah;
	char c;

	fx_start(&fx, "--mode=0666", NULL);
	ud_pair(&fx, &a, &b);
	ah = ud_ah(&b, a.lid, NULL);
	u = ud_block(&a);
	ASSERT_OK(pipe(up));
	fflush(stdout);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		/* The receiver's page is shared with us: a direct sender. */
		u32 exp = 0;

		CHECK(__atomic_compare_exchange_n(&u->lock, &exp,
						  (u32)getpid(), false,
						  __ATOMIC_SEQ_CST,
						  __ATOMIC_SEQ_CST));
		memset(a.rqp.dring + (a.rqp.dir->rx_prod &
				      (SOFT_DIRECT_RING_BYTES - 1)),
		       0x77, 512);
		CHECK(write(up[1], "l", 1) == 1);
		pause();
		_exit(0);
	}
	close(up[1]);
	ASSERT_EQ(read(up[0], &c, 1), 1);
	close(up[0]);
	ASSERT_EQ(u->lock, (u32)pid);
	ASSERT_OK(kill(pid, SIGKILL));
	ASSERT_EQ(waitpid(pid, &status, 0), pid);
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 40, 'k', 0), 0);
	ASSERT_EQ(u->lock, 0);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_EQ(r.h.len, 40);
	ASSERT_TRUE(filled(r.data, 40, 'k'));
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(u->drop_full, 0);
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/*
 * A scribbled ring: a live process that keeps the lock, indexes out of
 * the protocol, garbage all over the page and the ring.  The device
 * drops (and counts) what it cannot append, within its bound, never
 * writes where it should not, and delivers again once the ring is
 * sane; the sender's sends all complete.
 */
TEST_TIMEOUT(daemon_direct_ud_scribbled_ring, 60)
{
	struct soft_direct_ctrl *d;
	struct soft_direct_ud *u;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	struct fx fx;
	u64 t, one = 1;
	u32 ah, i;

	srandom(4242);
	fx_start(&fx, "--mode=0666", NULL);
	ud_pair(&fx, &a, &b);
	ah = ud_ah(&b, a.lid, NULL);
	d = a.rqp.dir;
	u = ud_block(&a);

	/* A live holder (us) that never lets go: dropped, at once. */
	u->lock = (u32)getpid();
	t = now_ms();
	for (i = 0; i < 3; i++)
		ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 'l', 0), 0);
	ASSERT_TRUE(now_ms() - t < 5000);
	ASSERT_EQ(u->drop_full, 3);
	ASSERT_TRUE(!ud_next(&a, &r));
	/* Indexes out of the protocol: nothing written. */
	u->lock = 0;
	d->rx_prod = 0x12345;
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 'i', 0), 0);
	d->rx_prod = d->rx_cons + 2 * SOFT_DIRECT_RING_BYTES;
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 'i', 0), 0);
	ASSERT_EQ(u->drop_full, 5);
	ASSERT_EQ(d->rx_prod, d->rx_cons + 2 * SOFT_DIRECT_RING_BYTES);
	/* Full: rx_prod a ring ahead of rx_cons. */
	d->rx_prod = d->rx_cons + SOFT_DIRECT_RING_BYTES;
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 'f', 0), 0);
	ASSERT_EQ(u->drop_full, 6);
	/* Garbage everywhere a client writes, and kicks. */
	for (i = 0; i < 200; i++) {
		d->rx_prod = rnd();
		d->rx_cons = rnd();
		d->armed_recv = rnd();
		d->notify = rnd();
		u->lock = rnd() % 3 ? 0 : rnd();
		u->relayed = rnd();
		u->drop_full = rnd();
		ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, rnd() % 4097,
				  (u8)i, 0), 0);
		ASSERT_EQ(write(a.rctx.kick, &one, sizeof(one)),
			  (ssize_t)sizeof(one));
	}
	memset(a.rqp.dir, 0xa5, SOFT_DIRECT_PAGE);
	memset(a.rqp.dring, 0x5a, SOFT_DIRECT_RING_BYTES);
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 'g', 0), 0);
	ASSERT_TRUE(fx_alive(&fx));
	/* Sane again: delivered. */
	memset(a.rqp.dir, 0, SOFT_DIRECT_PAGE);
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 16, 's', 0), 0);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, b.qpn);
	ASSERT_TRUE(filled(r.data, 16, 's'));
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(u->relayed, 1);
	ASSERT_OK(ioverbs_qp_destroy(&a.v, a.qp, NULL));
	ASSERT_EQ(ud_dest(&b, 0).state, SOFT_UD_DEST_GONE);
	ASSERT_TRUE(fx_alive(&fx));
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}

/*
 * Either side killed: a sender (a child of root's, handed our receiver)
 * and a receiver (another child, which we were handed).  The receiver's
 * death marks our destination GONE, our sends go on (relayed, lost);
 * the sender's death leaves our receiver as it was; the daemon holds
 * nothing of either afterwards.
 */
TEST_TIMEOUT(daemon_direct_ud_side_killed, 60)
{
	struct soft_direct_ud_dest e;
	struct child snd, rcv;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	u32 ah, st, slot;
	struct fx fx;
	long base;
	int status, i;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ud_pair(&fx, &a, &b);
	ud_child_start(&fx, &snd, 0);
	child_send(&snd, &(struct side_addr){ .lid = a.lid, .qpn = a.qpn },
		   sizeof(struct side_addr));
	ud_child_send(&snd, &st, &slot);
	ASSERT_EQ(st, IB_UVERBS_WC_SUCCESS);
	/* Root's child may reach us: handed our receiver. */
	ASSERT_EQ(slot, SOFT_UD_DEST_LIVE);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.in.src_qpn, snd.addr.qpn);
	ASSERT_OK(kill(snd.pid, SIGKILL));
	ASSERT_EQ(waitpid(snd.pid, &status, 0), snd.pid);
	close(snd.rfd);
	close(snd.wfd);

	ud_child_start(&fx, &rcv, 0);
	child_send(&rcv, &(struct side_addr){ .lid = a.lid, .qpn = a.qpn },
		   sizeof(struct side_addr));
	ah = ud_ah(&b, rcv.addr.lid, NULL);
	ASSERT_EQ(ud_send(&b, ah, rcv.addr.qpn, UD_QKEY, 8, 'r', 0), 0);
	e = ud_dest(&b, 0);
	ASSERT_EQ(e.state, SOFT_UD_DEST_LIVE);
	ASSERT_EQ(e.qpn, rcv.addr.qpn);
	ASSERT_EQ(e.pid, rcv.pid);
	ASSERT_OK(kill(rcv.pid, SIGKILL));
	ASSERT_EQ(waitpid(rcv.pid, &status, 0), rcv.pid);
	close(rcv.rfd);
	close(rcv.wfd);
	for (i = 0; i < 500 && ud_dest(&b, 0).state != SOFT_UD_DEST_GONE; i++)
		msleep(10);
	ASSERT_EQ(ud_dest(&b, 0).state, SOFT_UD_DEST_GONE);
	ASSERT_EQ(ud_send(&b, ah, rcv.addr.qpn, UD_QKEY, 8, 'r', 0), 0);
	ASSERT_EQ(ud_dest(&b, 0).state, SOFT_UD_DEST_GONE);
	ASSERT_EQ(ud_dest(&b, 1).state, SOFT_UD_DEST_FREE);
	ASSERT_TRUE(!ud_next(&a, &r));
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);
	fx_stop(&fx);
}

/*
 * A full ring (a receiver that does not drain): the device wakes the
 * receiver's progress thread and tries the datagram again, as it does a
 * receive its NIC has not taken yet; room within 10 ms: delivered;
 * none: lost (counted), the sender's WR completed all the same.
 */
TEST_TIMEOUT(daemon_direct_ud_full_ring_retried, 60)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = 0x66, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct soft_direct_wake *w;
	struct soft_direct_ctrl *d;
	struct ib_uverbs_sge sge;
	struct ib_uverbs_wc wc;
	static struct ud_rec r;
	struct ioverbs_ep a, b;
	struct fx fx;
	u32 ah, word;
	u64 t;

	fx_start(&fx, "--mode=0666", NULL);
	ud_pair(&fx, &a, &b);
	ah = ud_ah(&b, a.lid, NULL);
	d = a.rqp.dir;
	w = soft_direct_wake_line(a.rctx.keys, a.rctx.keys_entries);
	word = __atomic_load_n(&w->word, __ATOMIC_ACQUIRE);
	/* 64 bytes of room: no datagram fits. */
	__atomic_store_n(&d->rx_prod, d->rx_cons + SOFT_DIRECT_RING_BYTES - 64,
			 __ATOMIC_RELEASE);
	wr.wr.ud.ah = ah;
	wr.wr.ud.remote_qpn = a.qpn;
	wr.wr.ud.remote_qkey = UD_QKEY;
	sge = (struct ib_uverbs_sge){ .addr = (uintptr_t)b.buf, .length = 32,
				      .lkey = b.lkey };
	memset(b.buf, 'w', 32);
	ASSERT_OK(ioverbs_ep_post_send(&b, &wr, &sge));
	for (t = now_ms(); now_ms() - t < 5000 &&
			   __atomic_load_n(&w->word, __ATOMIC_ACQUIRE) == word;)
		msleep(1);
	ASSERT_TRUE(__atomic_load_n(&w->word, __ATOMIC_ACQUIRE) != word);
	/* What a drain does: the room comes back. */
	__atomic_store_n(&d->rx_cons, d->rx_prod, __ATOMIC_RELEASE);
	ASSERT_OK(ioverbs_ep_poll(&b, &wc, 20000));
	ASSERT_EQ(wc.status, IB_UVERBS_WC_SUCCESS);
	ASSERT_TRUE(ud_next(&a, &r));
	ASSERT_EQ(r.h.len, 32);
	ASSERT_TRUE(filled(r.data, 32, 'w'));
	ASSERT_EQ(ud_block(&a)->drop_full, 0);

	/* No room for good: lost after the wait, the WR done anyway. */
	__atomic_store_n(&d->rx_prod, d->rx_cons + SOFT_DIRECT_RING_BYTES - 64,
			 __ATOMIC_RELEASE);
	t = now_ms();
	ASSERT_EQ(ud_send(&b, ah, a.qpn, UD_QKEY, 32, 'l', 0), 0);
	ASSERT_TRUE(now_ms() - t >= 9);
	ASSERT_EQ(ud_block(&a)->drop_full, 1);
	__atomic_store_n(&d->rx_cons, d->rx_prod, __ATOMIC_RELEASE);
	ASSERT_TRUE(!ud_next(&a, &r));
	ASSERT_EQ(ud_block(&a)->relayed, 1);
	ud_ah_destroy(&b, ah);
	dep_close(&a);
	dep_close(&b);
	fx_stop(&fx);
}
