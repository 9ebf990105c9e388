// SPDX-License-Identifier: MIT
/*
 * libioverbs-rdmav34.so: a libibverbs provider for ioverbs devices.
 *
 * It registers itself when loaded (LD_PRELOAD by `ioverbs run`, or
 * libibverbs' own dlopen through /etc/libibverbs.d/ioverbs.driver) and
 * claims the devices whose name starts with "ioverbs".  libibverbs opens
 * /dev/infiniband/uverbsN for a context; under `ioverbs run` that node is
 * a bind mount of another character device, so alloc_context() opens the
 * daemon's device file MOUNT/uverbsN ($IOVERBS_MOUNT) and puts it on the
 * same descriptor number: whatever libibverbs itself sends on cmd_fd
 * from then on reaches the daemon.  Each verb is one command of lib/
 * (ivp_cmd.c).
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <endian.h>
#include <sys/eventfd.h>

#include "ivp.h"
#include "ivp_verbs.h"
#include "verbs_private.h"

#define IVP_DEFAULT_MOUNT "/run/ioverbs"

struct ivp_device {
	struct verbs_device vdev; /* first */
};

/*
 * struct ivp_context - one open context
 * @vctx: libibverbs' part (cmd_fd: the daemon's device file)
 * @dev: the commands' client on cmd_fd
 * @async_wr: the write end (O_NONBLOCK) of async_fd's pipe, written by
 *	@async_thread and by the direct path's CQ overrun (direct.c; one
 *	record a write(), below PIPE_BUF: records never interleave)
 * @async_stop: an eventfd that tells @async_thread to return
 * @lost: set (atomically) by @async_thread once the device is gone
 *	(DEVICE_FATAL); read by every poll that finds nothing
 * @async_thread: moves the daemon's async events of the context (its
 *	GET_ASYNC_EVENT) into async_fd's pipe as the kernel's
 *	struct ib_uverbs_async_event_desc records, which
 *	ibv_get_async_event() reads; and turns a daemon gone (POLLERR on
 *	the device file, or the command failing otherwise than EAGAIN) into
 *	one IBV_EVENT_DEVICE_FATAL.  It sleeps in poll() without a timeout
 *	until the daemon says an event is queued (POLLPRI on the device
 *	file), the daemon goes, or @async_stop: an idle context wakes nobody.
 *
 * Why a pipe and a thread, not the daemon's file as async_fd:
 * libibverbs reads async_fd itself, with no provider hook, and a file
 * whose server died can only fail the read; the kernel's behaviour (and
 * what applications expect) is a DEVICE_FATAL record, which only a
 * writer in the process can still produce.
 */
struct ivp_context {
	struct ivp_dev *dev;
	int async_wr;
	int async_stop;
	int lost;
	pthread_t async_thread;
	struct verbs_context vctx;
};

struct ivp_pd {
	struct ibv_pd pd;
};

static struct ivp_context *to_ictx(struct ibv_context *ctx)
{
	return (struct ivp_context *)((char *)ctx -
				      offsetof(struct ivp_context, vctx.context));
}

struct ivp_dev *ivp_ctx_dev(struct ibv_context *ctx)
{
	return to_ictx(ctx)->dev;
}

bool ivp_ctx_lost(struct ibv_context *ctx)
{
	return __atomic_load_n(&to_ictx(ctx)->lost, __ATOMIC_RELAXED);
}

