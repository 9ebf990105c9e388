// SPDX-License-Identifier: MIT
/*
 * The soft device itself: creation, registration and destruction; its
 * ports, LIDs, GIDs and P_Key table; the query ops; the driver's part of
 * a context; the types table (the standard types plus the soft vendor
 * type: a QP's counters, a port's counters, the INJECT test hook and the
 * shared queues' ATTACH).
 */
#include <rdma/uverbs_layouts.h>

#include "soft.h"

/* Process-wide device serial: names and node GUIDs. */
static atomic_t soft_serial;

/* Node GUID: a locally administered prefix, the serial, the port below. */
#define SOFT_GUID_PREFIX 0x0250f70000000000ull
/*
 * vendor_id is the vendor's IEEE OUI: the GUIDs' (locally administered)
 * one, not 0, which no real device reports and clients reject.
 */
#define SOFT_VENDOR_ID ((u32)(SOFT_GUID_PREFIX >> 40))

static const struct ib_device_ops soft_ops = {
	.query_device = soft_query_device,
	.query_port = soft_query_port,
	.query_gid = soft_query_gid,
	.query_pkey = soft_query_pkey,
	.alloc_ucontext = soft_alloc_ucontext,
	.alloc_pd = soft_pd_alloc,
	.dealloc_pd = soft_pd_dealloc,
	.reg_mr = soft_mr_reg,
	.dereg_mr = soft_mr_dereg,
	.create_cq = soft_cq_create,
	.resize_cq = soft_cq_resize,
	.destroy_cq = soft_cq_destroy,
	.create_qp = soft_qp_create,
	.modify_qp = soft_qp_modify,
	.query_qp_state = soft_qp_query_state,
	.destroy_qp = soft_qp_destroy,
	.create_srq = soft_srq_create,
	.modify_srq = soft_srq_modify,
	.destroy_srq = soft_srq_destroy,
	.create_ah = soft_ah_create,
	.destroy_ah = soft_ah_destroy,
	.post_send = soft_post_send,
	.post_recv = soft_post_recv,
	.post_srq_recv = soft_post_srq_recv,
	.poll_cq = soft_poll_cq,
	.req_notify_cq = soft_req_notify_cq,
};

/*
 * How the soft ABI's buffers read (<rdma/soft_device.h>), for decoders;
 * the scalars are the standard ones (<rdma/uverbs_layouts.h>).
 */
#define SQC(_f) UVERBS_FIELD(soft_qp_counters, _f, UINT)
static const struct uverbs_field soft_qp_counters_fields[] = {
	SQC(send_posted), SQC(recv_posted), SQC(send_completed),
	SQC(recv_completed), SQC(bytes_sent), SQC(bytes_received),
	SQC(errors), SQC(flushed),
};
static const struct uverbs_layout soft_qp_counters_layout =
	UVERBS_LAYOUT(soft_qp_counters, soft_qp_counters_fields);

#define SPC(_f) UVERBS_FIELD(soft_port_counters, _f, UINT)
static const struct uverbs_field soft_port_counters_fields[] = {
	SPC(pkey_violations), SPC(qkey_violations), SPC(addr_errors),
	SPC(seq_errors), SPC(duplicates),
};
static const struct uverbs_layout soft_port_counters_layout =
	UVERBS_LAYOUT(soft_port_counters, soft_port_counters_fields);

#define SRC(_f) UVERBS_FIELD(soft_roce_counters, _f, UINT)
static const struct uverbs_field soft_roce_counters_fields[] = {
	SRC(roce), UVERBS_FIELD(soft_roce_counters, addr, BYTES),
	UVERBS_FIELD(soft_roce_counters, netdev, BYTES),
	SRC(rx_packets), SRC(tx_packets), SRC(retransmits), SRC(timeouts),
	SRC(naks_sent), SRC(naks_rcvd), SRC(rnr_naks_sent),
	SRC(rnr_naks_rcvd),
	{ .name = "drops", .offset = offsetof(struct soft_roce_counters, drops),
	  .size = sizeof(__u64), .kind = UVERBS_FIELD_UINT,
	  .count = SOFT_ROCE_DROP_MAX },
	SRC(test_lost), SRC(test_reordered),
};
static const struct uverbs_layout soft_roce_counters_layout =
	UVERBS_LAYOUT(soft_roce_counters, soft_roce_counters_fields);

