// SPDX-License-Identifier: MIT
/*
 * The control file's commands: list, stat, remove, add (protocol in
 * ctl.h).
 * An answer is built in a growing buffer and read back by the client.
 */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rdma/soft_direct.h>

#include "daemon.h"

static LIST_HEAD(ctl_files);

struct ivd_ctl *ivd_ctl_open(void)
{
	struct ivd_ctl *c = calloc(1, sizeof(*c));

	if (c) {
		pthread_mutex_lock(&ivd_ctl_lock);
		list_add_tail(&c->list, &ctl_files);
		pthread_mutex_unlock(&ivd_ctl_lock);
	}
	return c;
}

void ivd_ctl_close(struct ivd_ctl *c)
{
	pthread_mutex_lock(&ivd_ctl_lock);
	list_del_init(&c->list);
	pthread_mutex_unlock(&ivd_ctl_lock);
	free(c->out);
	free(c);
}

void ivd_ctl_exit(void)
{
	struct ivd_ctl *c, *tmp;

	list_for_each_entry_safe(c, tmp, &ctl_files, list)
		ivd_ctl_close(c);
}

size_t ivd_ctl_read(struct ivd_ctl *c, char *buf, size_t size)
{
	size_t n;

	pthread_mutex_lock(&ivd_ctl_lock);
	n = c->len - c->pos;
	if (n > size)
		n = size;
	if (n)
		memcpy(buf, c->out + c->pos, n);
	c->pos += n;
	pthread_mutex_unlock(&ivd_ctl_lock);
	return n;
}

/* A growing text buffer; a failed allocation sticks and is reported. */
struct outbuf {
	char *p;
	size_t len, cap;
	bool oom;
};

static void out_printf(struct outbuf *o, const char *fmt, ...) __printf(2, 3);

static void out_printf(struct outbuf *o, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (o->oom)
		return;
	for (;;) {
		size_t room = o->cap - o->len;

		va_start(ap, fmt);
		n = vsnprintf(o->p ? o->p + o->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			o->oom = true;
			return;
		}
		if ((size_t)n < room) {
			o->len += (size_t)n;
			return;
		}
		o->cap = (o->cap + (size_t)n + 1) * 2;
		o->p = realloc(o->p, o->cap);
		if (!o->p) {
			o->oom = true;
			o->len = o->cap = 0;
			return;
		}
	}
}

/* " pd 1 mr 2": the non-zero counts by type. */
static void list_types(struct outbuf *o, const u32 *per_type, const u64 *use,
		       unsigned int n)
{
	unsigned int t;

	for (t = 0; t < n; t++) {
		const char *name = ivd_type_name(t);
		unsigned long long v = per_type ? per_type[t] : use[t];

		if (!v)
			continue;
		if (name)
			out_printf(o, " %s %llu", name, v);
		else
			out_printf(o, " type%u %llu", t, v);
	}
}

static void list_file(struct outbuf *o, const struct ivd_dev *d,
		      struct ivd_file *f)
{
	struct ib_uverbs_file_stats st;
	struct ivd_usage use;

	ib_uverbs_file_stats(f->ufile, &st);
	ivd_account_usage(&f->acct, &use);
	out_printf(o,
		   "file %s pid %d context %d disassociated %d objects %u "
		   "events %u uid %u queue_mem %llu pinned %llu",
		   d->name, (int)f->tgid, st.has_context, st.disassociated,
		   st.num_objects, st.num_events, (unsigned int)f->uid,
		   (unsigned long long)use.queue_mem,
		   (unsigned long long)use.pinned);
	list_types(o, st.per_type, NULL, ARRAY_SIZE(st.per_type));
	out_printf(o, "\n");
}

struct list_arg {
	struct outbuf *o;
	const struct ivd_dev *d;
	const struct ivd_file *f;
};

/* Every file on a registered device, as the core sees them. */
static int list_one(struct ib_uverbs_file *ufile, void *arg)
{
	struct list_arg *la = arg;
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	if (f)
		list_file(la->o, la->d, f);
	return 0;
}

