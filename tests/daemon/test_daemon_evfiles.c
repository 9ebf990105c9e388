// SPDX-License-Identifier: MIT
/*
 * Event files against hostile users: poll() and close() of unbound files
 * leave nothing behind; each uid has its own names in MOUNT/events (one
 * user cannot see, stat or squat another's); a uid holds at most
 * --max-event-files of them (EDQUOT beyond); many files stay cheap.
 *
 * Unprivileged parts run in children that drop to unused uids; they
 * report through their exit status (0: every check passed, else the
 * line of the check that failed).
 */
#include <grp.h>
#include <poll.h>
#include <stdio.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"

#define UID_A 65534
#define UID_B 65533

static void event_path(struct fx *fx, const char *name, char *buf,
		       size_t size)
{
	snprintf(buf, size, "%s/events/%s", fx->mnt, name);
}

/* A new event file: its fd, or -errno. */
static int event_create(struct fx *fx, const char *name)
{
	char path[256];
	int fd;

	event_path(fx, name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	return fd < 0 ? -errno : fd;
}

/* stat() of events/NAME: 0 (and *@st) or -errno. */
static int event_stat(struct fx *fx, const char *name, struct stat *st)
{
	char path[256];

	event_path(fx, name, path, sizeof(path));
	return stat(path, st) ? -errno : 0;
}

static int event_open(struct fx *fx, const char *name)
{
	char path[256];
	int fd;

	event_path(fx, name, path, sizeof(path));
	fd = open(path, O_RDWR | O_CLOEXEC);
	return fd < 0 ? -errno : fd;
}

/*
 * After a close(): the kernel sends RELEASE once close() has returned,
 * and a multi-threaded daemon may serve the next request first.  Retries
 * for 5 s what a file not yet forgotten refuses (EDQUOT, EEXIST).
 */
static int event_create_after_close(struct fx *fx, const char *name)
{
	int fd, i;

	for (i = 0; i < 500; i++) {
		fd = event_create(fx, name);
		if (fd != -EDQUOT && fd != -EEXIST)
			break;
		msleep(10);
	}
	return fd;
}

/* Waits (5 s at most) until NAME is gone after its last close: -ENOENT. */
static int event_stat_after_close(struct fx *fx, const char *name)
{
	struct stat st;
	int ret = 0, i;

	for (i = 0; i < 500 && !ret; i++) {
		ret = event_stat(fx, name, &st);
		if (!ret)
			msleep(10);
	}
	return ret;
}

/*
 * 2000 x (create, poll waiting 1 ms, close), unbound: pollers are freed.
 * Names are not reused: the kernel sends RELEASE after close() returns,
 * so a name may still be taken right after its file's close.
 */
static int poll_close_cycles(void *arg)
{
	struct fx *fx = arg;
	struct pollfd p;
	char name[32];
	int i, fd;

	for (i = 0; i < 2000; i++) {
		snprintf(name, sizeof(name), "polled-%d", i);
		fd = event_create(fx, name);
		CHECK(fd >= 0);
		p = (struct pollfd){ .fd = fd, .events = POLLIN };
		CHECK(poll(&p, 1, 1) == 0);
		CHECK(!close(fd));
	}
	return 0;
}

/* The fixture fails the test on any sanitizer report at the daemon's exit. */
TEST_TIMEOUT(daemon_events_poll_close_no_leak, 120)
{
	struct fx fx;

	fx_start(&fx, NULL);
	ASSERT_EQ(fx_as_user(UID_A, poll_close_cycles, &fx), 0);
	fx_stop(&fx);
}

/* A's end of the socket pair it tells the test with. */
static int a_sock;

/* A's files: "mine", and "shared", a name root has too. */
static int a_creates(struct fx *fx)
{
	struct stat st;
	int fd, dev, ch;
	struct ioverbs_client v;
	char go;

	/* Root's "taken" is not A's: unseen, unopenable, not in the way. */
	CHECK(event_stat(fx, "taken", &st) == -ENOENT);
	CHECK(event_open(fx, "taken") == -ENOENT);
	fd = event_create(fx, "taken");
	CHECK(fd >= 0);
	CHECK(!fstat(fd, &st) && st.st_uid == UID_A);
	CHECK(event_stat(fx, "taken", &st) == 0 && st.st_uid == UID_A);
	CHECK(event_create(fx, "taken") == -EEXIST);
	/* A's own file binds a channel as ever. */
	dev = fx_open(fx, "uverbs0", O_RDWR);
	CHECK(dev >= 0);
	ioverbs_client_init_fd(&v, dev);
	CHECK(ioverbs_context_get(&v) == 0);
	CHECK(ioverbs_comp_channel_create(&v, fd, &ch) == 0 && ch == fd);
	/* A's "secret", which B must not learn of. */
	CHECK(event_create(fx, "secret") >= 0);
	/* B looks while A holds them. */
	CHECK(write(a_sock, "a", 1) == 1);
	CHECK(read(a_sock, &go, 1) == 1);
	return 0;
}

static int b_looks(void *arg)
{
	struct fx *fx = arg;
	struct stat st;
	int fd;

	CHECK(event_stat(fx, "secret", &st) == -ENOENT);
	CHECK(event_open(fx, "secret") == -ENOENT);
	CHECK(event_stat(fx, "taken", &st) == -ENOENT);
	/* Its own "secret" is another file. */
	fd = event_create(fx, "secret");
	CHECK(fd >= 0);
	CHECK(!fstat(fd, &st) && st.st_uid == UID_B);
	CHECK(event_stat(fx, "secret", &st) == 0 && st.st_uid == UID_B);
	CHECK(!close(fd));
	CHECK(event_stat_after_close(fx, "secret") == -ENOENT);
	return 0;
}

/*
 * Root holds "taken"; A gets its own "taken" and "secret"; B, while A
 * holds them, sees neither and makes its own "secret".  Root's "taken"
 * is still root's throughout.
 */
TEST(daemon_events_per_user_names)
{
	int sv[2], status;
	struct stat st;
	struct fx fx;
	char c;
	pid_t a;
	int fd;

	fx_start(&fx, "--mode=0666", NULL);
	fd = event_create(&fx, "taken");
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	a_sock = sv[1];
	fflush(stdout);
	fflush(stderr);
	a = fork();
	ASSERT_TRUE(a >= 0);
	if (a == 0) {
		close(sv[0]);
		if (setgroups(0, NULL) || setgid(UID_A) || setuid(UID_A))
			_exit(100);
		_exit(a_creates(&fx));
	}
	close(sv[1]);
	/* A holds its files now. */
	ASSERT_EQ(read(sv[0], &c, 1), 1);
	ASSERT_EQ(fx_as_user(UID_B, b_looks, &fx), 0);
	/* Root sees its own, not A's. */
	ASSERT_OK(event_stat(&fx, "taken", &st));
	ASSERT_EQ(st.st_uid, 0);
	ASSERT_ERRNO(-ENOENT, event_stat(&fx, "secret", &st));
	ASSERT_ERRNO(-EEXIST, event_create(&fx, "taken"));
	ASSERT_EQ(write(sv[0], "b", 1), 1);
	ASSERT_EQ(waitpid(a, &status, 0), a);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	close(sv[0]);
	close(fd);
	fx_stop(&fx);
}

/* Holds --max-event-files=50 files, then one more: EDQUOT. */
static int fill_quota(void *arg)
{
	struct fx *fx = arg;
	char name[32];
	int i, fd = -1;

	for (i = 0; i < 50; i++) {
		snprintf(name, sizeof(name), "q%d", i);
		fd = event_create(fx, name);
		CHECK(fd >= 0);
	}
	CHECK(event_create(fx, "one-more") == -EDQUOT);
	/* One closed: room for one. */
	CHECK(!close(fd));
	fd = event_create_after_close(fx, "one-more");
	CHECK(fd >= 0);
	CHECK(event_create(fx, "two-more") == -EDQUOT);
	return 0;
}

static bool log_has(struct fx *fx, const char *a, const char *b)
{
	char line[1024];
	bool found = false;
	FILE *fp = fopen(fx->log, "re");

	if (!fp)
		return false;
	while (!found && fgets(line, sizeof(line), fp))
		found = strstr(line, a) && strstr(line, b);
	fclose(fp);
	return found;
}

TEST(daemon_events_per_user_limit)
{
	struct fx fx;
	int fd;

	fx_start(&fx, "--max-event-files=50", NULL);
	ASSERT_EQ(fx_as_user(UID_A, fill_quota, &fx), 0);
	ASSERT_TRUE(log_has(&fx, "one-more", "EDQUOT"));
	/* A's files are gone with A; another user was never limited by them. */
	fd = event_create(&fx, "root's");
	ASSERT_TRUE(fd >= 0);
	close(fd);
	fx_stop(&fx);
}

/*
 * 5,000 files of one user (a table lookup each, not a walk of every
 * file), then the limit; another user's files work meanwhile.
 */
#define MANY 5000
TEST_TIMEOUT(daemon_events_many_files, 300)
{
	struct rlimit rl = { MANY + 64, MANY + 64 };
	static int fds[MANY];
	struct stat st;
	char name[32];
	struct fx fx;
	int i, fd;

	if (setrlimit(RLIMIT_NOFILE, &rl))
		harness_skip("cannot raise RLIMIT_NOFILE to %d", MANY + 64);
	fx_start(&fx, "--max-event-files=5000", NULL);
	for (i = 0; i < MANY; i++) {
		snprintf(name, sizeof(name), "many-%d", i);
		fds[i] = event_create(&fx, name);
		if (fds[i] < 0)
			harness_fail(__FILE__, __LINE__, "file %d: %s", i,
				     errno_name(fds[i]));
	}
	ASSERT_ERRNO(-EDQUOT, event_create(&fx, "past-the-limit"));
	ASSERT_OK(event_stat(&fx, "many-0", &st));
	ASSERT_OK(event_stat(&fx, "many-4999", &st));
	ASSERT_EQ(fx_as_user(UID_A, poll_close_cycles, &fx), 0);
	for (i = 0; i < MANY; i++)
		close(fds[i]);
	fd = event_create_after_close(&fx, "past-the-limit");
	ASSERT_TRUE(fd >= 0);
	close(fd);
	fx_stop(&fx);
}