static const struct uverbs_field soft_attach_fields[] = {
	UVERBS_FIELD(soft_attach, fd, INT),
};
static const struct uverbs_layout soft_attach_layout =
	UVERBS_LAYOUT(soft_attach, soft_attach_fields);

static const struct uverbs_value_name soft_inject_values[] = {
	UVERBS_VALUE(SOFT_INJECT_, QP_FATAL),
	UVERBS_VALUE(SOFT_INJECT_, PORT_DOWN),
	UVERBS_VALUE(SOFT_INJECT_, PORT_UP),
	UVERBS_VALUE_END
};
static const struct uverbs_field soft_inject_fields[] = {
	{ .size = sizeof(u32), .kind = UVERBS_FIELD_ENUM,
	  .values = soft_inject_values },
};
static const struct uverbs_layout soft_inject_layout = {
	.name = "u32", .size = sizeof(u32),
	.fields = soft_inject_fields, .num_fields = 1,
};

/* SOFT_TYPE_VENDOR; its chain is indexed by ids without the vendor bit. */
enum {
	QPC_HANDLE = SOFT_QP_COUNTERS_HANDLE & ~UVERBS_VENDOR_FLAG,
	QPC_RESP = SOFT_QP_COUNTERS_RESP & ~UVERBS_VENDOR_FLAG,
};

static int soft_qp_counters_h(struct ib_device *ib_dev,
			      struct ib_ucontext *uctx,
			      struct uverbs_attr_array *common,
			      struct uverbs_attr_array *vendor,
			      const void *priv)
{
	struct ib_uobject *uobj = uverbs_attr_obj(vendor, QPC_HANDLE);
	struct soft_qp_counters out;

	soft_qp_counters_read(to_soft_qp(uobj->object), &out);
	return uverbs_copy_to(vendor, QPC_RESP, &out, sizeof(out));
}

static const struct uverbs_attr_spec soft_qp_counters_common_attrs[] = {};

static const struct uverbs_attr_spec soft_qp_counters_vendor_attrs[] = {
	[QPC_HANDLE] = {
		.name = "HANDLE",
		.type = UVERBS_ATTR_TYPE_IDR, .mandatory = true,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[QPC_RESP] = {
		.name = "RESP", .layout = &soft_qp_counters_layout,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct soft_qp_counters),
		.max_len = sizeof(struct soft_qp_counters) },
};

enum {
	INJ_WHAT = SOFT_INJECT_WHAT & ~UVERBS_VENDOR_FLAG,
	INJ_QP = SOFT_INJECT_QP & ~UVERBS_VENDOR_FLAG,
	INJ_PORT = SOFT_INJECT_PORT & ~UVERBS_VENDOR_FLAG,
};

struct soft_port_event {
	u32 type;
	u8 port;
};

static int soft_port_event_one(struct ib_uverbs_file *ufile, void *arg)
{
	const struct soft_port_event *e = arg;

	if (ib_uverbs_async_event(ufile, e->type, e->port))
		pr_warn("soft: port %u event %u lost: out of memory", e->port,
			e->type);
	return 0;
}

/* SOFT_INJECT_PORT_DOWN/UP: flips the port and tells every file. */
static int soft_inject_port(struct soft_device *sdev,
			    struct uverbs_attr_array *vendor, bool down)
{
	struct soft_port_event ev = {
		.type = down ? IB_UVERBS_EVENT_PORT_ERR :
			       IB_UVERBS_EVENT_PORT_ACTIVE,
	};
	struct uverbs_attr *a = uverbs_attr_get(vendor, INJ_PORT);
	struct soft_port *p;
	int old;

	if (!a) {
		uverbs_set_error("VENDOR_INJECT: a port event needs SOFT_INJECT_PORT");
		return -EINVAL;
	}
	ev.port = *(const u8 *)a->cmd_attr.data;
	p = soft_port_get(sdev, ev.port);
	if (!p) {
		uverbs_set_error("VENDOR_INJECT: no port %u", ev.port);
		return -EINVAL;
	}
	old = down ? 0 : 1;
	if (!atomic_try_cmpxchg(&p->down, &old, down)) {
		uverbs_set_error("VENDOR_INJECT: port %u is %s already", ev.port,
				 down ? "down" : "up");
		return -EALREADY;
	}
	return ib_device_for_each_file(&sdev->vdev.ib, soft_port_event_one,
				       &ev);
}

