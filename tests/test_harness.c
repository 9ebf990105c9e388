// SPDX-License-Identifier: MIT
/*
 * The harness's fixtures (harness.h): setup, body and teardown run in
 * that order on a zeroed struct, and teardown runs too when the body
 * fails an assertion, on its own thread or another, or skips.
 *
 * Tests that must fail cannot run in the suite: each check here runs
 * this program again with one such test's name (the named mode, which
 * does not fork) and HARNESS_TRACE set to a file where setup, body and
 * teardown write what ran; the check reads the exit status and the
 * file.  The on-purpose tests are registered only when HARNESS_TRACE is
 * set, so a plain run neither runs nor lists them.
 */
#include <fcntl.h>
#include <pthread.h>
#include <sys/wait.h>
#include <unistd.h>

#include "harness.h"

#define TRACE_ENV "HARNESS_TRACE"

/* Appends @step and a newline to $HARNESS_TRACE. */
static void trace(const char *step)
{
	FILE *f = fopen(getenv(TRACE_ENV), "a");

	if (!f)
		_exit(3);
	fprintf(f, "%s\n", step);
	fclose(f);
}

FIXTURE(traced) {
	int magic;
	bool torn;
};

FIXTURE_SETUP(traced)
{
	ASSERT_EQ(self->magic, 0);
	self->magic = 0x5e1f;
	if (getenv(TRACE_ENV))
		trace("setup");
}

FIXTURE_TEARDOWN(traced)
{
	ASSERT_EQ(self->magic, 0x5e1f);
	ASSERT_TRUE(!self->torn);
	self->torn = true;
	if (getenv(TRACE_ENV))
		trace("teardown");
}

/* In the suite too: the body sees what setup made. */
TEST_F(traced, harness_fixture_body_sees_setup)
{
	ASSERT_EQ(self->magic, 0x5e1f);
	ASSERT_TRUE(!self->torn);
	if (getenv(TRACE_ENV))
		trace("body");
}

/* --- the on-purpose tests, run by the checks below ------------------- */

static void body_fails(void *arg)
{
	struct traced *self = arg;

	trace("body");
	ASSERT_EQ(self->magic, 0);
	trace("after the failed assertion");
}

static void *thread_fails(void *arg)
{
	trace("thread");
	harness_fail(__FILE__, __LINE__, "on purpose, from a thread");
}

static void body_thread_fails(void *arg)
{
	pthread_t t;

	trace("body");
	ASSERT_OK(-pthread_create(&t, NULL, thread_fails, NULL));
	/* The thread ends the test (after teardown): never returns. */
	pthread_join(t, NULL);
	trace("after the join");
}

static void body_skips(void *arg)
{
	trace("body");
	harness_skip("on purpose");
}

/* Teardown's own failure ends the test at once, and only once. */
static void teardown_fails(void *arg)
{
	trace("teardown");
	harness_fail(__FILE__, __LINE__, "on purpose, in teardown");
}

static void setup_fails(void *arg)
{
	trace("setup");
	harness_fail(__FILE__, __LINE__, "on purpose, in setup");
}

static const struct harness_fixture traced_fixture = {
	.size = sizeof(struct traced),
	.setup = traced_setup_any,
	.teardown = traced_teardown_any,
};

static const struct harness_fixture teardown_fails_fixture = {
	.size = sizeof(struct traced),
	.setup = traced_setup_any,
	.teardown = teardown_fails,
};

static const struct harness_fixture setup_fails_fixture = {
	.size = sizeof(struct traced),
	.setup = setup_fails,
	.teardown = traced_teardown_any,
};

static void body_traced(void *arg)
{
	trace("body");
}

__attribute__((constructor)) static void on_purpose_register(void)
{
	if (!getenv(TRACE_ENV))
		return;
	harness_register_f("on_purpose_body_fails", &traced_fixture,
			   body_fails, 10);
	harness_register_f("on_purpose_thread_fails", &traced_fixture,
			   body_thread_fails, 10);
	harness_register_f("on_purpose_body_skips", &traced_fixture,
			   body_skips, 10);
	harness_register_f("on_purpose_teardown_fails",
			   &teardown_fails_fixture, body_traced, 10);
	harness_register_f("on_purpose_setup_fails", &setup_fails_fixture,
			   body_traced, 10);
}

/* --- the checks ------------------------------------------------------ */

/*
 * Runs this program on test @name with a fresh trace file; expects exit
 * status @status and exactly @want in the trace.
 */
static void run_traced(const char *name, int status, const char *want)
{
	char path[] = "/tmp/harness-trace-XXXXXX", got[256];
	int fd, wstatus;
	ssize_t n;
	pid_t pid;

	fd = mkstemp(path);
	ASSERT_TRUE(fd >= 0);
	fflush(stdout);
	fflush(stderr);
	pid = fork();
	ASSERT_TRUE(pid >= 0);
	if (!pid) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, STDOUT_FILENO);
		dup2(null, STDERR_FILENO);
		setenv(TRACE_ENV, path, 1);
		execl("/proc/self/exe", "test_harness", name, (char *)NULL);
		_exit(127);
	}
	ASSERT_EQ(waitpid(pid, &wstatus, 0), pid);
	n = read(fd, got, sizeof(got) - 1);
	close(fd);
	unlink(path);
	ASSERT_TRUE(n >= 0);
	got[n] = '\0';
	if (!WIFEXITED(wstatus) || WEXITSTATUS(wstatus) != status)
		harness_fail(__FILE__, __LINE__,
			     "%s: wait status 0x%x, expected exit %d", name,
			     wstatus, status);
	if (strcmp(got, want))
		harness_fail(__FILE__, __LINE__,
			     "%s: trace \"%s\", expected \"%s\"", name, got,
			     want);
}

TEST(harness_fixture_order)
{
	run_traced("harness_fixture_body_sees_setup", 0,
		   "setup\nbody\nteardown\n");
}

/* Exit codes of harness.c: 1 failed, 77 skipped. */
TEST(harness_teardown_after_failure)
{
	run_traced("on_purpose_body_fails", 1, "setup\nbody\nteardown\n");
}

TEST(harness_teardown_after_failure_in_thread)
{
	run_traced("on_purpose_thread_fails", 1,
		   "setup\nbody\nthread\nteardown\n");
}

TEST(harness_teardown_after_skip)
{
	run_traced("on_purpose_body_skips", 77, "setup\nbody\nteardown\n");
}

TEST(harness_teardown_failure_ends_test)
{
	run_traced("on_purpose_teardown_fails", 1, "setup\nbody\nteardown\n");
}

TEST(harness_setup_failure_no_teardown)
{
	run_traced("on_purpose_setup_fails", 1, "setup\n");
}
