/* SPDX-License-Identifier: MIT */
/*
 * What the benchmarks share: failing loudly, the clock, sorting samples,
 * pinning, and timing one repetition of a loop into a figure.  Each
 * benchmark keeps its own struct figure (it needs a name, s[] and n).
 */
#ifndef _BENCH_BENCH_H
#define _BENCH_BENCH_H

#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <rdma/ib_verbs.h>

static inline void die(const char *what, long err)
{
	fprintf(stderr, "%s: %s: %ld (%s)\n", program_invocation_short_name,
		what, err, ib_uverbs_last_error());
	exit(1);
}

static inline u64 now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (u64)ts.tv_sec * 1000000000u + (u64)ts.tv_nsec;
}

static inline int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* @size as a figure's name says it ("64B", "4KiB", "1MiB") in @buf. */
static inline char *bench_size_name(u32 size, char *buf, size_t n)
{
	if (size >= (1u << 20))
		snprintf(buf, n, "%uMiB", size >> 20);
	else if (size >= 1024)
		snprintf(buf, n, "%uKiB", size >> 10);
	else
		snprintf(buf, n, "%uB", size);
	return buf;
}

/* Pins to the CPU we run on; @method says how figures are taken. */
static inline void pin_to_current_cpu(const char *method)
{
	cpu_set_t set;
	int cpu = sched_getcpu();

	if (cpu < 0)
		return;
	CPU_ZERO(&set);
	CPU_SET(cpu, &set);
	if (sched_setaffinity(0, sizeof(set), &set))
		printf("# not pinned: sched_setaffinity failed\n");
	else
		printf("# pinned to cpu %d; %s\n", cpu, method);
}

/* Times @expr (a loop of @iters that returns 0 or -errno) into @fig. */
#define MEASURE(fig, iters, expr)                                             \
	do {                                                                  \
		u64 _t0 = now_ns();                                           \
		long _e = (expr);                                             \
		u64 _t1 = now_ns();                                           \
		if (_e)                                                       \
			die((fig)->name, _e);                                 \
		(fig)->s[(fig)->n++] = (double)(_t1 - _t0) / (double)(iters); \
	} while (0)

#endif /* _BENCH_BENCH_H */