static int soft_inject_h(struct ib_device *ib_dev, struct ib_ucontext *uctx,
			 struct uverbs_attr_array *common,
			 struct uverbs_attr_array *vendor, const void *priv)
{
	u32 what = *(const u32 *)uverbs_attr_get(vendor, INJ_WHAT)->cmd_attr.data;
	struct ib_uobject *qp = uverbs_attr_obj(vendor, INJ_QP);

	/* A port down is everyone's port down: only where tests run. */
	if (!to_soft_dev(ib_dev)->test_hooks) {
		uverbs_set_error("VENDOR_INJECT: test hooks are off on this device (ioverbsd --test-hooks)");
		return -EPERM;
	}
	switch (what) {
	case SOFT_INJECT_QP_FATAL:
		if (!qp) {
			uverbs_set_error("VENDOR_INJECT: QP_FATAL needs SOFT_INJECT_QP");
			return -EINVAL;
		}
		soft_qp_fatal(to_soft_qp(qp->object));
		return 0;
	case SOFT_INJECT_PORT_DOWN:
	case SOFT_INJECT_PORT_UP:
		return soft_inject_port(to_soft_dev(ib_dev), vendor,
					what == SOFT_INJECT_PORT_DOWN);
	default:
		uverbs_set_error("VENDOR_INJECT: unknown injection %u", what);
		return -EINVAL;
	}
}

static const struct uverbs_attr_spec soft_inject_vendor_attrs[] = {
	[INJ_WHAT] = {
		.name = "WHAT", .layout = &soft_inject_layout,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(u32), .max_len = sizeof(u32) },
	[INJ_QP] = {
		.name = "QP",
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_READ } },
	[INJ_PORT] = {
		.name = "PORT", .layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(u8), .max_len = sizeof(u8) },
};

enum {
	PC_PORT = SOFT_PORT_COUNTERS_PORT & ~UVERBS_VENDOR_FLAG,
	PC_RESP = SOFT_PORT_COUNTERS_RESP & ~UVERBS_VENDOR_FLAG,
};

static int soft_port_counters_h(struct ib_device *ib_dev,
				struct ib_ucontext *uctx,
				struct uverbs_attr_array *common,
				struct uverbs_attr_array *vendor,
				const void *priv)
{
	u8 port = *(const u8 *)uverbs_attr_get(vendor, PC_PORT)->cmd_attr.data;
	struct soft_port *p = soft_port_get(to_soft_dev(ib_dev), port);
	struct soft_port_counters out = {};

	if (!p) {
		uverbs_set_error("VENDOR_PORT_COUNTERS: no port %u", port);
		return -EINVAL;
	}
	out.pkey_violations = atomic_long_read(&p->stats.pkey_violations);
	out.qkey_violations = atomic_long_read(&p->stats.qkey_violations);
	out.addr_errors = atomic_long_read(&p->stats.addr_errors);
	out.seq_errors = atomic_long_read(&p->stats.seq_errors);
	out.duplicates = atomic_long_read(&p->stats.duplicates);
	return uverbs_copy_to(vendor, PC_RESP, &out, sizeof(out));
}

static const struct uverbs_attr_spec soft_port_counters_vendor_attrs[] = {
	[PC_PORT] = {
		.name = "PORT", .layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(u8), .max_len = sizeof(u8) },
	[PC_RESP] = {
		.name = "RESP", .layout = &soft_port_counters_layout,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct soft_port_counters),
		.max_len = sizeof(struct soft_port_counters) },
};

enum {
	RC_PORT = SOFT_ROCE_COUNTERS_PORT & ~UVERBS_VENDOR_FLAG,
	RC_RESP = SOFT_ROCE_COUNTERS_RESP & ~UVERBS_VENDOR_FLAG,
};

static int soft_roce_counters_h(struct ib_device *ib_dev,
				struct ib_ucontext *uctx,
				struct uverbs_attr_array *common,
				struct uverbs_attr_array *vendor,
				const void *priv)
{
	u8 port = *(const u8 *)uverbs_attr_get(vendor, RC_PORT)->cmd_attr.data;
	struct soft_port *p = soft_port_get(to_soft_dev(ib_dev), port);
	struct soft_roce_counters out;

	if (!p) {
		uverbs_set_error("VENDOR_ROCE_COUNTERS: no port %u", port);
		return -EINVAL;
	}
	soft_roce_counters(p, &out);
	return uverbs_copy_to(vendor, RC_RESP, &out, sizeof(out));
}

