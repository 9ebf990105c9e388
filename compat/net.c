// SPDX-License-Identifier: MIT
/*
 * UDP endpoints for a driver's network port (the soft device's RoCEv2
 * port), over libc sockets.  See compat.h.
 *
 * A datagram's IP header matters to RoCEv2: the ICRC covers its IP ID
 * and flags, which a UDP socket does not show.  So where we may (root,
 * CAP_NET_RAW) datagrams are read from a raw IPPROTO_UDP socket bound to
 * the address, filtered in the kernel to the port, which gives the IP
 * and UDP headers as they arrived; the UDP socket (which sends, and owns
 * the port so that no ICMP "port unreachable" answers a peer) then drops
 * all it receives, by a filter too.  Elsewhere the UDP socket receives
 * and the headers are not known (compat_udp_meta.has_l3 false).
 */
#include <arpa/inet.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include "compat.h"

/* Socket buffer bytes asked for, each way. */
#define COMPAT_UDP_BUF (8 << 20)
/* The longest IPv4 header. */
#define COMPAT_IP_MAX 60

struct compat_udp {
	int fd;		/* UDP: sends; receives when @raw is -1 */
	bool v6;	/* @fd is AF_INET6 (an IPv6 address, not v4-mapped) */
	int raw;	/* raw IPPROTO_UDP: receives; -1 if not allowed */
	int wake;	/* an eventfd: compat_udp_wake() */
	u16 port;
	u8 *rbuf;	/* @raw's datagram, headers included */
	size_t rlen;
};

static const u8 compat_v4mapped[12] = {
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
};

bool compat_addr_is_v4(const u8 addr[16])
{
	return !memcmp(addr, compat_v4mapped, sizeof(compat_v4mapped));
}

union compat_sa {
	struct sockaddr sa;
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
};

/* @addr:@port as a socket address of its family: its length. */
static socklen_t compat_sa(const u8 addr[16], u16 port, union compat_sa *u)
{
	memset(u, 0, sizeof(*u));
	if (compat_addr_is_v4(addr)) {
		u->sin.sin_family = AF_INET;
		u->sin.sin_port = htons(port);
		memcpy(&u->sin.sin_addr, addr + 12, 4);
		return sizeof(u->sin);
	}
	u->sin6.sin6_family = AF_INET6;
	u->sin6.sin6_port = htons(port);
	memcpy(&u->sin6.sin6_addr, addr, 16);
	return sizeof(u->sin6);
}

static void compat_sock_bufs(int fd)
{
	int bufsz = COMPAT_UDP_BUF;

	/*
	 * Room for a burst of full windows from several peers: the default
	 * (about 200 KiB) drops a third of a 64 KiB WRITE stream on lo.
	 * FORCE passes rmem_max where we may (root); else what it allows.
	 */
	if (setsockopt(fd, SOL_SOCKET, SO_RCVBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &bufsz, sizeof(bufsz));
	if (setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, &bufsz, sizeof(bufsz)))
		setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &bufsz, sizeof(bufsz));
}

/*
 * The raw socket of @sin, filtered to UDP port @port; -1 where we may not
 * have one.
 */
static int compat_raw_open(const struct sockaddr_in *sin, u16 port)
{
	struct sock_filter code[] = {
		/* X = the IP header's length; A = the UDP destination port */
		BPF_STMT(BPF_LDX | BPF_B | BPF_MSH, 0),
		BPF_STMT(BPF_LD | BPF_H | BPF_IND, 2),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, port, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, 0xffff),
		BPF_STMT(BPF_RET | BPF_K, 0),
	};
	struct sock_fprog prog = { .len = ARRAY_SIZE(code), .filter = code };
	struct sockaddr_in any = *sin;
	char buf[64];
	int fd;

	fd = socket(AF_INET, SOCK_RAW | SOCK_CLOEXEC | SOCK_NONBLOCK,
		    IPPROTO_UDP);
	if (fd < 0)
		return -1;
	any.sin_port = 0;
	if (setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
		       sizeof(prog)) ||
	    bind(fd, (struct sockaddr *)&any, sizeof(any))) {
		close(fd);
		return -1;
	}
	/*
	 * Until bind() it took the port's datagrams to every address of
	 * the host (another port's, another process's): none is ours.
	 */
	while (recv(fd, buf, sizeof(buf), MSG_DONTWAIT) >= 0)
		;
	compat_sock_bufs(fd);
	return fd;
}

