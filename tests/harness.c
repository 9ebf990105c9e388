// SPDX-License-Identifier: MIT
/* The test harness; see harness.h. */
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <rdma/ib_verbs.h>

#include "harness.h"

#define MAX_TESTS 512

static struct {
	const char *name;
	test_fn fn;				/* a TEST() */
	const struct harness_fixture *fixture;	/* or a TEST_F() */
	void (*fn_f)(void *self);
	unsigned int timeout;
} tests[MAX_TESTS];
static unsigned int num_tests;

/* Exit codes of a test child. */
enum { CHILD_PASS = 0, CHILD_FAIL = 1, CHILD_SKIP = 77 };

/*
 * Why the test child skipped, for the parent's "skip NAME: why" line: a
 * page shared with the children (NULL if it could not be mapped).
 */
#define SKIP_REASON_MAX 256
static char *skip_reason;

/*
 * The fixture whose teardown is still due: set from the end of its setup
 * until its teardown starts.  A failure or skip in between runs it before
 * the test ends.  One thread ends a test: the first to fail or skip (the
 * ender) runs the teardown if it is still due, or waits for the body's
 * thread to finish it; any other thread that fails or skips, or reaches
 * the end of the body, meanwhile waits for the ender to end the test.
 */
static struct {
	pthread_mutex_t lock;
	pthread_cond_t torn;			/* @tearing went false */
	const struct harness_fixture *fixture;	/* due, or NULL */
	void *self;
	bool tearing;		/* a teardown runs, on @tearer */
	pthread_t tearer;
	bool ending;		/* @ender fails or skips the test */
	pthread_t ender;
} due = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.torn = PTHREAD_COND_INITIALIZER,
};

static void register_test(const char *name, test_fn fn,
			  const struct harness_fixture *fx,
			  void (*fn_f)(void *self), unsigned int timeout_s)
{
	if (num_tests == MAX_TESTS) {
		fprintf(stderr, "harness: too many tests\n");
		exit(2);
	}
	tests[num_tests].name = name;
	tests[num_tests].fn = fn;
	tests[num_tests].fixture = fx;
	tests[num_tests].fn_f = fn_f;
	tests[num_tests].timeout = timeout_s;
	num_tests++;
}

void harness_register(const char *name, test_fn fn, unsigned int timeout_s)
{
	register_test(name, fn, NULL, NULL, timeout_s);
}

void harness_register_f(const char *name, const struct harness_fixture *fx,
			void (*fn)(void *self), unsigned int timeout_s)
{
	register_test(name, NULL, fx, fn, timeout_s);
}

/*
 * Runs the due teardown, if any, on this thread (see @due).  @ending: for
 * harness_fail() and harness_skip(), which end the test when it returns.
 */
static void teardown_due(bool ending)
{
	pthread_t me = pthread_self();
	const struct harness_fixture *fx;
	void *self;

	pthread_mutex_lock(&due.lock);
	if (due.ending) {
		/* The ender's teardown failed: end now.  Else wait for it. */
		if (ending && pthread_equal(due.ender, me))
			goto out_unlock;
		/* Our teardown failed while the ender waited for it. */
		if (due.tearing && pthread_equal(due.tearer, me)) {
			due.tearing = false;
			pthread_cond_broadcast(&due.torn);
		}
		goto wait_forever;
	}
	if (ending) {
		due.ending = true;
		due.ender = me;
		while (due.tearing && !pthread_equal(due.tearer, me))
			pthread_cond_wait(&due.torn, &due.lock);
	}
	fx = due.fixture;
	self = due.self;
	due.fixture = NULL;
	if (fx) {
		due.tearing = true;
		due.tearer = me;
		pthread_mutex_unlock(&due.lock);
		fx->teardown(self);
		pthread_mutex_lock(&due.lock);
		due.tearing = false;
		pthread_cond_broadcast(&due.torn);
	}
	/* Another thread failed during our teardown: it ends the test. */
	if (!ending && due.ending)
		goto wait_forever;
out_unlock:
	pthread_mutex_unlock(&due.lock);
	return;
wait_forever:
	pthread_mutex_unlock(&due.lock);
	for (;;)
		pause();
}

