// SPDX-License-Identifier: MIT
/*
 * What libibverbs (rdma-core 44) sends by itself on its command
 * descriptor, which a provider makes the daemon's device file: the
 * upstream ioctl probes get ENOTTY, and the legacy CREATE_COMP_CHANNEL
 * write() gets a channel bound to a spare event file of the caller's
 * (MOUNT/events/legacy-*), usable with the standard CQ and channel
 * commands.  The bytes come from the installed kernel headers
 * (legacy_abi.c).  Anything else written gets a clean errno and a
 * reason.
 */
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <pthread.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <ioverbs/verbs.h>

#include "fixture.h"
#include "legacy_abi.h"

static long wr(int fd, const void *buf, size_t len)
{
	ssize_t n = write(fd, buf, len);

	return n < 0 ? -errno : n;
}

/* The calling thread's reason for its last failure on @fd (Rule 23). */
static bool reason_says(int fd, const char *what)
{
	char buf[512];
	ssize_t n = read(fd, buf, sizeof(buf) - 1);

	if (n <= 0)
		return false;
	buf[n] = '\0';
	if (!strstr(buf, what)) {
		fprintf(stderr, "reason \"%s\" lacks \"%s\"\n", buf, what);
		return false;
	}
	return true;
}

/* ibv_create_comp_channel()'s write: the channel's fd, or -errno. */
static long create_channel(int fd)
{
	u8 resp[4], req[16];
	size_t len = legacy_create_comp_channel(req, resp);
	long ret;

	ASSERT_EQ(legacy_comp_channel_resp_size(), sizeof(resp));
	memset(resp, 0xa5, sizeof(resp));
	ret = wr(fd, req, len);
	if (ret < 0)
		return ret;
	ASSERT_EQ(ret, 16);
	return legacy_resp_fd(resp);
}

/*
 * verbs_init_context()'s probe and ibv_query_gid()'s first ioctl, both on
 * upstream's RDMA_VERBS_IOCTL (0xc0181b01, a 24-byte header): ENOTTY, so
 * libibverbs uses write() and sysfs, with the reason.
 */
TEST(daemon_legacy_upstream_probe)
{
	struct ioverbs_client v;
	struct fx fx;
	u8 gid[32];
	int fd;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_open(&fx, "uverbs0", O_RDWR);
	ASSERT_TRUE(fd >= 0);
	/* Before the provider's GET_CONTEXT (alloc_context) and after. */
	ASSERT_ERRNO(-ENOTTY, legacy_probe_ioctl_write(fd, 0));
	ASSERT_TRUE(reason_says(fd, "ioctl 0xc0181b01 is upstream's RDMA_VERBS_IOCTL"));
	ioverbs_client_init_fd(&v, fd);
	ASSERT_OK(ioverbs_context_get(&v));
	ASSERT_ERRNO(-ENOTTY, legacy_probe_ioctl_write(fd, v.driver_id));
	ASSERT_TRUE(reason_says(fd, "0xc0181b01"));
	ASSERT_ERRNO(-ENOTTY,
		     legacy_probe_query_gid(fd, v.driver_id, gid, sizeof(gid)));
	ASSERT_TRUE(reason_says(fd, "0xc0181b01"));
	/* Nothing made, the file still serves the seed ABI. */
	{
		u32 pd;

		ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
		ASSERT_OK(ioverbs_pd_alloc(&v, &pd));
		ASSERT_OK(ioverbs_pd_dealloc(&v, pd));
	}
	close(fd);
	fx_stop(&fx);
}

/*
 * ibv_create_comp_channel()'s write takes the lowest unbound spare event
 * file; its fd works as a channel: CQ_CREATE on it, a completion, poll()
 * and read() of struct ib_uverbs_comp_event_desc, DESTROY.
 */
TEST(daemon_legacy_comp_channel)
{
	struct ib_uverbs_comp_event_desc d[4];
	struct ib_uverbs_cq_create_cmd cmd = { .user_handle = 0xcafe,
					       .cqe = 16 };
	struct ioverbs_client v;
	struct pollfd p;
	struct fx_loop l;
	struct fx fx;
	int fd, other, sp1, sp2, ch, ch2;
	u32 cq;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);

	/* No spare: EMFILE; an event file of another name is not one. */
	ASSERT_ERRNO(-EMFILE, create_channel(fd));
	ASSERT_TRUE(reason_says(fd, "no spare event file"));
	other = fx_event_file(&fx, "mine", 0);
	ASSERT_TRUE(other >= 0);
	ASSERT_ERRNO(-EMFILE, create_channel(fd));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);

	sp1 = fx_event_file(&fx, "legacy-1", O_NONBLOCK);
	sp2 = fx_event_file(&fx, "legacy-2", O_NONBLOCK);
	ASSERT_TRUE(sp1 > other && sp2 > sp1);
	ch = (int)create_channel(fd);
	ASSERT_EQ(ch, sp1);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 1);

	ASSERT_OK(ioverbs_cq_create_ex(&v, &cmd, ch, &cq, NULL));
	fx_loop_open(&l, &v, cq);
	ASSERT_TRUE(read(ch, d, sizeof(d)) < 0 && errno == EAGAIN);
	p = (struct pollfd){ .fd = ch, .events = POLLIN };
	ASSERT_EQ(poll(&p, 1, 0), 0);
	ASSERT_OK(ioverbs_cq_req_notify(&v, cq, 0));
	fx_loop_send(&l, 1);
	ASSERT_EQ(poll(&p, 1, 10000), 1);
	ASSERT_TRUE(p.revents & POLLIN);
	/* ibv_get_cq_event()'s read: one 16-byte descriptor. */
	ASSERT_EQ(read(ch, d, sizeof(d[0])), (ssize_t)sizeof(d[0]));
	ASSERT_EQ(d[0].cq_handle, 0xcafe);

	/* The next write takes the next spare. */
	ch2 = (int)create_channel(fd);
	ASSERT_EQ(ch2, sp2);
	ASSERT_ERRNO(-EMFILE, create_channel(fd));

	fx_loop_close(&l);
	ASSERT_OK(ioverbs_cq_destroy(&v, cq, NULL));
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, ch));
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, ch2));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	/* Unbound again (DESTROY), a spare is a spare again. */
	ASSERT_EQ(create_channel(fd), sp1);
	close(sp1);
	close(sp2);
	close(other);
	close(fd);
	fx_stop(&fx);
}

