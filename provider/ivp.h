/* SPDX-License-Identifier: MIT */
/*
 * The provider's two halves meet here.  provider.c speaks libibverbs
 * (<infiniband/verbs.h> and verbs_private.h); ivp_cmd.c speaks ioverbs
 * (<ioverbs/verbs.h>, lib/).  Their headers define the same uapi names
 * differently, so neither half includes the other's: this header uses
 * plain C types only.  Every ivp_*() returns 0 or a negative errno.
 */
#ifndef _PROVIDER_IVP_H
#define _PROVIDER_IVP_H

#include <stddef.h>
#include <stdint.h>

/* One device file of the daemon, opened by ivp_open(). */
struct ivp_dev;

/* The device's attributes, host order (QUERY_DEVICE). */
struct ivp_device_attr {
	uint64_t fw_ver;
	uint64_t node_guid;
	uint64_t sys_image_guid;
	uint64_t max_mr_size;
	uint64_t page_size_cap;
	uint32_t vendor_id, vendor_part_id, hw_ver;
	uint32_t max_qp, max_qp_wr, device_cap_flags, max_sge, max_sge_rd;
	uint32_t max_cq, max_cqe, max_mr, max_pd;
	uint32_t max_qp_rd_atom, max_qp_init_rd_atom, max_res_rd_atom;
	uint32_t atomic_cap, max_ah, max_srq, max_srq_wr, max_srq_sge;
	uint32_t max_inline_data;
	uint16_t max_pkeys;
	uint8_t local_ca_ack_delay, phys_port_cnt;
};

/* One port's attributes (QUERY_PORT). */
struct ivp_port_attr {
	uint32_t port_cap_flags, max_msg_sz, bad_pkey_cntr, qkey_viol_cntr;
	uint32_t gid_tbl_len;
	uint16_t pkey_tbl_len, lid, sm_lid;
	uint8_t state, max_mtu, active_mtu, lmc, max_vl_num, sm_sl;
	uint8_t subnet_timeout, init_type_reply, active_width, active_speed;
	uint8_t phys_state, link_layer;
};

/*
 * ivp_open() - a client on @fd, a device file of the daemon (@fd stays
 * the caller's); GET_CONTEXT on it.  @num_comp_vectors from the answer.
 */
int ivp_open(int fd, struct ivp_dev **dev, uint32_t *num_comp_vectors);
void ivp_close(struct ivp_dev *dev);

int ivp_query_device(struct ivp_dev *dev, struct ivp_device_attr *a);
int ivp_query_port(struct ivp_dev *dev, uint8_t port, struct ivp_port_attr *a);
int ivp_alloc_pd(struct ivp_dev *dev, uint32_t *handle);
int ivp_dealloc_pd(struct ivp_dev *dev, uint32_t handle);

/*
 * ivp_failed() - a verb failed with @err (negative errno): with
 * IOVERBS_DEBUG=1 in the environment, one line on stderr naming @verb,
 * the errno and the reason the library or the device gave (Rule 23).
 * Return: -@err, the positive errno libibverbs' callers expect.
 */
int ivp_failed(struct ivp_dev *dev, const char *verb, int err);

#endif /* _PROVIDER_IVP_H */
