/* SPDX-License-Identifier: MIT */
/*
 * The part of libibverbs' private provider ABI that the ioverbs provider
 * uses, for rdma-core 44 (symbol version IBVERBS_PRIVATE_34).  Debian
 * ships no provider headers, so these declarations are ours, laid out as
 * that ABI lays them out; the public types (struct ibv_device,
 * struct verbs_context, ...) come from <infiniband/verbs.h>.
 *
 * The layouts are only checked by use: scripts/check_provider_abi.sh makes
 * sure the installed libibverbs.so.1 exports every IBVERBS_PRIVATE_34
 * symbol the provider links, and tests/provider/smoke.c that the library
 * accepts the driver and opens its devices.  A libibverbs with another
 * private ABI number does not load the provider at all (its file name
 * and the registration symbol carry the number).
 */
#ifndef _PROVIDER_VERBS_PRIVATE_H
#define _PROVIDER_VERBS_PRIVATE_H

#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include <infiniband/verbs.h>

/* The private ABI these declarations describe. */
#define IVP_PABI_VERSION 34

/* How a match table entry matches (its kind). */
enum {
	VERBS_MATCH_SENTINEL = 0,
	VERBS_MATCH_PCI = 1,
	VERBS_MATCH_MODALIAS = 2,
	VERBS_MATCH_DRIVER_ID = 3,
};

/*
 * One entry of a provider's match table.  A modalias entry is an
 * fnmatch(3) pattern; libibverbs also tries it on "rdma_device:N<ibdev>",
 * which is how a provider matches devices by name.
 */
struct verbs_match_ent {
	void *driver_data;
	union {
		const char *modalias;
		uint64_t driver_id;
	} u;
	uint16_t vendor;
	uint16_t device;
	uint8_t kind;
};

/* A device libibverbs found in sysfs: only passed through, never read. */
struct verbs_sysfs_dev;
struct verbs_context_ops;

/* The provider: what libibverbs calls to match, create and open devices. */
struct verbs_device_ops {
	const char *name;
	uint32_t match_min_abi_version;
	uint32_t match_max_abi_version;
	const struct verbs_match_ent *match_table;
	const struct verbs_device_ops **static_providers;
	bool (*match_device)(struct verbs_sysfs_dev *sysfs_dev);
	struct verbs_context *(*alloc_context)(struct ibv_device *device,
					       int cmd_fd, void *private_data);
	struct verbs_context *(*import_context)(struct ibv_device *device,
						int cmd_fd);
	struct verbs_device *(*alloc_device)(struct verbs_sysfs_dev *sysfs_dev);
	void (*uninit_device)(struct verbs_device *device);
};

/* ccan's list node, as libibverbs embeds it. */
struct ivp_list_node {
	struct ivp_list_node *next, *prev;
};

/*
 * A device as libibverbs keeps it; the provider allocates it (first in
 * its own struct) and libibverbs fills it in.
 */
struct verbs_device {
	struct ibv_device device; /* first */
	const struct verbs_device_ops *ops;
	atomic_int refcount;
	struct ivp_list_node entry;
	struct verbs_sysfs_dev *sysfs;
	uint64_t core_support;
};

/* An op the provider does not give: a NULL slot of the table. */
typedef void (*ivp_no_op)(void);

/* An MR as libibverbs keeps it (ibv_dereg_mr() reads the last two). */
struct verbs_mr {
	struct ibv_mr ibv_mr; /* first */
	int mr_type; /* driver.h's enum ibv_mr_type */
	int access;
};

/* enum ibv_mr_type's IBV_MR_TYPE_MR: an MR of ibv_reg_mr(). */
#define IVP_MR_TYPE_MR 0

/* A CQ: ibv_cq_ex_to_cq() and its like convert between the two. */
struct verbs_cq {
	union {
		struct ibv_cq cq;
		struct ibv_cq_ex cq_ex;
	};
};

/* A QP: ibv_qp_to_qp_ex() reads comp_mask (IVP_VERBS_QP_EX: a qp_ex). */
struct verbs_qp {
	union {
		struct ibv_qp qp;
		struct ibv_qp_ex qp_ex;
	};
	uint32_t comp_mask;
	void *xrcd;
};

/* driver.h's VERBS_QP_EX: the QP's ibv_qp_ex is valid. */
#define IVP_VERBS_QP_EX (1u << 1)

/*
 * Every op a provider may give, in the ABI's (alphabetical) order;
 * verbs_set_ops() copies the non-NULL ones into the context.  Ops this
 * provider does not give yet are declared as ivp_no_op slots.
 */
