// SPDX-License-Identifier: MIT
/*
 * The provider's ioverbs half: each verb is one command of lib/ on the
 * device file that libibverbs knows as the context's cmd_fd.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ioverbs/reason.h>
#include <ioverbs/verbs.h>

#include "ivp_lib.h"

int ivp_open(int fd, struct ivp_dev **out, uint32_t *num_comp_vectors)
{
	struct ib_uverbs_get_context_resp resp;
	struct ivp_dev *dev;
	long ret;

	dev = calloc(1, sizeof(*dev));
	if (!dev)
		return -ENOMEM;
	ioverbs_client_init_fd(&dev->v, fd);
	ivp_dev_init(dev);
	ret = ioverbs_context_get_ex(&dev->v, &resp);
	if (ret) {
		ret = -ivp_failed(dev, "GET_CONTEXT", (int)ret);
		ivp_dev_fini(dev);
		free(dev);
		return (int)ret;
	}
	*num_comp_vectors = resp.num_comp_vectors;
	*out = dev;
	return 0;
}

void ivp_set_async_fd(struct ivp_dev *dev, int fd)
{
	dev->async_wr = fd;
}

void ivp_close(struct ivp_dev *dev)
{
	ivp_dev_fini(dev);
	free(dev);
}

int ivp_async_event_get(struct ivp_dev *dev, uint64_t *element,
			uint32_t *event_type)
{
	struct ib_uverbs_async_event_desc d;
	long ret;

	ret = ioverbs_async_event_get(&dev->v, &d);
	if (ret)
		return (int)ret;
	*element = d.element;
	*event_type = d.event_type;
	return 0;
}

int ivp_query_device(struct ivp_dev *dev, struct ivp_device_attr *a)
{
	struct ib_uverbs_query_device_resp r;
	long ret;

	ret = ioverbs_device_query(&dev->v, &r);
	if (ret)
		return (int)ret;
	*a = (struct ivp_device_attr){
		.fw_ver = r.fw_ver,
		.node_guid = r.node_guid,
		.sys_image_guid = r.sys_image_guid,
		.max_mr_size = r.max_mr_size,
		.page_size_cap = r.page_size_cap,
		.vendor_id = r.vendor_id,
		.vendor_part_id = r.vendor_part_id,
		.hw_ver = r.hw_ver,
		.max_qp = r.max_qp,
		.max_qp_wr = r.max_qp_wr,
		.device_cap_flags = r.device_cap_flags,
		.max_sge = r.max_sge,
		.max_sge_rd = r.max_sge_rd,
		.max_cq = r.max_cq,
		.max_cqe = r.max_cqe,
		.max_mr = r.max_mr,
		.max_pd = r.max_pd,
		.max_qp_rd_atom = r.max_qp_rd_atom,
		.max_qp_init_rd_atom = r.max_qp_init_rd_atom,
		.max_res_rd_atom = r.max_res_rd_atom,
		.atomic_cap = r.atomic_cap,
		.max_ah = r.max_ah,
		.max_srq = r.max_srq,
		.max_srq_wr = r.max_srq_wr,
		.max_srq_sge = r.max_srq_sge,
		.max_inline_data = r.max_inline_data,
		.max_pkeys = r.max_pkeys,
		.local_ca_ack_delay = r.local_ca_ack_delay,
		.phys_port_cnt = r.phys_port_cnt,
	};
	return 0;
}

int ivp_query_port(struct ivp_dev *dev, uint8_t port, struct ivp_port_attr *a)
{
	struct ib_uverbs_query_port_resp r;
	long ret;

	ret = ioverbs_port_query(&dev->v, port, &r);
	if (ret)
		return (int)ret;
	*a = (struct ivp_port_attr){
		.port_cap_flags = r.port_cap_flags,
		.max_msg_sz = r.max_msg_sz,
		.bad_pkey_cntr = r.bad_pkey_cntr,
		.qkey_viol_cntr = r.qkey_viol_cntr,
		.gid_tbl_len = r.gid_tbl_len,
		.pkey_tbl_len = r.pkey_tbl_len,
		.lid = r.lid,
		.sm_lid = r.sm_lid,
		.state = r.state,
		.max_mtu = r.max_mtu,
		.active_mtu = r.active_mtu,
		.lmc = r.lmc,
		.max_vl_num = r.max_vl_num,
		.sm_sl = r.sm_sl,
		.subnet_timeout = r.subnet_timeout,
		.init_type_reply = r.init_type_reply,
		.active_width = r.active_width,
		.active_speed = r.active_speed,
		.phys_state = r.phys_state,
		.link_layer = r.link_layer,
	};
	return 0;
}

int ivp_alloc_pd(struct ivp_dev *dev, uint32_t *handle)
{
	return (int)ioverbs_pd_alloc(&dev->v, handle);
}

int ivp_dealloc_pd(struct ivp_dev *dev, uint32_t handle)
{
	return (int)ioverbs_pd_dealloc(&dev->v, handle);
}

int ivp_failed(struct ivp_dev *dev, const char *verb, int err)
{
	const char *debug = getenv("IOVERBS_DEBUG");
	char why[IOVERBS_REASON_MAX] = "";
	const char *lib;

	if (!debug || strcmp(debug, "1"))
		return -err;
	lib = ioverbs_client_error(&dev->v);
	if (*lib)
		snprintf(why, sizeof(why), "%s", lib);
	else if (ioverbs_reason_get(&dev->v, why, sizeof(why)) < 0)
		why[0] = '\0';
	fprintf(stderr, "ioverbs: %s: %s%s%s%s\n", verb,
		strerrorname_np(-err) ?: "E???", *why ? " (" : "", why,
		*why ? ")" : "");
	return -err;
}
