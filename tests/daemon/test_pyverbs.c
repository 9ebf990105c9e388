// SPDX-License-Identifier: MIT
/*
 * rdma-core's own pyverbs tests (Debian's python3-pyverbs and rdma-core,
 * which ships them gzipped in /usr/share/doc/rdma-core/tests), unmodified,
 * through `ioverbs run` on the daemon's ioverbs0: one test here per module
 * (device, PD, MR, CQ, CQ events, QP, extended QP and CQ, atomics, AH,
 * fork, ODP, parent domains, relaxed ordering).  Each unpacks a fresh copy of the
 * shipped tests into the build tree ($(O)/pyverbs.XXXXXX, removed
 * afterwards), runs `python3 run_tests.py -v --dev ioverbs0 MODULE` and
 * wants unittest's "OK" with no error and no failure, at least one test
 * run, and no object of the run left in the daemon.
 *
 * A pyverbs test may skip only for a reason in skips[] below, each a
 * feature the soft device does not offer (pyverbs' own skip, on
 * EOPNOTSUPP or the device's attributes) or one the machine lacks;
 * docs/provider.md ("pyverbs: what skips and why") justifies each.  Any
 * other skip fails: a verb that newly says EOPNOTSUPP is a regression.
 * The skips are printed, counted by reason.
 *
 * The provider is $IOVERBS_PROVIDER, else $(O)/rel/provider/.  Without
 * pyverbs or the shipped tests every test skips.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "fixture.h"

#define PYTHON "/usr/bin/python3"
#define SHIPPED "/usr/share/doc/rdma-core/tests"

/* The pyverbs skips the soft device may take: docs/provider.md. */
static const char *const skips[] = {
	"Device memory is not supported",
	"Rereg MR is not supported",
	"Reg MR with MW access is not supported",
	"Create memory window of type 3 is not supported",
	"Resize CQ is not supported",
	"To Create RAW QP must be done by root on Ethernet link layer",
	"All gid indices populated, cannot check bad flow",
	"Create XRCD is not supported",
	"Create custom mr with additional access flags 18 is not supported",
	"Extended QP is not supported on this device",
	"ODP is not supported - No ODP caps",
	"Parent Domain is not supported on this device",
	/* A RoCE-only check; ioverbs0's port is InfiniBand. */
	"Link layer of port=1 is InfiniBand , skip RoCE test",
	/* The machine: no 2 MiB huge pages reserved. */
	"There are no huge pages of size 2M allocated",
	/* The machine: no GPU render node to allocate a dma-buf on. */
	"Device /dev/dri/renderD",
	"Lack of permission to access /dev/dri/renderD",
	"Allocating dmabuf is not supported by /dev/dri/renderD",
	/* A dma-buf to register, but no dma-buf MRs on ioverbs. */
	"Reg dma-buf MR is not supported by the RDMA driver",
};



/* Skips without pyverbs or @module's shipped file; sets the provider. */
static void need_pyverbs(const char *module)
{
	char *argv[] = { PYTHON, "-c", "import pyverbs.device", NULL };
	const char *so = getenv("IOVERBS_PROVIDER");
	char path[256], out[4096];

	if (access(PYTHON, X_OK) || fx_run(argv, out, sizeof(out)))
		harness_skip("no pyverbs (scripts/install.sh installs python3-pyverbs)");
	snprintf(path, sizeof(path), SHIPPED "/%s.py", module);
	if (access(path, R_OK)) {
		snprintf(path, sizeof(path), SHIPPED "/%s.py.gz", module);
		if (access(path, R_OK))
			harness_skip("no %s/%s.py[.gz] (scripts/install.sh installs rdma-core)",
				     SHIPPED, module);
	}
	if (!so || !*so) {
		so = fx_in_build("rel/provider/libioverbs-rdmav34.so");
		ASSERT_OK(setenv("IOVERBS_PROVIDER", so, 1));
	}
	if (access(so, R_OK))
		harness_fail(__FILE__, __LINE__, "no provider at %s", so);
	if (access(fx_tool_path(), X_OK))
		harness_fail(__FILE__, __LINE__, "no tool at %s", fx_tool_path());
}

/* A fresh copy of the shipped tests, unpacked, in @dir (under $(O)). */
static void unpack(char *dir, size_t size)
{
	char cmd[2 * PATH_MAX + 256], out[4096];
	char *argv[] = { "/bin/sh", "-c", cmd, NULL };

	if (snprintf(dir, size, "%s", fx_in_build("pyverbs.XXXXXX")) >= (int)size)
		harness_fail(__FILE__, __LINE__, "build path too long");
	ASSERT_TRUE(mkdtemp(dir) != NULL);
	if (snprintf(cmd, sizeof(cmd),
		     "cp -R " SHIPPED " '%s/tests' && "
		     "for f in '%s'/tests/*.gz; do gunzip \"$f\" || exit 1; done",
		     dir, dir) >= (int)sizeof(cmd))
		harness_fail(__FILE__, __LINE__, "build path too long");
	if (fx_run(argv, out, sizeof(out)))
		harness_fail(__FILE__, __LINE__, "unpacking %s: %s", SHIPPED,
			     out);
}

static void remove_tree(const char *dir)
{
	char *argv[] = { "/bin/rm", "-rf", (char *)dir, NULL };
	char out[256];

	fx_run(argv, out, sizeof(out));
}

/* @n: how many tests of @text skipped for each allowed reason; fails
 * on any other reason. */