static int ivo_query_device_ex(struct ibv_context *ctx,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr, size_t attr_size)
{
	struct ibv_device_attr_ex ex = {};
	struct ibv_device_attr *a = &ex.orig_attr;
	struct ivp_device_attr d;
	int ret;

	if (input && input->comp_mask)
		return ivp_failed(to_ictx(ctx)->dev, "query_device_ex",
				  -EINVAL);
	if (attr_size < sizeof(*a))
		return ivp_failed(to_ictx(ctx)->dev, "query_device_ex",
				  -EINVAL);
	ret = ivp_query_device(to_ictx(ctx)->dev, &d);
	if (ret)
		return ivp_failed(to_ictx(ctx)->dev, "QUERY_DEVICE", ret);
	snprintf(a->fw_ver, sizeof(a->fw_ver), "%u.%u.%u",
		 (unsigned int)(d.fw_ver >> 32),
		 (unsigned int)(d.fw_ver >> 16) & 0xffff,
		 (unsigned int)d.fw_ver & 0xffff);
	a->node_guid = htobe64(d.node_guid);
	a->sys_image_guid = htobe64(d.sys_image_guid);
	a->max_mr_size = d.max_mr_size;
	a->page_size_cap = d.page_size_cap;
	a->vendor_id = d.vendor_id;
	a->vendor_part_id = d.vendor_part_id;
	a->hw_ver = d.hw_ver;
	a->max_qp = (int)d.max_qp;
	a->max_qp_wr = (int)d.max_qp_wr;
	a->device_cap_flags = d.device_cap_flags;
	a->max_sge = (int)d.max_sge;
	a->max_sge_rd = (int)d.max_sge_rd;
	a->max_cq = (int)d.max_cq;
	a->max_cqe = (int)d.max_cqe;
	a->max_mr = (int)d.max_mr;
	a->max_pd = (int)d.max_pd;
	a->max_qp_rd_atom = (int)d.max_qp_rd_atom;
	a->max_qp_init_rd_atom = (int)d.max_qp_init_rd_atom;
	a->max_res_rd_atom = (int)d.max_res_rd_atom;
	a->atomic_cap = (enum ibv_atomic_cap)d.atomic_cap;
	a->max_ah = (int)d.max_ah;
	a->max_srq = (int)d.max_srq;
	a->max_srq_wr = (int)d.max_srq_wr;
	a->max_srq_sge = (int)d.max_srq_sge;
	a->max_pkeys = d.max_pkeys;
	a->local_ca_ack_delay = d.local_ca_ack_delay;
	a->phys_port_cnt = d.phys_port_cnt;
	/* The extended part: no extended capability yet. */
	ex.phys_port_cnt_ex = d.phys_port_cnt;
	/* A caller built against a newer libibverbs: what we do not know is 0. */
	if (attr_size > sizeof(ex)) {
		memset((char *)attr + sizeof(ex), 0, attr_size - sizeof(ex));
		attr_size = sizeof(ex);
	}
	memcpy(attr, &ex, attr_size);
	return 0;
}

static int ivo_query_port(struct ibv_context *ctx, uint8_t port_num,
			  struct ibv_port_attr *attr)
{
	struct ivp_port_attr p;
	int ret;

	ret = ivp_query_port(to_ictx(ctx)->dev, port_num, &p);
	if (ret)
		return ivp_failed(to_ictx(ctx)->dev, "QUERY_PORT", ret);
	memset(attr, 0, sizeof(*attr));
	attr->state = (enum ibv_port_state)p.state;
	attr->max_mtu = (enum ibv_mtu)p.max_mtu;
	attr->active_mtu = (enum ibv_mtu)p.active_mtu;
	attr->gid_tbl_len = (int)p.gid_tbl_len;
	attr->port_cap_flags = p.port_cap_flags;
	attr->max_msg_sz = p.max_msg_sz;
	attr->bad_pkey_cntr = p.bad_pkey_cntr;
	attr->qkey_viol_cntr = p.qkey_viol_cntr;
	attr->pkey_tbl_len = p.pkey_tbl_len;
	attr->lid = p.lid;
	attr->sm_lid = p.sm_lid;
	attr->lmc = p.lmc;
	attr->max_vl_num = p.max_vl_num;
	attr->sm_sl = p.sm_sl;
	attr->subnet_timeout = p.subnet_timeout;
	attr->init_type_reply = p.init_type_reply;
	attr->active_width = p.active_width;
	attr->active_speed = p.active_speed;
	attr->phys_state = p.phys_state;
	attr->link_layer = p.link_layer;
	return 0;
}

static struct ibv_pd *ivo_alloc_pd(struct ibv_context *ctx)
{
	struct ivp_pd *pd;
	int ret;

	pd = calloc(1, sizeof(*pd));
	if (!pd) {
		errno = ENOMEM;
		return NULL;
	}
	ret = ivp_alloc_pd(to_ictx(ctx)->dev, &pd->pd.handle);
	if (ret) {
		free(pd);
		errno = ivp_failed(to_ictx(ctx)->dev, "PD_ALLOC", ret);
		return NULL;
	}
	pd->pd.context = ctx;
	return &pd->pd;
}

static int ivo_dealloc_pd(struct ibv_pd *pd)
{
	struct ivp_context *ic = to_ictx(pd->context);
	int ret;

	ret = ivp_dealloc_pd(ic->dev, pd->handle);
	if (ret)
		return ivp_failed(ic->dev, "PD_DEALLOC", ret);
	free(pd);
	return 0;
}

static void ivo_free_context(struct ibv_context *ctx)
{
	struct ivp_context *ic = to_ictx(ctx);
	uint64_t one = 1;

	if (write(ic->async_stop, &one, sizeof(one)) != sizeof(one))
		abort(); /* an eventfd below its maximum takes it */
	pthread_join(ic->async_thread, NULL);
	close(ic->async_stop);
	ivp_close(ic->dev);
	close(ic->async_wr);
	verbs_uninit_context(&ic->vctx);
	free(ic);
}

