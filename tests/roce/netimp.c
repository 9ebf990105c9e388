// SPDX-License-Identifier: MIT
/*
 * netimp: joins two tap devices, each in its own network namespace, and
 * drops and reorders the IPv4 frames between them: the loss and
 * reordering of the two-host RoCEv2 topology (scripts/roce_net.sh),
 * which `tc netem` cannot give on a kernel built without sch_netem.
 *
 * Usage: netimp [-a] [-l LOSS] [-r REORDER] [-s SEED] [-d HOLD_US]
 *               NS_A IF_A NS_B IF_B
 *
 * Attaches to the tap IF_A of namespace NS_A (a name under
 * /var/run/netns) and IF_B of NS_B (made by `ip tuntap add ... mode
 * tap`), then forwards frames both ways until SIGINT or SIGTERM.  Each
 * IPv4 frame is dropped with probability LOSS percent, else held back
 * with probability REORDER percent and sent after the next frame of its
 * direction (or after HOLD_US microseconds, default 2000, when none
 * comes): so a held frame and its successor swap.  Other frames (ARP)
 * pass untouched, so that neighbours resolve.  With -a, RoCEv2 positive
 * ACKs (UDP port 4791, BTH opcode RC ACKNOWLEDGE, AETH type ACK) are
 * never dropped, only reordered: rdma_rxe forgets a destroyed QP at
 * once, so a lost last ACK makes a program that ends without a
 * handshake (ibv_rc_pingpong) retry into no QP for ever (retry_cnt 7),
 * whatever the peer.  The choices come from
 * SEED (default 1): one seed, one run.  Prints "netimp: ready" on
 * stdout once both taps are attached, and its counts on stderr on
 * SIGUSR1 and at exit.
 * Exits 1 with what failed.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/if.h>
#include <linux/if_tun.h>
#include <poll.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#define FRAME_MAX 65536

struct dir {
	int in, out;		/* read from in, write to out */
	const char *name;
	unsigned char held[FRAME_MAX];
	ssize_t held_len;	/* 0: nothing held */
	uint64_t held_at;	/* when it was held, us */
	uint64_t rng;		/* its own choices: one direction's fates
				 * do not depend on the other's timing */
	unsigned long frames, dropped, reordered;
};

static volatile sig_atomic_t stop, report;

static void on_signal(int sig)
{
	if (sig == SIGUSR1)
		report = 1;
	else
		stop = 1;
}

static void print_counts(const struct dir *dirs)
{
	int i;

	for (i = 0; i < 2; i++)
		fprintf(stderr, "netimp: %s %lu frames, %lu dropped, %lu reordered\n",
			dirs[i].name, dirs[i].frames, dirs[i].dropped,
			dirs[i].reordered);
}

/* xorshift64: a direction's choices, from the run's seed. */
static unsigned int percent_roll(struct dir *d)
{
	d->rng ^= d->rng << 13;
	d->rng ^= d->rng >> 7;
	d->rng ^= d->rng << 17;
	return (unsigned int)(d->rng % 100);
}