static const struct uverbs_attr_spec soft_roce_counters_vendor_attrs[] = {
	[RC_PORT] = {
		.name = "PORT", .layout = &uverbs_layout_u8,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(u8), .max_len = sizeof(u8) },
	[RC_RESP] = {
		.name = "RESP", .layout = &soft_roce_counters_layout,
		.type = UVERBS_ATTR_TYPE_PTR_OUT, .mandatory = true,
		.min_len = sizeof(struct soft_roce_counters),
		.max_len = sizeof(struct soft_roce_counters) },
};

enum {
	ATT_FD = SOFT_ATTACH_FD & ~UVERBS_VENDOR_FLAG,
	ATT_QP = SOFT_ATTACH_QP & ~UVERBS_VENDOR_FLAG,
	ATT_CQ = SOFT_ATTACH_CQ & ~UVERBS_VENDOR_FLAG,
	ATT_KICK = SOFT_ATTACH_KICK & ~UVERBS_VENDOR_FLAG,
	ATT_KEYS = SOFT_ATTACH_KEYS & ~UVERBS_VENDOR_FLAG,
	ATT_SRQ = SOFT_ATTACH_SRQ & ~UVERBS_VENDOR_FLAG,
};

static const struct uverbs_attr_spec soft_attach_vendor_attrs[] = {
	[ATT_FD] = {
		.name = "FD", .layout = &soft_attach_layout,
		.type = UVERBS_ATTR_TYPE_PTR_IN, .mandatory = true,
		.min_len = sizeof(struct soft_attach),
		.max_len = sizeof(struct soft_attach) },
	[ATT_QP] = {
		.name = "QP",
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_QP,
			 .access = UVERBS_ACCESS_WRITE } },
	[ATT_CQ] = {
		.name = "CQ",
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_CQ,
			 .access = UVERBS_ACCESS_WRITE } },
	[ATT_KICK] = {
		.name = "KICK", .layout = &soft_attach_layout,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct soft_attach),
		.max_len = sizeof(struct soft_attach) },
	[ATT_KEYS] = {
		.name = "KEYS", .layout = &soft_attach_layout,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct soft_attach),
		.max_len = sizeof(struct soft_attach) },
	[ATT_SRQ] = {
		.name = "SRQ",
		.type = UVERBS_ATTR_TYPE_IDR,
		.idr = { .type = UVERBS_TYPE_SRQ,
			 .access = UVERBS_ACCESS_WRITE } },
};

static const struct uverbs_action soft_vendor_actions[] = {
	[SOFT_VENDOR_QP_COUNTERS] = UVERBS_STD_VENDOR_ACTION(
		"VENDOR_QP_COUNTERS", soft_qp_counters_h,
		soft_qp_counters_common_attrs, soft_qp_counters_vendor_attrs),
	[SOFT_VENDOR_INJECT] = UVERBS_STD_VENDOR_ACTION(
		"VENDOR_INJECT", soft_inject_h,
		soft_qp_counters_common_attrs, soft_inject_vendor_attrs),
	[SOFT_VENDOR_ATTACH] = UVERBS_STD_VENDOR_ACTION_USER_MEMORY(
		"VENDOR_ATTACH", soft_attach_h,
		soft_qp_counters_common_attrs, soft_attach_vendor_attrs),
	[SOFT_VENDOR_PORT_COUNTERS] = UVERBS_STD_VENDOR_ACTION(
		"VENDOR_PORT_COUNTERS", soft_port_counters_h,
		soft_qp_counters_common_attrs,
		soft_port_counters_vendor_attrs),
	[SOFT_VENDOR_ROCE_COUNTERS] = UVERBS_STD_VENDOR_ACTION(
		"VENDOR_ROCE_COUNTERS", soft_roce_counters_h,
		soft_qp_counters_common_attrs,
		soft_roce_counters_vendor_attrs),
};

/* Actions only: no objects of its own. */
static const struct uverbs_type soft_vendor_type = {
	.name = "VENDOR",
	.actions = soft_vendor_actions,
	.num_actions = ARRAY_SIZE(soft_vendor_actions),
};

/*
 * CQ_CREATE with our vendor chain: the standard CQ type, its CREATE
 * taking SOFT_CQ_CREATE_RING too.  Built once from the standard type
 * (its handlers, common chains and object ops stay the core's), as a
 * kernel module would at load; static, so that it outlives every file.
 */