static const struct verbs_context_ops ivp_ops = {
	.alloc_pd = ivo_alloc_pd,
	.create_ah = ivo_create_ah,
	.create_cq = ivo_create_cq,
	.create_cq_ex = ivo_create_cq_ex,
	.create_qp = ivo_create_qp,
	.create_qp_ex = ivo_create_qp_ex,
	.create_srq = ivo_create_srq,
	.dealloc_pd = ivo_dealloc_pd,
	.dereg_mr = ivo_dereg_mr,
	.destroy_ah = ivo_destroy_ah,
	.destroy_cq = ivo_destroy_cq,
	.destroy_qp = ivo_destroy_qp,
	.destroy_srq = ivo_destroy_srq,
	.free_context = ivo_free_context,
	.modify_qp = ivo_modify_qp,
	.modify_srq = ivo_modify_srq,
	.poll_cq = ivo_poll_cq,
	.post_recv = ivo_post_recv,
	.post_send = ivo_post_send,
	.post_srq_recv = ivo_post_srq_recv,
	.query_device_ex = ivo_query_device_ex,
	.query_port = ivo_query_port,
	.query_qp = ivo_query_qp,
	.query_srq = ivo_query_srq,
	.reg_mr = ivo_reg_mr,
	.req_notify_cq = ivo_req_notify_cq,
};

/*
 * The daemon's device file for @device (its uverbsN name) on the mount,
 * on descriptor @cmd_fd when libibverbs opened one: the fd, or -1 with
 * errno set.
 */
