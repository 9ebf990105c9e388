// SPDX-License-Identifier: MIT
/*
 * Rule 23: every refusal says why.  The core, the handlers and the driver
 * code they call write one line into the running command's reason buffer
 * (uverbs_set_error(), like netlink's extack); when the command fails the
 * core keeps that line for the calling thread in a small table of the
 * file, where the client reads it (ib_uverbs_reason_read(): read() on the
 * device file through the daemon, the same in a kernel module).
 *
 * Memory is bounded per file: UVERBS_REASON_SLOTS slots, one per calling
 * thread (current->pid; the daemon's caller tid), the least recently
 * written one evicted for a new thread.  A client with thousands of
 * threads therefore costs a file no more than a client with eight; the
 * price is that a thread whose reason was evicted reads nothing.
 */
#include "core_priv.h"

/* Orders the reasons of every file (uverbs_reason_slot.seq). */
static atomic_long_t uverbs_reason_seq;

void uverbs_set_error(const char *fmt, ...)
{
	struct uverbs_cmd *cmd = current_cmd;
	char line[UVERBS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd ? cmd->reason : line, UVERBS_REASON_MAX, fmt, ap);
	va_end(ap);
	if (!cmd)
		pr_debug("%s", line);
}

bool uverbs_error_is_set(void)
{
	struct uverbs_cmd *cmd = current_cmd;

	return cmd && cmd->reason[0];
}

const char *uverbs_error_get(void)
{
	struct uverbs_cmd *cmd = current_cmd;

	return cmd ? cmd->reason : "";
}

const char *ib_uverbs_last_error(void)
{
	return compat_traced_reason();
}

void uverbs_reason_init(struct ib_uverbs_file *ufile)
{
	spin_lock_init(&ufile->reason_lock);
	atomic_set(&ufile->reason_used, 0);
}

void uverbs_reason_destroy(struct ib_uverbs_file *ufile)
{
	spin_lock_destroy(&ufile->reason_lock);
}

/* @pid's slot, or NULL.  Under reason_lock. */
static struct uverbs_reason_slot *reason_find(struct ib_uverbs_file *ufile,
					      pid_t pid)
{
	unsigned int i;

	for (i = 0; i < UVERBS_REASON_SLOTS; i++)
		if (ufile->reasons[i].pid == pid)
			return &ufile->reasons[i];
	return NULL;
}

/* Frees @s.  Under reason_lock. */
static void reason_clear(struct ib_uverbs_file *ufile,
			 struct uverbs_reason_slot *s)
{
	s->pid = 0;
	s->msg[0] = '\0';
	atomic_dec(&ufile->reason_used);
}

/* Keeps @msg as @pid's reason: its slot, a free one, or the oldest. */
static void reason_store(struct ib_uverbs_file *ufile, pid_t pid,
			 const char *msg)
{
	struct uverbs_reason_slot *s, *oldest = NULL;
	unsigned int i;

	spin_lock(&ufile->reason_lock);
	s = reason_find(ufile, pid);
	if (!s)
		s = reason_find(ufile, 0);
	if (!s) {
		/* Stamps wrap: compare their distance from now. */
		for (i = 0; i < UVERBS_REASON_SLOTS; i++) {
			struct uverbs_reason_slot *c = &ufile->reasons[i];

			if (!oldest || ufile->reason_stamp - c->stamp >
					       ufile->reason_stamp - oldest->stamp)
				oldest = c;
		}
		s = oldest;
	} else if (!s->pid) {
		atomic_inc(&ufile->reason_used);
	}
	s->pid = pid;
	s->stamp = ++ufile->reason_stamp;
	s->seq = atomic_long_add_return(1, &uverbs_reason_seq);
	snprintf(s->msg, sizeof(s->msg), "%s", msg);
	spin_unlock(&ufile->reason_lock);
}

/* Gives a reason to a refusal that none named (kept short: it is a bug). */
static void reason_fallback(struct uverbs_cmd *cmd, long ret)
{
	if (ret == -ENOMEM)
		snprintf(cmd->reason, sizeof(cmd->reason), "out of memory");
	else
		snprintf(cmd->reason, sizeof(cmd->reason),
			 "refused (errno %ld) without a reason", -ret);
}

void uverbs_reason_done(struct uverbs_cmd *cmd, long ret)
{
	struct ib_uverbs_file *ufile = cmd->ufile;
	struct uverbs_reason_slot *s;

	if (ret) {
		if (!cmd->reason[0])
			reason_fallback(cmd, ret);
		reason_store(ufile, compat_current_pid(), cmd->reason);
		compat_trace_reason(cmd->reason);
		return;
	}
	compat_trace_reason("");
	/* A success clears the caller's reason; nothing to do if none waits. */
	if (!atomic_read(&ufile->reason_used))
		return;
	spin_lock(&ufile->reason_lock);
	s = reason_find(ufile, compat_current_pid());
	if (s)
		reason_clear(ufile, s);
	spin_unlock(&ufile->reason_lock);
}

ssize_t ib_uverbs_reason_read(struct ib_uverbs_file *ufile, char *buf,
			      size_t len)
{
	struct uverbs_reason_slot *s;
	size_t n = 0;

	if (!atomic_read(&ufile->reason_used))
		return 0;
	spin_lock(&ufile->reason_lock);
	s = reason_find(ufile, compat_current_pid());
	if (s) {
		n = min_t(size_t, strlen(s->msg), len);
		memcpy(buf, s->msg, n);
		if (n < len)
			buf[n++] = '\n';
		reason_clear(ufile, s);
	}
	spin_unlock(&ufile->reason_lock);
	return (ssize_t)n;
}

void ib_uverbs_reason_set(struct ib_uverbs_file *ufile, const char *fmt, ...)
{
	char msg[UVERBS_REASON_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	reason_store(ufile, compat_current_pid(), msg);
	compat_trace_reason(msg);
}

long ib_uverbs_reason_peek(struct ib_uverbs_file *ufile, pid_t pid, char *buf,
			   size_t len)
{
	struct uverbs_reason_slot *s;
	long seq = 0;

	if (!len || !pid || !atomic_read(&ufile->reason_used))
		return 0;
	spin_lock(&ufile->reason_lock);
	s = reason_find(ufile, pid);
	if (s) {
		snprintf(buf, len, "%s", s->msg);
		seq = s->seq;
	}
	spin_unlock(&ufile->reason_lock);
	return seq;
}