static const struct uverbs_attr_spec soft_cq_create_vendor_attrs[] = {
	[SOFT_CQ_CREATE_RING & ~UVERBS_VENDOR_FLAG] = {
		.name = "RING", .layout = &soft_attach_layout,
		.type = UVERBS_ATTR_TYPE_PTR_IN,
		.min_len = sizeof(struct soft_attach),
		.max_len = sizeof(struct soft_attach) },
};

static const struct uverbs_attr_chain_spec soft_cq_create_vendor_chain = {
	.attrs = soft_cq_create_vendor_attrs,
	.num_attrs = ARRAY_SIZE(soft_cq_create_vendor_attrs),
};

#define SOFT_CQ_MAX_ACTIONS 8
static DEFINE_MUTEX(soft_cq_type_lock);
static struct uverbs_action soft_cq_actions[SOFT_CQ_MAX_ACTIONS];
static const struct uverbs_attr_chain_spec *soft_cq_create_chains[2];
static struct uverbs_type soft_cq_type;

static const struct uverbs_type *soft_cq_type_get(const struct uverbs_type *std)
{
	struct uverbs_action *create;

	if (std->num_actions > SOFT_CQ_MAX_ACTIONS ||
	    std->num_actions <= UVERBS_ACTION_CQ_CREATE ||
	    std->actions[UVERBS_ACTION_CQ_CREATE].chain.num_chains != 1)
		return std;	/* not the shape we extend: as it is */
	mutex_lock(&soft_cq_type_lock);
	if (!soft_cq_type.actions) {
		memcpy(soft_cq_actions, std->actions,
		       std->num_actions * sizeof(*std->actions));
		create = &soft_cq_actions[UVERBS_ACTION_CQ_CREATE];
		soft_cq_create_chains[0] = create->chain.validator_chains[0];
		soft_cq_create_chains[1] = &soft_cq_create_vendor_chain;
		create->chain.validator_chains = soft_cq_create_chains;
		create->chain.num_chains = 2;
		soft_cq_type.num_actions = std->num_actions;
		soft_cq_type.obj = std->obj;
		soft_cq_type.name = std->name;
		soft_cq_type.actions = soft_cq_actions;
	}
	mutex_unlock(&soft_cq_type_lock);
	return &soft_cq_type;
}

const char *soft_type_name(unsigned int type)
{
	if (type < uverbs_std_types.num_types)
		return uverbs_std_types.types[type] ?
			       uverbs_std_types.types[type]->name : NULL;
	return type == SOFT_TYPE_VENDOR ? soft_vendor_type.name : NULL;
}

/* The standard types (all of them) and ours after them. */
static int soft_types_build(struct soft_device *sdev,
			    const struct uverbs_types *std)
{
	u16 i;

	if (!std)
		std = &uverbs_std_types;
	if (std->num_types > UVERBS_TYPE_STD_MAX ||
	    (std->num_types && !std->types)) {
		pr_err("soft: a standard types table of %u types",
		       std->num_types);
		return -EINVAL;
	}
	for (i = 0; i < std->num_types; i++)
		sdev->types[i] = std->types[i];
	if (std == &uverbs_std_types)
		sdev->types[UVERBS_TYPE_CQ] =
			soft_cq_type_get(std->types[UVERBS_TYPE_CQ]);
	sdev->types[SOFT_TYPE_VENDOR] = &soft_vendor_type;
	sdev->types_table.types = sdev->types;
	sdev->types_table.num_types = SOFT_NUM_TYPES;
	sdev->types_table.name = "soft";
	return 0;
}

/*
 * The types table every soft device on the standard types has, for tools
 * that decode commands without a device (the tracer): built by the same
 * soft_types_build() as a device's, into a device that is never created.
 */
const struct uverbs_types *soft_device_types(void)
{
	static struct soft_device tables;
	static DEFINE_MUTEX(tables_lock);
	const struct uverbs_types *ret = &tables.types_table;

	mutex_lock(&tables_lock);
	if (!tables.types_table.types && soft_types_build(&tables, NULL))
		ret = NULL;
	mutex_unlock(&tables_lock);
	return ret;
}

/* A cfg limit, or its default when 0. */
static u32 soft_limit(u32 cfg, u32 def)
{
	return cfg ? cfg : def;
}

/* 0 (the default) or a power of two up to 2^24. */
static bool soft_limit_ok(u32 max)
{
	return max <= (1u << 24) && !(max & (max - 1));
}

