// SPDX-License-Identifier: MIT
/*
 * ioverbs trace: the commands libibverbs sends on its own, decoded by
 * the names of upstream Linux's headers (trace_upstream.h, generated from
 * the installed kernel headers at build time): the upstream
 * RDMA_VERBS_IOCTL with its 24-byte header, and legacy write() commands
 * on a uverbs file.
 *
 * Upstream's headers do not say which attribute enum goes with which
 * method; the names do (UVERBS_METHOD_CQ_CREATE takes
 * UVERBS_ATTR_CREATE_CQ_*), and an attribute that matches no method's
 * prefix prints as a number with "???".
 */
#include <stdio.h>
#include <string.h>

#include "trace.h"
#include "trace_upstream.h"

/* The upstream ABI (rdma/rdma_user_ioctl_cmds.h), by size and offset. */
struct up_hdr {
	__u16 length;
	__u16 object_id;
	__u16 method_id;
	__u16 num_attrs;
	__u64 reserved1;
	__u32 driver_id;
	__u32 reserved2;
};

struct up_attr {
	__u16 attr_id;
	__u16 len;
	__u16 flags;
	__u16 attr_data;
	__u64 data;
};

_Static_assert(sizeof(struct up_hdr) == 24, "upstream header is 24 bytes");
_Static_assert(sizeof(struct up_attr) == 16, "upstream attr is 16 bytes");

/* The legacy write() header (rdma/ib_user_verbs.h). */
struct up_cmd_hdr {
	__u32 command;
	__u16 in_words;
	__u16 out_words;
};

#define UP_CMD_FLAG_EXTENDED 0x80000000u
#define UP_CMD_MASK 0xffu

static const struct trace_up_enum *up_enum(const char *name)
{
	const struct trace_up_enum *e;

	for (e = trace_up_enums; e->name; e++)
		if (!strcmp(e->name, name))
			return e;
	return NULL;
}

/* The name of @value among @e's constants starting with @prefix, bare. */
static const char *up_find(const struct trace_up_enum *e, const char *prefix,
			   unsigned long long value)
{
	const struct trace_up_name *n;
	size_t plen = strlen(prefix);

	for (n = e ? e->names : NULL; n && n->name; n++)
		if (n->value == value && !strncmp(n->name, prefix, plen))
			return n->name + plen;
	return NULL;
}

/* @value's name among every enum's constants starting with @prefix. */
static const char *up_find_any(const char *header, const char *prefix,
			       unsigned long long value)
{
	const struct trace_up_enum *e;
	const char *name;

	for (e = trace_up_enums; e->name; e++) {
		if (strcmp(e->header, header))
			continue;
		name = up_find(e, prefix, value);
		if (name)
			return name;
	}
	return NULL;
}

