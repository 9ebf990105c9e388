/* SPDX-License-Identifier: MIT */
/*
 * Upstream Linux's verbs names, generated at build time from the
 * installed kernel headers (scripts/gen_upstream_names.sh): what `ioverbs
 * trace` prints for the upstream RDMA_VERBS_IOCTL (0xc0181b01) and the
 * legacy write() commands that libibverbs sends on its own.
 */
#ifndef _TOOLS_TRACE_UPSTREAM_H
#define _TOOLS_TRACE_UPSTREAM_H

/**
 * struct trace_up_name - one constant of an enum
 * @value: its value
 * @name: its name as the header spells it ("UVERBS_METHOD_QP_CREATE")
 */
struct trace_up_name {
	unsigned long long value;
	const char *name;
};

/**
 * struct trace_up_enum - one enum of a header
 * @header: the header's file name ("ib_user_ioctl_cmds.h")
 * @name: the enum's tag, "anonymous" for none ("uverbs_methods_qp")
 * @names: its constants, ending with a NULL @name
 */
struct trace_up_enum {
	const char *header;
	const char *name;
	const struct trace_up_name *names;
};

/* Every enum of the headers, ending with a NULL @name. */
extern const struct trace_up_enum trace_up_enums[];

#endif /* _TOOLS_TRACE_UPSTREAM_H */
