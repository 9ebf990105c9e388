// SPDX-License-Identifier: MIT
/*
 * The data path between two processes through ioverbsd: RC SEND latency
 * and RDMA WRITE bandwidth over the shared queues (no command per
 * operation), at 2 B, 4 KiB, 64 KiB and 1 MiB, against memcpy of the
 * same size and, when libfabric's fi_pingpong is installed, its shm and
 * tcp providers, all measured in the same run.
 *
 * daemon_send_lat_SIZE   half a ping-pong round trip between this
 *                        process and a forked one, each polling its CQ
 *                        ring (the daemon's NIC threads move the bytes)
 *   baselines            memcpy of SIZE bytes; fi_pingpong -e rdm -p shm
 *                        and -p tcp on 127.0.0.1 (its usec/xfer)
 * daemon_write_bw_SIZE   RDMA WRITEs of SIZE into the other process's
 *                        registered memory, 16 in flight, signaled
 *   baseline             memcpy bandwidth at SIZE
 *
 * Each figure is the best of REPS repetitions; nothing is asserted.
 *
 *   bench_ring [--daemon=PATH] [--no-fabric]
 */
#include <fcntl.h>
#include <limits.h>
#include <string.h>

#include <ioverbs/soft_ring.h>
#include <ioverbs/verbs.h>

#include "bench.h"
#include "daemon_run.h"

#define REPS 5
#define WINDOW 16
#define BUF (4u << 20)

static const u32 sizes[] = { 2, 4096, 65536, 1u << 20 };

static unsigned int iters_for(u32 size)
{
	return size <= 4096 ? 5000 : size <= 65536 ? 1000 : 100;
}

struct peer {
	u16 lid;
	u32 qpn, rkey;
	u64 addr;
};

static void xwrite(int fd, const void *p, size_t n)
{
	if (write(fd, p, n) != (ssize_t)n)
		die("pipe write", -errno);
}

static void xread(int fd, void *p, size_t n)
{
	if (read(fd, p, n) != (ssize_t)n)
		die("pipe read", -EPIPE);
}

static void side_setup(struct ioverbs_ep *s, const char *dev, int rfd, int wfd,
		       struct peer *peer)
{
	struct ioverbs_ep p = { 0 };
	struct peer me;
	int fd = open(dev, O_RDWR | O_CLOEXEC);

	if (fd < 0)
		die("open", -errno);
	memset(s, 0, sizeof(*s));
	ioverbs_client_init_fd(&s->v, fd);
	if (ioverbs_ep_open(s, BUF, true))
		die("side setup", -EIO);
	me = (struct peer){ s->lid, s->qpn, s->rkey, (uintptr_t)s->buf };
	xwrite(wfd, &me, sizeof(me));
	xread(rfd, peer, sizeof(*peer));
	p.lid = peer->lid;
	p.qpn = peer->qpn;
	if (ioverbs_ep_connect(s, &p, 7))
		die("connect", -EIO);
}

static void wait_wc(struct ioverbs_ep *s, struct ib_uverbs_wc *wc)
{
	if (ioverbs_ep_poll(s, wc, 30000) || wc->status)
		die("completion", wc->status ? -(long)wc->status : -ETIMEDOUT);
}

static void send_size(struct ioverbs_ep *s, u64 id, u32 size)
{
	struct ib_uverbs_send_wr wr = {
		.wr_id = id, .num_sge = 1, .opcode = IB_UVERBS_WR_SEND,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)s->buf,
				     .length = size, .lkey = s->lkey };

	while (ioverbs_ep_post_send(s, &wr, &sge) == -ENOMEM)
		sched_yield();
}

/* Receives a message and answers it with one of the same size, @n times. */
static void pong(struct ioverbs_ep *s, u32 size, unsigned int n)
{
	struct ib_uverbs_wc wc;
	unsigned int i, got;

	for (i = 0; i < n; i++) {
		for (got = 0; got < 1;) {
			wait_wc(s, &wc);
			if (wc.opcode == IB_UVERBS_WC_RECV)
				got++;
		}
		if (i + 1 < n && ioverbs_ep_post_recv(s, i, BUF / 2, size))
			die("post recv", -EIO);
		send_size(s, i, size);
	}
	/* The last sends' completions. */
	while (!ioverbs_sring_wait(&s->rcq, 100000) &&
	       ioverbs_sring_poll(&s->rcq, &wc, 1))
		;
}

