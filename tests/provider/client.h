/* SPDX-License-Identifier: MIT */
/*
 * What the provider's test clients (the programs of tests/provider/ that
 * call libibverbs alone) share: the CHECK() count and its report, the
 * device by name, a polled completion, an RC QP's connection, a QP's
 * direct page.
 */
#ifndef IOVERBS_TESTS_PROVIDER_CLIENT_H
#define IOVERBS_TESTS_PROVIDER_CLIENT_H

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <infiniband/verbs.h>

/* The checks that held and those that did not (CHECK()). */
extern unsigned int passed, failed;

/* Counts @cond; a failed one is a line with its place and errno. */
#define CHECK(cond)                                                          \
	do {                                                                 \
		if (cond) {                                                  \
			passed++;                                            \
		} else {                                                     \
			failed++;                                            \
			printf("FAIL %s:%d: %s (errno %d)\n", __FILE__,      \
			       __LINE__, #cond, errno);                      \
		}                                                            \
	} while (0)

/* Prints "N passed, N failed": the exit status, 0 when none failed. */
int client_report(void);

/* The device called @name, opened (the last of that name): NULL if none. */
struct ibv_context *client_open(const char *name);

/*
 * Port 1's LID of @ctx in *@lid, a PD in *@pd, and @buf (@size bytes)
 * registered on it for local and every remote access in *@mr, each
 * CHECK()ed: true if the PD and the MR are there.
 */
bool client_pd_mr(struct ibv_context *ctx, void *buf, size_t size,
		  uint16_t *lid, struct ibv_pd **pd, struct ibv_mr **mr);

/* One completion of @cq within 5 s (polled): 1, or 0 on timeout. */
int poll_one(struct ibv_cq *cq, struct ibv_wc *wc);

/* Nothing on @cq for @ms milliseconds of polling: true. */
bool poll_none(struct ibv_cq *cq, long ms);

/*
 * RC @qp: RESET -> INIT (remote @access) -> RTR (to @dqpn at @lid, port
 * 1, MTU 1024, one read or atomic, @min_rnr) -> RTS (timeout 14, 7
 * retries and RNR retries, one read or atomic): 0, or not 0 on
 * failure.
 */
int connect_rc(struct ibv_qp *qp, uint32_t dqpn, uint16_t lid,
	       unsigned int access, uint8_t min_rnr);

/* As connect_rc(), with @rnr_retry RNR retries. */
int connect_rc_retry(struct ibv_qp *qp, uint32_t dqpn, uint16_t lid,
		     unsigned int access, uint8_t min_rnr, uint8_t rnr_retry);

struct soft_direct_ctrl;

/*
 * The direct page (include/uapi/rdma/soft_direct.h) of this process's QP
 * whose peer is @peer_qpn, found in /proc/self/maps by its QP memfd:
 * NULL if no DIRECT one.
 */
struct soft_direct_ctrl *direct_page_of(uint32_t peer_qpn);

#endif /* IOVERBS_TESTS_PROVIDER_CLIENT_H */