/* What each user with an open file holds against its quotas. */
static int list_user(uid_t uid, unsigned int files,
		     const struct ivd_usage *use, void *arg)
{
	struct outbuf *o = arg;

	out_printf(o, "user %u files %u queue_mem %llu pinned %llu",
		   (unsigned int)uid, files,
		   (unsigned long long)use->queue_mem,
		   (unsigned long long)use->pinned);
	list_types(o, NULL, use->objects, IVD_LIMIT_TYPES);
	out_printf(o, "\n");
	return 0;
}

static int ctl_list(struct outbuf *o)
{
	unsigned int i;

	pthread_mutex_lock(&ivd_lock);
	for (i = 0; i < ivd_num_devs; i++) {
		struct ivd_dev *d = &ivd_devs[i];
		struct list_arg la = { o, d, NULL };
		struct ivd_file *f;

		out_printf(o, "device %s %s mode %04o uid %u gid %u files %u\n",
			   d->name, d->ib ? "registered" : "removed",
			   (unsigned int)d->mode, (unsigned int)d->uid,
			   (unsigned int)d->gid, d->num_files);
		if (d->ib)
			ib_device_for_each_file(d->ib, list_one, &la);
		/*
		 * Files of a device removed since (the slot may have a new
		 * one) are on no device's list: ours alone.
		 */
		list_for_each_entry(f, &d->files, list)
			if (!d->hw || f->hw != d->hw)
				list_file(o, d, f);
	}
	pthread_mutex_unlock(&ivd_lock);
	ivd_limits_for_each_user(list_user, o);
	out_printf(o, "live_objects %ld\n", compat_live_objects());
	return 0;
}

/* "cmd SERIAL TYPE ACTION NAME calls N errors N", one per action. */
static int stat_cmd(u16 type_id, u16 action_id, const struct uverbs_type *type,
		    const struct uverbs_action *action, u64 calls, u64 errors,
		    void *arg)
{
	struct list_arg *la = arg;
	const struct ivd_file *f = la->f;
	struct outbuf *o = la->o;

	if (!action) {
		out_printf(o, "cmd %lu - - ???", f->serial);
	} else {
		out_printf(o, "cmd %lu %u %u ", f->serial, type_id, action_id);
		if (action->name)
			out_printf(o, "%s", action->name);
		else if (type && type->name)
			out_printf(o, "%s:%u", type->name, action_id);
		else
			out_printf(o, "%u:%u", type_id, action_id);
	}
	out_printf(o, " calls %llu errors %llu\n", (unsigned long long)calls,
		   (unsigned long long)errors);
	return 0;
}

static const char *const traffic_names[IB_UVERBS_NUM_TRAFFIC] = {
	[IB_UVERBS_TRAFFIC_SEND] = "send",
	[IB_UVERBS_TRAFFIC_RECV] = "recv",
	[IB_UVERBS_TRAFFIC_RDMA_WRITE] = "rdma_write",
	[IB_UVERBS_TRAFFIC_RDMA_READ] = "rdma_read",
	[IB_UVERBS_TRAFFIC_ATOMIC] = "atomic",
};

static const char *const path_names[] = {
	[SOFT_PATH_UNDECIDED] = "undecided",
	[SOFT_PATH_PENDING] = "pending",
	[SOFT_PATH_RELAY] = "relay",
	[SOFT_PATH_DIRECT] = "direct",
};

/* A soft context's QPs with rings, summed and one by one. */
struct direct_arg {
	struct outbuf *o;
	unsigned long serial;
	unsigned int qps, by_path[ARRAY_SIZE(path_names)];
	u64 tx_msgs, tx_bytes, rx_msgs, rx_bytes;
	bool lines;
};

