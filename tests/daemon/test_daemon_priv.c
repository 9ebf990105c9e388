// SPDX-License-Identifier: MIT
/*
 * Memory that a client must never reach, attacked as an unprivileged
 * user would:
 *
 * - a file kept across exec() of a setuid-root program: the opener's
 *   child may not use it to reach the new program's memory (its commands
 *   are refused, EPERM: another address space);
 * - a file passed to another user (SCM_RIGHTS): that user's commands,
 *   MR registration included, are refused;
 * - one user opening device files until it runs out: EMFILE at its share
 *   (--limit-files), while another user still opens.
 *
 * Against a daemon that names the opener's memory by pid, the first two
 * succeed (and reach memory the attacker must not), the third takes
 * every descriptor of the daemon.
 */
#include <grp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "fixture.h"

#define ATTACKER_ID 54324
#define OTHER_ID 54325

static int wait_child(pid_t p)
{
	int status;

	if (waitpid(p, &status, 0) != p)
		return -1;
	return status;
}

/*
 * A setuid-root copy of sleep(1) in a directory only root can write:
 * what the attacker execs.
 */
static void make_setuid_sleep(char *dir, char *path, size_t size)
{
	char cmd[256];

	ASSERT_TRUE(mkdtemp(dir) != NULL);
	ASSERT_OK(chmod(dir, 0755));
	snprintf(path, size, "%s/suid-sleep", dir);
	snprintf(cmd, sizeof(cmd), "cp /bin/sleep %s && chmod 4755 %s", path,
		 path);
	ASSERT_EQ(system(cmd), 0);
}

/*
 * A child's probes report here: 0 when every one was refused, else the
 * line of the first that was not.
 */
#define PROBE(cond)                                                       \
	do {                                                              \
		if (!(cond)) {                                            \
			u8 _line = (u8)(__LINE__ & 0xff) ?: 1;            \
			CHECK(write(report, &_line, 1) == 1);             \
			_exit(1);                                         \
		}                                                         \
	} while (0)

TEST(daemon_priv_file_across_setuid_exec)
{
	long base;
	char dir[] = "/tmp/ioverbs-priv.XXXXXX", prog[96];
	int go[2], rep[2], status;
	struct fx fx;
	u8 result = 0xff;
	pid_t p;

	make_setuid_sleep(dir, prog, sizeof(prog));
	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(pipe(go));
	ASSERT_OK(pipe(rep));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		struct ib_uverbs_query_port_resp port;
		static u8 buf[4096] __attribute__((aligned(4096)));
		struct ib_uverbs_mr_reg_resp mr;
		int fd, report = rep[1];
		u32 pd, mrh;
		pid_t c;

		CHECK(!fx_become(ATTACKER_ID));
		fd = fx_open(&fx, "uverbs0", O_RDWR);
		CHECK(fd >= 0);
		CHECK(!cl_get_context(fd) && !cl_pd_alloc(fd, &pd));
		c = fork();
		CHECK(c >= 0);
		if (c) {
			char c_go;

			/* The opener execs the setuid program, fd open. */
			CHECK(read(go[0], &c_go, 1) == 1);
			execl(prog, prog, "1", (char *)NULL);
			_exit(99);
		}
		/*
		 * The child: once its parent is the setuid program, the file
		 * must not reach that program's memory through anything.
		 */
		CHECK(write(go[1], "x", 1) == 1);
		usleep(300 * 1000);
		PROBE(cl_query_port(fd, 1, &port) == -EPERM);
		PROBE(cl_mr_reg(fd, pd, buf, sizeof(buf), &mrh, &mr) == -EPERM);
		PROBE(cl_pd_dealloc(fd, pd) == -EPERM);
		result = 0;
		CHECK(write(report, &result, 1) == 1);
		_exit(0);
	}
	close(go[0]);
	close(go[1]);
	close(rep[1]);
	ASSERT_EQ(read(rep[0], &result, 1), 1);
	ASSERT_EQ(result, 0);
	/* The opener, now the setuid sleep, exits by itself. */
	status = wait_child(p);
	ASSERT_TRUE(WIFEXITED(status));
	close(rep[0]);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
	unlink(prog);
	rmdir(dir);
}

/* Sends @fd over @sock. */
static int send_fd(int sock, int fd)
{
	char cbuf[CMSG_SPACE(sizeof(int))] = { 0 }, b = 'f';
	struct iovec iov = { &b, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm = CMSG_FIRSTHDR(&msg);

	cm->cmsg_level = SOL_SOCKET;
	cm->cmsg_type = SCM_RIGHTS;
	cm->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(cm), &fd, sizeof(int));
	return sendmsg(sock, &msg, 0) == 1 ? 0 : -errno;
}

static int recv_fd(int sock)
{
	char cbuf[CMSG_SPACE(sizeof(int))], b;
	struct iovec iov = { &b, 1 };
	struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1,
			      .msg_control = cbuf,
			      .msg_controllen = sizeof(cbuf) };
	struct cmsghdr *cm;
	int fd;

	if (recvmsg(sock, &msg, 0) != 1)
		return -errno;
	cm = CMSG_FIRSTHDR(&msg);
	if (!cm || cm->cmsg_type != SCM_RIGHTS)
		return -EBADMSG;
	memcpy(&fd, CMSG_DATA(cm), sizeof(int));
	return fd;
}

