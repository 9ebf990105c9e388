/* SPDX-License-Identifier: MIT */
/*
 * A small test harness.  Each TEST() runs in a forked child with a time
 * limit; after the body, the harness waits for RCU callbacks and fails the
 * test if compat's live-object counter is not zero.  A program prints
 * "ok NAME" / "not ok NAME" / "skip NAME: why" lines and
 * "N passed, N failed[, N skipped]".
 *
 *   ./test_x              run every test
 *   ./test_x NAME...      run the named tests only, without forking
 *
 * Tests that share a setup shape say it once, as a fixture (below).
 */
#ifndef _TESTS_HARNESS_H
#define _TESTS_HARNESS_H

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <compat.h>

typedef void (*test_fn)(void);
void harness_register(const char *name, test_fn fn, unsigned int timeout_s);

/* Per-test time limit in seconds (default 60). */
#define TEST_TIMEOUT(name, secs)                                          \
	static void name(void);                                           \
	__attribute__((constructor)) static void name##_register(void)    \
	{                                                                 \
		harness_register(#name, name, secs);                      \
	}                                                                 \
	static void name(void)

#define TEST(name) TEST_TIMEOUT(name, 60)

/*
 * Fixtures, as the kernel's kselftest harness has them: a struct, its
 * setup and its teardown, named once and used by every test of that
 * shape.
 *
 *	FIXTURE(ctx) {
 *		struct tx_dev *dev;
 *		struct ib_uverbs_file *f;
 *	};
 *
 *	FIXTURE_SETUP(ctx)
 *	{
 *		self->dev = tx_dev_create();
 *		self->f = tx_open_ctx_ok(self->dev);
 *	}
 *
 *	FIXTURE_TEARDOWN(ctx)
 *	{
 *		if (self->f)
 *			tx_close(self->f);
 *		tx_dev_destroy(self->dev);
 *	}
 *
 *	TEST_F(ctx, rule03_length_too_big)
 *	{
 *		... self->f ...
 *	}
 *
 * A TEST_F() is a test like any other: its own name (not prefixed with
 * the fixture's, so that a test keeps its name when it moves to a
 * fixture), forked, timed, leak-checked.  It gets a zeroed struct ctx
 * (a fixture's name is its struct's tag) as self: setup, then the body,
 * then teardown, then the leak check.  Teardown
 * runs too when the body fails an assertion or skips (harness_fail() and
 * harness_skip() call it, from whichever thread ended the test), so it
 * must cope with members the body closed itself (NULL them) or left half
 * done.  A failure inside setup or teardown ends the test at once; a test
 * that times out gets no teardown (the daemon fixture cleans up after a
 * dead test, see tests/daemon/fixture.h).  tests/test_harness.c checks
 * all of this.
 *
 * The macros declare, nothing else: FIXTURE() the struct and the
 * setup/teardown prototypes, FIXTURE_SETUP()/FIXTURE_TEARDOWN() their
 * heads, TEST_F() the test's head and its registration.  Each wraps a
 * typed function in a void * one so that no function pointer is cast.
 * Compile-time checks: a fixture without its setup or teardown, or one
 * no test uses, fails to build (a static function used but not defined,
 * or defined but not used); TEST_F() of a fixture whose struct is not
 * complete yet fails at its sizeof.  The order setup, body, teardown is
 * harness.c's run_fixture(): no control flow hides in a macro.
 */
struct harness_fixture {
	size_t size;			/* of the fixture's struct */
	void (*setup)(void *self);
	void (*teardown)(void *self);
};
void harness_register_f(const char *name, const struct harness_fixture *fx,
			void (*fn)(void *self), unsigned int timeout_s);

#define FIXTURE(fx)                                                       \
	struct fx;                                                        \
	static void fx##_setup(struct fx *self);                          \
	static void fx##_teardown(struct fx *self);                       \
	static void fx##_setup_any(void *self)                            \
	{                                                                 \
		fx##_setup(self);                                         \
	}                                                                 \
	static void fx##_teardown_any(void *self)                         \
	{                                                                 \
		fx##_teardown(self);                                      \
	}                                                                 \
	struct fx

#define FIXTURE_SETUP(fx) static void fx##_setup(struct fx *self)
#define FIXTURE_TEARDOWN(fx) static void fx##_teardown(struct fx *self)

#define TEST_F_TIMEOUT(fx, name, secs)                                    \
	static void name(struct fx *self);                                \
	static void name##_any(void *self)                                \
	{                                                                 \
		name(self);                                               \
	}                                                                 \
	__attribute__((constructor)) static void name##_register(void)    \
	{                                                                 \
		static const struct harness_fixture f = {                 \
			.size = sizeof(struct fx),                        \
			.setup = fx##_setup_any,                          \
			.teardown = fx##_teardown_any,                    \
		};                                                        \
		harness_register_f(#name, &f, name##_any, secs);          \
	}                                                                 \
	static void name(struct fx *self)

#define TEST_F(fx, name) TEST_F_TIMEOUT(fx, name, 60)

/* Ends the current test as failed, saying where and why (after its
 * fixture's teardown, if it has one). */
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* Ends the current test as skipped, the reason printed (after its
 * fixture's teardown, as harness_fail()). */
void harness_skip(const char *fmt, ...)
	__attribute__((noreturn, format(printf, 1, 2)));

const char *errno_name(long err);

#define ASSERT_TRUE(c)                                                    \
	do {                                                              \
		if (!(c))                                                 \
			harness_fail(__FILE__, __LINE__, "%s", #c);       \
	} while (0)

#define ASSERT_EQ(a, b)                                                   \
	do {                                                              \
		long long _a = (long long)(a), _b = (long long)(b);       \
		if (_a != _b)                                             \
			harness_fail(__FILE__, __LINE__,                  \
				     "%s == %lld, expected %s == %lld",   \
				     #a, _a, #b, _b);                     \
	} while (0)

/* @expr returns 0 or -errno; expect exactly @err (0 for success). */
#define ASSERT_ERRNO(err, expr)                                           \
	do {                                                              \
		long _r = (long)(expr), _e = (long)(err);                 \
		if (_r != _e)                                             \
			harness_fail(__FILE__, __LINE__,                  \
				     "%s returned %s (%ld), expected %s", \
				     #expr, errno_name(_r), _r,           \
				     errno_name(_e));                     \
	} while (0)

#define ASSERT_OK(expr) ASSERT_ERRNO(0, expr)

#endif /* _TESTS_HARNESS_H */
