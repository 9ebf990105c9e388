/* SPDX-License-Identifier: MIT */
/*
 * Why a command failed (Rule 23).  The core keeps, per file and per
 * calling thread, the one-line reason of that thread's last command if it
 * failed ("QP_CREATE: max_send_wr 70000 > device max 16384"); a client
 * reads it right after the errno:
 *
 *	ret = ioverbs_qp_create(&v, ...);
 *	if (ret) {
 *		char why[IOVERBS_REASON_MAX];
 *
 *		ioverbs_reason_get(&v, why, sizeof(why));
 *		fprintf(stderr, "QP_CREATE: %s (%s)\n", strerrorname_np(-ret), why);
 *	}
 *
 * Through the daemon the reason is read() on the device file; embedded it
 * is ib_uverbs_reason_read().  Either way a read takes it (a second one
 * finds none), a successful command on the file clears it, and it is
 * the calling thread's own: other threads' failures do not show.
 */
#ifndef _IOVERBS_REASON_H
#define _IOVERBS_REASON_H

#include <sys/types.h>

#include <ioverbs/verbs.h>

/* Room for any reason and its NUL (the core's UVERBS_REASON_MAX). */
#define IOVERBS_REASON_MAX 160

/**
 * ioverbs_reason_read_fd() - the raw reason of a device file of the daemon
 * @ctx: points to the int file descriptor
 * @buf: filled, not NUL-terminated
 * @len: room in @buf
 *
 * read(2) on the file, as an &ioverbs_reason_fn.
 * Return: the bytes read (0: no reason), or a negative errno.
 */
ssize_t ioverbs_reason_read_fd(void *ctx, char *buf, size_t len);

/**
 * ioverbs_reason_read() - the calling thread's reason through a reader
 * @fn: the transport's reader (ioverbs_reason_read_fd(), or the
 *	embedded one of <ioverbs/embedded.h>)
 * @ctx: passed to @fn
 * @buf: filled with the reason as a string without the newline; "" when
 *	there is none
 * @len: room in @buf, at least 1; IOVERBS_REASON_MAX holds any reason
 *
 * Return: the length of the string in @buf (0: no reason), or a negative
 * errno (@buf then holds "").
 */
long ioverbs_reason_read(ioverbs_reason_fn fn, void *ctx, char *buf,
			 size_t len);

/**
 * ioverbs_reason_get() - why the calling thread's last command on @v failed
 * @v: the client the command went through: a device file
 *	(ioverbs_client_init_fd()) or an embedded file (ioverbs_client_init_embedded())
 * @buf: as ioverbs_reason_read()
 * @len: as ioverbs_reason_read()
 *
 * Return: as ioverbs_reason_read(); -EOPNOTSUPP for a client whose
 * transport keeps no reasons (ioverbs_client_init() with its own @fn).
 */
long ioverbs_reason_get(struct ioverbs_client *v, char *buf, size_t len);

#endif /* _IOVERBS_REASON_H */
