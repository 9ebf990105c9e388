// SPDX-License-Identifier: MIT
/*
 * ioverbsd-test's extra device: the test driver (tests/test_driver.c)
 * served as MOUNT/td0 next to the soft devices, so that the conformance
 * suite (tests/test_rules.c) runs through real FUSE ioctls.  Linked into
 * $(O)/asan/daemon/ioverbsd-test only, never into ioverbsd: it overrides
 * the daemon's weak ivd_extra_devices().
 *
 * The test driver's knobs and counters (td_knobs) are a page the test
 * program shares with this daemon: given IOVERBS_TD_KNOBS_FD=N in its
 * environment (a memfd it inherited, see tests/transport.c), the daemon
 * maps that file over td_knobs, so a knob the test sets is what the
 * handlers here see, and the counters they bump are what the test reads.
 */
#include <stdlib.h>
#include <unistd.h>

#include "../../daemon/daemon.h"
#include "../test_driver.h"

static struct ib_device *td_slot_create(const char *name)
{
	struct ib_device *ib = td_device_create_named(name);

	return ib ? ib : ERR_PTR(-ENOMEM);
}

static const struct ivd_dev_ops td_slot_ops = {
	.create = td_slot_create,
	.destroy = td_device_destroy,
};

int ivd_extra_devices(const struct ivd_config *cfg)
{
	const char *env = getenv("IOVERBS_TD_KNOBS_FD");
	int ret;

	if (env && *env) {
		int fd = atoi(env);

		ret = td_knobs_share(fd);
		close(fd);
		if (ret) {
			log_err("td0: cannot share the test driver's knobs "
				"(fd %d): %s",
				fd, ivd_errname(ret));
			return ret;
		}
	}
	return ivd_dev_slot_add("td0", &td_slot_ops, cfg);
}
