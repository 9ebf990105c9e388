// SPDX-License-Identifier: MIT
/*
 * DEVICE: the actions about the device itself, which has no objects:
 * GET_CONTEXT (the file's verbs context), QUERY, QUERY_PORT, QUERY_GID,
 * GET_ASYNC_EVENT and QUERY_PKEY.  Also the port and address vector checks the other
 * object families share.
 */
#include <rdma/ib_verbs_ops.h>

#include <rdma/uverbs_layouts.h>

#include "objects.h"

int std_query_port(struct ib_device *dev, u8 port,
		   struct ib_uverbs_query_port_resp *attr)
{
	struct ib_uverbs_query_device_resp dattr;
	int ret;

	ret = std_query_device(dev, &dattr);
	if (ret)
		return ret;
	if (port < 1 || port > dattr.phys_port_cnt) {
		uverbs_set_error("port_num %u outside 1..%u (phys_port_cnt)",
				 port, dattr.phys_port_cnt);
		return -EINVAL;
	}
	memset(attr, 0, sizeof(*attr));
	return std_ops(dev)->query_port(dev, port, attr);
}

int std_check_ah_attr(struct ib_device *dev,
		      const struct ib_uverbs_ah_attr *ah)
{
	struct ib_uverbs_query_port_resp pattr;
	int ret;

	if (ah->reserved[0] || ah->reserved[1]) {
		uverbs_set_error("address vector: reserved is not zero");
		return -EINVAL;
	}
	ret = std_query_port(dev, ah->port_num, &pattr);
	if (ret)
		return ret;
	if (ah->sgid_index >= pattr.gid_tbl_len) {
		uverbs_set_error("address vector: sgid_index %u >= gid_tbl_len %u",
				 ah->sgid_index, pattr.gid_tbl_len);
		return -EINVAL;
	}
	return 0;
}

/*
 * GET_CONTEXT: the context is reserved, the driver adds its part, and the
 * core publishes it once the response is out (or frees both).
 */
static int uverbs_device_get_context(struct ib_device *ib_dev,
				     struct ib_uverbs_file *ufile,
				     struct uverbs_attr_array *common,
				     struct uverbs_attr_array *vendor,
				     const void *priv)
{
	struct ib_uverbs_query_device_resp dattr;
	struct ib_uverbs_get_context_resp resp = {
		.num_comp_vectors = UVERBS_STD_NUM_COMP_VECTORS,
	};
	struct ib_ucontext *uctx;
	int ret;

	ret = std_query_device(ib_dev, &dattr);
	if (ret)
		return ret;
	resp.num_ports = dattr.phys_port_cnt;

	uctx = uverbs_ucontext_alloc(ib_dev, ufile);
	if (IS_ERR(uctx))
		return (int)PTR_ERR(uctx);
	ret = std_ops(ib_dev)->alloc_ucontext(uctx, vendor);
	if (ret)
		goto err_abort;
	ret = uverbs_ucontext_commit(uctx);
	if (ret)
		goto err_dealloc;
	/* From here on the core frees the context if the command fails. */
	return uverbs_copy_to(common, UVERBS_GET_CONTEXT_RESP, &resp,
			      sizeof(resp));

err_dealloc:
	if (ib_dev->dealloc_ucontext)
		ib_dev->dealloc_ucontext(uctx);
err_abort:
	uverbs_ucontext_abort(uctx);
	return ret;
}

static int uverbs_device_query(struct ib_device *ib_dev,
			       struct ib_ucontext *uctx,
			       struct uverbs_attr_array *common,
			       struct uverbs_attr_array *vendor,
			       const void *priv)
{
	struct ib_uverbs_query_device_resp resp;
	int ret;

	ret = std_query_device(ib_dev, &resp);
	if (ret)
		return ret;
	return uverbs_copy_to(common, UVERBS_QUERY_DEVICE_RESP, &resp,
			      sizeof(resp));
}

static int uverbs_device_query_port(struct ib_device *ib_dev,
				    struct ib_ucontext *uctx,
				    struct uverbs_attr_array *common,
				    struct uverbs_attr_array *vendor,
				    const void *priv)
{
	const u8 *port = uverbs_attr_in(common, UVERBS_QUERY_PORT_PORT_NUM);
	struct ib_uverbs_query_port_resp resp;
	int ret;

	ret = std_query_port(ib_dev, *port, &resp);
	if (ret)
		return ret;
	return uverbs_copy_to(common, UVERBS_QUERY_PORT_RESP, &resp,
			      sizeof(resp));
}

static int uverbs_device_query_gid(struct ib_device *ib_dev,
				   struct ib_ucontext *uctx,
				   struct uverbs_attr_array *common,
				   struct uverbs_attr_array *vendor,
				   const void *priv)
{
	const u8 *port = uverbs_attr_in(common, UVERBS_QUERY_GID_PORT_NUM);
	const u32 *index = uverbs_attr_in(common, UVERBS_QUERY_GID_INDEX);
	struct ib_uverbs_query_port_resp pattr;
	struct ib_uverbs_gid gid = {};
	int ret;

	ret = std_query_port(ib_dev, *port, &pattr);
	if (ret)
		return ret;
	if (*index >= pattr.gid_tbl_len) {
		uverbs_set_error("QUERY_GID: index %u >= gid_tbl_len %u",
				 *index, pattr.gid_tbl_len);
		return -EINVAL;
	}
	ret = std_ops(ib_dev)->query_gid(ib_dev, *port, *index, &gid);
	if (ret)
		return ret;
	return uverbs_copy_to(common, UVERBS_QUERY_GID_RESP, &gid, sizeof(gid));
}

