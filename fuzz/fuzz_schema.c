// SPDX-License-Identifier: MIT
/*
 * libFuzzer target: any bytes as a QUERY_SCHEMA blob into the library's
 * parser (lib/schema.c), which a client runs on what a device, or
 * anything pretending to be one, answers.  A blob either gives an errno
 * (-EPROTO, -EPROTONOSUPPORT, -ENOMEM) or a schema that every walker and
 * printer handles, whatever its numbers: never a crash, a leak or an
 * out-of-bounds read.  Seeds: fuzz/corpus-schema/ (the soft device's and
 * the test driver's blobs; tests/test_schema.c checks them too).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include <ioverbs/schema.h>

static int fz_attr(void *arg, const struct ioverbs_schema_type *t,
		   const struct ioverbs_schema_action *a, unsigned int chain,
		   const struct ioverbs_schema_attr *at)
{
	const struct ioverbs_schema *s = arg;
	u16 id = at->id | (chain ? UVERBS_VENDOR_FLAG : 0);

	/* The lookup finds what the walk found. */
	if (ioverbs_schema_attr(s, t->id, a->id, id) != at)
		abort();
	return 0;
}

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size);

int LLVMFuzzerTestOneInput(const unsigned char *data, size_t size)
{
	static const struct ioverbs_schema_walker w = { .attr = fz_attr };
	struct ioverbs_schema *s;
	FILE *sink;
	int ret;

	ret = ioverbs_schema_parse(data, size, &s);
	if (ret) {
		if (s || (ret != -EPROTO && ret != -EPROTONOSUPPORT &&
			  ret != -ENOMEM))
			abort();
		return 0;
	}
	if (ioverbs_schema_walk(s, &w, s))
		abort();
	sink = fopen("/dev/null", "we");
	if (sink) {
		if (ioverbs_schema_print(s, sink) ||
		    ioverbs_schema_print_json(s, sink))
			abort();
		fclose(sink);
	}
	ioverbs_schema_free(s);
	return 0;
}