/*
 * The response: a bad pointer is EFAULT with nothing made (Rule 22) and
 * the spare stays free; a longer response buffer is zeroed past resp.fd.
 */
TEST(daemon_legacy_comp_channel_response)
{
	struct ioverbs_client v;
	struct fx fx;
	long pg = sysconf(_SC_PAGESIZE);
	u8 req[16], resp[16];
	void *ro;
	int fd, sp;
	u32 i;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	sp = fx_event_file(&fx, "legacy-r", 0);
	ASSERT_TRUE(sp >= 0);

	ro = mmap(NULL, pg, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	ASSERT_TRUE(ro != MAP_FAILED);
	legacy_create_comp_channel(req, ro);
	ASSERT_ERRNO(-EFAULT, wr(fd, req, sizeof(req)));
	ASSERT_TRUE(reason_says(fd, "not writable"));
	legacy_create_comp_channel(req, (void *)(uintptr_t)8);
	ASSERT_ERRNO(-EFAULT, wr(fd, req, sizeof(req)));
	munmap(ro, pg);
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);

	/* out_words 4: 16 bytes, the last 12 zeroed as by a kernel. */
	legacy_create_comp_channel(req, resp);
	req[6] = 4;
	memset(resp, 0xff, sizeof(resp));
	ASSERT_EQ(wr(fd, req, sizeof(req)), 16);
	ASSERT_EQ(legacy_resp_fd(resp), sp);
	for (i = 4; i < sizeof(resp); i++)
		ASSERT_EQ(resp[i], 0);
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, sp));
	close(sp);
	close(fd);
	fx_stop(&fx);
}

/* Malformed and unserved legacy commands: the kernel's errnos, a reason. */
TEST(daemon_legacy_refusals)
{
	struct ioverbs_client v;
	struct fx fx;
	u8 buf[64], resp[64], payload[32] = { 0 };
	u64 rp;
	size_t n;
	int fd, sp;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	/* A spare, so that only the header can be what fails. */
	sp = fx_event_file(&fx, "legacy-x", 0);
	ASSERT_TRUE(sp >= 0);
	rp = (uintptr_t)resp;
	memcpy(payload, &rp, sizeof(rp));

	/* Shorter than the header. */
	ASSERT_ERRNO(-EINVAL, wr(fd, payload, 7));
	ASSERT_TRUE(reason_says(fd, "shorter than the 8-byte"));
	/* Bits outside the number and the extended flag. */
	n = legacy_cmd(buf, legacy_cmd_create_comp_channel | 0x100, payload,
		       8, 1);
	ASSERT_ERRNO(-EINVAL, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "bits outside"));
	/* Commands libibverbs sends only through a provider: EOPNOTSUPP. */
	n = legacy_cmd(buf, legacy_cmd_get_context, payload, 8, 2);
	ASSERT_ERRNO(-EOPNOTSUPP, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "GET_CONTEXT"));
	n = legacy_cmd(buf, legacy_cmd_query_device, payload, 8, 16);
	ASSERT_ERRNO(-EOPNOTSUPP, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "QUERY_DEVICE"));
	n = legacy_cmd(buf, legacy_cmd_mask, payload, 8, 1);
	ASSERT_ERRNO(-EOPNOTSUPP, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "unknown"));
	n = legacy_cmd_ex(buf, legacy_cmd_query_device, resp, 32, payload, 8);
	ASSERT_ERRNO(-EOPNOTSUPP, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "extended"));
	n = legacy_cmd_ex(buf, legacy_cmd_create_comp_channel, resp, 8,
			  payload, 8);
	ASSERT_ERRNO(-EOPNOTSUPP, wr(fd, buf, n));
	/* CREATE_COMP_CHANNEL: in_words not the length; too short. */
	n = legacy_cmd(buf, legacy_cmd_create_comp_channel, payload, 8, 1);
	ASSERT_ERRNO(-EINVAL, wr(fd, buf, n + 4));
	ASSERT_TRUE(reason_says(fd, "in_words"));
	buf[4] = 5;
	ASSERT_ERRNO(-EINVAL, wr(fd, buf, n));
	n = legacy_cmd(buf, legacy_cmd_create_comp_channel, payload, 4, 1);
	ASSERT_ERRNO(-ENOSPC, wr(fd, buf, n));
	ASSERT_TRUE(reason_says(fd, "needs 16"));
	n = legacy_cmd(buf, legacy_cmd_create_comp_channel, payload, 8, 0);
	ASSERT_ERRNO(-ENOSPC, wr(fd, buf, n));
	/* Another address space (a child sharing the file): EPERM. */
	{
		pid_t pid = fork();
		int st;

		ASSERT_TRUE(pid >= 0);
		if (!pid) {
			u8 r[16];
			u8 q[4];

			legacy_create_comp_channel(r, q);
			_exit(wr(fd, r, sizeof(r)) == -EPERM ? 0 : 1);
		}
		ASSERT_EQ(waitpid(pid, &st, 0), pid);
		ASSERT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	}
	/* None of it made anything; the spare is still free. */
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	ASSERT_EQ(create_channel(fd), sp);
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, sp));
	close(sp);
	close(fd);
	fx_stop(&fx);
}