struct verbs_context_ops {
	ivp_no_op advise_mr;
	ivp_no_op alloc_dm;
	ivp_no_op alloc_mw;
	ivp_no_op alloc_null_mr;
	ivp_no_op alloc_parent_domain;
	struct ibv_pd *(*alloc_pd)(struct ibv_context *context);
	ivp_no_op alloc_td;
	ivp_no_op async_event;
	ivp_no_op attach_counters_point_flow;
	ivp_no_op attach_mcast;
	ivp_no_op bind_mw;
	ivp_no_op close_xrcd;
	ivp_no_op cq_event;
	struct ibv_ah *(*create_ah)(struct ibv_pd *pd, struct ibv_ah_attr *attr);
	ivp_no_op create_counters;
	struct ibv_cq *(*create_cq)(struct ibv_context *context, int cqe,
				    struct ibv_comp_channel *channel,
				    int comp_vector);
	struct ibv_cq_ex *(*create_cq_ex)(struct ibv_context *context,
					  struct ibv_cq_init_attr_ex *attr);
	ivp_no_op create_flow;
	ivp_no_op create_flow_action_esp;
	struct ibv_qp *(*create_qp)(struct ibv_pd *pd,
				    struct ibv_qp_init_attr *attr);
	struct ibv_qp *(*create_qp_ex)(struct ibv_context *context,
				       struct ibv_qp_init_attr_ex *attr);
	ivp_no_op create_rwq_ind_table;
	struct ibv_srq *(*create_srq)(struct ibv_pd *pd,
				      struct ibv_srq_init_attr *init);
	ivp_no_op create_srq_ex;
	ivp_no_op create_wq;
	ivp_no_op dealloc_mw;
	int (*dealloc_pd)(struct ibv_pd *pd);
	ivp_no_op dealloc_td;
	int (*dereg_mr)(struct verbs_mr *vmr);
	int (*destroy_ah)(struct ibv_ah *ah);
	ivp_no_op destroy_counters;
	int (*destroy_cq)(struct ibv_cq *cq);
	ivp_no_op destroy_flow;
	ivp_no_op destroy_flow_action;
	int (*destroy_qp)(struct ibv_qp *qp);
	ivp_no_op destroy_rwq_ind_table;
	int (*destroy_srq)(struct ibv_srq *srq);
	ivp_no_op destroy_wq;
	ivp_no_op detach_mcast;
	void (*free_context)(struct ibv_context *context);
	ivp_no_op free_dm;
	ivp_no_op get_srq_num;
	ivp_no_op import_dm;
	ivp_no_op import_mr;
	ivp_no_op import_pd;
	ivp_no_op modify_cq;
	ivp_no_op modify_flow_action_esp;
	int (*modify_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			 int attr_mask);
	ivp_no_op modify_qp_rate_limit;
	int (*modify_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr,
			  int mask);
	ivp_no_op modify_wq;
	ivp_no_op open_qp;
	ivp_no_op open_xrcd;
	int (*poll_cq)(struct ibv_cq *cq, int num_entries, struct ibv_wc *wc);
	int (*post_recv)(struct ibv_qp *qp, struct ibv_recv_wr *wr,
			 struct ibv_recv_wr **bad_wr);
	int (*post_send)(struct ibv_qp *qp, struct ibv_send_wr *wr,
			 struct ibv_send_wr **bad_wr);
	ivp_no_op post_srq_ops;
	int (*post_srq_recv)(struct ibv_srq *srq, struct ibv_recv_wr *wr,
			     struct ibv_recv_wr **bad_wr);
	int (*query_device_ex)(struct ibv_context *context,
			       const struct ibv_query_device_ex_input *input,
			       struct ibv_device_attr_ex *attr,
			       size_t attr_size);
	ivp_no_op query_ece;
	int (*query_port)(struct ibv_context *context, uint8_t port_num,
			  struct ibv_port_attr *port_attr);
	int (*query_qp)(struct ibv_qp *qp, struct ibv_qp_attr *attr,
			int attr_mask, struct ibv_qp_init_attr *init_attr);
	ivp_no_op query_qp_data_in_order;
	ivp_no_op query_rt_values;
	int (*query_srq)(struct ibv_srq *srq, struct ibv_srq_attr *attr);
	ivp_no_op read_counters;
	ivp_no_op reg_dm_mr;
	ivp_no_op reg_dmabuf_mr;
	struct ibv_mr *(*reg_mr)(struct ibv_pd *pd, void *addr, size_t length,
				 uint64_t hca_va, int access);
	int (*req_notify_cq)(struct ibv_cq *cq, int solicited_only);
	ivp_no_op rereg_mr;
	ivp_no_op resize_cq;
	ivp_no_op set_ece;
	ivp_no_op unimport_dm;
	ivp_no_op unimport_mr;
	ivp_no_op unimport_pd;
};

/* The registration entry point: its name carries the ABI number. */
void verbs_register_driver_34(const struct verbs_device_ops *ops);

/*
 * Allocates @alloc_size zeroed bytes whose verbs_context sits
 * @context_offset bytes in, and initializes that context on @cmd_fd
 * (which it owns from then on, and closes on failure).  libibverbs'
 * first ioctl on @cmd_fd (its probe of the upstream ioctl framework)
 * happens in here.
 */
void *_verbs_init_and_alloc_context(struct ibv_device *device, int cmd_fd,
				    size_t alloc_size,
				    struct verbs_context *context_offset,
				    uint32_t driver_id);
/* Closes cmd_fd and async_fd, drops the device. */
void verbs_uninit_context(struct verbs_context *context);
void verbs_set_ops(struct verbs_context *vctx,
		   const struct verbs_context_ops *ops);

/* The driver id a context reports (rdma_driver_id's RDMA_DRIVER_UNKNOWN). */
#define IVP_DRIVER_ID 0

#endif /* _PROVIDER_VERBS_PRIVATE_H */
