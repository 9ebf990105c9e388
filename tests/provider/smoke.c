// SPDX-License-Identifier: MIT
/*
 * Does libibverbs accept the provider?  Run with LD_PRELOAD=the provider
 * and SYSFS_PATH=a tree with one verbs device named ARGV[1]: prints each
 * device libibverbs returns as "NAME DEV_NAME" and exits 0 when ARGV[1]
 * is among them, 1 otherwise.  Built against the installed libibverbs
 * alone (no ioverbs header), as any real client is.
 */
#include <stdio.h>
#include <string.h>

#include <infiniband/verbs.h>

int main(int argc, char **argv)
{
	struct ibv_device **list;
	int i, n, found = 0;

	if (argc != 2) {
		fprintf(stderr, "usage: smoke IBDEV_NAME\n");
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