static uint64_t now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The tap @ifname of namespace @ns, attached; -1 after saying why. */
static int tap_open(const char *ns, const char *ifname)
{
	char path[256];
	struct ifreq ifr;
	int nsfd, fd;

	snprintf(path, sizeof(path), "/var/run/netns/%s", ns);
	nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0) {
		fprintf(stderr, "netimp: open %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (setns(nsfd, CLONE_NEWNET)) {
		fprintf(stderr, "netimp: setns %s: %s\n", ns, strerror(errno));
		close(nsfd);
		return -1;
	}
	close(nsfd);
	fd = open("/dev/net/tun", O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		fprintf(stderr, "netimp: open /dev/net/tun: %s\n", strerror(errno));
		return -1;
	}
	memset(&ifr, 0, sizeof(ifr));
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", ifname);
	if (ioctl(fd, TUNSETIFF, &ifr)) {
		fprintf(stderr, "netimp: attach tap %s in %s: %s\n", ifname, ns,
			strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}

static bool is_ipv4(const unsigned char *f, ssize_t len)
{
	return len >= 14 && f[12] == 0x08 && f[13] == 0x00;
}

/* A RoCEv2 positive ACK: IPv4, UDP to 4791, RC ACKNOWLEDGE, AETH ACK. */
static bool is_roce_ack(const unsigned char *f, ssize_t len)
{
	size_t ihl, udp, bth;

	if (len < 34 || f[23] != 17)
		return false;
	ihl = (size_t)(f[14] & 0x0f) * 4;
	udp = 14 + ihl;
	bth = udp + 8;
	if (ihl < 20 || (size_t)len < bth + 16)
		return false;
	return f[udp + 2] == 0x12 && f[udp + 3] == 0xb7 &&
	       f[bth] == 0x11 && (f[bth + 12] & 0x60) == 0;
}

static int send_frame(struct dir *d, const unsigned char *f, ssize_t len)
{
	if (write(d->out, f, (size_t)len) == len)
		return 0;
	if (errno == EINTR)
		return 0;
	/* A full queue or a link down loses the frame, as a wire would. */
	if (errno == EAGAIN || errno == EIO || errno == ENOBUFS)
		return 0;
	fprintf(stderr, "netimp: %s: write: %s\n", d->name, strerror(errno));
	return -1;
}

static int flush_held(struct dir *d)
{
	int ret = 0;

	if (d->held_len) {
		ret = send_frame(d, d->held, d->held_len);
		d->held_len = 0;
	}
	return ret;
}

static bool spare_acks;

static int forward(struct dir *d, unsigned int loss, unsigned int reorder)
{
	static unsigned char f[FRAME_MAX];
	ssize_t len = read(d->in, f, sizeof(f));

	if (len < 0) {
		if (errno == EINTR || errno == EAGAIN)
			return 0;
		fprintf(stderr, "netimp: %s: read: %s\n", d->name, strerror(errno));
		return -1;
	}
	d->frames++;
	if (!is_ipv4(f, len))
		return send_frame(d, f, len);
	if (percent_roll(d) < loss && !(spare_acks && is_roce_ack(f, len))) {
		d->dropped++;
		return 0;
	}
	if (!d->held_len && percent_roll(d) < reorder) {
		memcpy(d->held, f, (size_t)len);
		d->held_len = len;
		d->held_at = now_us();
		d->reordered++;
		return 0;
	}
	if (send_frame(d, f, len))
		return -1;
	return flush_held(d);
}

static unsigned int arg_percent(const char *s, const char *what)
{
	char *end;
	unsigned long v = strtoul(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v > 100) {
		fprintf(stderr, "netimp: %s '%s': a percentage, 0 to 100\n", what, s);
		exit(2);
	}
	return (unsigned int)v;
}

int main(int argc, char **argv)
{
	unsigned int loss = 0, reorder = 0;
	unsigned long hold_us = 2000;
	uint64_t seed = 1;
	struct dir dirs[2];
	struct sigaction sa;
	int a, b, opt, i, ret = 0;

	while ((opt = getopt(argc, argv, "al:r:s:d:")) != -1) {
		switch (opt) {
		case 'a':
			spare_acks = true;
			break;
		case 'l':
			loss = arg_percent(optarg, "loss");
			break;
		case 'r':
			reorder = arg_percent(optarg, "reorder");
			break;
		case 's':
			seed = strtoull(optarg, NULL, 0);
			break;
		case 'd':
			hold_us = strtoul(optarg, NULL, 0);
			break;
		default:
			goto usage;
		}
	}
	if (argc - optind != 4)
		goto usage;

	a = tap_open(argv[optind], argv[optind + 1]);
	if (a < 0)
		return 1;
	b = tap_open(argv[optind + 2], argv[optind + 3]);
	if (b < 0)
		return 1;
	memset(dirs, 0, sizeof(dirs));
	dirs[0].in = a;
	dirs[0].out = b;
	dirs[0].name = "A->B";
	dirs[0].rng = seed | 1;
	dirs[1].in = b;
	dirs[1].out = a;
	dirs[1].name = "B->A";
	dirs[1].rng = (seed * 0x9e3779b97f4a7c15ull) | 1;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	printf("netimp: ready (loss %u%%, reorder %u%%)\n", loss, reorder);
	fflush(stdout);

	while (!stop && !ret) {
		struct pollfd p[2] = {
			{ .fd = a, .events = POLLIN },
			{ .fd = b, .events = POLLIN },
		};
		int timeout = -1;
		uint64_t t;

		for (i = 0; i < 2; i++)
			if (dirs[i].held_len)
				timeout = (int)(hold_us / 1000) + 1;
		if (report) {
			report = 0;
			print_counts(dirs);
		}
		if (poll(p, 2, timeout) < 0 && errno != EINTR) {
			fprintf(stderr, "netimp: poll: %s\n", strerror(errno));
			ret = -1;
			break;
		}
		for (i = 0; i < 2 && !ret; i++)
			if (p[i].revents & POLLIN)
				ret = forward(&dirs[i], loss, reorder);
		t = now_us();
		for (i = 0; i < 2 && !ret; i++)
			if (dirs[i].held_len && t - dirs[i].held_at >= hold_us)
				ret = flush_held(&dirs[i]);
	}
	print_counts(dirs);
	close(a);
	close(b);
	return ret ? 1 : 0;

usage:
	fprintf(stderr, "usage: netimp [-a] [-l LOSS] [-r REORDER] [-s SEED] [-d HOLD_US] NS_A IF_A NS_B IF_B\n");
	return 2;
}
