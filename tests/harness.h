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

/* Ends the current test as failed, saying where and why. */
void harness_fail(const char *file, int line, const char *fmt, ...)
	__attribute__((noreturn, format(printf, 3, 4)));
/* Ends the current test as skipped; the reason is printed. */
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