static int uverbs_device_query_pkey(struct ib_device *ib_dev,
				    struct ib_ucontext *uctx,
				    struct uverbs_attr_array *common,
				    struct uverbs_attr_array *vendor,
				    const void *priv)
{
	const u8 *port = uverbs_attr_in(common, UVERBS_QUERY_PKEY_PORT_NUM);
	const u32 *index = uverbs_attr_in(common, UVERBS_QUERY_PKEY_INDEX);
	struct ib_uverbs_query_port_resp pattr;
	u16 pkey = 0;
	int ret;

	if (!std_ops(ib_dev)->query_pkey) {
		uverbs_set_error("QUERY_PKEY: the device has no P_Key table");
		return -EOPNOTSUPP;
	}
	ret = std_query_port(ib_dev, *port, &pattr);
	if (ret)
		return ret;
	if (*index >= pattr.pkey_tbl_len) {
		uverbs_set_error("QUERY_PKEY: index %u >= pkey_tbl_len %u",
				 *index, pattr.pkey_tbl_len);
		return -EINVAL;
	}
	ret = std_ops(ib_dev)->query_pkey(ib_dev, *port, *index, &pkey);
	if (ret)
		return ret;
	return uverbs_copy_to(common, UVERBS_QUERY_PKEY_RESP, &pkey,
			      sizeof(pkey));
}

/* The oldest async event of the file; -EAGAIN when there is none. */
static int uverbs_device_get_async_event(struct ib_device *ib_dev,
					 struct ib_ucontext *uctx,
					 struct uverbs_attr_array *common,
					 struct uverbs_attr_array *vendor,
					 const void *priv)
{
	struct ib_uverbs_async_event_desc desc;
	int ret;

	ret = ib_uverbs_read_async_event(uctx->ufile, &desc);
	if (ret)
		return ret;
	return uverbs_copy_to(common, UVERBS_GET_ASYNC_EVENT_RESP, &desc,
			      sizeof(desc));
}

static const struct uverbs_attr_spec get_context_attrs[] = {
	[UVERBS_GET_CONTEXT_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_get_context_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_get_context_resp),
		.max_len = sizeof(struct ib_uverbs_get_context_resp) },
};

static const struct uverbs_attr_spec query_device_attrs[] = {
	[UVERBS_QUERY_DEVICE_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_query_device_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_query_device_resp),
		.max_len = sizeof(struct ib_uverbs_query_device_resp) },
};

static const struct uverbs_attr_spec query_port_attrs[] = {
	[UVERBS_QUERY_PORT_PORT_NUM] = {
		.name = "PORT_NUM",
		.layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u8), .max_len = sizeof(__u8) },
	[UVERBS_QUERY_PORT_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_query_port_resp,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_query_port_resp),
		.max_len = sizeof(struct ib_uverbs_query_port_resp) },
};

static const struct uverbs_attr_spec query_gid_attrs[] = {
	[UVERBS_QUERY_GID_PORT_NUM] = {
		.name = "PORT_NUM",
		.layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u8), .max_len = sizeof(__u8) },
	[UVERBS_QUERY_GID_INDEX] = {
		.name = "INDEX",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
	[UVERBS_QUERY_GID_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_gid,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_gid),
		.max_len = sizeof(struct ib_uverbs_gid) },
};

static const struct uverbs_attr_spec query_pkey_attrs[] = {
	[UVERBS_QUERY_PKEY_PORT_NUM] = {
		.name = "PORT_NUM",
		.layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u8), .max_len = sizeof(__u8) },
	[UVERBS_QUERY_PKEY_INDEX] = {
		.name = "INDEX",
		.layout = &uverbs_layout_u32,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(__u32), .max_len = sizeof(__u32) },
	[UVERBS_QUERY_PKEY_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_pkey,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(__u16), .max_len = sizeof(__u16) },
};

static const struct uverbs_attr_spec get_async_event_attrs[] = {
	[UVERBS_GET_ASYNC_EVENT_RESP] = {
		.name = "RESP",
		.layout = &uverbs_layout_async_event_desc,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct ib_uverbs_async_event_desc),
		.max_len = sizeof(struct ib_uverbs_async_event_desc) },
};

static const struct uverbs_action device_actions[] = {
	[UVERBS_ACTION_DEVICE_GET_CONTEXT] =
		UVERBS_CTX_ACTION("GET_CONTEXT", uverbs_device_get_context,
				  get_context_attrs),
	[UVERBS_ACTION_DEVICE_QUERY] =
		UVERBS_STD_ACTION("QUERY_DEVICE", uverbs_device_query,
				  query_device_attrs),
	[UVERBS_ACTION_DEVICE_QUERY_PORT] =
		UVERBS_STD_ACTION("QUERY_PORT", uverbs_device_query_port,
				  query_port_attrs),
	[UVERBS_ACTION_DEVICE_QUERY_GID] =
		UVERBS_STD_ACTION("QUERY_GID", uverbs_device_query_gid,
				  query_gid_attrs),
	[UVERBS_ACTION_DEVICE_GET_ASYNC_EVENT] =
		UVERBS_STD_ACTION_AFTER_REMOVAL("GET_ASYNC_EVENT",
						uverbs_device_get_async_event,
						get_async_event_attrs),
	[UVERBS_ACTION_DEVICE_QUERY_PKEY] =
		UVERBS_STD_ACTION("QUERY_PKEY", uverbs_device_query_pkey,
				  query_pkey_attrs),
};

/* DEVICE has actions but no objects: no obj ops. */
const struct uverbs_type uverbs_device_type = {
	.name = "DEVICE",
	.actions = device_actions,
	.num_actions = ARRAY_SIZE(device_actions),
};
