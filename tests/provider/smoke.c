// SPDX-License-Identifier: MIT
/*
 * A libibverbs client of the provider, built against the installed
 * libibverbs alone (no ioverbs header), as any real client is.
 *
 *	smoke IBDEV		prints each device libibverbs returns as
 *				"NAME DEV_NAME"; exits 0 when IBDEV is
 *				among them, 1 otherwise
 *	smoke --verbs IBDEV	opens IBDEV and runs the verbs the provider
 *				has, each line "VERB: RESULT" (0 or the
 *				errno), then exits 0
 */
#include <stdio.h>
#include <string.h>

#include <infiniband/verbs.h>

static struct ibv_device *find(struct ibv_device **list, int n,
			       const char *name)
{
	int i;

	for (i = 0; i < n; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			return list[i];
	return NULL;
}

static int verbs(struct ibv_device **list, int n, const char *name)
{
	struct ibv_device *dev = find(list, n, name);
	struct ibv_device_attr_ex ex;
	struct ibv_device_attr attr;
	struct ibv_port_attr port;
	struct ibv_context *ctx;
	struct ibv_pd *pd, bogus;

	if (!dev) {
		printf("no device %s\n", name);
		return 1;
	}
	ctx = ibv_open_device(dev);
	printf("open: %d\n", ctx ? 0 : errno);
	if (!ctx)
		return 1;
	printf("query_device: %d\n", ibv_query_device(ctx, &attr));
	printf("query_device_ex: %d\n", ibv_query_device_ex(ctx, NULL, &ex));
	printf("same: %d\n", !memcmp(&attr, &ex.orig_attr, sizeof(attr)));
	printf("query_port 1: %d\n", ibv_query_port(ctx, 1, &port));
	printf("query_port 2: %d\n", ibv_query_port(ctx, 2, &port));
	pd = ibv_alloc_pd(ctx);
	printf("alloc_pd: %d\n", pd ? 0 : errno);
	if (pd)
		printf("dealloc_pd: %d\n", ibv_dealloc_pd(pd));
	bogus = (struct ibv_pd){ .context = ctx, .handle = 0x7fff };
	printf("dealloc_pd bogus: %d\n", ibv_dealloc_pd(&bogus));
	printf("close: %d\n", ibv_close_device(ctx));
	return 0;
}

int main(int argc, char **argv)
{
	struct ibv_device **list;
	int i, n, found = 0;

	if (argc == 3 && !strcmp(argv[1], "--verbs")) {
		list = ibv_get_device_list(&n);
		if (!list) {
			perror("ibv_get_device_list");
			return 1;
		}
		i = verbs(list, n, argv[2]);
		ibv_free_device_list(list);
		return i;
	}
	if (argc != 2) {
		fprintf(stderr, "usage: smoke [--verbs] IBDEV_NAME\n");
		return 2;
	}
	list = ibv_get_device_list(&n);
	if (!list) {
		perror("ibv_get_device_list");
		return 1;
	}
	for (i = 0; i < n; i++) {
		printf("%s %s\n", ibv_get_device_name(list[i]),
		       list[i]->dev_name);
		if (!strcmp(ibv_get_device_name(list[i]), argv[1]))
			found = 1;
	}
	ibv_free_device_list(list);
	return found ? 0 : 1;
}
