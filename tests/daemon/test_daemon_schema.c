// SPDX-License-Identifier: MIT
/*
 * QUERY_SCHEMA through the daemon, and `ioverbs schema`: a running soft
 * device answers, on a file without a context and whatever the driver_id,
 * the blob the core writes for the soft device's tables, byte for byte;
 * it parses into what the library builds from those tables; and the tool
 * prints the device (--device) and its built-in tables (offline) as the
 * golden files of tests/golden/ say, in text and JSON.
 */
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>

#include <ioverbs/embedded.h>
#include <ioverbs/reason.h>
#include <ioverbs/schema.h>
#include <rdma/ib_user_schema.h>
#include <rdma/ib_verbs_ops.h>

#include "../schema_check.h"
#include "fixture.h"

/* The soft device's blob and schema, as this process's core makes them. */
static u8 *local_blob(u32 *len, struct ioverbs_schema **s)
{
	struct ib_device *dev;
	u8 *blob;

	ASSERT_OK(ioverbs_init());
	dev = soft_device_create(NULL);
	ASSERT_TRUE(!IS_ERR(dev));
	ASSERT_OK(uverbs_schema_copy(dev->types, dev->driver_id, NULL, 0, 0,
				     len));
	blob = malloc(*len);
	ASSERT_TRUE(blob);
	ASSERT_OK(uverbs_schema_copy(dev->types, dev->driver_id, blob, 0, *len,
				     len));
	ASSERT_OK(ioverbs_schema_from_types(dev->types, dev->driver_id, s));
	soft_device_destroy(dev);
	return blob;
}

static long query(int fd, u16 driver_id, u32 offset, void *data, size_t len,
		  u32 *size)
{
	struct ioverbs_cmd c;

	ioverbs_cmd_init(&c, NULL, driver_id, UVERBS_TYPE_DEVICE,
			 UVERBS_ACTION_DEVICE_QUERY_SCHEMA);
	ioverbs_cmd_in(&c, UVERBS_QUERY_SCHEMA_OFFSET, &offset, sizeof(offset));
	ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_DATA, data, len);
	ioverbs_cmd_out(&c, UVERBS_QUERY_SCHEMA_SIZE, size, sizeof(*size));
	return cl_exec(fd, &c);
}