static void soft_attr_init(struct soft_device *sdev,
			   const struct soft_device_config *cfg, u64 node_guid)
{
	struct ib_uverbs_query_device_resp *a = &sdev->attr;

	a->fw_ver = 1;
	a->node_guid = node_guid;
	a->sys_image_guid = node_guid;
	a->max_mr_size = ~0ull;
	a->page_size_cap = 4096;
	a->vendor_id = SOFT_VENDOR_ID;
	a->vendor_part_id = SOFT_DRIVER_ID;
	a->hw_ver = 1;
	a->max_qp = soft_limit(cfg->max_qp, SOFT_DEFAULT_MAX_QP);
	a->max_qp_wr = soft_limit(cfg->max_qp_wr, SOFT_DEFAULT_MAX_QP_WR);
	a->device_cap_flags = SOFT_DEVICE_BAD_PKEY_CNTR |
			      SOFT_DEVICE_BAD_QKEY_CNTR |
			      SOFT_DEVICE_SYS_IMAGE_GUID |
			      SOFT_DEVICE_RC_RNR_NAK_GEN | SOFT_DEVICE_SRQ_RESIZE |
			      SOFT_DEVICE_PORT_ACTIVE_EVENT;
	a->max_sge = soft_limit(cfg->max_sge, SOFT_DEFAULT_MAX_SGE);
	a->max_sge_rd = a->max_sge;
	a->max_cq = soft_limit(cfg->max_cq, SOFT_DEFAULT_MAX_CQ);
	a->max_cqe = soft_limit(cfg->max_cqe, SOFT_DEFAULT_MAX_CQE);
	a->max_mr = soft_limit(cfg->max_mr, SOFT_DEFAULT_MAX_MR);
	a->max_pd = soft_limit(cfg->max_pd, SOFT_DEFAULT_MAX_PD);
	a->max_qp_rd_atom = SOFT_MAX_QP_RD_ATOM;
	a->max_qp_init_rd_atom = SOFT_MAX_QP_RD_ATOM;
	a->max_res_rd_atom = a->max_qp * a->max_qp_rd_atom;
	a->atomic_cap = SOFT_ATOMIC_GLOB;
	a->max_ah = soft_limit(cfg->max_ah, SOFT_DEFAULT_MAX_AH);
	a->max_srq = soft_limit(cfg->max_srq, SOFT_DEFAULT_MAX_SRQ);
	a->max_srq_wr = soft_limit(cfg->max_srq_wr, SOFT_DEFAULT_MAX_SRQ_WR);
	a->max_srq_sge = a->max_sge;
	a->max_inline_data = soft_limit(cfg->max_inline_data,
					SOFT_DEFAULT_MAX_INLINE);
	a->max_pkeys = sdev->num_pkeys;
	a->local_ca_ack_delay = 15;
	a->phys_port_cnt = sdev->num_ports;
}

/* fe80::/64, then the port GUID (node GUID + port number), big endian. */
static void soft_port_init(struct soft_port *port, u8 port_num, u64 node_guid)
{
	u64 port_guid = node_guid | port_num;
	int i;

	port->port_num = port_num;
	port->lid = soft_fabric_lid_alloc();
	memset(&port->gid, 0, sizeof(port->gid));
	port->gid.raw[0] = 0xfe;
	port->gid.raw[1] = 0x80;
	for (i = 0; i < 8; i++)
		port->gid.raw[8 + i] = (u8)(port_guid >> (56 - 8 * i));
}

static void soft_device_free(struct soft_device *sdev)
{
	u8 i;

	for (i = 0; sdev->ports && i < sdev->num_ports; i++)
		soft_roce_port_free(&sdev->ports[i]);
	if (sdev->wq)
		destroy_workqueue(sdev->wq);
	spin_lock_destroy(&sdev->mr_lock);
	spin_lock_destroy(&sdev->qp_lock);
	kfree(sdev->ports);
	kfree(sdev);
}

struct ib_device *soft_device_create(const struct soft_device_config *cfg)
{
	static const struct soft_device_config defaults;
	struct soft_device *sdev;
	u64 node_guid;
	int ret;
	u8 i;

	if (!cfg)
		cfg = &defaults;
	if (cfg->num_ports > SOFT_MAX_PORTS ||
	    (cfg->name && strlen(cfg->name) >= sizeof(sdev->vdev.ib.name)))
		return ERR_PTR(-EINVAL);
	/*
	 * Queue depth limits are powers of two, so that a depth rounded up
	 * to one stays within them.
	 */
	if (!soft_limit_ok(cfg->max_qp_wr) || !soft_limit_ok(cfg->max_cqe) ||
	    !soft_limit_ok(cfg->max_srq_wr) || cfg->max_sge > 1024 ||
	    cfg->max_inline_data > 65536 || cfg->num_pkeys > SOFT_MAX_PKEYS)
		return ERR_PTR(-EINVAL);

