// SPDX-License-Identifier: MIT
/*
 * What ioverbs_core.ko exports to its driver modules (kmod/soft.c): the
 * core's driver-facing API (include/rdma/) and the kernel compat/ that
 * drivers/ compiles against.  EXPORT_SYMBOL_GPL: our modules are "Dual
 * MIT/GPL", and the core calls the kernel's GPL-only symbols
 * (get_user_pages_remote(), SRCU, ...) on the drivers' behalf, which a
 * plain export would pass on to any module.  A symbol a driver module
 * needs and this list lacks fails modpost ("undefined!"), so the list is
 * checked by every `make kmod`; ioverbs_kmod_* are exported beside
 * their definitions in kmod/main.c.
 */
#include <linux/module.h>

#include <compat.h>
#include <rdma/ib_qp_state.h>
#include <rdma/ib_verbs.h>
#include <rdma/ib_verbs_ops.h>
#include <rdma/uverbs_ioctl.h>
#include <rdma/uverbs_layouts.h>

#include "../compat/kernel/kmm.h"

/* The kernel compat/ (compat/kernel/). */
EXPORT_SYMBOL_GPL(__compat_should_fail);
EXPORT_SYMBOL_GPL(compat_alloc_workqueue);
EXPORT_SYMBOL_GPL(compat_current_mm);
EXPORT_SYMBOL_GPL(compat_delayed_work_fn);
EXPORT_SYMBOL_GPL(compat_fail_armed);
EXPORT_SYMBOL_GPL(compat_file_ino);
EXPORT_SYMBOL_GPL(compat_futex_wait);
EXPORT_SYMBOL_GPL(compat_futex_wake);
EXPORT_SYMBOL_GPL(compat_kcalloc);
EXPORT_SYMBOL_GPL(compat_kfree);
EXPORT_SYMBOL_GPL(compat_addr_is_v4);
EXPORT_SYMBOL_GPL(compat_kick_add);
EXPORT_SYMBOL_GPL(compat_kick_del);
EXPORT_SYMBOL_GPL(compat_kickset_create);
EXPORT_SYMBOL_GPL(compat_kickset_destroy);
EXPORT_SYMBOL_GPL(compat_kickset_wait);
EXPORT_SYMBOL_GPL(compat_kickset_wake);
EXPORT_SYMBOL_GPL(compat_kickset_wake_all);
EXPORT_SYMBOL_GPL(compat_udp_close);
EXPORT_SYMBOL_GPL(compat_udp_open);
EXPORT_SYMBOL_GPL(compat_udp_recv);
EXPORT_SYMBOL_GPL(compat_udp_send);
EXPORT_SYMBOL_GPL(compat_udp_wake);
EXPORT_SYMBOL_GPL(compat_kmalloc);
EXPORT_SYMBOL_GPL(compat_map_shared);
EXPORT_SYMBOL_GPL(compat_map_shared_ino);
EXPORT_SYMBOL_GPL(compat_mm_may_reach);
EXPORT_SYMBOL_GPL(compat_mm_tgid);
EXPORT_SYMBOL_GPL(compat_pid_gone);
EXPORT_SYMBOL_GPL(compat_unmap_shared);

/* The core (core/). */
EXPORT_SYMBOL_GPL(ib_comp_channel_event);
EXPORT_SYMBOL_GPL(ib_device_for_each_file);
EXPORT_SYMBOL_GPL(ib_qp_state_name);
EXPORT_SYMBOL_GPL(ib_register_device);
EXPORT_SYMBOL_GPL(ib_unregister_device);
EXPORT_SYMBOL_GPL(ib_uverbs_async_event);
EXPORT_SYMBOL_GPL(ib_uverbs_charge);
EXPORT_SYMBOL_GPL(ib_uverbs_count_traffic);
EXPORT_SYMBOL_GPL(ib_uverbs_ioctl);
EXPORT_SYMBOL_GPL(ib_uverbs_object_event);
EXPORT_SYMBOL_GPL(ib_uverbs_std_dist);
EXPORT_SYMBOL_GPL(ib_uverbs_uncharge);
EXPORT_SYMBOL_GPL(uverbs_action_std_ctx_handle);
EXPORT_SYMBOL_GPL(uverbs_action_std_handle);
EXPORT_SYMBOL_GPL(uverbs_ah_attr_get);
EXPORT_SYMBOL_GPL(uverbs_copy_to);
EXPORT_SYMBOL_GPL(uverbs_error_is_set);
EXPORT_SYMBOL_GPL(uverbs_layout_bytes);
EXPORT_SYMBOL_GPL(uverbs_layout_u32);
EXPORT_SYMBOL_GPL(uverbs_layout_u64);
EXPORT_SYMBOL_GPL(uverbs_layout_u8);
EXPORT_SYMBOL_GPL(uverbs_query_schema_chain);
EXPORT_SYMBOL_GPL(uverbs_query_schema_handler);
EXPORT_SYMBOL_GPL(uverbs_set_error);
EXPORT_SYMBOL_GPL(uverbs_std_types);
EXPORT_SYMBOL_GPL(uverbs_ucontext_abort);
EXPORT_SYMBOL_GPL(uverbs_ucontext_alloc);
EXPORT_SYMBOL_GPL(uverbs_ucontext_commit);