const char *errno_name(long err)
{
	static const struct {
		int e;
		const char *n;
	} names[] = {
		{ 0, "0" }, { EPERM, "EPERM" }, { ENOENT, "ENOENT" },
		{ EIO, "EIO" }, { EBADF, "EBADF" }, { EAGAIN, "EAGAIN" },
		{ ENOMEM, "ENOMEM" }, { EFAULT, "EFAULT" }, { EBUSY, "EBUSY" },
		{ EEXIST, "EEXIST" }, { ENODEV, "ENODEV" }, { EINVAL, "EINVAL" },
		{ EMFILE, "EMFILE" }, { ENOTTY, "ENOTTY" }, { ENOSPC, "ENOSPC" },
		{ ENOSYS, "ENOSYS" }, { EOPNOTSUPP, "EOPNOTSUPP" },
		{ ETIMEDOUT, "ETIMEDOUT" }, { ECANCELED, "ECANCELED" },
	};
	static __thread char buf[32];
	unsigned int i;

	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (names[i].e == -err || (err == 0 && names[i].e == 0))
			return err <= 0 ? names[i].n : "positive?";
	snprintf(buf, sizeof(buf), "%ld", err);
	return buf;
}

void harness_fail(const char *file, int line, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  FAIL %s:%d: ", file, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	if (ib_uverbs_last_error()[0])
		fprintf(stderr, "  last command error: %s\n",
			ib_uverbs_last_error());
	fflush(stderr);
	teardown_due(true);
	_exit(CHILD_FAIL);
}

void harness_skip(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "  SKIP: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\n");
	fflush(stderr);
	if (skip_reason) {
		va_start(ap, fmt);
		vsnprintf(skip_reason, SKIP_REASON_MAX, fmt, ap);
		va_end(ap);
		/* One line: the reason ends the verdict line. */
		skip_reason[strcspn(skip_reason, "\n")] = '\0';
	}
	teardown_due(true);
	_exit(CHILD_SKIP);
}

/* A TEST_F(): setup, body, teardown, on a zeroed struct of its own. */
static void run_fixture(unsigned int i)
{
	const struct harness_fixture *fx = tests[i].fixture;
	void *self = calloc(1, fx->size);

	if (!self)
		harness_fail(__FILE__, __LINE__, "no memory for the fixture");
	fx->setup(self);
	pthread_mutex_lock(&due.lock);
	due.fixture = fx;
	due.self = self;
	pthread_mutex_unlock(&due.lock);
	tests[i].fn_f(self);
	teardown_due(false);
	free(self);
}

/* The body, then the leak check every test gets. */
static void run_body(unsigned int i)
{
	long live;

	compat_warn_abort = true;
	if (compat_init()) {
		fprintf(stderr, "  FAIL: compat_init\n");
		_exit(CHILD_FAIL);
	}
	if (tests[i].fixture)
		run_fixture(i);
	else
		tests[i].fn();
	rcu_barrier();
	live = compat_live_objects();
	if (live)
		harness_fail(__FILE__, __LINE__, "%ld objects leaked", live);
}

static int run_forked(unsigned int i)
{
	int status;
	pid_t pid;

	fflush(stdout);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		perror("fork");
		return CHILD_FAIL;
	}
	if (!pid) {
		alarm(tests[i].timeout);
		run_body(i);
		fflush(stdout);
		_exit(CHILD_PASS);
	}
	if (waitpid(pid, &status, 0) < 0)
		return CHILD_FAIL;
	if (WIFSIGNALED(status)) {
		fprintf(stderr, "  FAIL: %s\n",
			WTERMSIG(status) == SIGALRM ? "timed out" :
						      strsignal(WTERMSIG(status)));
		return CHILD_FAIL;
	}
	return WEXITSTATUS(status);
}

int main(int argc, char **argv)
{
	unsigned int i, passed = 0, failed = 0, skipped = 0;
	int a, r;

	setvbuf(stdout, NULL, _IOLBF, 0);
	skip_reason = mmap(NULL, SKIP_REASON_MAX, PROT_READ | PROT_WRITE,
			   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (skip_reason == MAP_FAILED)
		skip_reason = NULL;
	for (i = 0; i < num_tests; i++) {
		if (argc > 1) {
			for (a = 1; a < argc; a++)
				if (!strcmp(argv[a], tests[i].name))
					break;
			if (a == argc)
				continue;
		}
		if (skip_reason)
			skip_reason[0] = '\0';
		r = argc > 1 ? (run_body(i), CHILD_PASS) : run_forked(i);
		if (r == CHILD_PASS) {
			printf("ok %s\n", tests[i].name);
			passed++;
		} else if (r == CHILD_SKIP) {
			if (skip_reason && skip_reason[0])
				printf("skip %s: %s\n", tests[i].name,
				       skip_reason);
			else
				printf("skip %s\n", tests[i].name);
			skipped++;
		} else {
			printf("not ok %s\n", tests[i].name);
			failed++;
		}
	}
	printf("%u passed, %u failed", passed, failed);
	if (skipped)
		printf(", %u skipped", skipped);
	printf("\n");
	return failed ? 1 : 0;
}
