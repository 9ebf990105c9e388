// SPDX-License-Identifier: MIT
/*
 * write() on a device file: the legacy command ABI, as far as libibverbs
 * uses it by itself.
 *
 * A provider hands libibverbs (rdma-core 44) the daemon's device file as
 * its command descriptor.  After the provider's alloc_context,
 * libibverbs probes the upstream ioctl framework (RDMA_VERBS_IOCTL of a
 * 24-byte header, 0xc0181b01): the daemon answers ENOTTY (dev_ioctl() in
 * fs.c), as a kernel without that framework would, so libibverbs falls
 * back to write() for the commands it issues itself.  Of those, only
 * ibv_create_comp_channel() has no provider hook: it writes
 *
 *	struct ib_uverbs_cmd_hdr	command 17 (CREATE_COMP_CHANNEL),
 *					in_words 4, out_words 1
 *	__u64 response			where the answer goes
 *
 * (16 bytes) and takes resp.fd, a __u32 written at @response, as the
 * channel's descriptor.  Every other legacy command reaches the cmd fd
 * only through a provider's ibv_cmd_*() call, which the ioverbs provider
 * does not make: they are refused with EOPNOTSUPP, as a kernel refuses a
 * command it does not implement.
 *
 * The daemon cannot create a descriptor in its client.  So the provider
 * keeps spare event files open (MOUNT/events/IVD_EVENT_SPARE_PREFIX*,
 * created O_CREAT|O_EXCL by the client as any event file), and
 * CREATE_COMP_CHANNEL takes the caller's lowest-numbered unbound one:
 * it runs the standard COMP_CHANNEL_CREATE with that descriptor in the
 * FD attribute (so the channel is exactly the one the ioctl path makes:
 * bound, readable, pollable, usable in CQ_CREATE), then writes its
 * number at @response.  No spare: EMFILE (a kernel's answer when it
 * cannot install a descriptor), with the reason.  If the response
 * cannot be written the channel is destroyed again: EFAULT, nothing left
 * (Rule 22).
 *
 * Checks in the kernel's order (ib_uverbs_write()): a write shorter than
 * the header or with bits outside the command mask and the extended
 * flag: EINVAL; a command not served: EOPNOTSUPP; in_words * 4 not the
 * write's length: EINVAL; a request or response shorter than the
 * command's: ENOSPC.  Each refusal leaves its reason, readable with
 * read() on the same file (Rule 23).  The header is checked on the loop
 * thread (the bytes came with the request); the command, which reads
 * /proc and writes the caller's memory, runs on a worker.
 */
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon.h"
#include "legacy.h"

/* The legacy ABI's header and what this file serves of it. */
struct legacy_hdr {
	u32 command;
	u16 in_words;
	u16 out_words;
};

#define LEGACY_CMD_MASK 0xffu
#define LEGACY_CMD_EXTENDED 0x80000000u
#define LEGACY_CMD_CREATE_COMP_CHANNEL 17u
/* struct ib_uverbs_create_comp_channel and its response. */
#define LEGACY_COMP_CHANNEL_REQ 8u
#define LEGACY_COMP_CHANNEL_RESP 4u
/* Tries of another spare when a racing thread bound the one we took. */
#define LEGACY_SPARE_TRIES 4

/* The names of the legacy commands, for reasons and the log. */
static const char *const legacy_names[] = {
	"GET_CONTEXT", "QUERY_DEVICE", "QUERY_PORT", "ALLOC_PD",
	"DEALLOC_PD", "CREATE_AH", "MODIFY_AH", "QUERY_AH", "DESTROY_AH",
	"REG_MR", "REG_SMR", "REREG_MR", "QUERY_MR", "DEREG_MR", "ALLOC_MW",
	"BIND_MW", "DEALLOC_MW", "CREATE_COMP_CHANNEL", "CREATE_CQ",
	"RESIZE_CQ", "DESTROY_CQ", "POLL_CQ", "PEEK_CQ", "REQ_NOTIFY_CQ",
	"CREATE_QP", "QUERY_QP", "MODIFY_QP", "DESTROY_QP", "POST_SEND",
	"POST_RECV", "ATTACH_MCAST", "DETACH_MCAST", "CREATE_SRQ",
	"MODIFY_SRQ", "QUERY_SRQ", "DESTROY_SRQ", "POST_SRQ_RECV",
	"OPEN_XRCD", "CLOSE_XRCD", "CREATE_XSRQ", "OPEN_QP",
};

static const char *legacy_name(u32 command)
{
	u32 i = command & LEGACY_CMD_MASK;

	if (command & LEGACY_CMD_EXTENDED)
		return "extended";
	return i < ARRAY_SIZE(legacy_names) ? legacy_names[i] : "unknown";
}

