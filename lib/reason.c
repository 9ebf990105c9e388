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

ssize_t ioverbs_reason_read_fd(void *ctx, char *buf, size_t len)
{
	ssize_t n = read(*(int *)ctx, buf, len);

	return n < 0 ? -errno : n;
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
	if (!v->reason) {
		if (len)
			buf[0] = '\0';
		return -EOPNOTSUPP;
	}
	return ioverbs_reason_read(v->reason, v->ctx, buf, len);
}
