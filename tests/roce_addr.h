/* SPDX-License-Identifier: MIT */
/*
 * The loopback addresses the RoCEv2 tests and fuzzer bind their ports
 * to: 127.A.B.host with A.B from the pid, so that two programs running
 * at once (the ASan and TSan builds, parallel fuzzing jobs) never share
 * a socket.
 */
#ifndef _TESTS_ROCE_ADDR_H
#define _TESTS_ROCE_ADDR_H

#include <string.h>
#include <unistd.h>

/* 127.A.B.@host as a RoCEv2 GID (::ffff:127.A.B.@host) in @addr. */
static inline void roce_loopback_gid(u8 addr[16], u8 host)
{
	unsigned int pid = (unsigned int)getpid();

	memset(addr, 0, 16);
	addr[10] = 0xff;
	addr[11] = 0xff;
	addr[12] = 127;
	addr[13] = (u8)(1 + pid % 250);
	addr[14] = (u8)(pid / 250 % 250);
	addr[15] = host;
}

#endif /* _TESTS_ROCE_ADDR_H */