/**
 * struct legacy_job - a CREATE_COMP_CHANNEL for a worker
 * @response: the caller's pointer for the answer
 * @out_len: its length (out_words * 4)
 * @len: the write's length, what success answers
 */
struct legacy_job {
	struct ivd_work work;
	fuse_req_t req;
	struct ivd_file *f;
	u64 response;
	size_t out_len;
	size_t len;
};

/* One COMP_CHANNEL action on @fd, with the command in the daemon's memory. */
static long legacy_channel_cmd(struct ivd_file *f, pid_t tid, u16 action,
			       int fd)
{
	/* The header and its one attribute, as a client lays them out. */
	u64 c[(sizeof(struct ib_uverbs_ioctl_hdr) +
	       sizeof(struct ib_uverbs_attr)) / sizeof(u64)] = { 0 };
	struct ib_uverbs_ioctl_hdr *hdr = (struct ib_uverbs_ioctl_hdr *)c;
	struct ib_uverbs_attr *attr = hdr->attrs;
	long ret;

	hdr->length = sizeof(c);
	hdr->object_type = UVERBS_TYPE_COMP_CHANNEL;
	hdr->driver_id = (u16)f->hw->ib->driver_id;
	hdr->action = action;
	hdr->num_attrs = 1;
	attr->attr_id = action == UVERBS_ACTION_COMP_CHANNEL_CREATE ?
			UVERBS_COMP_CHANNEL_CREATE_FD :
			UVERBS_COMP_CHANNEL_DESTROY_FD;
	attr->ptr_idr = (u64)fd;
	current_mm = &compat_self_mm;
	current_pid = tid;
	ivd_caller_tid = tid;
	ret = ib_uverbs_ioctl_hdr(f->ufile, RDMA_VERBS_IOCTL, hdr,
				  (unsigned long)c);
	ivd_caller_tid = 0;
	current_pid = 0;
	current_mm = NULL;
	return ret;
}

/* Writes the answer at @j->response: 0 or -EFAULT. */
static int legacy_respond(struct legacy_job *j, pid_t tid, int fd)
{
	u8 zero[64] = { 0 };
	u32 resp = (u32)fd;
	struct pvm_mm caller;
	size_t off;
	int ret = 0;

	pvm_mm_init_caller(&caller, tid);
	pvm_mm_use_windows(&caller, j->f->mm);
	current_mm = &caller.mm;
	if (copy_to_user((void __user *)(uintptr_t)j->response, &resp,
			 sizeof(resp)))
		ret = -EFAULT;
	/* As the kernel: the rest of a longer response buffer is zeroed. */
	for (off = sizeof(resp); !ret && off < j->out_len;
	     off += sizeof(zero)) {
		size_t n = min_t(size_t, sizeof(zero), j->out_len - off);

		if (copy_to_user((void __user *)(uintptr_t)(j->response + off),
				 zero, n))
			ret = -EFAULT;
	}
	current_mm = NULL;
	return ret;
}

static void legacy_work(struct ivd_work *w)
{
	struct legacy_job *j = container_of(w, struct legacy_job, work);
	struct ivd_file *f = j->f;
	pid_t tid = fuse_req_ctx(j->req)->pid;
	uid_t uid = fuse_req_ctx(j->req)->uid;
	int fd = -1, tries;
	long ret = -EMFILE;

	for (tries = 0; tries < LEGACY_SPARE_TRIES; tries++) {
		fd = ivd_event_spare(tid, uid, fd);
		if (fd < 0) {
			ret = fd;
			current_pid = tid;
			ib_uverbs_reason_set(f->ufile,
				"CREATE_COMP_CHANNEL: no spare event file open (MOUNT/events/%s*, unbound): the provider keeps one open for each channel to come",
				IVD_EVENT_SPARE_PREFIX);
			current_pid = 0;
			break;
		}
		ret = legacy_channel_cmd(f, tid,
					 UVERBS_ACTION_COMP_CHANNEL_CREATE, fd);
		/* Bound meanwhile by another thread of the caller's. */
		if (ret != -EBUSY)
			break;
	}
	if (ret >= 0) {
		ret = legacy_respond(j, tid, fd);
		if (ret) {
			legacy_channel_cmd(f, tid,
					   UVERBS_ACTION_COMP_CHANNEL_DESTROY,
					   fd);
			current_pid = tid;
			ib_uverbs_reason_set(f->ufile,
				"CREATE_COMP_CHANNEL: response 0x%llx (%zu bytes) is not writable",
				(unsigned long long)j->response, j->out_len);
			current_pid = 0;
		}
	}
	__atomic_fetch_add(&f->num_cmds, 1, __ATOMIC_RELAXED);
	ivd_log_client(f->uid, ret ? IVD_LOG_INFO : IVD_LOG_DEBUG,
		       "%s #%lu pid %d tid %d: legacy CREATE_COMP_CHANNEL -> %s (fd %d)",
		       f->dev->name, f->serial, (int)f->tgid, (int)tid,
		       ivd_errname(ret), fd);
	ivd_account_cmd_end(&f->acct);
	if (ret)
		fuse_reply_err(j->req, (int)-ret);
	else
		fuse_reply_write(j->req, j->len);
	free(j);
}

