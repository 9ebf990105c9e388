// SPDX-License-Identifier: MIT
/*
 * What the kernel finds through current: the calling thread's id and the
 * command it runs (see compat.h), and the tracer's copy of each command's
 * reason.
 */
#include <unistd.h>
#include <sys/syscall.h>

#include "compat.h"

__thread pid_t current_pid;
__thread void *current_cmd;

/* The last reason this thread traced: 160 bytes, as UVERBS_REASON_MAX. */
static __thread char traced_reason[160];

pid_t compat_current_pid(void)
{
	return current_pid ? current_pid : (pid_t)syscall(SYS_gettid);
}

void compat_trace_reason(const char *reason)
{
	/* Every successful command passes here: keep that path short. */
	if (!reason[0]) {
		traced_reason[0] = '\0';
		return;
	}
	snprintf(traced_reason, sizeof(traced_reason), "%s", reason);
	pr_debug("%s", reason);
}

const char *compat_traced_reason(void)
{
	return traced_reason;
}