/* The methods enum of object @obj ("CQ"): "uverbs_methods_cq" or alike. */
static const struct trace_up_enum *up_methods(const char *obj)
{
	const struct trace_up_enum *e;
	char want[64], low[48];
	size_t i;

	for (i = 0; obj[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)(obj[i] >= 'A' && obj[i] <= 'Z' ? obj[i] + 32 :
								   obj[i]);
	low[i] = '\0';
	snprintf(want, sizeof(want), "uverbs_methods_%s", low);
	e = up_enum(want);
	if (e)
		return e;
	/* uverbs_methods_actions_flow_action_ops, uverbs_method_async_event */
	for (e = trace_up_enums; e->name; e++) {
		size_t n = strlen(e->name), l = strlen(low);

		if (strncmp(e->name, "uverbs_method", 13))
			continue;
		snprintf(want, sizeof(want), "_%s_ops", low);
		if (strstr(e->name, want))
			return e;
		if (n > l && !strcmp(e->name + n - l, low) &&
		    e->name[n - l - 1] == '_')
			return e;
	}
	return NULL;
}

/* The enum tagged uverbs_attrs_<@m in lower case><@suffix>, or NULL. */
static const struct trace_up_enum *up_attr_enum(const char *m,
						const char *suffix)
{
	char want[128], low[64];
	size_t i;

	for (i = 0; m[i] && i < sizeof(low) - 1; i++)
		low[i] = (char)(m[i] >= 'A' && m[i] <= 'Z' ? m[i] + 32 : m[i]);
	low[i] = '\0';
	snprintf(want, sizeof(want), "uverbs_attrs_%s%s", low, suffix);
	return up_enum(want);
}

/* An attribute of method @m ("CQ_CREATE", "GET_CONTEXT"), by name. */
static const char *up_attr_name(const char *m, __u16 id)
{
	char prefix[96];
	const char *us, *name;

	if (id & 0xf000)	/* UVERBS_ID_NS_MASK: the driver's namespace */
		return up_find_any("ib_user_ioctl_cmds.h", "UVERBS_ATTR_", id);
	if (!m)
		return NULL;
	snprintf(prefix, sizeof(prefix), "UVERBS_ATTR_%s_", m);
	name = up_find_any("ib_user_ioctl_cmds.h", prefix, id);
	if (name)
		return name;
	/* CQ_CREATE -> CREATE_CQ */
	us = strchr(m, '_');
	if (us) {
		snprintf(prefix, sizeof(prefix), "UVERBS_ATTR_%s_%.*s_", us + 1,
			 (int)(us - m), m);
		name = up_find_any("ib_user_ioctl_cmds.h", prefix, id);
	}
	if (name)
		return name;
	/*
	 * Attributes named without the method (INVOKE_WRITE's CORE_IN,
	 * CORE_OUT, WRITE_CMD): the enum whose tag names the method,
	 * uverbs_attrs_invoke_write_cmd_attr_ids.
	 */
	return up_find(up_attr_enum(m, "_cmd_attr_ids"), "UVERBS_ATTR_", id);
}

void trace_up_ioctl_call(struct trace_out *o, trace_read_fn rd, void *ctx,
			 int fd, __u64 arg, char *obj, size_t osize, char *act,
			 size_t asize)
{
	const struct trace_up_enum *methods = NULL;
	const char *oname = NULL, *mname = NULL;
	struct up_attr a;
	struct up_hdr h;
	unsigned int i, n;

	trace_printf(o, "ioctl(%d, RDMA_VERBS_IOCTL_UPSTREAM, ", fd);
	snprintf(obj, osize, "?");
	snprintf(act, asize, "?");
	if (rd(ctx, arg, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
		trace_printf(o, "0x%llx", (unsigned long long)arg);
		return;
	}
	oname = up_find(up_enum("uverbs_default_objects"), "UVERBS_OBJECT_",
			h.object_id);
	if (oname) {
		methods = up_methods(oname);
		mname = up_find(methods, "UVERBS_METHOD_", h.method_id);
		snprintf(obj, osize, "%s", oname);
		trace_printf(o, "{%s", oname);
	} else {
		snprintf(obj, osize, "%u???", h.object_id);
		trace_printf(o, "{object=%u???", h.object_id);
	}
	if (mname) {
		snprintf(act, asize, "%s", mname);
		trace_printf(o, " %s", mname);
	} else {
		snprintf(act, asize, "%u???", h.method_id);
		trace_printf(o, " method=%u???", h.method_id);
	}
	if (h.driver_id)
		trace_printf(o, ", driver_id=%u", h.driver_id);
	if (h.length != sizeof(h) + sizeof(a) * h.num_attrs)
		trace_printf(o, ", length=%u???", h.length);
	if (h.reserved1 || h.reserved2)
		trace_printf(o, ", reserved???");
	trace_printf(o, ", [");
	n = h.num_attrs < 64 ? h.num_attrs : 64;
	for (i = 0; i < n; i++) {
		const char *an;

		if (rd(ctx, arg + sizeof(h) + i * sizeof(a), &a, sizeof(a)) !=
		    (ssize_t)sizeof(a)) {
			trace_printf(o, "%sunreadable", i ? ", " : "");
			break;
		}
		an = up_attr_name(mname, a.attr_id);
		if (an)
			trace_printf(o, "%s%s=", i ? ", " : "", an);
		else
			trace_printf(o, "%sattr%u???" "=", i ? ", " : "",
				     a.attr_id);
		trace_printf(o, "{len=%u, data=0x%llx%s}", a.len,
			     (unsigned long long)a.data,
			     a.flags & 1 ? ", MANDATORY" : "");
	}
	trace_printf(o, "%s]}", n < h.num_attrs ? ", ..." : "");
}

bool trace_up_write_call(struct trace_out *o, trace_read_fn rd, void *ctx,
			 int fd, __u64 buf, __u64 count, char *act,
			 size_t asize)
{
	struct up_cmd_hdr h;
	const char *name;
	__u32 cmd;

	trace_printf(o, "write(%d, ", fd);
	if (count < sizeof(h) ||
	    rd(ctx, buf, &h, sizeof(h)) != (ssize_t)sizeof(h)) {
		snprintf(act, asize, "?");
		trace_printf(o, "0x%llx, %llu", (unsigned long long)buf,
			     (unsigned long long)count);
		return false;
	}
	cmd = h.command & UP_CMD_MASK;
	if (h.command & UP_CMD_FLAG_EXTENDED)
		name = up_find_any("ib_user_verbs.h", "IB_USER_VERBS_EX_CMD_",
				   cmd);
	else
		name = up_find_any("ib_user_verbs.h", "IB_USER_VERBS_CMD_", cmd);
	if (name)
		snprintf(act, asize, "%s%s",
			 h.command & UP_CMD_FLAG_EXTENDED ? "EX_" : "", name);
	else
		snprintf(act, asize, "%u???", cmd);
	trace_printf(o, "{%s%s, in_words=%u, out_words=%u", act,
		     h.command & ~(UP_CMD_FLAG_EXTENDED | UP_CMD_MASK) ? " ???" :
									   "",
		     h.in_words, h.out_words);
	trace_printf(o, "}, %llu", (unsigned long long)count);
	return true;
}