/* Refuses @req with @ret and the reason (Rule 23). */
static __printf(4, 5) void legacy_refuse(fuse_req_t req, struct ivd_file *f,
					 int ret, const char *fmt, ...)
{
	char msg[UVERBS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ivd_log_client(fuse_req_ctx(req)->uid, IVD_LOG_DEBUG,
		       "%s #%lu pid %d: legacy write: %s: %s", f->dev->name,
		       f->serial, (int)fuse_req_ctx(req)->pid,
		       ivd_errname(ret), msg);
	current_pid = fuse_req_ctx(req)->pid;
	ib_uverbs_reason_set(f->ufile, "%s", msg);
	current_pid = 0;
	fuse_reply_err(req, -ret);
}

void ivd_legacy_write(fuse_req_t req, struct ivd_file *f, const char *buf,
		      size_t size)
{
	const struct fuse_ctx *ctx = fuse_req_ctx(req);
	struct legacy_hdr hdr;
	struct legacy_job *j;
	u32 cmd;
	int ret;

	/* Only the address space the file was opened in (pvm.c). */
	if (pvm_mm_check(ctx->pid, f->mm)) {
		fuse_reply_err(req, EPERM);
		return;
	}
	if (size < sizeof(hdr)) {
		legacy_refuse(req, f, -EINVAL,
			      "legacy write of %zu bytes: shorter than the %zu-byte command header",
			      size, sizeof(hdr));
		return;
	}
	memcpy(&hdr, buf, sizeof(hdr));
	if (hdr.command & ~(LEGACY_CMD_MASK | LEGACY_CMD_EXTENDED)) {
		legacy_refuse(req, f, -EINVAL,
			      "legacy command 0x%x: bits outside the command number and the extended flag",
			      hdr.command);
		return;
	}
	cmd = hdr.command;
	if (cmd != LEGACY_CMD_CREATE_COMP_CHANNEL) {
		legacy_refuse(req, f, -EOPNOTSUPP,
			      "legacy command %u%s (%s) is not served: only CREATE_COMP_CHANNEL, which libibverbs writes by itself; the provider uses RDMA_VERBS_IOCTL",
			      cmd & LEGACY_CMD_MASK,
			      cmd & LEGACY_CMD_EXTENDED ? " extended" : "",
			      legacy_name(cmd));
		return;
	}
	if ((size_t)hdr.in_words * 4 != size) {
		legacy_refuse(req, f, -EINVAL,
			      "legacy CREATE_COMP_CHANNEL: in_words %u (%u bytes) is not the write's %zu bytes",
			      hdr.in_words, hdr.in_words * 4u, size);
		return;
	}
	if (size < sizeof(hdr) + LEGACY_COMP_CHANNEL_REQ ||
	    (size_t)hdr.out_words * 4 < LEGACY_COMP_CHANNEL_RESP) {
		legacy_refuse(req, f, -ENOSPC,
			      "legacy CREATE_COMP_CHANNEL: request %zu bytes (needs %zu), response %u bytes (needs %u)",
			      size, sizeof(hdr) + LEGACY_COMP_CHANNEL_REQ,
			      hdr.out_words * 4u, LEGACY_COMP_CHANNEL_RESP);
		return;
	}
	ret = ivd_account_cmd_begin(&f->acct);
	if (ret) {
		legacy_refuse(req, f, ret,
			      "uid %u has %u commands in flight (--limit-inflight)",
			      (unsigned int)ctx->uid, ivd_user_limits.inflight);
		return;
	}
	j = calloc(1, sizeof(*j));
	if (!j) {
		ret = -ENOMEM;
		goto err_end;
	}
	j->work.fn = legacy_work;
	INIT_LIST_HEAD(&j->work.node);
	j->req = req;
	j->f = f;
	memcpy(&j->response, buf + sizeof(hdr), sizeof(j->response));
	j->out_len = (size_t)hdr.out_words * 4;
	j->len = size;
	ret = ivd_work_queue(&j->work);
	if (ret)
		goto err_free;
	return;

err_free:
	free(j);
err_end:
	ivd_account_cmd_end(&f->acct);
	legacy_refuse(req, f, ret, "the daemon cannot queue the command: %s",
		      ivd_errname(ret));
}