static int ivo_open_file(struct ibv_device *device, int cmd_fd)
{
	const char *mount = getenv("IOVERBS_MOUNT");
	char path[4096];
	int fd, err;

	if (!mount || !*mount)
		mount = IVP_DEFAULT_MOUNT;
	if (snprintf(path, sizeof(path), "%s/%s", mount, device->dev_name) >=
	    (int)sizeof(path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		if (getenv("IOVERBS_DEBUG") &&
		    !strcmp(getenv("IOVERBS_DEBUG"), "1"))
			fprintf(stderr, "ioverbs: open %s: %s\n", path,
				strerror(err));
		errno = err;
		return -1;
	}
	if (cmd_fd < 0 || fd == cmd_fd)
		return fd;
	if (dup3(fd, cmd_fd, O_CLOEXEC) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return -1;
	}
	close(fd);
	return cmd_fd;
}

/*
 * One event into async_fd's pipe.  The element is what the daemon holds:
 * for a QP, CQ or SRQ event the user handle the provider gave at create,
 * which is the libibverbs object's address; a port number otherwise.  A
 * full pipe (an application that never reads) drops the event.
 */
static void ivo_async_put(struct ivp_context *ic, uint64_t element,
			  uint32_t type)
{
	struct ib_uverbs_async_event_desc d = {
		.element = element,
		.event_type = type,
	};

	if (write(ic->async_wr, &d, sizeof(d)) != sizeof(d) &&
	    getenv("IOVERBS_DEBUG") && !strcmp(getenv("IOVERBS_DEBUG"), "1"))
		fprintf(stderr, "ioverbs: async event %u dropped: %s\n", type,
			strerror(errno));
}

/*
 * The device is gone and its last events are in the pipe: after them,
 * async_fd reads end (EOF, POLLHUP), as the kernel's async event file
 * answers EIO once a disassociated device's events are read, so
 * ibv_get_async_event() fails instead of blocking for ever
 * (ibv_asyncwatch, any event loop).  The write end becomes /dev/null
 * (dup3() replaces it atomically): the direct path's CQ_ERR writes that
 * may still come land nowhere, and the descriptor stays the context's
 * until free_context closes it.
 */
static void ivo_async_end(struct ivp_context *ic)
{
	int fd = open("/dev/null", O_WRONLY | O_CLOEXEC);

	if (fd < 0)
		return;
	if (dup3(fd, ic->async_wr, O_CLOEXEC) < 0 &&
	    getenv("IOVERBS_DEBUG") && !strcmp(getenv("IOVERBS_DEBUG"), "1"))
		fprintf(stderr, "ioverbs: async_fd not ended: %s\n",
			strerror(errno));
	close(fd);
}

static void *ivo_async_thread(void *arg)
{
	struct ivp_context *ic = arg;
	struct pollfd p[2] = {
		{ .fd = ic->async_stop, .events = POLLIN },
		/* The daemon's device file: POLLPRI while events wait. */
		{ .fd = ic->vctx.context.cmd_fd, .events = POLLPRI },
	};
	bool fatal = false, gone;
	uint64_t element;
	uint32_t type;
	int ret;

	for (;;) {
		ret = poll(p, 2, -1);
		if (ret < 0 && errno == EINTR)
			continue;
		if (ret < 0 || p[0].revents)
			return NULL;
		/*
		 * A daemon that died aborts its mount: the kernel wakes
		 * the pollers of its files and then answers POLLERR.
		 */
		gone = p[1].revents & (POLLERR | POLLHUP | POLLNVAL);
		/* Drain what is queued. */
		while (!(ret = ivp_async_event_get(ic->dev, &element, &type))) {
			if (type == IBV_EVENT_DEVICE_FATAL) {
				fatal = true;
				__atomic_store_n(&ic->lost, 1, __ATOMIC_RELAXED);
			}
			ivo_async_put(ic, element, type);
		}
		/* Hot unplug: nothing comes after the daemon's DEVICE_FATAL. */
		if (fatal) {
			ivo_async_end(ic);
			return NULL;
		}
		if (!gone && (ret == -EAGAIN || ret == -EINTR))
			continue;
		/*
		 * The daemon is gone (ENOTCONN, ENODEV): as a kernel whose
		 * device went, one DEVICE_FATAL, and nothing more to ask.
		 */
		__atomic_store_n(&ic->lost, 1, __ATOMIC_RELAXED);
		ivo_async_put(ic, 0, IBV_EVENT_DEVICE_FATAL);
		ivo_async_end(ic);
		return NULL;
	}
}

/* The relay thread takes none of the application's signals. */
static int ivo_async_start(struct ivp_context *ic)
{
	sigset_t all, old;
	int ret;

	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	ret = pthread_create(&ic->async_thread, NULL, ivo_async_thread, ic);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return -ret;
}

static struct verbs_context *ivo_alloc_context(struct ibv_device *device,
					       int cmd_fd, void *private_data)
{
	struct ivp_context *ic;
	uint32_t ncomp = 1;
	int pipefd[2];
	int fd, ret;

	/* cmd_fd is ours from here on: closed on every failure. */
	fd = ivo_open_file(device, cmd_fd);
	if (fd < 0) {
		ret = errno;
		if (cmd_fd >= 0)
			close(cmd_fd);
		errno = ret;
		return NULL;
	}
	ic = _verbs_init_and_alloc_context(device, fd, sizeof(*ic),
					   &((struct ivp_context *)NULL)->vctx,
					   IVP_DRIVER_ID);
	if (!ic)
		return NULL; /* fd closed, errno set */
	ic->async_wr = -1;
	ret = ivp_open(fd, &ic->dev, &ncomp);
	if (ret)
		goto err_uninit;
	if (pipe2(pipefd, O_CLOEXEC)) {
		ret = -errno;
		goto err_dev;
	}
	/* Only the writer is non-blocking: async_fd blocks as a kernel's. */
	if (fcntl(pipefd[1], F_SETFL, O_NONBLOCK)) {
		ret = -errno;
		goto err_pipe;
	}
	ic->vctx.context.async_fd = pipefd[0];
	ic->async_wr = pipefd[1];
	ivp_set_async_fd(ic->dev, pipefd[1]);
	ic->async_stop = eventfd(0, EFD_CLOEXEC);
	if (ic->async_stop < 0) {
		ret = -errno;
		goto err_pipe;
	}
	ret = ivo_async_start(ic);
	if (ret)
		goto err_stop;
	ic->vctx.context.num_comp_vectors = (int)ncomp;
	verbs_set_ops(&ic->vctx, &ivp_ops);
	return &ic->vctx;

err_stop:
	close(ic->async_stop);
err_pipe:
	close(pipefd[0]);
	close(pipefd[1]);
	ic->vctx.context.async_fd = -1;
	ic->async_wr = -1;
	ivp_set_async_fd(ic->dev, -1);
err_dev:
	ivp_close(ic->dev);
err_uninit:
	verbs_uninit_context(&ic->vctx);
	free(ic);
	errno = -ret;
	return NULL;
}

static struct verbs_device *ivo_alloc_device(struct verbs_sysfs_dev *sysfs)
{
	struct ivp_device *d = calloc(1, sizeof(*d));

	return d ? &d->vdev : NULL;
}

static void ivo_uninit_device(struct verbs_device *vdev)
{
	free((struct ivp_device *)vdev);
}

/* libibverbs matches this on "rdma_device:N<ibdev name>". */
static const struct verbs_match_ent ivp_match[] = {
	{ .u.modalias = "rdma_device:*Nioverbs*",
	  .kind = VERBS_MATCH_MODALIAS },
	{ .kind = VERBS_MATCH_SENTINEL },
};

static const struct verbs_device_ops ivp_device_ops = {
	.name = "ioverbs",
	.match_min_abi_version = 1,
	.match_max_abi_version = 1,
	.match_table = ivp_match,
	.alloc_device = ivo_alloc_device,
	.uninit_device = ivo_uninit_device,
	.alloc_context = ivo_alloc_context,
};

__attribute__((constructor)) static void ivo_register(void)
{
	verbs_register_driver_34(&ivp_device_ops);
}
