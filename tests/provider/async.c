// SPDX-License-Identifier: MIT
/*
 * Async events through libibverbs alone: ibv_get_async_event() on a
 * context of the provider, as a real client waits for them (poll() on
 * async_fd, then read).  Run through `ioverbs run` by
 * tests/daemon/test_pingpong.c, which makes the events happen once this
 * prints "ready":
 *
 *	async IBDEV ports	PORT_ERR then PORT_ACTIVE on port 1 (the
 *				test downs and ups it), then DEVICE_FATAL
 *				(`ioverbs ctl remove`); after it ibv_alloc_pd()
 *				fails with EIO
 *	async IBDEV fatal	DEVICE_FATAL alone (the daemon stopped), then
 *				ibv_alloc_pd() fails
 *
 * One line per failed check, then "N passed, N failed"; exits 0 when none
 * failed.
 */
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <infiniband/verbs.h>

static unsigned int passed, failed;

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (cond) {                                                  \
			passed++;                                            \
		} else {                                                     \
			failed++;                                            \
			printf("FAIL %s:%d: %s (errno %d)\n", __FILE__,      \
			       __LINE__, #cond, errno);                      \
		}                                                            \
	} while (0)

/* The next event within @ms: its type, or -1 (nothing came). */
static int next_event(struct ibv_context *ctx, int ms, int *port)
{
	struct pollfd p = { .fd = ctx->async_fd, .events = POLLIN };
	struct ibv_async_event ev;
	int type;

	if (poll(&p, 1, ms) != 1 || !(p.revents & POLLIN))
		return -1;
	if (ibv_get_async_event(ctx, &ev))
		return -1;
	type = (int)ev.event_type;
	*port = ev.element.port_num;
	printf("event %s port %d\n", ibv_event_type_str(ev.event_type), *port);
	fflush(stdout);
	ibv_ack_async_event(&ev);
	return type;
}

static struct ibv_context *open_dev(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

int main(int argc, char **argv)
{
	struct ibv_context *ctx;
	struct ibv_pd *pd;
	int port = -1;

	if (argc != 3) {
		fprintf(stderr, "usage: async IBDEV ports|fatal\n");
		return 2;
	}
	ctx = open_dev(argv[1]);
	if (!ctx) {
		printf("FAIL: cannot open %s (errno %d)\n", argv[1], errno);
		return 1;
	}
	pd = ibv_alloc_pd(ctx);
	CHECK(pd);
	printf("ready\n");
	fflush(stdout);
	if (!strcmp(argv[2], "ports")) {
		CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_PORT_ERR);
		CHECK(port == 1);
		CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_PORT_ACTIVE);
		CHECK(port == 1);
	}
	CHECK(next_event(ctx, 20000, &port) == IBV_EVENT_DEVICE_FATAL);
	CHECK(port == 0);
	/* Nothing more comes, and a verb now fails rather than hangs. */
	CHECK(next_event(ctx, 300, &port) == -1);
	errno = 0;
	CHECK(!ibv_alloc_pd(ctx));
	if (!strcmp(argv[2], "ports"))
		CHECK(errno == EIO);
	else
		CHECK(errno != 0);
	if (pd)
		ibv_dealloc_pd(pd);
	ibv_close_device(ctx);
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}
