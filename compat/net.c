// SPDX-License-Identifier: MIT
/*
 * UDP endpoints for a driver's network port (the soft device's RoCEv2
 * port), over a libc socket.  See compat.h.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compat.h"

/* Socket buffer bytes asked for, each way. */
#define COMPAT_UDP_BUF (8 << 20)

struct compat_udp {
	int fd;
	int wake;	/* an eventfd: compat_udp_wake() */
};

static const u8 compat_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

bool compat_addr_is_v4(const u8 addr[16])
{
	return !memcmp(addr, compat_v4mapped, sizeof(compat_v4mapped));
}

static int compat_sin(const u8 addr[16], u16 port, struct sockaddr_in *sin)
{
	if (!compat_addr_is_v4(addr))
		return -EAFNOSUPPORT;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	memcpy(&sin->sin_addr, addr + 12, 4);
	return 0;
}

struct compat_udp *compat_udp_open(const u8 addr[16], u16 port)
{
	struct compat_udp *u;
	struct sockaddr_in sin;
	int one = 1, pmtu = IP_PMTUDISC_DO, bufsz = COMPAT_UDP_BUF, ret;

	ret = compat_sin(addr, port, &sin);
	if (ret)
		return ERR_PTR(ret);
	u = kzalloc(sizeof(*u));
	if (!u)
		return ERR_PTR(-ENOMEM);
	u->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (u->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	u->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->wake < 0) {
		ret = -errno;
		goto err_close;
	}
	/*
	 * Room for a burst of full windows from several peers: the default
	 * (about 200 KiB) drops a third of a 64 KiB WRITE stream on lo.
	 * FORCE passes rmem_max where we may (root); else what it allows.
	 */
	if (setsockopt(u->fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz,
		       sizeof(bufsz)))
		setsockopt(u->fd, SOL_SOCKET, SO_RCVBUF, &bufsz,
			   sizeof(bufsz));
	if (setsockopt(u->fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz,
		       sizeof(bufsz)))
		setsockopt(u->fd, SOL_SOCKET, SO_SNDBUF, &bufsz,
			   sizeof(bufsz));
	/* DF set, and so IP ID 0: what a RoCEv2 peer's ICRC check assumes. */
	if (setsockopt(u->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
		       sizeof(pmtu)) ||
	    setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one)) ||
	    bind(u->fd, (struct sockaddr *)&sin, sizeof(sin))) {
		ret = -errno;
		goto err_wake;
	}
	return u;

err_wake:
	close(u->wake);
err_close:
	close(u->fd);
err_free:
	kfree(u);
	return ERR_PTR(ret);
}

void compat_udp_close(struct compat_udp *u)
{
	if (!u)
		return;
	close(u->wake);
	close(u->fd);
	kfree(u);
}

int compat_udp_send(struct compat_udp *u, const u8 dst[16], u16 port,
		    const void *buf, size_t len)
{
	struct sockaddr_in sin;
	ssize_t n;
	int ret;

	ret = compat_sin(dst, port, &sin);
	if (ret)
		return ret;
	do {
		n = sendto(u->fd, buf, len, 0, (struct sockaddr *)&sin,
			   sizeof(sin));
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

int compat_udp_recv(struct compat_udp *u, void *buf, size_t len, u8 src[16],
		    u16 *sport, u8 dst[16], long timeout_us)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in_pktinfo))];
	} ctl;
	struct pollfd p[2] = {
		{ .fd = u->fd, .events = POLLIN },
		{ .fd = u->wake, .events = POLLIN },
	};
	struct sockaddr_in sin;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sin, .msg_namelen = sizeof(sin),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	u64 v;
	ssize_t n;

	n = recvmsg(u->fd, &msg, MSG_DONTWAIT);
	if (n < 0 && errno == EAGAIN) {
		int t = timeout_us < 0 ? -1 : (int)((timeout_us + 999) / 1000);

		if (poll(p, 2, t) < 0)
			return -errno;
		if (p[1].revents & POLLIN) {
			if (read(u->wake, &v, sizeof(v)) < 0)
				return -EINTR;
			return -EINTR;
		}
		n = recvmsg(u->fd, &msg, MSG_DONTWAIT);
	}
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	memcpy(src, compat_v4mapped, 12);
	memcpy(src + 12, &sin.sin_addr, 4);
	*sport = ntohs(sin.sin_port);
	memset(dst, 0, 16);
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(dst, compat_v4mapped, 12);
			memcpy(dst + 12, &pi.ipi_addr, 4);
		}
	}
	return (int)n;
}

void compat_udp_wake(struct compat_udp *u)
{
	u64 one = 1;

	if (write(u->wake, &one, sizeof(one)) < 0)
		pr_warn("compat: udp wake: %d", errno);
}