static void *thread_create_channel(void *arg)
{
	return (void *)(intptr_t)create_channel(*(int *)arg);
}

/* A thread other than the main one: its /proc/TID finds the same fds. */
TEST(daemon_legacy_comp_channel_thread)
{
	struct ioverbs_client v;
	struct fx fx;
	pthread_t t;
	void *ret;
	int fd, sp;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	sp = fx_event_file(&fx, "legacy-t", 0);
	ASSERT_TRUE(sp >= 0);
	ASSERT_OK(pthread_create(&t, NULL, thread_create_channel, &fd));
	ASSERT_OK(pthread_join(t, &ret));
	ASSERT_EQ((intptr_t)ret, sp);
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, sp));
	close(sp);
	close(fd);
	fx_stop(&fx);
}

/* xorshift: a reproducible sequence. */
static u64 rnd_state = 0x9e3779b97f4a7c15ull;

static u64 rnd(void)
{
	rnd_state ^= rnd_state << 13;
	rnd_state ^= rnd_state >> 7;
	rnd_state ^= rnd_state << 17;
	return rnd_state;
}

/*
 * Random legacy headers and lengths, near the valid ones and not: every
 * write gets one of the refusals' errnos (no spare is open, so even a
 * valid CREATE_COMP_CHANNEL gets EMFILE and writes nothing), and the
 * daemon serves a real one afterwards.
 */
TEST(daemon_legacy_fuzz)
{
	struct ioverbs_client v;
	struct fx fx;
	u8 buf[96];
	int fd, sp, i;

	fx_start(&fx, "--mode=0666", NULL);
	fd = fx_client_open(&fx, "uverbs0", &v);
	for (i = 0; i < 3000; i++) {
		size_t len = 1 + rnd() % sizeof(buf), k;
		u32 cmd;
		u16 in, out;
		long ret;

		for (k = 0; k < sizeof(buf); k += 8) {
			u64 r = rnd();

			memcpy(buf + k, &r, 8);
		}
		/* Mostly plausible commands, lengths and word counts. */
		switch (rnd() % 4) {
		case 0:
			cmd = legacy_cmd_create_comp_channel;
			break;
		case 1:
			cmd = (u32)(rnd() % 64);
			break;
		case 2:
			cmd = legacy_cmd_flag_extended | (u32)(rnd() % 64);
			break;
		default:
			cmd = (u32)rnd();
			break;
		}
		in = rnd() % 2 ? (u16)(len / 4) : (u16)rnd();
		out = rnd() % 2 ? (u16)(rnd() % 8) : (u16)rnd();
		if (rnd() % 2)
			len &= ~(size_t)3;
		if (len < 1)
			len = 1;
		memcpy(buf, &cmd, 4);
		memcpy(buf + 4, &in, 2);
		memcpy(buf + 6, &out, 2);
		ret = wr(fd, buf, len);
		if (ret != -EINVAL && ret != -EOPNOTSUPP && ret != -ENOSPC &&
		    ret != -EMFILE)
			harness_fail(__FILE__, __LINE__,
				     "write %d: cmd 0x%x in %u out %u len %zu: %ld",
				     i, cmd, in, out, len, ret);
		/* Every refusal has its reason. */
		if (i % 100 == 0)
			ASSERT_TRUE(reason_says(fd, ""));
	}
	ASSERT_TRUE(fx_alive(&fx));
	ASSERT_EQ(fx_objects_of(&fx, "uverbs0", getpid()), 0);
	sp = fx_event_file(&fx, "legacy-f", 0);
	ASSERT_TRUE(sp >= 0);
	ASSERT_EQ(create_channel(fd), sp);
	ASSERT_OK(ioverbs_comp_channel_destroy(&v, sp));
	close(sp);
	close(fd);
	fx_stop(&fx);
}


