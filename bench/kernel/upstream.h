/* SPDX-License-Identifier: MIT */
/* Upstream uverbs as raw ioctls (upstream.c), for bench_kernel.c. */
#ifndef _BENCH_KERNEL_UPSTREAM_H
#define _BENCH_KERNEL_UPSTREAM_H

/* Opens @path (/dev/infiniband/uverbsN) and gets a context: fd or -errno. */
int upstream_open(const char *path);
/* QUERY_PORT of @port: 0 and the port's state, or -errno. */
int upstream_query_port(int fd, unsigned int port, unsigned int *state);
/* A PD allocated (write(), as libibverbs does) and destroyed (ioctl). */
int upstream_pd_alloc_dealloc(int fd);

#endif /* _BENCH_KERNEL_UPSTREAM_H */