static int direct_qp(const struct soft_direct_qp_info *qi, void *arg)
{
	struct direct_arg *da = arg;

	if (da->lines) {
		out_printf(da->o,
			   "qp %lu %u %s peer %u gone %d tx_msgs %llu tx_bytes %llu rx_msgs %llu rx_bytes %llu",
			   da->serial, qi->qpn,
			   qi->path < ARRAY_SIZE(path_names) ?
				   path_names[qi->path] : "?",
			   qi->peer_qpn, qi->peer_gone,
			   (unsigned long long)qi->tx_msgs,
			   (unsigned long long)qi->tx_bytes,
			   (unsigned long long)qi->rx_msgs,
			   (unsigned long long)qi->rx_bytes);
		if (qi->ud)
			out_printf(da->o,
				   " ud_dests %u ud_relayed %llu ud_drops %llu",
				   qi->ud_dests,
				   (unsigned long long)qi->ud_relayed,
				   (unsigned long long)qi->ud_drops);
		out_printf(da->o, "\n");
		return 0;
	}
	da->qps++;
	if (qi->path < ARRAY_SIZE(path_names))
		da->by_path[qi->path]++;
	da->tx_msgs += qi->tx_msgs;
	da->tx_bytes += qi->tx_bytes;
	da->rx_msgs += qi->rx_msgs;
	da->rx_bytes += qi->rx_bytes;
	return 0;
}

static int direct_ctx(struct ib_ucontext *uctx, void *arg)
{
	return soft_direct_for_each_qp(uctx, direct_qp, arg);
}

/* The "direct" line and the "qp" lines of a file of a soft device. */
static void stat_direct(struct outbuf *o, struct ivd_file *f)
{
	struct direct_arg da = { .o = o, .serial = f->serial };

	if (ib_uverbs_file_context_call(f->ufile, direct_ctx, &da))
		return;
	out_printf(o,
		   "direct %lu qps %u direct %u relay %u pending %u undecided %u tx_msgs %llu tx_bytes %llu rx_msgs %llu rx_bytes %llu\n",
		   f->serial, da.qps, da.by_path[SOFT_PATH_DIRECT],
		   da.by_path[SOFT_PATH_RELAY], da.by_path[SOFT_PATH_PENDING],
		   da.by_path[SOFT_PATH_UNDECIDED],
		   (unsigned long long)da.tx_msgs,
		   (unsigned long long)da.tx_bytes,
		   (unsigned long long)da.rx_msgs,
		   (unsigned long long)da.rx_bytes);
	da.lines = true;
	ib_uverbs_file_context_call(f->ufile, direct_ctx, &da);
}

static void stat_file(struct outbuf *o, const struct ivd_dev *d,
		      struct ivd_file *f)
{
	struct list_arg la = { o, d, f };
	struct ib_uverbs_file_stats st;
	struct timespec now;
	unsigned int i;

	ib_uverbs_file_stats(f->ufile, &st);
	clock_gettime(CLOCK_MONOTONIC, &now);
	out_printf(o,
		   "file %lu %s pid %d uid %u context %d disassociated %d "
		   "age_ms %lld cmds %llu errors %llu objects %u",
		   f->serial, d->name, (int)f->tgid, (unsigned int)f->uid,
		   st.has_context, st.disassociated,
		   (long long)(now.tv_sec - f->opened.tv_sec) * 1000 +
			   (now.tv_nsec - f->opened.tv_nsec) / 1000000,
		   (unsigned long long)st.cmds,
		   (unsigned long long)st.cmd_errors, st.num_objects);
	list_types(o, st.per_type, NULL, ARRAY_SIZE(st.per_type));
	out_printf(o, "\ntraffic %lu", f->serial);
	for (i = 0; i < IB_UVERBS_NUM_TRAFFIC; i++)
		out_printf(o, " %s %llu %llu", traffic_names[i],
			   (unsigned long long)st.msgs[i],
			   (unsigned long long)st.bytes[i]);
	out_printf(o, " wc_errors %llu\n", (unsigned long long)st.wc_errors);
	stat_direct(o, f);
	ib_uverbs_file_cmd_counts(f->ufile, stat_cmd, &la);
}

/*
 * A soft device's RoCEv2 port: "roce DEV port N addr A netdev I rx N tx N
 * retransmits N timeouts N naks_sent N naks_rcvd N rnr_naks_sent N
 * rnr_naks_rcvd N drops[ REASON N]..." (the reasons not 0).
 */
