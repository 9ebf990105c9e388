// SPDX-License-Identifier: MIT
/*
 * --roce and --netdev: which address a device's port 1 binds as a RoCEv2
 * port, found on the host's interfaces (its name and MTU come with it).
 * Nothing is bound unless the command line asks: the daemon opens no
 * socket of its own accord.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rdma/ib_user_verbs.h>

#include "daemon.h"

/* IP, UDP, BTH, RETH and ICRC around one MTU of payload. */
#define IVD_ROCE_OVERHEAD (20 + 8 + 12 + 16 + 4)

/* The largest IB MTU whose packets fit a frame of @mtu bytes; 0 none. */
static u8 ivd_roce_ib_mtu(unsigned int mtu)
{
	u8 m;

	for (m = IB_UVERBS_MTU_4096; m >= IB_UVERBS_MTU_256; m--)
		if ((128u << m) + IVD_ROCE_OVERHEAD <= mtu)
			return m;
	return 0;
}

static int ivd_if_mtu(const char *name, unsigned int *mtu)
{
	struct ifreq ifr = {};
	int fd, ret = 0;

	fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%s", name);
	if (ioctl(fd, SIOCGIFMTU, &ifr))
		ret = -errno;
	else
		*mtu = (unsigned int)ifr.ifr_mtu;
	close(fd);
	return ret;
}

/*
 * Does the interface of @i answer to @want: its address, or for a
 * loopback interface any address of its prefix (127.0.0.0/8 is all lo's).
 */
static bool ivd_roce_has(const struct ifaddrs *i, struct in_addr want)
{
	const struct sockaddr_in *sin = (const void *)i->ifa_addr;
	const struct sockaddr_in *mask = (const void *)i->ifa_netmask;

	if (sin->sin_addr.s_addr == want.s_addr)
		return true;
	return (i->ifa_flags & IFF_LOOPBACK) && mask &&
	       !((sin->sin_addr.s_addr ^ want.s_addr) & mask->sin_addr.s_addr);
}

/*
 * "[uverbsN:]VALUE": the device index (0 without a prefix) and where
 * VALUE starts; -1 for a bad prefix.
 */
static int ivd_roce_dev(const char *arg, const char **value)
{
	unsigned long idx;
	char *end;

	*value = arg;
	if (strncmp(arg, "uverbs", 6) || !isdigit((unsigned char)arg[6]))
		return 0;
	idx = strtoul(arg + 6, &end, 10);
	if (*end != ':' || idx >= IVD_MAX_DEVICES ||
	    (arg[6] == '0' && end != arg + 7))
		return -1;
	*value = end + 1;
	return (int)idx;
}

/**
 * ivd_roce_parse() - one --roce=[uverbsN:]ADDR or --netdev=[uverbsN:]IFACE
 * @cfg: the command line; its roce[N] is set
 * @arg: the option's argument
 * @netdev: --netdev (an interface) rather than --roce (an address)
 * @err: a line saying why, on failure
 * @errlen: bytes at @err
 *
 * The address must be an IPv4 address of an interface (or within a
 * loopback interface's prefix) or an IPv6 address of an interface (not a
 * link-local one); for --netdev, the interface's first IPv4 address.  The port's MTU is the largest IB
 * MTU a frame of the interface's MTU carries.
 * Return: 0 or -EINVAL.
 */
int ivd_roce_parse(struct ivd_config *cfg, const char *arg, bool netdev,
		   char *err, size_t errlen)
{
	struct soft_roce_config *rc;
	struct ifaddrs *ifa, *i;
	struct in_addr want = {};
	struct in6_addr want6 = {};
	bool v6 = false;
	const char *value;
	unsigned int mtu = 0;
	bool found = false;
	int idx;

	idx = ivd_roce_dev(arg, &value);
	if (idx < 0) {
		snprintf(err, errlen, "bad device name in '%s'", arg);
		return -EINVAL;
	}
	if (!netdev && inet_pton(AF_INET, value, &want) != 1) {
		if (inet_pton(AF_INET6, value, &want6) != 1) {
			snprintf(err, errlen,
				 "'%s' is not an IPv4 or IPv6 address", value);
			return -EINVAL;
		}
		v6 = true;
	}
	if (getifaddrs(&ifa)) {
		snprintf(err, errlen, "getifaddrs: %s", strerror(errno));
		return -EINVAL;
	}
	rc = &cfg->roce[idx];
	for (i = ifa; i; i = i->ifa_next) {
		const struct sockaddr_in *sin = (const void *)i->ifa_addr;
		const struct sockaddr_in6 *sin6 = (const void *)i->ifa_addr;

		if (v6 && sin6 && sin6->sin6_family == AF_INET6 &&
		    !memcmp(&sin6->sin6_addr, &want6, sizeof(want6))) {
			/* Link-local addresses need a scope: not served. */
			if (IN6_IS_ADDR_LINKLOCAL(&want6))
				continue;
			memcpy(rc->addr, &want6, sizeof(want6));
			snprintf(rc->netdev, sizeof(rc->netdev), "%s",
				 i->ifa_name);
			found = true;
			break;
		}
		if (v6 || !sin || sin->sin_family != AF_INET)
			continue;
		if (netdev ? strcmp(i->ifa_name, value) :
			     !ivd_roce_has(i, want))
			continue;
		memset(rc->addr, 0, sizeof(rc->addr));
		rc->addr[10] = 0xff;
		rc->addr[11] = 0xff;
		memcpy(rc->addr + 12, netdev ? &sin->sin_addr : &want, 4);
		snprintf(rc->netdev, sizeof(rc->netdev), "%s", i->ifa_name);
		found = true;
		break;
	}
	freeifaddrs(ifa);
	if (!found) {
		snprintf(err, errlen, netdev ?
			 "interface %s has no IPv4 address" :
			 "no interface has the address %s", value);
		return -EINVAL;
	}
	if (ivd_if_mtu(rc->netdev, &mtu) || !ivd_roce_ib_mtu(mtu)) {
		snprintf(err, errlen, "interface %s: no usable MTU",
			 rc->netdev);
		return -EINVAL;
	}
	rc->mtu = ivd_roce_ib_mtu(mtu);
	return 0;
}
