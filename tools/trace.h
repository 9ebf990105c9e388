/* SPDX-License-Identifier: MIT */
/* What the files of `ioverbs trace` (tools/trace*.c) share. */
#ifndef _TOOLS_TRACE_H
#define _TOOLS_TRACE_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include <linux/types.h>

/* One output line being built; cut with "..." when full. */
struct trace_out {
	char buf[16384];
	size_t len;
	bool full;
};

void trace_printf(struct trace_out *o, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Reads the tracee's memory: @len or -errno (as ioverbs_decode_read_fn). */
typedef ssize_t (*trace_read_fn)(void *ctx, __u64 addr, void *buf,
				 size_t len);

/*
 * The upstream RDMA_VERBS_IOCTL (0xc0181b01) at its entry: "ioctl(FD,
 * RDMA_VERBS_IOCTL_UPSTREAM, {OBJECT METHOD, [ATTR={...}, ...]}" into @o,
 * the object's and method's names (or numbers) into @obj and @act.
 */
void trace_up_ioctl_call(struct trace_out *o, trace_read_fn rd, void *ctx,
			 int fd, __u64 arg, char *obj, size_t osize, char *act,
			 size_t asize);

/*
 * A legacy write() command on a uverbs file at its entry: "write(FD,
 * {COMMAND, in_words=N, out_words=N}, COUNT" into @o, the command's name
 * into @act.  False when @buf holds no readable header.
 */
bool trace_up_write_call(struct trace_out *o, trace_read_fn rd, void *ctx,
			 int fd, __u64 buf, __u64 count, char *act,
			 size_t asize);

#endif /* _TOOLS_TRACE_H */
