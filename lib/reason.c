// SPDX-License-Identifier: MIT
/*
 * Reading why a command failed (Rule 23), over either transport; see
 * <ioverbs/reason.h>.
 */
#include <errno.h>
#include <unistd.h>

#include <ioverbs/reason.h>

_Static_assert(IOVERBS_REASON_MAX == UVERBS_REASON_MAX,
	       "the library's reason buffer is the core's");

/*
 * The embedded core's reader.  Weak: a program that only talks to the
 * daemon links no core, and its embedded clients do not exist.
 */
extern ssize_t ib_uverbs_reason_read(struct ib_uverbs_file *ufile, char *buf,
				     size_t len) __attribute__((weak));

ssize_t ioverbs_reason_read_fd(void *ctx, char *buf, size_t len)
{
	ssize_t n = read(*(int *)ctx, buf, len);

	return n < 0 ? -errno : n;
}

static ssize_t reason_read_embedded(void *ctx, char *buf, size_t len)
{
	return ib_uverbs_reason_read(ctx, buf, len);
}

long ioverbs_reason_read(ioverbs_reason_fn fn, void *ctx, char *buf,
			 size_t len)
{
	ssize_t n;

	if (!len)
		return -EINVAL;
	/* The last byte stays for the NUL. */
	n = fn(ctx, buf, len - 1);
	if (n < 0) {
		buf[0] = '\0';
		return n;
	}
	if (n && buf[n - 1] == '\n')
		n--;
	buf[n] = '\0';
	return n;
}

long ioverbs_reason_get(struct ioverbs_client *v, char *buf, size_t len)
{
	if (v->fd >= 0)
		return ioverbs_reason_read(ioverbs_reason_read_fd, &v->fd, buf,
					   len);
	if (!ib_uverbs_reason_read) {
		if (len)
			buf[0] = '\0';
		return -ENOSYS;
	}
	return ioverbs_reason_read(reason_read_embedded, v->ctx, buf, len);
}