static void child(const char *dev, int rfd, int wfd)
{
	struct ioverbs_ep s;
	struct peer peer;
	u32 cmd[2];

	side_setup(&s, dev, rfd, wfd, &peer);
	/* One receive always posted ahead. */
	for (;;) {
		xread(rfd, cmd, sizeof(cmd));
		if (!cmd[1])
			break;
		if (ioverbs_ep_post_recv(&s, 0, BUF / 2, cmd[0]))
			die("post recv", -EIO);
		xwrite(wfd, "r", 1);
		pong(&s, cmd[0], cmd[1]);
		xwrite(wfd, "d", 1);
	}
	ioverbs_ep_close(&s);
	exit(0);
}

/* @n round trips of @size: seconds. */
static double pingpong(struct ioverbs_ep *s, int rfd, int wfd, u32 size,
		       unsigned int n)
{
	u32 cmd[2] = { size, n };
	struct ib_uverbs_wc wc;
	unsigned int i, got;
	u64 t0;
	char c;

	xwrite(wfd, cmd, sizeof(cmd));
	xread(rfd, &c, 1);
	if (ioverbs_ep_post_recv(s, 0, BUF / 2, size))
		die("post recv", -EIO);
	t0 = now_ns();
	for (i = 0; i < n; i++) {
		send_size(s, i, size);
		for (got = 0; got < 2; got++)
			wait_wc(s, &wc);
		if (i + 1 < n && ioverbs_ep_post_recv(s, i, BUF / 2, size))
			die("post recv", -EIO);
	}
	t0 = now_ns() - t0;
	xread(rfd, &c, 1);
	return (double)t0 / 1e9;
}

/* @n RDMA WRITEs of @size, WINDOW in flight: seconds. */
static double writes(struct ioverbs_ep *s, const struct peer *peer, u32 size,
		     unsigned int n)
{
	struct ib_uverbs_send_wr wr = {
		.num_sge = 1, .opcode = IB_UVERBS_WR_RDMA_WRITE,
		.send_flags = IB_UVERBS_SEND_SIGNALED,
	};
	struct ib_uverbs_sge sge = { .addr = (uintptr_t)s->buf,
				     .length = size, .lkey = s->lkey };
	struct ib_uverbs_wc wc;
	unsigned int posted = 0, done = 0;
	u64 t0 = now_ns();

	wr.wr.rdma.remote_addr = peer->addr;
	wr.wr.rdma.rkey = peer->rkey;
	while (done < n) {
		while (posted < n && posted - done < WINDOW) {
			wr.wr_id = posted++;
			if (ioverbs_ep_post_send(s, &wr, &sge))
				die("post write", -EIO);
		}
		wait_wc(s, &wc);
		done++;
	}
	return (double)(now_ns() - t0) / 1e9;
}

static double memcpy_s(u8 *dst, const u8 *src, u32 size, unsigned int n)
{
	unsigned int i;
	u64 t0 = now_ns();

	for (i = 0; i < n; i++) {
		memcpy(dst + (i & 1), src, size);
		__asm__ volatile("" ::: "memory");
	}
	return (double)(now_ns() - t0) / 1e9;
}

/* fi_pingpong's usec/xfer for @size over @prov, or a negative value. */
static double fi_pingpong(const char *prov, u32 size, unsigned int n)
{
	char cmd[256], line[256];
	double us = -1, v;
	FILE *fp;
	int port = 20000 + (int)(now_ns() % 20000);

	snprintf(cmd, sizeof(cmd),
		 "(timeout 60 fi_pingpong -p %s -e rdm -B %d -S %u -I %u >/dev/null 2>&1 &);"
		 " sleep 0.3; timeout 60 fi_pingpong -p %s -e rdm -P %d -S %u -I %u 127.0.0.1 2>/dev/null",
		 prov, port, size, n, prov, port, size, n);
	fp = popen(cmd, "r");
	if (!fp)
		return -1;
	while (fgets(line, sizeof(line), fp))
		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %lf", &v) == 1)
			us = v;
	pclose(fp);
	return us;
}

