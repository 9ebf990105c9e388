// SPDX-License-Identifier: MIT
/*
 * make bench-kernel, inside the qemu guest (scripts/kernel_guest.sh
 * bench): two control commands through our module (/dev/ioverbs-uverbs0,
 * the soft device, our ABI, with lib/) against the same through Linux's
 * own ib_uverbs on rdma_rxe (/dev/infiniband/uverbs0, upstream's ABI,
 * raw ioctls in upstream.c), on the same emulated CPU in the same boot:
 * QUERY_PORT (rxe's asks the e1000 for its link speed: driver work that
 * our soft device does not do), and a PD allocated and destroyed (both
 * drivers: an id and a small struct).  TCG inflates both; the ratio is
 * the figure.
 *
 * Each figure is the best of ROUNDS rounds of ITERS commands, the two
 * sides' rounds taking turns, so that the host's load (qemu shares its
 * CPUs) weighs on both alike.
 */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "upstream.h"

#define ROUNDS 11
#define ITERS 1000
#define OURS "/dev/ioverbs-uverbs0"
#define UPSTREAM "/dev/infiniband/uverbs0"

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* One round: @op ITERS times; *@best lowers to its ns per op.  -1: failed. */
static int round_of(int (*op)(void *arg), void *arg, double *best)
{
	double t = now_ns();
	int i;

	for (i = 0; i < ITERS; i++)
		if (op(arg))
			return -1;
	t = (now_ns() - t) / ITERS;
	if (*best < 0 || t < *best)
		*best = t;
	return 0;
}

static int ours_query_port(void *arg)
{
	struct ib_uverbs_query_port_resp resp;

	return ioverbs_port_query(arg, 1, &resp) ? -1 : 0;
}

static int ours_pd(void *arg)
{
	u32 pd;

	if (ioverbs_pd_alloc(arg, &pd))
		return -1;
	return ioverbs_pd_dealloc(arg, pd) ? -1 : 0;
}

static int upstream_op(void *arg)
{
	unsigned int state;

	return upstream_query_port(*(int *)arg, 1, &state) ? -1 : 0;
}

static int upstream_pd(void *arg)
{
	return upstream_pd_alloc_dealloc(*(int *)arg) ? -1 : 0;
}

static void line(const char *name, double v, const char *bname, double b)
{
	printf("bench %s: %.0f ns/op (baseline %s: %.0f ns/op, ratio %.2f)\n",
	       name, v, bname, b, v / b);
}

int main(void)
{
	struct ioverbs_client v;
	double ours = -1, pd = -1, up = -1, up_pd = -1;
	unsigned int state;
	long ret;
	int fd, ufd, r;

	fd = open(OURS, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror("bench_kernel: open " OURS);
		return 1;
	}
	ioverbs_client_init_fd(&v, fd);
	ret = ioverbs_context_get(&v);
	if (ret) {
		fprintf(stderr, "bench_kernel: GET_CONTEXT on " OURS ": %s\n",
			strerror((int)-ret));
		return 1;
	}
	ufd = upstream_open(UPSTREAM);
	if (ufd < 0) {
		fprintf(stderr, "bench_kernel: GET_CONTEXT on " UPSTREAM ": %s\n",
			strerror(-ufd));
		return 1;
	}
	ret = upstream_query_port(ufd, 1, &state);
	if (ret) {
		fprintf(stderr, "bench_kernel: QUERY_PORT on " UPSTREAM ": %s\n",
			strerror((int)-ret));
		return 1;
	}
	for (r = 0; r < ROUNDS; r++) {
		if (round_of(upstream_op, &ufd, &up) ||
		    round_of(ours_query_port, &v, &ours) ||
		    round_of(upstream_pd, &ufd, &up_pd) ||
		    round_of(ours_pd, &v, &pd)) {
			fprintf(stderr, "bench_kernel: a command failed\n");
			return 1;
		}
	}
	printf("# %d rounds of %d commands each, best round; qemu TCG; rxe port state %u\n",
	       ROUNDS, ITERS, state);
	line("kernel_query_port", ours, "uverbs_rxe_query_port", up);
	line("kernel_pd_alloc_dealloc", pd, "uverbs_rxe_pd_alloc_dealloc", up_pd);
	close(ufd);
	close(fd);
	return 0;
}