TEST(daemon_priv_passed_descriptor)
{
	long base;
	int sv[2], done[2], status_a, status_b;
	struct fx fx;
	pid_t a, b;

	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(socketpair(AF_UNIX, SOCK_STREAM, 0, sv));
	ASSERT_OK(pipe(done));
	fflush(stdout);
	fflush(stderr);
	a = fork();
	ASSERT_TRUE(a >= 0);
	if (a == 0) {
		/* User A: opens, makes a PD, hands the file to B. */
		struct ib_uverbs_query_port_resp port;
		char c;
		u32 pd;
		int fd;

		CHECK(!fx_become(ATTACKER_ID + 10));
		fd = fx_open(&fx, "uverbs0", O_RDWR);
		CHECK(fd >= 0);
		CHECK(!cl_get_context(fd) && !cl_pd_alloc(fd, &pd));
		CHECK(!send_fd(sv[0], fd));
		CHECK(write(sv[0], &pd, sizeof(pd)) == sizeof(pd));
		CHECK(read(done[0], &c, 1) == 1);
		/* A's own file still works for A. */
		CHECK(!cl_query_port(fd, 1, &port));
		CHECK(!cl_pd_dealloc(fd, pd));
		_exit(0);
	}
	b = fork();
	ASSERT_TRUE(b >= 0);
	if (b == 0) {
		/* User B: A's file, B's memory, B's addresses: refused. */
		static u8 buf[4096] __attribute__((aligned(4096)));
		struct ib_uverbs_query_port_resp port;
		struct ib_uverbs_mr_reg_resp mr;
		u32 pd, mrh;
		int fd;

		CHECK(!fx_become(OTHER_ID));
		fd = recv_fd(sv[1]);
		CHECK(fd >= 0);
		CHECK(read(sv[1], &pd, sizeof(pd)) == sizeof(pd));
		CHECK(cl_mr_reg(fd, pd, buf, sizeof(buf), &mrh, &mr) == -EPERM);
		CHECK(cl_query_port(fd, 1, &port) == -EPERM);
		CHECK(cl_pd_dealloc(fd, pd) == -EPERM);
		close(fd);
		CHECK(write(done[1], "d", 1) == 1);
		_exit(0);
	}
	status_b = wait_child(b);
	status_a = wait_child(a);
	ASSERT_TRUE(WIFEXITED(status_b));
	ASSERT_EQ(WEXITSTATUS(status_b), 0);
	ASSERT_TRUE(WIFEXITED(status_a));
	ASSERT_EQ(WEXITSTATUS(status_a), 0);
	close(sv[0]);
	close(sv[1]);
	close(done[0]);
	close(done[1]);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}

#define FILES_LIMIT 8

TEST(daemon_priv_files_per_user)
{
	long base;
	int go[2], back[2], status;
	struct fx fx;
	char c;
	pid_t p;
	int fd;

	fx_start(&fx, "--mode=0666", "--limit-files=8", NULL);
	base = fx_live_objects(&fx);
	ASSERT_OK(pipe(go));
	ASSERT_OK(pipe(back));
	fflush(stdout);
	fflush(stderr);
	p = fork();
	ASSERT_TRUE(p >= 0);
	if (p == 0) {
		int fds[FILES_LIMIT], i;

		close(go[0]);
		close(back[1]);
		CHECK(!fx_become(ATTACKER_ID + 20));
		for (i = 0; i < FILES_LIMIT; i++) {
			fds[i] = fx_open(&fx, "uverbs0", O_RDWR);
			CHECK(fds[i] >= 0);
		}
		CHECK(fx_open(&fx, "uverbs0", O_RDWR) == -EMFILE);
		CHECK(fx_open(&fx, "uverbs1", O_RDWR) == -EMFILE);
		CHECK(write(go[1], "f", 1) == 1);
		CHECK(read(back[0], &c, 1) == 1);
		/* One closed: one may open again. */
		close(fds[0]);
		for (i = 0; i < 100; i++) {
			fd = fx_open(&fx, "uverbs0", O_RDWR);
			if (fd >= 0)
				break;
			usleep(10 * 1000);	/* the RELEASE is asynchronous */
		}
		CHECK(fd >= 0);
		_exit(0);
	}
	close(go[1]);
	close(back[0]);
	ASSERT_EQ(read(go[0], &c, 1), 1);
	/* Another user is not affected. */
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	ASSERT_OK(cl_get_context(fd));
	close(fd);
	ASSERT_EQ(write(back[1], "g", 1), 1);
	status = wait_child(p);
	ASSERT_TRUE(WIFEXITED(status));
	ASSERT_EQ(WEXITSTATUS(status), 0);
	close(go[0]);
	close(back[1]);
	fx_wait_released(&fx, 0, base);
	fx_stop(&fx);
}