int main(int argc, char **argv)
{
	char def[PATH_MAX + 32], dev[160], sn[16];
	const char *daemon_path = NULL;
	int to_child[2], from_child[2], a, r, status;
	bool fabric = !system("command -v fi_pingpong >/dev/null 2>&1");
	struct ioverbs_ep s;
	struct peer peer;
	struct daemon d;
	unsigned int i;
	u32 stop[2] = { 0, 0 };
	u8 *src, *dst;
	pid_t p;

	setvbuf(stdout, NULL, _IOLBF, 0);
	for (a = 1; a < argc; a++) {
		if (!strncmp(argv[a], "--daemon=", 9))
			daemon_path = argv[a] + 9;
		else if (!strcmp(argv[a], "--no-fabric"))
			fabric = false;
		else
			die("usage: bench_ring [--daemon=PATH] [--no-fabric]",
			    -EINVAL);
	}
	daemon_path = daemon_find("bench_ring", daemon_path, def, sizeof(def));
	daemon_start(&d, daemon_path, "bench_ring", 1);
	snprintf(dev, sizeof(dev), "%s/uverbs0", d.mnt);
	if (pipe(to_child) || pipe(from_child))
		die("pipe", -errno);
	fflush(stdout);
	p = fork();
	if (p < 0)
		die("fork", -errno);
	if (p == 0) {
		close(to_child[1]);
		close(from_child[0]);
		child(dev, to_child[0], from_child[1]);
	}
	close(to_child[0]);
	close(from_child[1]);
	side_setup(&s, dev, from_child[0], to_child[1], &peer);
	src = malloc(BUF);
	dst = malloc(BUF + 1);
	if (!src || !dst)
		die("malloc", -ENOMEM);
	memset(src, 1, BUF);
	memset(dst, 2, BUF + 1);
	printf("# two processes through ioverbsd's shared queues; best of %d\n",
	       REPS);
	if (!fabric)
		printf("# no fabric baselines (--no-fabric, or fi_pingpong of libfabric-bin not installed)\n");

	for (i = 0; i < ARRAY_SIZE(sizes); i++) {
		u32 size = sizes[i];
		unsigned int n = iters_for(size);
		double lat = 1e9, mc = 1e9, bw = 0, mbw = 0, t;

		pingpong(&s, from_child[0], to_child[1], size, n / 10 + 1);
		for (r = 0; r < REPS; r++) {
			t = pingpong(&s, from_child[0], to_child[1], size, n);
			if (t / n / 2 < lat)
				lat = t / n / 2;
			t = memcpy_s(dst, src, size, n);
			if (t / n < mc)
				mc = t / n;
			t = writes(&s, &peer, size, n);
			if ((double)size * n / t > bw)
				bw = (double)size * n / t;
			t = memcpy_s(dst, src, size, n);
			if ((double)size * n / t > mbw)
				mbw = (double)size * n / t;
		}
		bench_size_name(size, sn, sizeof(sn));
		printf("bench daemon_send_lat_%s: %.2f us (baseline memcpy_%s: %.3f us, ratio %.1f)\n",
		       sn, lat * 1e6, sn, mc * 1e6, lat / mc);
		if (fabric) {
			static const char *const provs[] = { "shm", "tcp" };
			unsigned int k;

			for (k = 0; k < 2; k++) {
				double fi = fi_pingpong(provs[k], size, n);

				if (fi <= 0) {
					printf("# fi_pingpong -p %s -S %u failed\n",
					       provs[k], size);
					continue;
				}
				printf("bench daemon_send_lat_%s_vs_%s: %.2f us (baseline fi_pingpong_%s_%s: %.2f us, ratio %.2f)\n",
				       sn, provs[k], lat * 1e6, provs[k], sn,
				       fi, lat * 1e6 / fi);
			}
		}
		printf("bench daemon_write_bw_%s: %.4f GB/s (baseline memcpy_bw_%s: %.3f GB/s, ratio %.4f)\n",
		       sn, bw / 1e9, sn, mbw / 1e9, bw / mbw);
	}
	xwrite(to_child[1], stop, sizeof(stop));
	if (waitpid(p, &status, 0) != p || !WIFEXITED(status) ||
	    WEXITSTATUS(status))
		printf("# the peer ended with status 0x%x\n", status);
	ioverbs_ep_close(&s);
	close(s.v.fd);
	free(src);
	free(dst);
	daemon_stop(&d);
	return 0;
}