	sdev = kzalloc(sizeof(*sdev));
	if (!sdev)
		return ERR_PTR(-ENOMEM);
	spin_lock_init(&sdev->mr_lock);
	spin_lock_init(&sdev->qp_lock);
	soft_mr_table_init(sdev);
	soft_fabric_qp_table_init(sdev);
	INIT_LIST_HEAD(&sdev->fabric);
	if (cfg->num_pkeys) {
		sdev->num_pkeys = cfg->num_pkeys;
		memcpy(sdev->pkeys, cfg->pkeys,
		       cfg->num_pkeys * sizeof(*sdev->pkeys));
	} else {
		sdev->num_pkeys = 1;
		sdev->pkeys[0] = SOFT_DEFAULT_PKEY;
	}
	sdev->test_hooks = !cfg->no_test_hooks;

	ret = soft_types_build(sdev, cfg->std_types);
	if (ret)
		goto err_free;
	sdev->num_ports = cfg->num_ports ? cfg->num_ports : 1;
	sdev->ports = kcalloc(sdev->num_ports, sizeof(*sdev->ports));
	if (!sdev->ports) {
		ret = -ENOMEM;
		goto err_free;
	}
	sdev->wq = alloc_workqueue("soft");
	if (!sdev->wq) {
		ret = -ENOMEM;
		goto err_free;
	}
	sdev->serial = (u32)atomic_add_return(1, &soft_serial) - 1;
	node_guid = SOFT_GUID_PREFIX | ((u64)sdev->serial << 8);
	for (i = 0; i < sdev->num_ports; i++)
		soft_port_init(&sdev->ports[i], i + 1, node_guid);
	soft_attr_init(sdev, cfg, node_guid);
	/* A RoCEv2 port opens its socket now: only when asked to. */
	for (i = 0; i < sdev->num_ports; i++) {
		static const u8 none[16];

		if (!memcmp(cfg->roce[i].addr, none, sizeof(none)))
			continue;
		ret = soft_roce_port_init(sdev, &sdev->ports[i],
					  &cfg->roce[i]);
		if (ret)
			goto err_free;
	}

	if (cfg->name && cfg->name[0])
		snprintf(sdev->vdev.ib.name, sizeof(sdev->vdev.ib.name), "%s",
			 cfg->name);
	else
		snprintf(sdev->vdev.ib.name, sizeof(sdev->vdev.ib.name),
			 "soft%u", sdev->serial);
	sdev->vdev.ib.driver_id = SOFT_DRIVER_ID;
	sdev->vdev.ib.types = &sdev->types_table;
	sdev->vdev.ib.dealloc_ucontext = soft_dealloc_ucontext;
	sdev->vdev.ops = &soft_ops;

	/* In the fabric first: a QP is reachable once a command made it. */
	soft_fabric_device_add(sdev);
	ret = ib_register_device(&sdev->vdev.ib);
	if (ret)
		goto err_fabric;
	return &sdev->vdev.ib;

err_fabric:
	soft_fabric_device_del(sdev);
err_free:
	soft_device_free(sdev);
	return ERR_PTR(ret);
}

int soft_device_roce_counters(struct ib_device *dev, u8 port,
			      struct soft_roce_counters *out)
{
	struct soft_port *p = soft_port_get(to_soft_dev(dev), port);

	if (!p)
		return -EINVAL;
	soft_roce_counters(p, out);
	return 0;
}

void soft_device_destroy(struct ib_device *dev)
{
	struct soft_device *sdev = to_soft_dev(dev);

	u8 i;

	/* No packet arrives for QPs being destroyed. */
	for (i = 0; i < sdev->num_ports; i++)
		soft_roce_port_stop(&sdev->ports[i]);
	/* Destroys every object of every file still open on it. */
	if (dev->uverbs_dev)
		ib_unregister_device(dev);
	soft_fabric_device_del(sdev);
	WARN_ON(atomic_read(&sdev->num_pd) || atomic_read(&sdev->num_mr) ||
		atomic_read(&sdev->num_cq) || atomic_read(&sdev->num_qp) ||
		atomic_read(&sdev->num_srq) || atomic_read(&sdev->num_ah));
	soft_device_free(sdev);
}

