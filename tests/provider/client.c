// SPDX-License-Identifier: MIT
/* What the provider's test clients share (client.h). */
#include <string.h>
#include <time.h>

#include "../../include/uapi/rdma/soft_direct.h"

#include "client.h"

unsigned int passed, failed;

int client_report(void)
{
	printf("%u passed, %u failed\n", passed, failed);
	return failed ? 1 : 0;
}

struct ibv_context *client_open(const char *name)
{
	struct ibv_device **list = ibv_get_device_list(NULL);
	struct ibv_context *ctx = NULL;
	int i;

	for (i = 0; list && list[i]; i++)
		if (!strcmp(ibv_get_device_name(list[i]), name))
			ctx = ibv_open_device(list[i]);
	if (list)
		ibv_free_device_list(list);
	return ctx;
}

bool client_pd_mr(struct ibv_context *ctx, void *buf, size_t size,
		  uint16_t *lid, struct ibv_pd **pd, struct ibv_mr **mr)
{
	struct ibv_port_attr port;

	CHECK(ibv_query_port(ctx, 1, &port) == 0);
	*lid = port.lid;
	*pd = ibv_alloc_pd(ctx);
	CHECK(*pd != NULL);
	*mr = ibv_reg_mr(*pd, buf, size,
			 IBV_ACCESS_LOCAL_WRITE | IBV_ACCESS_REMOTE_WRITE |
				 IBV_ACCESS_REMOTE_READ |
				 IBV_ACCESS_REMOTE_ATOMIC);
	CHECK(*mr != NULL);
	return *pd && *mr;
}

int poll_one(struct ibv_cq *cq, struct ibv_wc *wc)
{
	struct timespec t0, t;
	int n;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		n = ibv_poll_cq(cq, 1, wc);
		if (n)
			return n;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if (t.tv_sec - t0.tv_sec > 5)
			return 0;
	}
}

int connect_rc(struct ibv_qp *qp, uint32_t dqpn, uint16_t lid,
	       unsigned int access, uint8_t min_rnr)
{
	return connect_rc_retry(qp, dqpn, lid, access, min_rnr, 7);
}

int connect_rc_retry(struct ibv_qp *qp, uint32_t dqpn, uint16_t lid,
		     unsigned int access, uint8_t min_rnr, uint8_t rnr_retry)
{
	struct ibv_qp_attr a = {
		.qp_state = IBV_QPS_INIT,
		.port_num = 1,
		.qp_access_flags = access,
	};

	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_PKEY_INDEX |
					  IBV_QP_PORT | IBV_QP_ACCESS_FLAGS))
		return -1;
	memset(&a, 0, sizeof(a));
	a.qp_state = IBV_QPS_RTR;
	a.path_mtu = IBV_MTU_1024;
	a.dest_qp_num = dqpn;
	a.max_dest_rd_atomic = 1;
	a.min_rnr_timer = min_rnr;
	a.ah_attr.dlid = lid;
	a.ah_attr.port_num = 1;
	if (ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_AV | IBV_QP_PATH_MTU |
					  IBV_QP_DEST_QPN | IBV_QP_RQ_PSN |
					  IBV_QP_MAX_DEST_RD_ATOMIC |
					  IBV_QP_MIN_RNR_TIMER))
		return -1;
	a.qp_state = IBV_QPS_RTS;
	a.timeout = 14;
	a.retry_cnt = 7;
	a.rnr_retry = rnr_retry;
	a.max_rd_atomic = 1;
	return ibv_modify_qp(qp, &a, IBV_QP_STATE | IBV_QP_TIMEOUT |
					     IBV_QP_RETRY_CNT | IBV_QP_RNR_RETRY |
					     IBV_QP_SQ_PSN |
					     IBV_QP_MAX_QP_RD_ATOMIC);
}

struct soft_direct_ctrl *direct_page_of(uint32_t peer_qpn)
{
	struct soft_direct_ctrl *pg;
	unsigned long lo, hi;
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");

	if (!f)
		return NULL;
	while (fgets(line, sizeof(line), f)) {
		if (!strstr(line, "memfd:ioverbs-qp") ||
		    sscanf(line, "%lx-%lx", &lo, &hi) != 2)
			continue;
		pg = (struct soft_direct_ctrl *)(hi - SOFT_DIRECT_RING_BYTES -
						 SOFT_DIRECT_PAGE);
		if (__atomic_load_n(&pg->path, __ATOMIC_ACQUIRE) ==
			    SOFT_PATH_DIRECT &&
		    pg->peer_qpn == peer_qpn) {
			fclose(f);
			return pg;
		}
	}
	fclose(f);
	return NULL;
}

bool poll_none(struct ibv_cq *cq, long ms)
{
	struct timespec t0, t;
	struct ibv_wc wc;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		if (ibv_poll_cq(cq, 1, &wc))
			return false;
		clock_gettime(CLOCK_MONOTONIC, &t);
		if ((t.tv_sec - t0.tv_sec) * 1000 +
			    (t.tv_nsec - t0.tv_nsec) / 1000000 >= ms)
			return true;
	}
}