static void count_skips(const char *text, unsigned int *n)
{
	const char *p = text, *why;
	unsigned int i;
	size_t len;

	while ((p = strstr(p, " ... skipped '"))) {
		why = p + strlen(" ... skipped '");
		len = strcspn(why, "\n");
		for (i = 0; i < ARRAY_SIZE(skips); i++)
			if (!strncmp(why, skips[i], strlen(skips[i])))
				break;
		if (i == ARRAY_SIZE(skips))
			harness_fail(__FILE__, __LINE__,
				     "a skip docs/provider.md does not justify: %.*s",
				     (int)len, why);
		n[i]++;
		p = why + len;
	}
}

/* unittest's "Ran N tests": N. */
static unsigned int ran(const char *text)
{
	const char *p = strstr(text, "\nRan ");

	return p ? (unsigned int)strtoul(p + 5, NULL, 10) : 0;
}

/*
 * rdma-core's tests/@module.py through `ioverbs run` on a daemon of our
 * own: exit 0, unittest's "OK", only allowed skips, nothing left behind.
 */
/*
 * rdma-core's pyverbs test @module through `ioverbs run`: on the direct
 * path (the default: its QPs and their peers are in one process), or on
 * the relay (@relay: IOVERBS_DIRECT=0).
 */
static void pyverbs_module(const char *module, bool relay)
{
	static char out[1 << 20];
	unsigned int n[ARRAY_SIZE(skips)] = { 0 }, i, total, skipped = 0;
	char dir[PATH_MAX], script[PATH_MAX + 32], mnt_opt[128];
	char *argv[12];
	struct fx fx;
	long base;
	int ret;

	need_pyverbs(module);
	unpack(dir, sizeof(dir));
	snprintf(script, sizeof(script), "%s/tests/run_tests.py", dir);
	fx_start(&fx, "--mode=0666", NULL);
	base = fx_live_objects(&fx);
	snprintf(mnt_opt, sizeof(mnt_opt), "--mount=%s", fx.mnt);
	if (relay)
		ASSERT_OK(setenv("IOVERBS_DIRECT", "0", 1));
	else
		ASSERT_OK(unsetenv("IOVERBS_DIRECT"));
	argv[0] = (char *)fx_tool_path();
	argv[1] = "run";
	argv[2] = mnt_opt;
	argv[3] = "--";
	argv[4] = PYTHON;
	argv[5] = script;
	argv[6] = "-v";
	argv[7] = "--dev";
	argv[8] = "ioverbs0";
	argv[9] = (char *)module;
	argv[10] = NULL;
	ret = fx_run(argv, out, sizeof(out));
	remove_tree(dir);
	total = ran(out);
	if (ret || !total || !strstr(out, "\nOK") ||
	    strstr(out, " ... ERROR") || strstr(out, " ... FAIL"))
		harness_fail(__FILE__, __LINE__, "%s: exit %d:\n%s", module,
			     ret, out);
	count_skips(out, n);
	for (i = 0; i < ARRAY_SIZE(skips); i++)
		skipped += n[i];
	printf("  # %s%s: %u ran, %u passed, %u skipped\n", module,
	       relay ? " (relay)" : "", total, total - skipped, skipped);
	for (i = 0; i < ARRAY_SIZE(skips); i++)
		if (n[i])
			printf("  #   %u skipped: %s\n", n[i], skips[i]);
	ASSERT_EQ(fx_live_objects_settled(&fx), base);
	fx_stop(&fx);
}

TEST_TIMEOUT(pyverbs_device, 300)
{
	pyverbs_module("test_device", false);
}

TEST_TIMEOUT(pyverbs_pd, 300)
{
	pyverbs_module("test_pd", false);
}

TEST_TIMEOUT(pyverbs_mr, 300)
{
	pyverbs_module("test_mr", false);
}

TEST_TIMEOUT(pyverbs_cq, 300)
{
	pyverbs_module("test_cq", false);
}

TEST_TIMEOUT(pyverbs_cq_events, 300)
{
	pyverbs_module("test_cq_events", false);
}

TEST_TIMEOUT(pyverbs_qp, 300)
{
	pyverbs_module("test_qp", false);
}

TEST_TIMEOUT(pyverbs_qpex, 300)
{
	pyverbs_module("test_qpex", false);
}

TEST_TIMEOUT(pyverbs_cqex, 300)
{
	pyverbs_module("test_cqex", false);
}

TEST_TIMEOUT(pyverbs_atomic, 300)
{
	pyverbs_module("test_atomic", false);
}

TEST_TIMEOUT(pyverbs_addr, 300)
{
	pyverbs_module("test_addr", false);
}

TEST_TIMEOUT(pyverbs_fork, 300)
{
	pyverbs_module("test_fork", false);
}

TEST_TIMEOUT(pyverbs_odp, 300)
{
	pyverbs_module("test_odp", false);
}

TEST_TIMEOUT(pyverbs_parent_domain, 300)
{
	pyverbs_module("test_parent_domain", false);
}

TEST_TIMEOUT(pyverbs_relaxed_ordering, 300)
{
	pyverbs_module("test_relaxed_ordering", false);
}

/* The modules that move data, on the relay too. */
TEST_TIMEOUT(pyverbs_relaxed_ordering_relay, 300)
{
	pyverbs_module("test_relaxed_ordering", true);
}

TEST_TIMEOUT(pyverbs_cq_relay, 300)
{
	pyverbs_module("test_cq", true);
}

TEST_TIMEOUT(pyverbs_cq_events_relay, 300)
{
	pyverbs_module("test_cq_events", true);
}

TEST_TIMEOUT(pyverbs_qp_relay, 300)
{
	pyverbs_module("test_qp", true);
}

TEST_TIMEOUT(pyverbs_qpex_relay, 300)
{
	pyverbs_module("test_qpex", true);
}

TEST_TIMEOUT(pyverbs_cqex_relay, 300)
{
	pyverbs_module("test_cqex", true);
}

TEST_TIMEOUT(pyverbs_atomic_relay, 300)
{
	pyverbs_module("test_atomic", true);
}
