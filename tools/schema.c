// SPDX-License-Identifier: MIT
/*
 * ioverbs schema: every type, action, chain and attribute spec a device
 * accepts, with names and buffer layouts.
 *
 *	ioverbs schema [--json] [--driver NAME]
 *	ioverbs schema [--json] --device uverbsN [-m MOUNT]
 *
 * Offline (the default, or --driver) it reads the tables built into this
 * program; with --device it asks the running device (DEVICE's
 * QUERY_SCHEMA) through the daemon's mount.  Both print the same way:
 * text by default, JSON with --json (docs/schema.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>
#include <ioverbs/schema.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/soft_device.h>

#include "ioverbs.h"

static void usage(FILE *fp)
{
	fprintf(fp,
		"Usage: ioverbs schema [--json] [--driver NAME]\n"
		"       ioverbs schema [--json] --device uverbsN [-m MOUNT]\n"
		"Print every type, action and attribute spec a device accepts.\n"
		"  -j, --json          JSON instead of text (docs/schema.md)\n"
		"  -d, --driver NAME   the tables built into this program: soft (the\n"
		"                      default) or std (the standard types alone)\n"
		"  -D, --device DEV    ask the running device MOUNT/DEV instead\n"
		"  -m, --mount MOUNT   the ioverbsd mount (default $IOVERBS_MOUNT or " IOVERBS_DEFAULT_MOUNT
		")\n");
}

/* The built-in tables of driver @name, as a schema. */
static int schema_offline(const char *name, struct ioverbs_schema **s)
{
	struct soft_device_config cfg = { .name = "schema" };
	struct ib_device *dev;
	int ret;

	if (!strcmp(name, "std"))
		return ioverbs_schema_from_types(&uverbs_std_types,
						 SOFT_DRIVER_ID, s);
	if (strcmp(name, "soft"))
		return ioverbs_err("schema", IOVERBS_EXIT_USAGE,
				   "%s: no such driver (soft, std)", name);
	/* The soft device assembles its table when it is made. */
	ret = ioverbs_init();
	if (ret)
		return ioverbs_err("schema", IOVERBS_EXIT_FAILED,
				   "cannot start the embedded core: %s",
				   strerror(-ret));
	dev = soft_device_create(&cfg);
	if (IS_ERR(dev))
		return ioverbs_err("schema", IOVERBS_EXIT_FAILED,
				   "cannot make a soft device: %s",
				   strerror((int)-PTR_ERR(dev)));
	ret = ioverbs_schema_from_types(dev->types, dev->driver_id, s);
	soft_device_destroy(dev);
	if (ret)
		return ioverbs_err("schema", IOVERBS_EXIT_FAILED,
				   "driver %s: %s", name, strerror(-ret));
	return 0;
}

static int schema_online(const char *mount, const char *device,
			 struct ioverbs_schema **s)
{
	struct ioverbs_client v;
	char path[4096];
	int fd, ret;

	if (strchr(device, '/'))
		return ioverbs_err("schema", IOVERBS_EXIT_USAGE,
				   "%s: a device name (uverbsN), not a path",
				   device);
	snprintf(path, sizeof(path), "%s/%s", ioverbs_mount(mount), device);
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0)
		return ioverbs_err("schema",
				   errno == ENOENT ? IOVERBS_EXIT_FAILED :
						     IOVERBS_EXIT_USAGE,
				   "%s: %s", path, strerror(errno));
	ioverbs_client_init_fd(&v, fd);
	ret = ioverbs_schema_fetch(&v, s);
	if (ret) {
		char why[UVERBS_REASON_MAX];

		if (ioverbs_reason_get(&v, why, sizeof(why)) > 0)
			ioverbs_err("schema", 0, "%s: QUERY_SCHEMA: %s (%s)",
				    path, strerrorname_np(-ret), why);
		else
			ioverbs_err("schema", 0, "%s: QUERY_SCHEMA: %s", path,
				    strerrorname_np(-ret));
		close(fd);
		return IOVERBS_EXIT_FAILED;
	}
	close(fd);
	return 0;
}

int ioverbs_schema_main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "help", no_argument, NULL, 'h' },
		{ "json", no_argument, NULL, 'j' },
		{ "driver", required_argument, NULL, 'd' },
		{ "device", required_argument, NULL, 'D' },
		{ "mount", required_argument, NULL, 'm' },
		{ NULL, 0, NULL, 0 },
	};
	const char *driver = NULL, *device = NULL, *mount = NULL;
	struct ioverbs_schema *s = NULL;
	bool json = false;
	int c, ret;

	while ((c = getopt_long(argc, argv, "hjd:D:m:", opts, NULL)) != -1) {
		switch (c) {
		case 'j':
			json = true;
			break;
		case 'd':
			driver = optarg;
			break;
		case 'D':
			device = optarg;
			break;
		case 'm':
			mount = optarg;
			break;
		case 'h':
			usage(stdout);
			return IOVERBS_EXIT_OK;
		default:
			usage(stderr);
			return IOVERBS_EXIT_USAGE;
		}
	}
	if (optind != argc || (driver && device)) {
		usage(stderr);
		return IOVERBS_EXIT_USAGE;
	}
	if (device)
		ret = schema_online(mount, device, &s);
	else
		ret = schema_offline(driver ? driver : "soft", &s);
	if (ret)
		return ret;
	ret = json ? ioverbs_schema_print_json(s, stdout) :
		     ioverbs_schema_print(s, stdout);
	ioverbs_schema_free(s);
	if (ret || fflush(stdout))
		return ioverbs_err("schema", IOVERBS_EXIT_FAILED,
				   "writing the schema: %s", strerror(EIO));
	return IOVERBS_EXIT_OK;
}