int soft_query_device(struct ib_device *dev,
		      struct ib_uverbs_query_device_resp *resp)
{
	*resp = to_soft_dev(dev)->attr;
	return 0;
}

struct soft_port *soft_port_get(struct soft_device *sdev, u8 port)
{
	if (port < 1 || port > sdev->num_ports)
		return NULL;
	return &sdev->ports[port - 1];
}

bool soft_port_is_up(struct soft_device *sdev, u8 port)
{
	struct soft_port *p = soft_port_get(sdev, port);

	return p && !atomic_read(&p->down);
}

int soft_query_port(struct ib_device *dev, u8 port,
		    struct ib_uverbs_query_port_resp *resp)
{
	struct soft_port *p = soft_port_get(to_soft_dev(dev), port);
	bool down;

	if (!p) {
		uverbs_set_error("QUERY_PORT: no port %u", port);
		return -EINVAL;
	}
	down = atomic_read(&p->down);
	memset(resp, 0, sizeof(*resp));
	resp->state = down ? IB_UVERBS_PORT_DOWN : IB_UVERBS_PORT_ACTIVE;
	resp->max_mtu = IB_UVERBS_MTU_4096;
	resp->active_mtu = IB_UVERBS_MTU_4096;
	if (p->roce)
		resp->active_mtu = soft_roce_port_mtu(p);
	resp->gid_tbl_len = 1;
	resp->pkey_tbl_len = to_soft_dev(dev)->num_pkeys;
	resp->max_msg_sz = 1u << 31;
	resp->lid = p->lid;
	resp->sm_lid = p->lid;
	resp->lmc = 0;
	resp->max_vl_num = 1;	/* VL0 only */
	resp->active_width = SOFT_WIDTH_1X;
	resp->active_speed = SOFT_SPEED_SDR;
	resp->phys_state = down ? SOFT_PHYS_STATE_DISABLED :
				  SOFT_PHYS_STATE_LINK_UP;
	resp->link_layer = SOFT_LINK_LAYER_INFINIBAND;
	if (p->roce) {
		/* Ethernet: no LID, no SM; GIDs are IP addresses. */
		resp->link_layer = SOFT_LINK_LAYER_ETHERNET;
		resp->lid = 0;
		resp->sm_lid = 0;
		resp->port_cap_flags |= SOFT_PORT_CAP_IP_BASED_GIDS;
	}
	return 0;
}

int soft_query_gid(struct ib_device *dev, u8 port, u32 index,
		   struct ib_uverbs_gid *gid)
{
	struct soft_port *p = soft_port_get(to_soft_dev(dev), port);

	if (!p || index != 0) {
		uverbs_set_error("QUERY_GID: port %u index %u: %s", port, index,
				 p ? "one GID per port, index 0" : "no such port");
		return -EINVAL;
	}
	*gid = p->gid;
	return 0;
}

u16 soft_pkey_at(const struct soft_device *sdev, u16 index)
{
	return index < sdev->num_pkeys ? sdev->pkeys[index] : 0;
}

int soft_query_pkey(struct ib_device *dev, u8 port, u32 index, u16 *pkey)
{
	struct soft_device *sdev = to_soft_dev(dev);

	if (!soft_port_get(sdev, port) || index >= sdev->num_pkeys) {
		uverbs_set_error("QUERY_PKEY: port %u index %u: %s", port, index,
				 index >= sdev->num_pkeys ?
				 "past the P_Key table" : "no such port");
		return -EINVAL;
	}
	*pkey = sdev->pkeys[index];
	return 0;
}

int soft_alloc_ucontext(struct ib_ucontext *uctx,
			struct uverbs_attr_array *vendor)
{
	struct soft_ucontext *sctx = kzalloc(sizeof(*sctx));

	if (!sctx)
		return -ENOMEM;
	sctx->sdev = to_soft_dev(uctx->device);
	sctx->mm = uctx->mm;
	soft_direct_ctx_init(sctx);
	uctx->driver_priv = sctx;
	return 0;
}

/* struct ib_device's dealloc_ucontext: also on a failed GET_CONTEXT. */
void soft_dealloc_ucontext(struct ib_ucontext *uctx)
{
	if (uctx->driver_priv) {
		soft_nic_stop(uctx->driver_priv);
		soft_direct_ctx_cleanup(uctx->driver_priv);
	}
	kfree(uctx->driver_priv);
	uctx->driver_priv = NULL;
}