static void stat_roce(struct outbuf *o, const struct ivd_dev *d)
{
	static const char *const drop_names[] = SOFT_ROCE_DROP_NAMES;
	struct soft_roce_counters c;
	char addr[INET_ADDRSTRLEN];
	unsigned int i;

	if (soft_device_roce_counters(d->ib, 1, &c) || !c.roce)
		return;
	c.netdev[sizeof(c.netdev) - 1] = 0;
	inet_ntop(AF_INET, c.addr + 12, addr, sizeof(addr));
	out_printf(o,
		   "roce %s port 1 addr %s netdev %s rx %llu tx %llu "
		   "retransmits %llu timeouts %llu naks_sent %llu "
		   "naks_rcvd %llu rnr_naks_sent %llu rnr_naks_rcvd %llu "
		   "test_lost %llu test_reordered %llu drops",
		   d->name, addr, c.netdev[0] ? c.netdev : "-",
		   (unsigned long long)c.rx_packets,
		   (unsigned long long)c.tx_packets,
		   (unsigned long long)c.retransmits,
		   (unsigned long long)c.timeouts,
		   (unsigned long long)c.naks_sent,
		   (unsigned long long)c.naks_rcvd,
		   (unsigned long long)c.rnr_naks_sent,
		   (unsigned long long)c.rnr_naks_rcvd,
		   (unsigned long long)c.test_lost,
		   (unsigned long long)c.test_reordered);
	for (i = 1; i < ARRAY_SIZE(drop_names); i++)
		if (c.drops[i])
			out_printf(o, " %s %llu", drop_names[i],
				   (unsigned long long)c.drops[i]);
	out_printf(o, "\n");
}

/*
 * Every file of every slot, removed devices' included: a file is on its
 * slot's list from its open until its close begins, under ivd_lock.
 */
static int ctl_stat(struct outbuf *o)
{
	unsigned int i;

	pthread_mutex_lock(&ivd_lock);
	for (i = 0; i < ivd_num_devs; i++) {
		struct ivd_dev *d = &ivd_devs[i];
		struct ivd_file *f;

		out_printf(o, "device %s %s files %u\n", d->name,
			   d->ib ? "registered" : "removed", d->num_files);
		if (d->ib && !d->ops)
			stat_roce(o, d);
		list_for_each_entry(f, &d->files, list)
			stat_file(o, d, f);
	}
	pthread_mutex_unlock(&ivd_lock);
	return 0;
}

struct reason_arg {
	pid_t tgid, tid;
	long best;
	const char *dev;
	char msg[UVERBS_REASON_MAX];
};

static void reason_file(struct reason_arg *ra, const struct ivd_dev *d,
			struct ivd_file *f)
{
	char msg[UVERBS_REASON_MAX];
	long seq;

	if (f->tgid != ra->tgid)
		return;
	seq = ib_uverbs_reason_peek(f->ufile, ra->tid, msg, sizeof(msg));
	if (seq > ra->best) {
		ra->best = seq;
		ra->dev = d->name;
		memcpy(ra->msg, msg, sizeof(msg));
	}
}

struct reason_walk {
	struct reason_arg *ra;
	const struct ivd_dev *d;
};

static int reason_one(struct ib_uverbs_file *ufile, void *arg)
{
	struct reason_walk *w = arg;
	struct ivd_file *f = ib_uverbs_file_priv(ufile);

	if (f)
		reason_file(w->ra, w->d, f);
	return 0;
}

/*
 * "reason PID TID": the reason thread TID of process PID would read for
 * its last failed command (Rule 23), without taking it, from whichever of
 * the process's files it failed on last.  For a tracer, which cannot
 * read() the device file in the thread's place: that read would consume
 * the reason, and it is keyed by the calling thread.
 */