/* The UDP socket receives nothing once the raw one does. */
static int compat_udp_mute(int fd)
{
	struct sock_filter code[] = { BPF_STMT(BPF_RET | BPF_K, 0) };
	struct sock_fprog prog = { .len = 1, .filter = code };

	return setsockopt(fd, SOL_SOCKET, SO_ATTACH_FILTER, &prog,
			  sizeof(prog));
}

struct compat_udp *compat_udp_open(const u8 addr[16], u16 port)
{
	struct compat_udp *u;
	union compat_sa sa;
	socklen_t salen = compat_sa(addr, port, &sa);
	int one = 1, pmtu = IP_PMTUDISC_DO, ret;
	static const u8 any[16];

	/* An address to bind, a unicast one: not :: nor a multicast one. */
	if (!memcmp(addr, any, sizeof(any)) ||
	    (!compat_addr_is_v4(addr) && addr[0] == 0xff))
		return ERR_PTR(-EADDRNOTAVAIL);
	u = kzalloc(sizeof(*u));
	if (!u)
		return ERR_PTR(-ENOMEM);
	u->port = port;
	u->raw = -1;
	u->v6 = sa.sa.sa_family == AF_INET6;
	u->fd = socket(sa.sa.sa_family,
		       SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (u->fd < 0) {
		ret = -errno;
		goto err_free;
	}
	u->wake = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (u->wake < 0) {
		ret = -errno;
		goto err_close;
	}
	compat_sock_bufs(u->fd);
	/*
	 * IPv4: DF set, and so IP ID 0, what a RoCEv2 peer's ICRC check
	 * assumes.  IPv6 has neither; the ICRC masks what routers change.
	 */
	if ((u->v6 ?
	     setsockopt(u->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) ||
	     setsockopt(u->fd, IPPROTO_IPV6, IPV6_RECVPKTINFO, &one,
			sizeof(one)) ||
	     setsockopt(u->fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, &pmtu,
			sizeof(pmtu)) :
	     setsockopt(u->fd, IPPROTO_IP, IP_MTU_DISCOVER, &pmtu,
			sizeof(pmtu)) ||
	     setsockopt(u->fd, IPPROTO_IP, IP_PKTINFO, &one, sizeof(one))) ||
	    bind(u->fd, &sa.sa, salen)) {
		ret = -errno;
		goto err_wake;
	}
	u->rlen = 65536;
	u->rbuf = kmalloc(u->rlen);
	if (!u->rbuf) {
		ret = -ENOMEM;
		goto err_wake;
	}
	/* IPv6 has no ID to see: the UDP socket shows all the ICRC needs. */
	if (!u->v6)
		u->raw = compat_raw_open(&sa.sin, port);
	if (u->raw >= 0 && compat_udp_mute(u->fd)) {
		close(u->raw);
		u->raw = -1;
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
	if (u->raw >= 0)
		close(u->raw);
	kfree(u->rbuf);
	close(u->wake);
	close(u->fd);
	kfree(u);
}

int compat_udp_send(struct compat_udp *u, const u8 dst[16], u16 port,
		    const void *buf, size_t len)
{
	union compat_sa sa;
	socklen_t salen = compat_sa(dst, port, &sa);
	ssize_t n;

	if ((sa.sa.sa_family == AF_INET6) != u->v6)
		return -EAFNOSUPPORT;
	do {
		n = sendto(u->fd, buf, len, 0, &sa.sa, salen);
	} while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return 0;
}

/* One datagram of the raw socket: its payload's length or -errno. */
static int compat_raw_recv(struct compat_udp *u, void *buf, size_t len,
			   struct compat_udp_meta *m)
{
	ssize_t n = recv(u->raw, u->rbuf, u->rlen, MSG_DONTWAIT);
	size_t ihl, ulen;

	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (n < 20)
		return -EBADMSG;
	ihl = (size_t)(u->rbuf[0] & 0xf) * 4;
	if ((u->rbuf[0] >> 4) != 4 || ihl < 20 || (size_t)n < ihl + 8)
		return -EBADMSG;
	ulen = (size_t)u->rbuf[ihl + 4] << 8 | u->rbuf[ihl + 5];
	if (ulen < 8 || ihl + ulen > (size_t)n)
		return -EBADMSG;
	ulen -= 8;
	if (ulen > len)
		return -EMSGSIZE;
	memcpy(m->src, compat_v4mapped, 12);
	memcpy(m->src + 12, u->rbuf + 12, 4);
	memcpy(m->dst, compat_v4mapped, 12);
	memcpy(m->dst + 12, u->rbuf + 16, 4);
	m->dst_known = true;
	m->sport = (u16)(u->rbuf[ihl] << 8 | u->rbuf[ihl + 1]);
	/* Options would not fit; the ICRC check refuses them anyway. */
	m->has_l3 = ihl == 20;
	if (m->has_l3)
		memcpy(m->l3, u->rbuf, sizeof(m->l3));
	memcpy(buf, u->rbuf + ihl + 8, ulen);
	return (int)ulen;
}

/* One datagram of the UDP socket (no raw one): as compat_raw_recv(). */
static int compat_dgram_recv(struct compat_udp *u, void *buf, size_t len,
			     struct compat_udp_meta *m)
{
	union {
		struct cmsghdr align;
		char buf[CMSG_SPACE(sizeof(struct in6_pktinfo))];
	} ctl;
	union compat_sa sa;
	struct iovec iov = { .iov_base = buf, .iov_len = len };
	struct msghdr msg = {
		.msg_name = &sa, .msg_namelen = sizeof(sa),
		.msg_iov = &iov, .msg_iovlen = 1,
		.msg_control = ctl.buf, .msg_controllen = sizeof(ctl.buf),
	};
	struct cmsghdr *c;
	ssize_t n;

	n = recvmsg(u->fd, &msg, MSG_DONTWAIT);
	if (n < 0)
		return errno == EAGAIN ? -EAGAIN : -errno;
	if (msg.msg_flags & MSG_TRUNC)
		return -EMSGSIZE;
	if (sa.sa.sa_family == AF_INET6) {
		memcpy(m->src, &sa.sin6.sin6_addr, 16);
		m->sport = ntohs(sa.sin6.sin6_port);
	} else {
		memcpy(m->src, compat_v4mapped, 12);
		memcpy(m->src + 12, &sa.sin.sin_addr, 4);
		m->sport = ntohs(sa.sin.sin_port);
	}
	memset(m->dst, 0, 16);
	m->dst_known = false;
	m->has_l3 = false;
	for (c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
		if (c->cmsg_level == IPPROTO_IP && c->cmsg_type == IP_PKTINFO) {
			struct in_pktinfo pi;

			memcpy(&pi, CMSG_DATA(c), sizeof(pi));
			memcpy(m->dst, compat_v4mapped, 12);
			memcpy(m->dst + 12, &pi.ipi_addr, 4);
			m->dst_known = true;
		} else if (c->cmsg_level == IPPROTO_IPV6 &&
			   c->cmsg_type == IPV6_PKTINFO) {
			struct in6_pktinfo pi6;

			memcpy(&pi6, CMSG_DATA(c), sizeof(pi6));
			memcpy(m->dst, &pi6.ipi6_addr, 16);
			m->dst_known = true;
		}
	}
	return (int)n;
}

int compat_udp_recv(struct compat_udp *u, void *buf, size_t len,
		    struct compat_udp_meta *m, long timeout_us)
{
	int fd = u->raw >= 0 ? u->raw : u->fd;
	struct pollfd p[2] = {
		{ .fd = fd, .events = POLLIN },
		{ .fd = u->wake, .events = POLLIN },
	};
	int n, t;
	u64 v;

	n = u->raw >= 0 ? compat_raw_recv(u, buf, len, m) :
			  compat_dgram_recv(u, buf, len, m);
	if (n != -EAGAIN)
		return n;
	t = timeout_us < 0 ? -1 : (int)((timeout_us + 999) / 1000);
	if (poll(p, 2, t) < 0)
		return -errno;
	if (p[1].revents & POLLIN) {
		if (read(u->wake, &v, sizeof(v)) < 0)
			return -EINTR;
		return -EINTR;
	}
	return u->raw >= 0 ? compat_raw_recv(u, buf, len, m) :
			     compat_dgram_recv(u, buf, len, m);
}

void compat_udp_wake(struct compat_udp *u)
{
	u64 one = 1;

	if (write(u->wake, &one, sizeof(one)) < 0)
		pr_warn("compat: udp wake: %d", errno);
}