TEST(daemon_schema_round_trip)
{
	struct ioverbs_schema *want, *got;
	struct ioverbs_client v;
	char reason[IOVERBS_REASON_MAX];
	u8 piece[16] = { 0 };
	u32 len, size = 0;
	size_t blob_len;
	void *blob;
	char *text;
	struct fx fx;
	u8 *ref;
	int fd;

	ref = local_blob(&len, &want);
	fx_start(&fx, NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	/* No context: the file is as open() left it. */
	ioverbs_client_init_fd(&v, fd);
	ASSERT_OK(ioverbs_schema_fetch_blob(&v, &blob, &blob_len));
	ASSERT_EQ(blob_len, len);
	ASSERT_TRUE(!memcmp(blob, ref, len));
	free(blob);
	ASSERT_OK(ioverbs_schema_fetch(&v, &got));
	schema_assert_eq(got, want);
	text = schema_printed(got, false);
	schema_golden_eq("schema-soft.txt", text, false);
	free(text);
	ioverbs_schema_free(got);

	/* A piece from the middle, with a driver id of nobody's. */
	ASSERT_OK(query(fd, 0x4242, 5, piece, 3, &size));
	ASSERT_EQ(size, len);
	ASSERT_TRUE(!memcmp(piece, ref + 5, 3));
	/* The biggest DATA there is: the blob, then zeros. */
	{
		u8 *big = malloc(0xffff);

		ASSERT_TRUE(big && len < 0xffff);
		memset(big, 0xa5, 0xffff);
		ASSERT_OK(query(fd, SOFT_DRIVER_ID, 0, big, 0xffff, &size));
		ASSERT_TRUE(!memcmp(big, ref, len));
		ASSERT_EQ(big[len], 0);
		ASSERT_EQ(big[0xfffe], 0);
		free(big);
	}
	/* Past the end: EINVAL, and the reason says why. */
	ASSERT_ERRNO(-EINVAL, query(fd, SOFT_DRIVER_ID, len + 1, piece, 3,
				    &size));
	ASSERT_TRUE(ioverbs_reason_get(&v, reason, sizeof(reason)) > 0);
	ASSERT_TRUE(strstr(reason, "beyond the schema's"));
	/* Another command with that driver id is still refused (rule 6). */
	{
		struct ib_uverbs_get_context_resp resp;
		struct ioverbs_cmd c;

		ioverbs_cmd_init(&c, NULL, 0x4242, UVERBS_TYPE_DEVICE,
				 UVERBS_ACTION_DEVICE_GET_CONTEXT);
		ioverbs_cmd_out(&c, UVERBS_GET_CONTEXT_RESP, &resp,
				sizeof(resp));
		ASSERT_ERRNO(-EINVAL, cl_exec(fd, &c));
	}
	close(fd);
	fx_stop(&fx);
	ioverbs_schema_free(want);
	free(ref);
}


/* Runs `ioverbs schema ARGS...`: its exit status; output in *@out. */
static int run_schema(char **out, const char *a1, const char *a2,
		      const char *a3, const char *a4, const char *a5)
{
	char *argv[] = { (char *)fx_tool_path(), "schema", (char *)a1,
			 (char *)a2, (char *)a3, (char *)a4, (char *)a5,
			 NULL };
	size_t size = 4u << 20;

	*out = malloc(size);
	ASSERT_TRUE(*out);
	return fx_run(argv, *out, size);
}

TEST(daemon_schema_tool_golden)
{
	struct fx fx;
	char *out;

	ASSERT_TRUE(!access(fx_tool_path(), X_OK));
	fx_start(&fx, NULL);
	/* The running device. */
	ASSERT_EQ(run_schema(&out, "--device", "uverbs0", "-m", fx.mnt, NULL),
		  0);
	schema_golden_eq("schema-soft.txt", out, false);
	free(out);
	ASSERT_EQ(run_schema(&out, "--json", "--device", "uverbs1", "-m",
			     fx.mnt),
		  0);
	ASSERT_TRUE(json_parses(out));
	schema_golden_eq("schema-soft.json", out, false);
	free(out);
	/* $IOVERBS_MOUNT stands for -m. */
	ASSERT_OK(setenv("IOVERBS_MOUNT", fx.mnt, 1));
	ASSERT_EQ(run_schema(&out, "-D", "uverbs0", NULL, NULL, NULL), 0);
	schema_golden_eq("schema-soft.txt", out, false);
	free(out);
	/* No such device: one line, exit 1. */
	ASSERT_EQ(run_schema(&out, "--device", "uverbs7", NULL, NULL, NULL), 1);
	ASSERT_TRUE(!strncmp(out, "ioverbs schema: ", 16));
	ASSERT_TRUE(strstr(out, "uverbs7") && strchr(out, '\n') ==
		    out + strlen(out) - 1);
	free(out);
	unsetenv("IOVERBS_MOUNT");
	fx_stop(&fx);

	/* Offline: the tables built into the tool, printed the same. */
	ASSERT_EQ(run_schema(&out, NULL, NULL, NULL, NULL, NULL), 0);
	schema_golden_eq("schema-soft.txt", out, false);
	free(out);
	ASSERT_EQ(run_schema(&out, "--driver", "soft", "--json", NULL, NULL),
		  0);
	schema_golden_eq("schema-soft.json", out, false);
	free(out);
	ASSERT_EQ(run_schema(&out, "--driver", "std", NULL, NULL, NULL), 0);
	ASSERT_TRUE(!strncmp(out, "driver std driver_id 0x50f7 types 8 ", 36));
	free(out);
	/* Usage errors: exit 2. */
	ASSERT_EQ(run_schema(&out, "--driver", "nope", NULL, NULL, NULL), 2);
	ASSERT_TRUE(strstr(out, "nope: no such driver"));
	free(out);
	ASSERT_EQ(run_schema(&out, "--driver", "soft", "--device", "uverbs0",
			     NULL),
		  2);
	free(out);
	ASSERT_EQ(run_schema(&out, "--bogus", NULL, NULL, NULL, NULL), 2);
	free(out);
	ASSERT_EQ(run_schema(&out, "--help", NULL, NULL, NULL, NULL), 0);
	ASSERT_TRUE(!strncmp(out, "Usage: ioverbs schema", 21));
	free(out);
}
