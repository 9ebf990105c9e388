// SPDX-License-Identifier: MIT
/*
 * Page pinning's refusals, without pinning: MR registration in a kernel
 * pins the region's pages (get_user_pages), which fails for a hole in the
 * range, a mapping without read permission (PROT_NONE), a read-only
 * mapping when the MR lets anyone write, and the kernel's own I/O
 * mappings.  We pin nothing (the data path copies through the owner's
 * compat_mm, and those copies fail cleanly once the memory is gone), so
 * registration asks the process's memory map instead: /proc/PID/maps
 * lists its mappings in address order, each with its permissions.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "compat.h"

/* Lines longer than this (long paths) are read in pieces; the fields we
 * need come first. */
#define MAPS_LINE 512

/* Mappings get_user_pages() refuses whatever their permissions say. */
static bool maps_unpinnable(const char *name)
{
	return !strncmp(name, "[vvar", 5);
}

int compat_maps_check(int pid, u64 uaddr, u64 len, bool write, u64 *bad)
{
	char path[48], line[MAPS_LINE], perms[8], name[16];
	unsigned long long start, end;
	u64 cur = uaddr, last = uaddr + len - 1;
	bool whole = true;
	int ret = -EFAULT;
	FILE *fp;

	if (!len || last < uaddr) {
		*bad = uaddr;
		return -EFAULT;
	}
	if (pid)
		snprintf(path, sizeof(path), "/proc/%d/maps", pid);
	else
		snprintf(path, sizeof(path), "/proc/self/maps");
	fp = fopen(path, "re");
	if (!fp)
		return -ESRCH;
	while (fgets(line, sizeof(line), fp)) {
		bool head = whole;

		/* The rest of a long line is not a line of its own. */
		whole = strchr(line, '\n') != NULL;
		if (!head)
			continue;
		name[0] = '\0';
		if (sscanf(line, "%llx-%llx %7s %*s %*s %*s %15s", &start, &end,
			   perms, name) < 3)
			continue;
		if (end <= cur)
			continue;
		if (start > cur)
			break;	/* a hole at cur */
		if (perms[0] != 'r' || (write && perms[1] != 'w') ||
		    maps_unpinnable(name)) {
			ret = -EACCES;
			break;
		}
		if (end - 1 >= last) {
			ret = 0;
			break;
		}
		cur = end;
	}
	fclose(fp);
	if (ret)
		*bad = cur;
	return ret;
}