static int ctl_reason(struct outbuf *o, const char *pid, const char *tid)
{
	struct reason_arg ra = { 0 };
	char *end;
	unsigned int i;
	long v;

	if (!pid || !tid)
		return -EINVAL;
	v = strtol(pid, &end, 10);
	if (*end || v <= 0 || v > INT32_MAX)
		return -EINVAL;
	ra.tgid = (pid_t)v;
	v = strtol(tid, &end, 10);
	if (*end || v <= 0 || v > INT32_MAX)
		return -EINVAL;
	ra.tid = (pid_t)v;

	pthread_mutex_lock(&ivd_lock);
	for (i = 0; i < ivd_num_devs; i++) {
		struct ivd_dev *d = &ivd_devs[i];
		struct reason_walk w = { &ra, d };
		struct ivd_file *f;

		if (d->ib)
			ib_device_for_each_file(d->ib, reason_one, &w);
		list_for_each_entry(f, &d->files, list)
			if (!d->hw || f->hw != d->hw)
				reason_file(&ra, d, f);
	}
	pthread_mutex_unlock(&ivd_lock);
	if (!ra.best)
		return -ENOENT;
	out_printf(o, "reason %s %ld %s\n", ra.dev, ra.best, ra.msg);
	return 0;
}

int ivd_ctl_run(struct ivd_ctl *c, const char *cmd, size_t len)
{
	char line[IVD_CTL_MAX_CMD + 1], *verb = NULL, *name = NULL, *extra,
					*save;
	struct outbuf o = { 0 };
	struct ivd_dev *d = NULL;
	const char *why = NULL;
	int ret = 0;

	pthread_mutex_lock(&ivd_ctl_lock);
	free(c->out);
	c->out = NULL;
	c->len = c->pos = 0;

	if (len > IVD_CTL_MAX_CMD) {
		ret = -EINVAL;
		why = "command too long";
		goto out;
	}
	memcpy(line, cmd, len);
	line[len] = '\0';
	verb = strtok_r(line, " \t\r\n", &save);
	name = verb ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	extra = name ? strtok_r(NULL, " \t\r\n", &save) : NULL;
	if (verb && !strcmp(verb, "reason")) {
		const char *pid = name;

		name = NULL;	/* not a device: no "NAME: " in an error */
		ret = extra && strtok_r(NULL, " \t\r\n", &save) ? -EINVAL :
			ctl_reason(&o, pid, extra);
		why = ret == -ENOENT ? "no reason waits for that thread" :
			"usage: reason PID TID";
		goto out;
	}
	if (!verb || extra) {
		ret = -EINVAL;
		why = "usage: list | stat | remove NAME | add NAME | reason PID TID";
		goto out;
	}

	if (!strcmp(verb, "list") && !name) {
		ret = ctl_list(&o);
		goto out;
	}
	if (!strcmp(verb, "stat") && !name) {
		ret = ctl_stat(&o);
		goto out;
	}
	if ((strcmp(verb, "remove") && strcmp(verb, "add")) || !name) {
		ret = -EINVAL;
		why = "usage: list | stat | remove NAME | add NAME | reason PID TID";
		goto out;
	}
	d = ivd_dev_by_name(name);
	if (!d) {
		ret = -ENOENT;
		why = "no such device file";
		goto out;
	}
	if (!strcmp(verb, "remove")) {
		ret = ivd_dev_remove(d);
		why = ret ? "already removed" : NULL;
		if (!ret)
			out_printf(&o, "removed %s\n", d->name);
	} else {
		ret = ivd_dev_add(d);
		why = ret == -EEXIST ? "already present" : "cannot create";
		if (!ret)
			out_printf(&o, "added %s\n", d->name);
	}

out:
	if (ret) {
		free(o.p);
		o = (struct outbuf){ 0 };
		out_printf(&o, "error: %s: %s%s%s\n", ivd_errname(ret),
			   d ? d->name : "", d ? ": " : "", why ? why : "");
		log_info("ctl: %s%s%s: %s (%s)", verb ? verb : "(empty)",
			 name ? " " : "", name ? name : "", ivd_errname(ret),
			 why ? why : "");
	}
	if (o.oom) {
		free(o.p);
		ret = -ENOMEM;
	} else {
		c->out = o.p;
		c->len = o.len;
	}
	pthread_mutex_unlock(&ivd_ctl_lock);
	return ret;
}
