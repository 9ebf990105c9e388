/* SPDX-License-Identifier: MIT */
/*
 * A FUSE file system of one file, MOUNT/blob, whose reads wait until the
 * test writes a byte to a pipe: client memory that blocks for as long as
 * its file system likes.  The test's root side serves it with allow_other
 * (/dev/fuse is root's alone on these machines; on a stock Debian any
 * user could mount it).  Reads return BLOBFS_FILL bytes.
 *
 *	blobfs_start(&b, hold[0]);	(b.dir is the mount point)
 *	... a client maps b.dir/blob; a copy through it waits ...
 *	write(hold[1], "x", 1);		(releases one held read)
 *	blobfs_stop(&b);
 */
#ifndef _TESTS_DAEMON_BLOBFS_H
#define _TESTS_DAEMON_BLOBFS_H

#include <pthread.h>

#define BLOBFS_SIZE 4096
#define BLOBFS_FILL 0x5a

struct fuse_session;

struct blobfs {
	char dir[32];
	struct fuse_session *se;
	pthread_t loop;
};

/* Mounts and serves it; @hold: the pipe's read end (one byte per read). */
void blobfs_start(struct blobfs *b, int hold);
void blobfs_stop(struct blobfs *b);
/*
 * In a forked child: drop its copy of the file system's connection, so
 * that the child's death (or a hang) leaves the test the only server.
 */
void blobfs_forget(struct blobfs *b);

#endif /* _TESTS_DAEMON_BLOBFS_H */
