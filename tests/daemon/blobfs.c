// SPDX-License-Identifier: MIT
/*
 * The held-read file system of the daemon tests (blobfs.h): one file whose
 * every read waits for a byte on the test's pipe.
 */
#define FUSE_USE_VERSION 35
#include <fuse_lowlevel.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "blobfs.h"
#include "fixture.h"

#define BLOB_INO 2

static int hold_fd;	/* the pipe's read end: a byte releases one read */

static void blob_stat(fuse_ino_t ino, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = ino;
	if (ino == FUSE_ROOT_ID) {
		st->st_mode = S_IFDIR | 0755;
		st->st_nlink = 2;
	} else {
		st->st_mode = S_IFREG | 0666;
		st->st_nlink = 1;
		st->st_size = BLOBFS_SIZE;
	}
}

static void blob_lookup(fuse_req_t req, fuse_ino_t parent, const char *name)
{
	struct fuse_entry_param e = { 0 };

	if (parent != FUSE_ROOT_ID || strcmp(name, "blob")) {
		fuse_reply_err(req, ENOENT);
		return;
	}
	e.ino = BLOB_INO;
	blob_stat(BLOB_INO, &e.attr);
	fuse_reply_entry(req, &e);
}

static void blob_getattr(fuse_req_t req, fuse_ino_t ino,
			 struct fuse_file_info *fi)
{
	struct stat st;

	blob_stat(ino, &st);
	fuse_reply_attr(req, &st, 0);
}

static void blob_open(fuse_req_t req, fuse_ino_t ino,
		      struct fuse_file_info *fi)
{
	fuse_reply_open(req, fi);
}

/* Holds each read until the test writes a byte (or closes the pipe). */
static void blob_read(fuse_req_t req, fuse_ino_t ino, size_t size, off_t off,
		      struct fuse_file_info *fi)
{
	static char data[BLOBFS_SIZE];
	char c;

	if (read(hold_fd, &c, 1) != 1)
		c = 0;
	memset(data, BLOBFS_FILL, sizeof(data));
	if (off >= BLOBFS_SIZE)
		size = 0;
	else if (size > (size_t)(BLOBFS_SIZE - off))
		size = (size_t)(BLOBFS_SIZE - off);
	fuse_reply_buf(req, data, size);
}

static const struct fuse_lowlevel_ops blob_ops = {
	.lookup = blob_lookup,
	.getattr = blob_getattr,
	.open = blob_open,
	.read = blob_read,
};

static void *blob_loop(void *se)
{
	fuse_session_loop(se);
	return NULL;
}

void blobfs_start(struct blobfs *b, int hold)
{
	char *argv[] = { "ioverbs-blobfs", "-o", "allow_other", NULL };
	struct fuse_args args = FUSE_ARGS_INIT(3, argv);

	hold_fd = hold;
	snprintf(b->dir, sizeof(b->dir), "/tmp/ioverbs-blobfs.XXXXXX");
	ASSERT_TRUE(mkdtemp(b->dir) != NULL);
	ASSERT_OK(chmod(b->dir, 0755));
	b->se = fuse_session_new(&args, &blob_ops, sizeof(blob_ops), NULL);
	/* libfuse may have copied @args to add its own: theirs to free. */
	fuse_opt_free_args(&args);
	ASSERT_TRUE(b->se != NULL);
	ASSERT_OK(fuse_session_mount(b->se, b->dir));
	ASSERT_OK(pthread_create(&b->loop, NULL, blob_loop, b->se));
}

void blobfs_forget(struct blobfs *b)
{
	close(fuse_session_fd(b->se));
}

void blobfs_stop(struct blobfs *b)
{
	fuse_session_exit(b->se);
	fuse_session_unmount(b->se);
	pthread_join(b->loop, NULL);
	fuse_session_destroy(b->se);
	rmdir(b->dir);
}
